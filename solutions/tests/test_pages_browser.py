# ruff: noqa: F811 - the fixtures imported from test_browser are parameters here
"""The pages of common solutions in a real browser, with the shipped register and the demo data
(SvarUt's demo adoption and benefit model, solutions/demo.py): axe-core (WCAG 2.1 A/AA, serious
and critical) and no CSP violation, in nb and en, anonymously, as the demo administrator and as
the demo contact of Oslo, in the states URL discovery (core/tests/test_browser.py) does not
reach: a chosen member on the spread and benefits pages, an invalid "as of" day, every edit
form's error state, the adoption update of a contact, and the import page's error table.

One test, one browser, one context per (language, actor), pages visited in a loop.
Run: pytest -m browser solutions/tests/test_pages_browser.py -p no:randomly
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from core.tests.test_browser import (  # noqa: F401
    DEMO_ADMIN,
    Session,
    _register_snapshot,
    browser,
    register_data,
    session_factory,
)

pytestmark = pytest.mark.browser
CONTACT = ("kontakt-oslo", "samstyring-demo")  # load_demo: organisation contact of Oslo
# A valid organisation number (mod 11) that is not in the register.
UNKNOWN_ORG_NUMBER = "974760673"
BAD_CSV = ("organisation,solution,status,valid_from\r\n"
           f"{UNKNOWN_ORG_NUMBER},svarut,production,2020-01-01\r\n"
           "0301,svarut,in use,2020-01-01\r\n"
           "0301,no-such-solution,production,2099-01-01\r\n").encode()


def _paths() -> dict:
    from register.models import Organisation, OrganisationKind
    from solutions.models import Adoption, BenefitItem, Solution

    svarut = Solution.objects.get(slug="svarut")
    oslo = Organisation.objects.get(kind=OrganisationKind.MUNICIPALITY, number="0301")
    bergen = Organisation.objects.get(kind=OrganisationKind.MUNICIPALITY, number="4601")
    assert Adoption.objects.filter(solution=svarut).count() > 300, "no SvarUt demo adoption"
    item = BenefitItem.objects.filter(model__solution=svarut).order_by("pk").first()
    assert item is not None, "no SvarUt demo benefit model"
    laggard = Adoption.objects.filter(solution=svarut, status="not_started",
                                      valid_to__isnull=True).order_by("pk").first()
    assert laggard is not None, "no SvarUt demo laggard"
    s = svarut.slug
    public = {
        "catalogue": reverse("solutions:solution_list"),
        "svarut": reverse("solutions:solution_detail", args=[s]),
        "spread-member": reverse("solutions:solution_spread", args=[s]) + f"?medlem={bergen.pk}",
        "members-grid": reverse("solutions:solution_members", args=[s]),
        "benefits-member": reverse("solutions:solution_benefits", args=[s]) + f"?medlem={oslo.pk}",
        # a member that has not started while most of the sector is in production
        "member-profile": reverse("solutions:member_profile", args=[laggard.organisation_id]),
        "adoption-detail": reverse("solutions:adoption_detail", args=[s, oslo.pk]),
    }
    forms = {  # path -> label; each also in its error state
        "solution-edit": reverse("solutions_edit:solution_edit", args=[s]),
        "benefit-model": reverse("solutions_edit:benefit_model_edit", args=[s]),
        "benefit-item": reverse("solutions_edit:benefit_item_edit", args=[s, item.pk]),
        "adoption-update": reverse("solutions_edit:adoption_update", args=[s, oslo.pk]),
    }
    return {"public": public, "forms": forms,
            "invalid_day": reverse("solutions:solution_spread", args=[s]) + "?dato=1900-01-01",
            "import": reverse("solutions_edit:adoption_import")}


def _error_state(session: Session, path: str, label: str) -> None:
    """The form's error state: an emptied required field (the suite's own helper), and where it
    has none (the import's file field) the form posted empty."""
    if session.form_error_state(path, label):
        return
    session.problems.append(f"{session.where} {path}: no required field to empty")


def _import_states(session: Session, path: str) -> None:
    """The import form posted without a file, then with a file of three bad rows: the page with
    the error table (HTTP 422)."""
    page = session.page
    session.goto(path)
    with page.expect_navigation():
        page.locator("main form [type=submit]").first.click()
    if not page.locator('[aria-invalid="true"]').count():
        session.problems.append(f"{session.where} {path}: no aria-invalid field without a file")
    session.check(path, "import", load=False, suffix=" (no file)", shot=False)
    session.goto(path)
    page.set_input_files("main form input[type=file]", files=[
        {"name": "feil.csv", "mimeType": "text/csv", "buffer": BAD_CSV}])
    with page.expect_navigation() as nav:
        page.locator("main form [type=submit]").first.click()
    status = nav.value.status if nav.value else None
    rows = page.locator("main table tbody tr").count()
    if status != 422 or rows < 3 or UNKNOWN_ORG_NUMBER not in page.content():
        session.problems.append(f"{session.where} {path}: the bad file gave HTTP {status} and "
                                f"{rows} error row(s), expected 422 and at least 3")
    session.check(path, "import", load=False, suffix=" (error table)",
                  shot=session.lang == "nb")


def _invalid_post(session: Session, path: str, label: str, values: dict[str, str]) -> None:
    """Post values the server refuses (not only an empty field) and check the answer."""
    page = session.page
    session.goto(path)
    page.evaluate("document.querySelectorAll('main form').forEach((f) => { f.noValidate = true; })")
    for name, value in values.items():
        page.fill(f'main form [name="{name}"]', value)
    with page.expect_navigation():
        page.locator("main form [type=submit]").first.click()
    if urlsplit(page.url).path != path or not page.locator('[aria-invalid="true"]').count():
        session.problems.append(f"{session.where} {path}: {values} was not refused with an "
                                f"aria-invalid field (now at {page.url})")
        return
    session.check(path, label, load=False, suffix=" (invalid values)", shot=False)


NARROW = 375  # a phone: charts and wide tables scroll in boxes the keyboard can scroll
OVERFLOW_JS = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def _narrow(session: Session, paths: dict) -> None:
    """At phone width no page scrolls sideways as a whole, and axe runs where a table or a chart
    scrolls inside its box (scrollable-region-focusable needs the box keyboard-reachable)."""
    session.page.set_viewport_size({"width": NARROW, "height": 800})
    for label, path in paths.items():
        session.check(path, f"solutions-{label}", shot=False, suffix=f" ({NARROW}px)")
        if (extra := session.page.evaluate(OVERFLOW_JS)) > 0:
            session.problems.append(f"{session.where} {path} at {NARROW}px: the page is "
                                    f"{extra}px wider than the screen")


def test_solution_pages_in_every_state(register_data, session_factory):
    paths = _paths()
    reports = []
    for lang in ("nb", "en"):
        anonymous = session_factory(lang, "solutions-anonymous")
        for label, path in paths["public"].items():
            anonymous.check(path, f"solutions-{label}", shot=lang == "nb")
            if label == "member-profile" and not anonymous.page.locator(".lagging-tag").count():
                anonymous.problems.append(f"{anonymous.where} {path}: the laggard is not "
                                          "marked in words (only a class, or nothing)")
        response = anonymous.goto(paths["invalid_day"])
        assert response.status == 400, f"{paths['invalid_day']}: HTTP {response.status}"
        anonymous.check(paths["invalid_day"], "solutions-spread", load=False,
                        suffix=" (invalid day)", shot=False)
        if lang == "nb":
            _narrow(anonymous, paths["public"])

        admin = session_factory(lang, "solutions-admin")
        admin.login(*DEMO_ADMIN)
        for label, path in paths["public"].items():
            admin.check(path, f"solutions-{label}", shot=False)
        for label, path in paths["forms"].items():
            admin.check(path, f"solutions-{label}", shot=False)
            _error_state(admin, path, f"solutions-{label}")
        _invalid_post(admin, paths["forms"]["benefit-item"], "solutions-benefit-item",
                      {"amount": "100", "amount_low": "200", "first_year": "2020",
                       "last_year": "2019"})
        admin.check(paths["import"], "solutions-import", shot=False)
        _import_states(admin, paths["import"])

        contact = session_factory(lang, "solutions-contact")
        contact.login(*CONTACT)
        for label, path in paths["public"].items():
            contact.check(path, f"solutions-{label}", shot=False)
        update = paths["forms"]["adoption-update"]
        contact.check(update, "solutions-adoption-update", shot=False)
        _error_state(contact, update, "solutions-adoption-update")
        _invalid_post(contact, update, "solutions-adoption-update", {"valid_from": "2999-01-01"})

        for session in (anonymous, admin, contact):
            if report := session.report():
                reports.append(report)
            session.finish(f"{session.mode} {lang}")
    assert not reports, "\n\n".join(reports)
