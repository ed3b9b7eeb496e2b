# ruff: noqa: F811 - the fixtures imported from test_browser are parameters here
"""Browser journey (issue 4): the secretariat goes from vacancy to recorded appointment entirely
in the browser, with an axe-core WCAG 2.1 AA scan (no serious or critical violations) of every
page on the way and a screenshot of each under bench/out/screenshots/journey-*.png.

Logged in through the real form as the demo secretariat ("admin"): announce a vacancy for the
two sector seats of Skate → add a representativity rule → (three organisations nominate,
through the services) → run the optimiser → record both appointments from the proposal → see
the new members on Skate's page and in the public register. Run: pytest -m browser.
"""

from __future__ import annotations

import datetime
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from core.tests.test_browser import (  # noqa: F401 - fixtures, used by name
    _register_snapshot,
    browser,
    register_data,
    session_factory,
)

pytestmark = pytest.mark.browser

SECRETARIAT = ("admin", "samstyring-demo")  # created by load_demo
BODY = "skate"
TITLE = "Kommunesektorens plasser i Skate (journey)"


def _path(page) -> str:
    return urlsplit(page.url).path


def _seats():
    """Skate's two sector seats (the shipped register has the body, not its seats)."""
    from core.access import SYSTEM
    from structure import services as structure_services
    from structure.models import Body

    body = Body.objects.get(slug=BODY)
    return body, [structure_services.seat_create(actor=SYSTEM, body=body, data={
        "role": "member", "constituency": "Kommunesektoren", "sort_order": i})
        for i in range(2)]


def _nominate(vacancy_title: str) -> list[str]:
    """Three organisations nominate one of their demo people each (the contacts' part, done
    through the services), with recorded gender for the gender-balance check."""
    from core.access import SYSTEM
    from register.models import Affiliation
    from representation import services
    from representation.models import Vacancy

    vacancy = Vacancy.objects.get(title=vacancy_title)
    names, organisations = [], set()
    affiliations = (Affiliation.objects.current().filter(person__is_demo=True)
                    .exclude(person__nominations__vacancy__isnull=False)
                    .select_related("person", "organisation").order_by("pk"))
    for affiliation in affiliations:
        if affiliation.organisation_id in organisations:
            continue
        organisations.add(affiliation.organisation_id)
        services.nomination_create(
            actor=SYSTEM, vacancy=vacancy, organisation=affiliation.organisation,
            person=affiliation.person, motivation="Erfaren innen nasjonal samordning.",
            competences=["arkitektur"], consent=True)
        services.person_gender_set(actor=SYSTEM, person=affiliation.person,
                                   gender=["female", "male"][len(names) % 2])
        names.append(affiliation.person.name)
        if len(names) == 3:
            return names
    pytest.fail("the demo data has fewer than three organisations with people")


def _submit(page, form: str = "main form[method=post]") -> None:
    with page.expect_navigation():
        page.locator(f'{form} [type="submit"]').first.click()


def test_secretariat_goes_from_vacancy_to_appointment(register_data, session_factory):
    body, seats = _seats()
    session = session_factory("nb", "journey")
    session.who = "secretariat"
    session.login(*SECRETARIAT)
    page = session.page
    today = timezone.localdate()

    # 1. Announce the vacancy: choose the body, then its seats, term, deadline, competences.
    create = reverse("representation:vacancy_create")
    session.check(create, "secretariat-1-choose-body")
    page.select_option('select[name="body"]', BODY)
    _submit(page, "main form[method=get]")
    session.check(_path(page) + "?body=" + BODY, "secretariat-2-vacancy-form", load=False)
    page.fill('input[name="title"]', TITLE)
    for seat in seats:
        page.check(f'input[name="seats"][value="{seat.pk}"]')
    page.fill('input[name="term_start"]', today.isoformat())
    page.fill('input[name="term_end"]', (today + datetime.timedelta(days=730)).isoformat())
    page.fill('input[name="deadline"]', (today + datetime.timedelta(days=7)).isoformat())
    page.fill('input[name="desired_competences"]', "arkitektur, informasjonssikkerhet")
    _submit(page)
    assert _path(page).startswith("/representasjon/verv/"), page.url
    assert page.locator("h1").inner_text() == TITLE
    vacancy_path = _path(page)
    session.check(vacancy_path, "secretariat-3-vacancy", load=False)

    # 2. A rule for the body: at most one seat per organisation, with its reason.
    rules = reverse("representation:rule_create", args=[BODY])
    session.check(rules, "secretariat-4-rule-kind")
    page.check('input[name="kind"][value="one_per_organisation"]')
    _submit(page, "main form[method=get]")
    session.check(_path(page) + "?kind=one_per_organisation", "secretariat-5-rule-form",
                  load=False)
    page.fill('textarea[name="explanation"]', "Plassene skal spres på flere medlemmer.")
    _submit(page)
    assert _path(page) == reverse("representation:rule_list", args=[BODY]), page.url
    session.check(_path(page), "secretariat-6-rules", load=False)
    assert "Plassene skal spres på flere medlemmer." in page.locator("main").inner_text()

    # 3. The organisations nominate (through the services), then the secretariat runs the
    #    optimiser from the vacancy page.
    nominees = _nominate(TITLE)
    session.goto(vacancy_path)
    with page.expect_navigation():
        page.locator('main a[href$="/forslag/"]').first.click()
    proposal_path = _path(page)
    session.check(proposal_path, "secretariat-7-candidates", load=False)
    _submit(page, "#run-form")
    assert _path(page) == proposal_path, page.url
    session.check(proposal_path, "secretariat-8-proposal", load=False)
    result = page.locator("#result-heading + .ds-alert").inner_text()
    assert "Bevist optimal" in result or "Proven optimal" in result, result

    # 4. Record both appointments from the proposal: the form comes pre-filled with the
    #    person, organisation and a free seat; the second one also with the decision.
    appointed = []
    for step in (9, 11):
        link = page.locator('main a[href*="/oppnevn/?proposal="]').first
        assert link.count(), f"no appointment left to record on {page.url}"
        with page.expect_navigation():
            link.click()
        session.check(_path(page) + "?" + urlsplit(page.url).query,
                      f"secretariat-{step}-appointment-form", load=False)
        chosen = page.locator('select[name="candidate"] option:checked').inner_text()
        appointed.append(chosen.split(" – ")[0])
        page.fill('input[name="decision_ref"]', "KS-sak 2026/42")
        _submit(page)
        assert _path(page) == proposal_path, f"recording went to {page.url}"
        session.check(proposal_path, f"secretariat-{step + 1}-recorded", load=False)
    assert set(appointed) <= set(nominees) and len(set(appointed)) == 2

    # 5. The decision is in the structure: Skate's page and the public register list them.
    session.check(body.get_absolute_url(), "secretariat-13-body")
    members = page.locator("main table").first.inner_text()
    for name in appointed:
        assert name in members, f"{name} is not on {body.name}'s page: {members[:400]}"
    session.check(reverse("representation:public_register") + f"?body={BODY}",
                  "secretariat-14-public-register")
    register = page.locator("main").inner_text()
    assert all(name in register for name in appointed)

    from representation.models import Appointment

    recorded = Appointment.objects.filter(vacancy__title=TITLE).select_related("proposal")
    assert recorded.count() == 2 and all(a.proposal_id for a in recorded)
    report = session.report()
    session.mode = f"journey-{session.who}"  # the axe report: bench/out/a11y-journey-*.json
    session.finish("journey secretariat")
    assert not report, report
