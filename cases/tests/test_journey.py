# ruff: noqa: F811 - the fixtures imported from test_browser are parameters here
"""Browser journey of cases and anchoring (the issue's done-when), in headless Chromium with an
axe-core WCAG 2.1 AA scan (no serious or critical violations) of every page state on the way.

Each actor logs in through the real login form in a browser context of their own:

1. the secretariat creates a case owned by KommIT-rådet, announces it and moves it to in
   progress, lays out the path (input, then position, both in KommIT-rådet) and opens an input
   round for all members with two questions, closing in two days;
2. the contact of municipality A submits input (receipt: version 1 and its SHA-256), then
   submits changed text (version 2, version 1 listed as earlier);
3. the contact of municipality B submits input (and cannot see A's before the round closes);
4. the secretariat closes the round by moving its closing time to a minute ago on the round's
   edit form (the live server runs in this process, but the UI path needs no clock travel);
5. the secretariat groups the inputs by theme and writes a synthesis point citing both inputs;
6. KommIT-rådet's secretary records the position, ticking both inputs (no override reason: the
   round has closed);
7. anonymously, the case page shows the path with dates, the round's "2 of 3 invited have
   answered", the trail tables by county and kind, and the position; the round page shows
   both inputs (A's current version only) with the themes and the synthesis.

English pages (the cases app's strings are English msgids; the assertions read them). Data is
made with core.testing factories (no register load): two municipalities and a county
municipality in two counties are the invited members. Run: pytest -m browser
cases/tests/test_journey.py.
"""

from __future__ import annotations

import datetime
import re
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import formats, timezone, translation

from core import testing as t
from core.tests.test_browser import Session, browser, session_factory  # noqa: F401

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"  # core.testing.UserFactory
LANG = "en"
BODY = "KommIT-rådet"
TITLE = "Felles arkivløsning for kommunesektoren"
ROUND = "Innspill om felles arkivløsning"
QUESTIONS = ["Hva mener dere om en felles arkivløsning?", "Hvordan bør kostnaden deles?"]
A_V1 = ["Arkivløsningen må ivareta personvern.", "Kostnaden bør deles likt."]
A_V2 = ["Arkivløsningen må ivareta personvern og informasjonssikkerhet.",
        "Kostnaden bør deles etter innbyggertall."]
B_TEXT = ["Personvern og informasjonssikkerhet må komme først i arkivløsningen.",
          "Staten bør betale kostnaden for arkivløsningen."]
POINT = "Begge kommunene vil ha personvern og informasjonssikkerhet først."
POSITION = "KommIT-rådet støtter en felles arkivløsning med personvern som første krav."
CHECKSUM = re.compile(r"\b[0-9a-f]{64}\b")
SHOTS = False  # True: a full-page screenshot of every state, bench/out/screenshots/journey-cases-*


def _path(page) -> str:
    return urlsplit(page.url).path


def _main(page) -> str:
    return page.locator("main").inner_text()


def _submit(page, scope: str = "main form.edit-form", button: str = '[type="submit"]') -> None:
    """Click a form's button and wait for the answer, which must be a page (after redirects)."""
    with page.expect_navigation() as navigation:
        page.locator(f"{scope} {button}").first.click()
    response = navigation.value
    assert response is not None and response.status == 200, (
        f"{page.url}: HTTP {response and response.status}")


def _left_form(page, expected_path: str, what: str) -> None:
    """The form was accepted: the browser is on ``expected_path``, not back on the form."""
    assert _path(page) == expected_path, (
        f"{what}: still on {page.url} (a validation error?):\n{_main(page)[:1500]}")


def _local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _date(day: datetime.date) -> str:
    with translation.override(LANG):
        return formats.date_format(day, "DATE_FORMAT")


def _rows(page, caption: str) -> list[list[str]]:
    """A table's body rows as lists of cell texts, the table found by its caption's start."""
    table = page.locator("main table", has=page.locator("caption", has_text=caption))
    assert table.count() == 1, f"{page.url}: {table.count()} tables captioned {caption!r}"
    return table.first.evaluate(
        "(t) => [...t.tBodies[0].rows].map((r) => [...r.cells].map((c) => c.innerText.trim()))")


def _world():
    counties = [t.CountyFactory(number="31", name="Østfold"),
                t.CountyFactory(number="46", name="Vestland")]
    body = t.BodyFactory(name=BODY, slug="kommit-radet")
    org_a = t.OrganisationFactory(name="Fredrikstad kommune", county=counties[0])
    org_b = t.OrganisationFactory(name="Bergen kommune", county=counties[1])
    t.OrganisationFactory(name="Vestland fylkeskommune", kind="county_municipality",
                          number="46", county=counties[1])
    t.OrganisationFactory(name="Leverandør AS", kind="vendor", county=counties[0])  # not asked
    users = {"admin": t.user_with_role(t.Role.ADMIN),
             "contact_a": t.user_with_role(t.Role.ORG_CONTACT, organisation=org_a),
             "contact_b": t.user_with_role(t.Role.ORG_CONTACT, organisation=org_b),
             "secretary": t.user_with_role(t.Role.BODY_SECRETARY, body=body)}
    return body, org_a, org_b, users


def _session(session_factory, who: str, user=None) -> Session:
    session = session_factory(LANG, f"journey-cases-{who}")
    if user is not None:
        session.login(user.username, PASSWORD)
    return session


def _check(session: Session, label: str) -> None:
    """axe on the page the browser is on (reached by a click, so no reload)."""
    session.check(_path(session.page), label, load=False, shot=SHOTS)


def _step_links(page, index: int, href_end: str):
    return page.locator("main li[id^='step-']").nth(index).locator(f"a[href$='{href_end}']")


def _input_form(session: Session, round_path: str, organisation, texts: list[str],
                label: str) -> None:
    """An organisation contact answers the round's questions on its page and submits."""
    page = session.page
    session.check(round_path, f"{label}-round", shot=SHOTS)
    own = page.locator(f"#own-{organisation.pk}")
    for number, (question, text) in enumerate(zip(QUESTIONS, texts, strict=True), start=1):
        own.get_by_label(f"Question {number}: {question}").fill(text)
    _submit(page, f"#own-{organisation.pk} form", "button[value=submit]")
    _left_form(page, round_path, f"input of {organisation.name}")


def _receipt(page, organisation) -> str:
    receipt = page.locator(f"#receipt-{organisation.pk}")
    assert receipt.count() == 1, f"no receipt for {organisation.name} on {page.url}"
    return receipt.inner_text()


def _expected_checksum(round_, texts: list[str]) -> str:
    from cases.services import answers_checksum

    return answers_checksum({str(q.pk): text for q, text in zip(
        round_.questions.order_by("order"), texts, strict=True)})


def test_case_from_path_to_public_trail(transactional_db, session_factory):
    from cases.models import Case, Input, InputRound

    _body, org_a, org_b, users = _world()
    today = timezone.localdate()
    input_date = today + datetime.timedelta(days=3)
    position_date = today + datetime.timedelta(days=14)
    sessions: list[Session] = []

    # 1. The secretariat creates the case, announces it, sets out the path, opens a round.
    admin = _session(session_factory, "admin", users["admin"])
    sessions.append(admin)
    page = admin.page
    admin.check(reverse("cases_edit:case_create"), "admin-1-case-form", shot=SHOTS)
    page.fill('input[name="title"]', TITLE)
    page.fill('textarea[name="summary"]', "Skal sektoren samle seg om én arkivløsning?")
    page.select_option('select[name="case_type"]', "position")
    page.select_option('select[name="owner"]', label=BODY)
    page.fill('input[name="topics"]', "arkiv, informasjonssikkerhet")
    _submit(page)
    assert re.fullmatch(r"/saker/\d+/", _path(page)), f"case creation went to {page.url}"
    case_path = _path(page)
    case = Case.objects.get(title=TITLE)
    assert f"Case {case.number} was created as a draft" in _main(page)
    assert page.locator("h1").inner_text() == f"{case.number} {TITLE}"
    _check(admin, "admin-2-case-draft")

    for status, shown in (("announced", "announced"), ("in_progress", "in progress")):
        with page.expect_navigation():
            page.get_by_role("link", name="Change status").click()
        _check(admin, f"admin-3-status-{status}")
        page.check(f'input[name="status"][value="{status}"]')
        _submit(page)
        _left_form(page, case_path, f"status {status}")
        assert f"The case is now: {shown}." in _main(page)
    facts = page.locator("#facts-heading + dl").inner_text()
    assert "in progress" in facts and _date(today) in facts, facts  # status, announced today

    for purpose, planned, description in (
            ("input", input_date, "Innspill fra medlemmene"),
            ("position", position_date, "KommIT-rådet vedtar sektorens posisjon")):
        with page.expect_navigation():
            page.get_by_role("link", name="Add a step to the path").click()
        _check(admin, f"admin-4-step-{purpose}")
        page.select_option('select[name="body"]', label=BODY)
        page.select_option('select[name="purpose"]', purpose)
        page.fill('input[name="description"]', description)
        page.fill('input[name="planned_date"]', planned.isoformat())
        _submit(page)
        _left_form(page, case_path, f"{purpose} step")
        assert "The step was added to the path." in _main(page)
    steps = page.locator("main li[id^='step-']")
    assert steps.count() == 2
    assert f"Step 1: {BODY} – input" in steps.nth(0).inner_text()
    assert f"Step 2: {BODY} – position" in steps.nth(1).inner_text()
    assert _date(input_date) in steps.nth(0).inner_text()
    assert _date(position_date) in steps.nth(1).inner_text()
    _check(admin, "admin-5-case-path")

    with page.expect_navigation():
        _step_links(page, 0, "/innspillsrunde/").click()
    _check(admin, "admin-6-round-form")
    now = timezone.now()
    page.fill('input[name="title"]', ROUND)
    page.fill('textarea[name="description"]', "Svar innen fristen.")
    page.check('input[name="all_members"]')
    page.fill('input[name="opens_at"]', _local(now - datetime.timedelta(hours=1)))
    page.fill('input[name="closes_at"]', _local(now + datetime.timedelta(days=2)))
    page.fill('textarea[name="questions"]', "\n".join(QUESTIONS))
    _submit(page)
    round_ = InputRound.objects.get(title=ROUND)
    round_path = reverse("cases:round_detail", args=[round_.pk])
    _left_form(page, round_path, "input round")
    text = _main(page)
    assert "The input round was set up: 3 organisations invited." in text, text[:800]
    assert "Open for input" in text and "All member organisations" in text
    assert all(q in text for q in QUESTIONS)
    _check(admin, "admin-7-round-open")

    # 2. Municipality A's contact submits, then submits changed text: two versions.
    contact_a = _session(session_factory, "contact-a", users["contact_a"])
    sessions.append(contact_a)
    page = contact_a.page
    _input_form(contact_a, round_path, org_a, A_V1, "contact-a-1")
    text = _main(page)
    assert f"The input of {org_a.name} was submitted: version 1" in text, text[:800]
    receipt = _receipt(page, org_a)
    assert re.search(r"Version\s+1\b", receipt), receipt
    v1_checksum = _expected_checksum(round_, A_V1)
    assert CHECKSUM.findall(receipt) == [v1_checksum], receipt
    _check(contact_a, "contact-a-2-receipt-v1")

    _input_form(contact_a, round_path, org_a, A_V2, "contact-a-3")
    assert f"The input of {org_a.name} was submitted: version 2" in _main(page)
    receipt = _receipt(page, org_a)
    assert re.search(r"Version\s+2\b", receipt), receipt
    assert CHECKSUM.findall(receipt) == [_expected_checksum(round_, A_V2)], receipt
    earlier = page.locator(f"#own-{org_a.pk} details")
    earlier.locator("summary", has_text="Earlier versions").click()
    earlier.locator("li").first.wait_for(state="visible")  # the details open with a transition
    listed = earlier.inner_text()
    assert re.search(r"Version 1, .+" + v1_checksum, listed), listed
    assert "Version 2," not in listed, listed
    _check(contact_a, "contact-a-4-receipt-v2-earlier-open")

    # 3. Municipality B's contact submits; before the close they see only their own input.
    contact_b = _session(session_factory, "contact-b", users["contact_b"])
    sessions.append(contact_b)
    page = contact_b.page
    _input_form(contact_b, round_path, org_b, B_TEXT, "contact-b-1")
    text = _main(page)
    assert f"The input of {org_b.name} was submitted: version 1" in text, text[:800]
    assert CHECKSUM.findall(_receipt(page, org_b)) == [_expected_checksum(round_, B_TEXT)]
    assert "The inputs are published when the round closes." in text
    assert B_TEXT[0] in text and A_V2[0] not in text and org_a.name not in text
    _check(contact_b, "contact-b-2-receipt")

    # 4. The round closes: the secretariat moves its closing time to a minute ago.
    page = admin.page
    admin.check(round_path, "admin-8-round-answered", shot=SHOTS)
    with page.expect_navigation():
        page.get_by_role("link", name="Edit input round").click()
    _check(admin, "admin-9-round-edit")
    assert "the questions can no longer change" in _main(page)
    assert page.locator('textarea[name="questions"]').count() == 0
    page.fill('input[name="closes_at"]', _local(timezone.now() - datetime.timedelta(minutes=1)))
    _submit(page)
    _left_form(page, round_path, "closing the round")
    text = _main(page)
    assert "The input round was saved." in text
    assert page.locator("main .ds-tag", has_text="Closed").count() == 1, text[:600]

    # 5. Themes, then a synthesis point citing both inputs.
    _submit(page, "main form[action$='/tema/']")
    _left_form(page, round_path, "grouping by theme")
    assert "The inputs were grouped by theme." in _main(page)
    inputs = {item.organisation.name: item.pk for item in
              Input.objects.filter(round=round_).select_related("organisation")}
    assert set(inputs) == {org_a.name, org_b.name}
    themes = page.locator("section[aria-labelledby='themes-heading'] li")
    assert themes.count() >= 1
    grouped = {}
    for i in range(themes.count()):
        theme = themes.nth(i)
        terms = theme.locator("strong").inner_text()
        assert terms.strip(), f"a theme without key terms: {theme.inner_text()}"
        for link in theme.locator("a").all():
            grouped[link.inner_text()] = link.get_attribute("href")
    assert grouped == {name: f"#input-{pk}" for name, pk in inputs.items()}, grouped
    for href in grouped.values():  # the links land on the inputs on the page
        assert page.locator(f"article{href}").count() == 1, href
    assert "personvern" in themes.first.inner_text()
    _check(admin, "admin-10-themes")

    with page.expect_navigation():
        page.get_by_role("link", name="Add a point to the synthesis").click()
    _check(admin, "admin-11-synthesis-form")
    page.fill('textarea[name="text"]', POINT)
    page.get_by_label(org_a.name).check()
    page.get_by_label(org_b.name).check()
    _submit(page)
    _left_form(page, round_path, "synthesis point")
    assert "The synthesis was saved." in _main(page)
    point = page.locator("section[aria-labelledby='synthesis-heading'] ol > li")
    assert point.count() == 1 and POINT in point.inner_text()
    cited = {a.inner_text(): a.get_attribute("href")
             for a in point.locator("a[href^='#input-']").all()}
    assert cited == {name: f"#input-{pk}" for name, pk in inputs.items()}, cited
    _check(admin, "admin-12-synthesis")

    # 6. KommIT-rådet's secretary records the position with both inputs considered.
    secretary = _session(session_factory, "secretary", users["secretary"])
    sessions.append(secretary)
    page = secretary.page
    secretary.check(case_path, "secretary-1-case", shot=SHOTS)
    with page.expect_navigation():
        _step_links(page, 1, "/vedtak/").click()
    _check(secretary, "secretary-2-position-form")
    assert page.locator('input[name="kind"][value="position"]').is_checked()
    decided_on = page.locator('input[name="decided_on"]').input_value()
    assert decided_on == timezone.localdate().isoformat(), decided_on
    page.fill('textarea[name="text"]', POSITION)
    page.get_by_label(f"{org_a.name} ({ROUND})").check()
    page.get_by_label(f"{org_b.name} ({ROUND})").check()
    _submit(page)  # override_reason left empty: the round has closed
    _left_form(page, case_path, "position")
    assert "The position or decision was recorded." in _main(page)
    _check(secretary, "secretary-3-position-recorded")

    # 7. The public sees the trail: the case page, then the round page.
    public = _session(session_factory, "anonymous")
    sessions.append(public)
    page = public.page
    public.check(case_path, "public-1-case", shot=SHOTS)
    text = _main(page)
    assert "in progress" in page.locator("#facts-heading + dl").inner_text()
    steps = page.locator("main li[id^='step-']")
    first, second = steps.nth(0).inner_text(), steps.nth(1).inner_text()
    assert f"Step 1: {BODY} – input" in first and _date(input_date) in first, first
    assert f"{ROUND} – closed" in first, first
    assert "2 of 3 invited have answered" in first, first
    assert f"Step 2: {BODY} – position" in second and _date(position_date) in second, second
    assert re.search(r"done \(\S+\)", second), second  # the position completed the step
    card = steps.nth(1).locator(".ds-card")
    assert card.count() == 1, second
    recorded = card.inner_text()
    assert f"Position, {_date(datetime.date.fromisoformat(decided_on))}" in recorded, recorded
    assert POSITION in recorded, recorded
    considered = {a.inner_text(): a.get_attribute("href") for a in card.locator("a").all()}
    assert considered == {name: f"{round_path}#input-{pk}" for name, pk in inputs.items()}, (
        considered)
    assert "Decided before input closed" not in text
    trail = page.locator("section[aria-labelledby='trail-heading']").inner_text()
    assert "2 of 3 invited organisations answered" in trail, trail
    assert _rows(page, "Answers by county") == [["Vestland", "2", "1", "50.0 %"],
                                                ["Østfold", "1", "1", "100.0 %"]]
    by_kind = {row[0]: row[1:3] for row in _rows(page, "Answers by kind of organisation")}
    assert by_kind == {"Municipality": ["2", "2"], "County municipality": ["1", "0"]}, by_kind

    with page.expect_navigation():
        page.get_by_role("link", name=ROUND).click()
    assert _path(page) == round_path
    _check(public, "public-2-round")
    text = _main(page)
    assert "Closed" in text and "Your input" not in text
    articles = page.locator("main article[id^='input-']")
    assert articles.count() == 2
    shown = {articles.nth(i).locator("h3").inner_text(): articles.nth(i).inner_text()
             for i in range(2)}
    assert set(shown) == {org_a.name, org_b.name}
    assert "Version 2, submitted" in shown[org_a.name]
    assert all(a in shown[org_a.name] for a in A_V2), shown[org_a.name]
    assert not any(a in text for a in A_V1), "an earlier version of A's input is public"
    assert "Version 1, submitted" in shown[org_b.name] and B_TEXT[0] in shown[org_b.name]
    assert CHECKSUM.search(text) is None  # receipts are for the submitter, not the public
    assert POINT in text
    point = page.locator("section[aria-labelledby='synthesis-heading'] ol > li")
    assert {a.inner_text() for a in point.locator("a[href^='#input-']").all()} == set(inputs)
    assert point.locator("a", has_text="Edit").count() == 0
    assert page.locator("section[aria-labelledby='themes-heading'] li").count() >= 1

    reports = []
    for session in sessions:
        reports.append(session.report())
        session.finish(session.mode)
    failures = "\n\n".join(r for r in reports if r)
    assert not failures, failures
