# ruff: noqa: F811 - the fixtures imported from test_browser are parameters here
"""Browser journeys (issue 3 item 6): real user paths in headless Chromium, with an axe-core
WCAG 2.1 AA scan (no serious or critical violations) on every page visited and a screenshot of
each under bench/out/screenshots/journey-*.png. Run: pytest -m browser core/tests/test_journeys.py

1. Anonymous: home → organisations → filtered by county → an organisation → its county → a
   network → bodies → a body → a person, following links on the pages themselves.
2. The demo contact of Oslo (kontakt-oslo) logs in through the real form, edits the phone number
   of a person of Oslo, and sees the change in the person's change log; an anonymous visitor
   sees that a change was made but not the number (contact details are private). Then the same
   contact opens Bergen's edit page and gets the 403 page.

The data, browser and page-checking helpers are those of the accessibility suite
(core/tests/test_browser.py, core/tests/browser_support.py).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from core.tests import browser_support as bs
from core.tests.test_browser import (  # noqa: F401 - fixtures, used by name
    _register_snapshot,
    browser,
    register_data,
    session_factory,
)

pytestmark = pytest.mark.browser

CONTACT = ("kontakt-oslo", "samstyring-demo")  # created by load_demo
NEW_PHONE = "+47 987 65 432"


def _path(page) -> str:
    return urlsplit(page.url).path


def _follow(session, selector: str, label: str, what: str) -> str:
    """Click the first link matching ``selector`` on the current page, then check the new page."""
    link = session.page.locator(selector).first
    assert link.count(), f"no {what} link ({selector}) on {session.page.url}"
    with session.page.expect_navigation():
        link.click()
    path = _path(session.page)
    session.watch.current = f"{session.where} {path}"
    session.check(path, label, load=False)
    return path


def _session(session_factory, who: str):
    """A Norwegian session whose screenshots are bench/out/screenshots/journey-nb-<who>_*.png."""
    session = session_factory("nb", "journey")
    session.who = who
    return session


def _assert_clean(session, name: str) -> None:
    report = session.report()
    session.mode = f"journey-{session.who}"  # the axe report: bench/out/a11y-journey-<who>-nb.json
    session.finish(name)
    assert not report, report


def test_anonymous_journey_through_register_and_bodies(register_data, session_factory):
    from register.models import County

    session = _session(session_factory, "anonymous")
    session.check(reverse("core:home"), "anonymous-1-home")
    list_path = reverse("register:organisation_list")
    _follow(session, f'a[href="{list_path}"]', "anonymous-2-organisations", "organisations")

    county = County.objects.get(number="46")  # Vestland
    page = session.page
    page.select_option('select[name="county"]', county.number)
    with page.expect_navigation():
        page.locator('form[role="search"] [type="submit"]').first.click()
    assert f"county={county.number}" in page.url, page.url
    session.check(_path(page) + "?" + urlsplit(page.url).query, "anonymous-3-filtered", load=False)
    assert page.locator("main tbody tr").count() > 0, "the county filter left no organisations"

    _follow(session, 'main tbody th a[href^="/organisasjoner/"]', "anonymous-4-organisation",
            "organisation")
    _follow(session, 'main a[href^="/fylker/"]', "anonymous-5-county", "county")
    _follow(session, 'main a[href^="/nettverk/"]', "anonymous-6-network", "network")
    session.check(reverse("structure:body_list"), "anonymous-7-bodies")
    # a body with (demo) members, so the journey can go on to a person
    _follow(session, 'main a[href="/organer/kommit-radet/"]', "anonymous-8-body", "body")
    _follow(session, 'main a[href^="/personer/"]', "anonymous-9-person", "person")
    _assert_clean(session, "journey anonymous")


def _oslo_person():
    """A person of Oslo (the demo data picks organisations at random, so make one if needed)."""
    from core.access import SYSTEM
    from core.services import history_save
    from register.models import Affiliation, Organisation, Person

    oslo = Organisation.objects.get(kind="municipality", number="0301")
    affiliation = Affiliation.objects.filter(organisation=oslo).select_related("person").first()
    if affiliation is None:
        person = history_save(Person(name="Journey Testperson (demo)", is_demo=True,
                                     email="journey@example.invalid", phone="+47 400 00 999"),
                              actor=SYSTEM, reason="journey test")
        affiliation = history_save(Affiliation(person=person, organisation=oslo,
                                               title="Rådgiver"), actor=SYSTEM,
                                   reason="journey test")
    return oslo, affiliation.person


def test_contact_edits_own_organisation_and_is_refused_on_another(register_data,
                                                                 session_factory):
    from register.models import Organisation

    oslo, person = _oslo_person()
    bergen = Organisation.objects.get(kind="municipality", number="4601")
    session = _session(session_factory, "contact")
    session.login(*CONTACT)

    people_path = reverse("register_edit:organisation_people", args=[oslo.pk])
    session.check(people_path, "contact-1-own-people")
    edit_path = reverse("register_edit:person_edit", args=[oslo.pk, person.pk])
    session.check(edit_path, "contact-2-person-edit")
    page = session.page
    page.fill('input[name="phone"]', NEW_PHONE)
    with page.expect_navigation():
        page.locator('main form[method="post"] [type="submit"]').first.click()
    assert _path(page) == people_path, f"saving went to {page.url}"
    session.check(people_path, "contact-3-saved", load=False)

    person_page = reverse("register:person_detail", args=[person.pk])
    session.check(person_page, "contact-4-person-change-log")
    log = page.locator('section[aria-labelledby="history-heading"]').inner_text()
    assert NEW_PHONE in log, f"the change log does not show the new phone number: {log[:500]}"

    # Refused on another organisation: the 403 page, itself accessible.
    for name, path in (
        ("people", reverse("register_edit:organisation_people", args=[bergen.pk])),
        ("organisation", reverse("register_edit:organisation_edit", args=[bergen.pk])),
    ):
        response = session.goto(path)
        assert response is not None and response.status == 403, (
            f"{path}: HTTP {response and response.status}, expected 403")
        label = f"contact-5-refused-bergen-{name}"
        session.findings += bs.run_axe(page, f"{session.where} {path}", label, path)
        page.screenshot(path=str(bs.screenshot_name(session.mode, session.lang, label)),
                        full_page=True)
    _assert_clean(session, "journey contact")

    # The public change log records the change without revealing the number.
    anonymous = _session(session_factory, "public")
    anonymous.check(person_page, "public-6-change-log")
    public_html = anonymous.page.content()
    assert NEW_PHONE not in public_html, "an anonymous visitor sees the new phone number"
    assert "history-heading" in public_html
    _assert_clean(anonymous, "journey public")
