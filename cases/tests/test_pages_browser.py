"""The case pages in a real browser: axe-core (WCAG 2.1 A/AA, serious and critical) on every
case page anonymously and logged in, every form's error state, and no CSP violation, with data
in the states the demo does not show (an exempt case, a receipt, a synthesis, a closed round).
Run: pytest -m browser cases/tests/test_pages_browser.py.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from cases import services
from core import testing as t
from core.tests.test_browser import Session, browser, session_factory  # noqa: F401

from .conftest import answers, make_round
from .test_views import exempt, world  # noqa: F401

pytestmark = pytest.mark.browser
PASSWORD = "correct-horse-battery"  # core.testing.UserFactory


@pytest.fixture
def pages(world, exempt, admin_user, contact_a, org_a):  # noqa: F811
    closed = make_round(admin_user, world.step, title="Avsluttet runde",
                        closes=world.round.closes_at)
    version, _ = services.input_submit(actor=contact_a, round_=closed, organisation=org_a,
                                       answers=answers(closed, "Arkiv og personvern"))
    services.round_update(actor=admin_user, round_=closed, data={
        "closes_at": closed.opens_at + datetime.timedelta(hours=1)})
    services.round_themes_compute(actor=admin_user, round_=closed)
    services.synthesis_point_save(actor=admin_user, round_=closed, text="Personvern",
                                  cited=[version.input])
    public = [reverse("cases:case_list"), reverse("cases:case_list") + "?status=nonsense",
              reverse("cases:case_detail", args=[world.case.pk]),
              reverse("cases:case_detail", args=[exempt.case.pk]),
              reverse("cases:case_history", args=[world.case.pk]),
              reverse("cases:case_history", args=[exempt.case.pk]),
              reverse("cases:round_detail", args=[world.round.pk]),
              reverse("cases:round_detail", args=[closed.pk]),
              reverse("cases:round_detail", args=[exempt.round.pk]),
              reverse("cases:upcoming"), reverse("cases:meeting_list"),
              reverse("cases:meeting_detail", args=[world.meeting.pk]),
              reverse("cases:dashboard")]
    edit = [reverse(f"cases_edit:{name}", args=args) + query for name, args, query in [
        ("case_create", [], ""), ("case_edit", [world.case.pk], ""),
        ("case_status", [world.case.pk], ""), ("step_create", [world.case.pk], ""),
        ("step_edit", [world.step.pk], ""), ("document_add", [world.case.pk], ""),
        ("document_edit", [world.document.pk], ""), ("round_create", [world.step.pk], ""),
        ("round_edit", [world.round.pk], ""), ("input_edit", [world.round.pk], ""),
        ("synthesis_point", [closed.pk], ""),
        ("synthesis_point", [world.round.pk], f"?punkt={world.point.pk}"),
        ("resolution_create", [world.position_step.pk], ""), ("meeting_create", [], ""),
        ("meeting_edit", [world.meeting.pk], ""), ("agenda_item", [world.meeting.pk], ""),
        ("agenda_item", [world.meeting.pk], f"?punkt={world.item.pk}")]]
    report = reverse("representation_reports:report_detail", args=[world.report.pk])
    return {"public": public, "edit": edit, "report": report, "round": world.round}


def _finish(session: Session, name: str) -> None:
    report = session.report()
    session.finish(name)
    assert not report, report


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_case_pages_anonymous(pages, session_factory, lang):  # noqa: F811
    session = session_factory(lang, "cases-anonymous")
    for path in pages["public"]:
        if "nonsense" in path:  # a filter error state
            _check_status(session, path, 400)
        else:
            session.check(path, path, shot=False)
    _finish(session, f"cases anonymous {lang}")


def _check_status(session: Session, path: str, status: int) -> None:
    response = session.goto(path)
    assert response.status == status, path
    session.check(path, path, shot=False, load=False)


def test_case_pages_and_forms_as_administrator(pages, session_factory, admin_user):  # noqa: F811
    session = session_factory("nb", "cases-admin")
    session.login(admin_user.username, PASSWORD)
    for path in [*pages["public"], *pages["edit"], pages["report"]]:
        if "nonsense" not in path:
            session.check(path, path, shot=False)
    checked = [path for path in pages["edit"]  # the harness compares paths without queries
               if "?" not in path and session.form_error_state(path, path)]
    assert len(checked) >= 8, checked
    _finish(session, "cases admin nb")


def test_round_page_of_an_organisation_contact(pages, session_factory, org_a):  # noqa: F811
    contact = t.user_with_role("org_contact", organisation=org_a)
    session = session_factory("nb", "cases-contact")
    session.login(contact.username, PASSWORD)
    path = reverse("cases:round_detail", args=[pages["round"].pk])
    session.check(path, path, shot=False)
    session.page.fill(f"#id_o{org_a.pk}_q-{pages['round'].questions.first().pk}", "Vårt svar")
    with session.page.expect_navigation():
        session.page.locator("main form button[value=submit]").first.click()
    assert "Vårt svar" in session.page.content()
    session.check(path, "receipt", shot=False, load=False)
    _finish(session, "cases contact nb")
