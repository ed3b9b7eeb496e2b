"""Atom and iCalendar feeds: they parse, show the public case, never an exempt case's content or
a draft, escape markup, and run the same number of queries for 3 items and 30."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone
from icalendar import Calendar

from cases import services
from cases.models import CaseStatus, Meeting, StepPurpose
from core import testing as t

from .conftest import answers, make_case, make_round

ATOM = "{http://www.w3.org/2005/Atom}"
NOW = timezone.now()
FEEDS = ["/saker/feed/saker.atom", "/saker/feed/innspill.atom", "/saker/feed/vedtak.atom"]


def _atom(client, url) -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/atom+xml")
    return ET.fromstring(response.content)


def _entries(feed: ET.Element) -> list[dict]:
    return [{"title": entry.findtext(f"{ATOM}title"), "summary": entry.findtext(f"{ATOM}summary"),
             "link": entry.find(f"{ATOM}link").get("href"), "id": entry.findtext(f"{ATOM}id")}
            for entry in feed.iter(f"{ATOM}entry")]


def _ics(client, url) -> Calendar:
    response = client.get(url)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def _events(calendar: Calendar) -> dict[str, dict]:
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


def _step(admin, case, body, purpose=StepPurpose.INPUT, days=10):
    return services.step_create(actor=admin, case=case, data={
        "body": body, "purpose": purpose,
        "planned_date": timezone.localdate() + datetime.timedelta(days=days)})


def _meeting(admin, body, days=5, **data):
    return services.meeting_create(actor=admin, body=body, data={
        "title": data.pop("title", "Styremøte"), "starts_at": NOW + datetime.timedelta(days=days),
        "ends_at": NOW + datetime.timedelta(days=days, hours=2), **data})


@pytest.fixture
def published(admin_user, body_x, contact_a, org_a):
    """A public case (markup in its summary) with an open round, an exempt one and a position;
    an exempt case with a position and an open round; a draft with a planned step; a meeting."""
    public = make_case(admin_user, body_x, status=CaseStatus.IN_PROGRESS, title="Åpen sak",
                       summary="Offentlig <script>alert(1)</script> tekst")
    public_round = make_round(admin_user, _step(admin_user, public, body_x),
                              description="Spør sektoren")
    make_round(admin_user, _step(admin_user, public, body_x, days=12), title="Unntatt runde",
               description="hemmeligrunde", exempt=True, exemption_basis="offl-15")
    services.resolution_record(actor=admin_user, step=_step(admin_user, public, body_x,
                                                            StepPurpose.POSITION, 20),
                               kind="position", text="Offentlig standpunkt",
                               decided_on=datetime.date(2026, 11, 1), override_reason="Haster")
    exempt = make_case(admin_user, body_x, exempt=True, status=CaseStatus.IN_PROGRESS,
                       title="Unntatt sak", summary="hemmeligsammendrag")
    exempt_round = make_round(admin_user, _step(admin_user, exempt, body_x),
                              description="hemmeligbeskrivelse")
    services.input_submit(actor=contact_a, round_=exempt_round, organisation=org_a,
                          answers=answers(exempt_round, "hemmeliginnspill"))
    services.resolution_record(actor=admin_user, step=_step(admin_user, exempt, body_x,
                                                            StepPurpose.POSITION, 30),
                               kind="position", text="hemmeligvedtak",
                               decided_on=datetime.date(2026, 11, 2), override_reason="Haster")
    draft = make_case(admin_user, body_x, title="hemmeligutkast")
    _step(admin_user, draft, body_x)
    meeting = _meeting(admin_user, body_x, place="Haakon VIIs gate 9, Oslo; sal 1")
    return {"public": public, "exempt": exempt, "draft": draft, "meeting": meeting,
            "public_round": public_round, "exempt_round": exempt_round}


SECRETS = ["hemmeligsammendrag", "hemmeligbeskrivelse", "hemmeliginnspill", "hemmeligvedtak",
           "hemmeligutkast", "hemmeligrunde"]


def test_atom_feeds_show_public_cases_and_only_metadata_of_exempt_ones(client, published):
    cases, rounds, decisions = (_entries(_atom(client, url)) for url in FEEDS)
    assert [e["title"] for e in cases] == [f"{published['exempt'].number} Unntatt sak",
                                           f"{published['public'].number} Åpen sak"]
    assert "offentleglova § 14" in cases[0]["summary"]
    assert cases[1]["link"].endswith(f"/saker/{published['public'].pk}/")
    assert sorted(e["title"].split(" ", 1)[1] for e in rounds) == [
        "Innspill fra kommunene", "Innspill fra kommunene", "Unntatt runde"]
    assert any("Spør sektoren" in e["summary"] for e in rounds)
    assert "offentleglova § 15" in next(e for e in rounds if "Unntatt" in e["title"])["summary"]
    assert [e["title"].split(": ")[1] for e in decisions] == [
        f"{published['exempt'].number} Unntatt sak", f"{published['public'].number} Åpen sak"]
    assert "Offentlig standpunkt" in decisions[1]["summary"]
    assert decisions[0]["id"].startswith("resolution-")


def test_feeds_never_carry_exempt_content_or_drafts(client, published, admin_user):
    client.force_login(admin_user)  # a feed is public: the same for everyone
    text = "".join(client.get(url).content.decode() for url in [
        *FEEDS, "/saker/kalender.ics", f"/saker/organer/{published['public'].owner.slug}/"
                                       "kalender.ics"])
    assert "Unntatt sak" in text
    assert not [word for word in SECRETS if word in text]


def test_markup_in_a_summary_is_escaped_for_feed_readers(client, published):
    raw = client.get(FEEDS[0]).content.decode()
    assert "<script>" not in raw
    summary = _entries(ET.fromstring(raw))[1]["summary"]
    assert "&lt;script&gt;" in summary  # shown as text by a reader rendering the HTML


def test_calendar_has_meetings_steps_and_deadlines(client, published):
    calendar = _ics(client, "/saker/kalender.ics")
    events = _events(calendar)
    meeting, round_ = published["meeting"], published["public_round"]
    event = events[f"meeting-{meeting.pk}@samstyring"]
    assert str(event["summary"]) == f"Styremøte ({meeting.body.name})"
    assert str(event["location"]) == "Haakon VIIs gate 9, Oslo; sal 1"
    assert event["dtstart"].dt == meeting.starts_at.replace(microsecond=0)
    assert "dtstamp" in event
    assert str(event["url"]).endswith(f"/saker/moter/{meeting.pk}/")
    deadline = events[f"round-{round_.pk}@samstyring"]
    assert deadline["dtstart"].dt == timezone.localtime(round_.closes_at).date()
    assert not [uid for uid in events if uid.startswith("step-")]  # steps: a body's calendar
    body_events = _events(_ics(client, f"/saker/organer/{meeting.body.slug}/kalender.ics"))
    steps = [e for uid, e in body_events.items() if uid.startswith("step-")]
    assert len(steps) == 5  # the public and the exempt case's; never the draft's
    assert all(isinstance(e["dtstart"].dt, datetime.date) for e in steps)


def test_calendar_of_a_body_and_cancelled_meetings(client, published, admin_user, body_y):
    other = _meeting(admin_user, body_y, title="Annet organ")
    services.meeting_update(actor=admin_user, meeting=other,
                            data={"status": Meeting.Status.CANCELLED})
    everything = _events(_ics(client, "/saker/kalender.ics"))
    assert everything[f"meeting-{other.pk}@samstyring"]["status"] == "CANCELLED"
    mine = _events(_ics(client, f"/saker/organer/{published['meeting'].body.slug}/kalender.ics"))
    assert f"meeting-{other.pk}@samstyring" not in mine
    assert f"meeting-{published['meeting'].pk}@samstyring" in mine
    assert client.get("/saker/organer/finnes-ikke/kalender.ics").status_code == 404


def test_calendar_runs_from_a_month_back_to_a_year_ahead(client, admin_user, body_x):
    inside = [_meeting(admin_user, body_x, days=days) for days in (-29, 364)]
    outside = [_meeting(admin_user, body_x, days=days) for days in (-32, 367)]
    events = _events(_ics(client, "/saker/kalender.ics"))
    assert all(f"meeting-{m.pk}@samstyring" in events for m in inside)
    assert not any(f"meeting-{m.pk}@samstyring" in events for m in outside)


# --- Bounded queries ----------------------------------------------------------------------------


def _cases(admin, body, n):
    for i in range(n):
        case = make_case(admin, body, status=CaseStatus.ANNOUNCED, title=f"Sak {i}")
        services.case_update(actor=admin, case=case, data={}, topics=[f"Emne {i}"])


def _rounds(admin, body, n):
    case = make_case(admin, body, status=CaseStatus.ANNOUNCED)
    step = _step(admin, case, body)
    for _ in range(n):
        make_round(admin, step)


def _decisions(admin, body, n):
    case = make_case(admin, body, status=CaseStatus.ANNOUNCED)
    for i in range(n):
        step = _step(admin, case, body, StepPurpose.POSITION, i)
        services.resolution_record(actor=admin, step=step, kind="position", text=f"Vedtak {i}",
                                   decided_on=datetime.date(2026, 1, 1))


def _calendar(admin, body, n):
    case = make_case(admin, body, status=CaseStatus.ANNOUNCED)
    for i in range(n):
        _meeting(admin, body, days=i)
        make_round(admin, _step(admin, case, body, days=i))


@pytest.mark.parametrize(("url", "make"), [
    ("/saker/feed/saker.atom", _cases), ("/saker/feed/innspill.atom", _rounds),
    ("/saker/feed/vedtak.atom", _decisions), ("/saker/kalender.ics", _calendar),
    ("/saker/organer/{body}/kalender.ics", _calendar),
])
def test_feed_queries_do_not_grow_with_items(client, admin_user, body_x, url, make):
    url = url.format(body=body_x.slug)
    make(admin_user, body_x, 3)
    few = t.count_queries(lambda: client.get(url))
    size = len(client.get(url).content)
    make(admin_user, body_x, 27)
    assert len(client.get(url).content) > size
    assert t.count_queries(lambda: client.get(url)) == few
