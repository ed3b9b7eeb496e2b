"""Pages of reports back and the representativity report: permissions as tables, filing a
report, recording meetings, the rules checked on a body's composition, gender kept from anyone
but the secretariat, and query counts that do not grow with the data."""

import datetime
import re

import pytest
from django.conf import settings
from django.urls import reverse

from core import testing as t
from register.models import OrganisationKind
from representation import reports, services
from representation.models import Gender, Report, RepresentedMeeting, RuleKind
from structure.models import BodyKind

from .conftest import nominee

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2027, 3, 15)
TERM = (datetime.date(2026, 1, 1), datetime.date(2027, 12, 31))


@pytest.fixture
def client(client):
    """Pages answer in Norwegian by default; these tests read the English texts."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture(autouse=True)
def today(time_machine):
    time_machine.move_to(datetime.datetime(2027, 3, 15, 12, 0), tick=False)


def appoint(admin, seat, person, organisation, **options):
    return services.appointment_record(
        actor=admin, seat=seat, person=person, organisation=organisation,
        decision_ref="KS 2025/7", decision_date=datetime.date(2025, 12, 1),
        valid_from=TERM[0], valid_to=TERM[1], **options)


@pytest.fixture
def world(external_body, org_a, org_b, admin_user, contact_a):
    """Kari (org A) and Ola (org B) sit in the external body; Kari reports every six months
    (due 1 July 2026 and 1 January 2027, both unfiled), Ola after each meeting."""
    member_seats = list(external_body.seats.filter(role="member"))
    kari, ola = nominee(org_a, "Kari Nordmann"), nominee(org_b, "Ola Hansen")
    kari_appointment = appoint(admin_user, member_seats[0], kari, org_a, report_every_months=6)
    ola_appointment = appoint(admin_user, member_seats[1], ola, org_b,
                              reporting="after_meetings")
    services.person_gender_set(actor=admin_user, person=kari, gender=Gender.FEMALE)
    services.person_gender_set(actor=admin_user, person=ola, gender=Gender.MALE)
    return {
        "body": external_body, "kari": kari_appointment, "ola": ola_appointment,
        "actors": {
            "anonymous": None, "contact": contact_a,
            "representative": t.UserFactory(person=kari), "member": t.UserFactory(person=ola),
            "other": t.UserFactory(), "admin": admin_user,
        },
    }


def get(client, user, url):
    if user is not None:
        client.force_login(user)
    return client.get(url)


def filed_report(world, **data):
    return services.report_submit(
        actor=world["actors"]["representative"], appointment=world["kari"],
        due_date=datetime.date(2026, 7, 1),
        data={"discussed": "Felles journalløsning", "status": "Utredning", **data})


ACTORS = ["anonymous", "contact", "representative", "member", "other", "admin"]
PAGES = {  # page -> expected status per actor, in ACTORS order (302: to the login page)
    "my_appointments": [302, 200, 200, 200, 200, 200],
    "report_create": [302, 403, 200, 403, 403, 200],
    "report_detail": [302, 403, 200, 200, 403, 200],
    "overview": [302, 403, 403, 403, 403, 200],
    "public_summaries": [200, 200, 200, 200, 200, 200],
    "body_meetings": [302, 403, 403, 403, 403, 200],
    "body_representativity": [200, 200, 200, 200, 200, 200],
    "sector_representativity": [200, 200, 200, 200, 200, 200],
}


def page_url(name: str, world) -> str:
    if name == "report_detail":
        return reverse("representation_reports:report_detail", args=[filed_report(world).pk])
    args = {"report_create": [world["kari"].pk], "body_meetings": [world["body"].slug],
            "body_representativity": [world["body"].slug]}.get(name, [])
    return reverse(f"representation_reports:{name}", args=args)


@pytest.mark.parametrize("name", list(PAGES))
@pytest.mark.parametrize("actor", ACTORS)
def test_permission_table(client, world, name, actor):
    url = page_url(name, world)
    expected = PAGES[name][ACTORS.index(actor)]
    response = get(client, world["actors"][actor], url)
    assert response.status_code == expected, f"{actor} on {url}"
    if expected == 302:
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(("name", "data"), [
    ("report_create", {"due_date": "2026-07-01", "discussed": "x"}),
    ("body_meetings", {"date": "2027-03-01"}),
])
@pytest.mark.parametrize("actor", ["contact", "member", "other"])
def test_posts_are_refused_and_change_nothing(client, world, name, data, actor):
    client.force_login(world["actors"][actor])
    response = client.post(page_url(name, world), data)
    assert response.status_code == 403
    assert not Report.objects.exists() and not RepresentedMeeting.objects.exists()


def test_representative_sees_due_reports_and_files_one(client, world):
    client.force_login(world["actors"]["representative"])
    page = client.get(reverse("representation_reports:my_appointments")).content.decode()
    assert "Nasjonalt e-helsestyre" in page and "You have 2 reports that are due" in page
    create = reverse("representation_reports:report_create", args=[world["kari"].pk])
    assert f"{create}?frist=2026-07-01" in page and f"{create}?frist=2027-01-01" in page
    form = client.get(create + "?frist=2027-01-01").content.decode()
    assert re.search(r'<option value="2027-01-01"[^>]*selected', form)
    assert 'value="2027-07-01"' in form  # the next one may be filed early
    response = client.post(create, {
        "due_date": "2027-01-01", "discussed": "Ny strategi", "status": "Høring i april",
        "needs_position": "on", "position_matter": "Sektorens syn på finansiering",
        "summary": "Strategien er på høring", "summary_public": "on"})
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("representation_reports:report_detail",
                                           args=[report.pk])
    assert (report.due_date, report.needs_position, report.summary_public) == (
        datetime.date(2027, 1, 1), True, True)
    page = client.get(reverse("representation_reports:my_appointments")).content.decode()
    assert "You have 1 report that is due" in page


def test_report_form_shows_the_services_errors(client, world):
    client.force_login(world["actors"]["representative"])
    create = reverse("representation_reports:report_create", args=[world["kari"].pk])
    response = client.post(create, {"due_date": "2026-07-01", "discussed": "Ting",
                                    "needs_position": "on", "summary_public": "on"})
    html = response.content.decode()
    assert response.status_code == 200 and not Report.objects.exists()
    assert "Describe the matter on which the sector needs a position." in html
    assert 'aria-invalid="true"' in html
    filed_report(world)
    response = client.post(create, {"due_date": "2026-07-01", "discussed": "Igjen"})
    assert response.status_code == 200 and Report.objects.count() == 1  # no longer a choice


def test_secretariat_sees_overdue_reports_with_days_and_flagged_reports(client, world):
    filed_report(world, needs_position=True, position_matter="Finansiering av felles løsninger")
    client.force_login(world["actors"]["admin"])
    html = client.get(reverse("representation_reports:overview")).content.decode()
    assert "1 report due and not filed" in html  # Kari's January report; Ola has no meetings
    assert "Kari Nordmann" in html and ">73<" in html  # 1 January to 15 March
    flagged = client.get(reverse("representation_reports:overview") + "?posisjon=1")
    assert "Finansiering av felles løsninger" in flagged.content.decode()
    assert client.get(reverse("representation_reports:overview") + "?page=9").status_code == 404


def test_meetings_make_reports_fall_due_after_them(client, world):
    client.force_login(world["actors"]["admin"])
    url = reverse("representation_reports:body_meetings", args=[world["body"].slug])
    response = client.post(url, {"date": "2027-02-01", "title": "Møte 1/2027"})
    assert response.status_code == 302
    assert RepresentedMeeting.objects.get().body == world["body"]
    html = client.get(reverse("representation_reports:overview")).content.decode()
    assert "3 reports due and not filed" in html and "Ola Hansen" in html


def test_public_summaries_show_only_published_lines(client, world):
    filed_report(world, summary="Publisert linje", summary_public=True)
    services.report_submit(actor=world["actors"]["admin"], appointment=world["kari"],
                           due_date=datetime.date(2027, 1, 1),
                           data={"discussed": "Hemmelig innhold", "summary": "Intern linje"})
    response = client.get(reverse("representation_reports:public_summaries"))
    html = response.content.decode()
    assert "Publisert linje" in html and "Nasjonalt e-helsestyre" in html
    assert "Intern linje" not in html and "Hemmelig innhold" not in html and "Utredning" not in html
    assert response.has_header("ETag")  # the anonymous public page is cached and revalidated


def test_members_of_the_body_find_its_reports_on_their_own_page(client, world):
    report = filed_report(world)
    client.force_login(world["actors"]["member"])
    html = client.get(reverse("representation_reports:my_appointments")).content.decode()
    assert reverse("representation_reports:report_detail", args=[report.pk]) in html
    client.force_login(world["actors"]["other"])
    html = client.get(reverse("representation_reports:my_appointments")).content.decode()
    assert "not linked to a person" in html and "Kari Nordmann" not in html


def test_profile_links_to_my_appointments(client, world):
    client.force_login(world["actors"]["representative"])
    html = client.get(reverse("accounts:profile")).content.decode()
    assert reverse("representation_reports:my_appointments") in html


# --- representativity ------------------------------------------------------------------------

def rule(admin, body, kind, **data):
    counties = data.pop("counties", ())
    return services.rule_create(actor=admin, body=body, data={"kind": kind, **data},
                                counties=counties)


def test_rules_are_checked_on_the_current_composition(world, admin_user, org_a):
    body = world["body"]
    rule(admin_user, body, RuleKind.COUNTY_SEATS, counties=[org_a.county], minimum=2,
         explanation="Vestlandet skal ha to plasser")
    rule(admin_user, body, RuleKind.ONE_PER_ORGANISATION)
    rule(admin_user, body, RuleKind.GENDER_BALANCE)
    problem, slate = reports.body_composition_problem(body, TODAY)
    assert slate == {"member": sorted([f"p{world['kari'].membership.person_id}",
                                       f"p{world['ola'].membership.person_id}"]),
                     "deputy": []}
    assert {c.name for c in problem.candidates} == {"Kari Nordmann", "Ola Hansen"}
    composition = reports.compositions([body], TODAY)[body.pk]
    held = {c.kind: (c.held, c.actual) for c in composition.checks if c.role != "deputy"}
    assert held["county_seats"] == (False, 1)
    assert held["one_per_organisation"] == (True, 1)
    assert held["gender_balance"] == (True, 1)  # one woman, one man among two members
    assert [c.kind for c in composition.visible_checks(with_gender=False)] == [
        "county_seats", "one_per_organisation"]
    assert org_a.county not in composition.counties_without_seat
    assert [s.load for s in composition.seated] == [1, 1]


def test_load_counts_concurrent_memberships_and_the_max_load_rule(world, admin_user):
    body, kari = world["body"], world["kari"].membership.person
    for _ in range(2):
        t.MembershipFactory(person=kari, valid_from=TERM[0], valid_to=TERM[1])
    rule(admin_user, body, RuleKind.MAX_LOAD, limit=2)
    composition = reports.compositions([body], TODAY)[body.pk]
    assert composition.by_load()[0].membership.person == kari
    assert composition.by_load()[0].load == 3
    check = next(c for c in composition.checks if c.kind == "max_load")
    assert not check.held and check.actual == 3


def test_sector_report_counts_counties_load_and_breaking_bodies(world, admin_user, org_a):
    other = t.BodyFactory(kind=BodyKind.EXTERNAL_BODY, name="Skate", slug="skate")
    seat = t.SeatFactory(body=other, role="member")
    appoint(admin_user, seat, world["kari"].membership.person, org_a)
    rule(admin_user, other, RuleKind.KIND_SEATS,
         organisation_kind=OrganisationKind.COUNTY_MUNICIPALITY, minimum=1)
    report = reports.sector_report(TODAY)
    assert [c.body.name for c in report.compositions] == ["Nasjonalt e-helsestyre", "Skate"]
    assert report.loads[0].name == "Kari Nordmann" and report.loads[0].load == 2
    assert report.loads[0].bodies == ["Nasjonalt e-helsestyre", "Skate"]
    counties = {world["kari"].membership.organisation.county_id,
                world["ola"].membership.organisation.county_id}
    assert all(c.pk not in counties for c in report.counties_without_seat)
    skate = next(c for c in report.compositions if c.body == other)
    assert [c.kind for c in skate.broken(with_gender=False)] == ["kind_seats"]


GENDER_WORDS = re.compile(r"gender|kjønn|\bwom[ae]n\b|kvinne|likestilling|§\s*28|"
                          r"\bmen:|\(secretariat only\)", re.IGNORECASE)


@pytest.mark.parametrize("actor", ["anonymous", "contact", "representative", "member", "other"])
@pytest.mark.parametrize("name", ["body_representativity", "sector_representativity"])
def test_gender_never_appears_for_non_secretariat(client, world, admin_user, actor, name):
    rule(admin_user, world["body"], RuleKind.GENDER_BALANCE,
         explanation="Likestillingsloven § 28 krever minst 40 % av hvert kjønn")
    services.person_gender_set(actor=admin_user, person=world["ola"].membership.person,
                               gender=Gender.FEMALE)  # two women: the rule is broken
    url = page_url(name, world)
    html = get(client, world["actors"][actor], url).content.decode()
    assert not GENDER_WORDS.search(html), GENDER_WORDS.search(html)
    client.force_login(admin_user)  # the control: the secretariat sees it
    admin_html = client.get(url).content.decode()
    assert GENDER_WORDS.search(admin_html)


def test_body_page_shows_held_and_broken_rules_with_numbers(client, world, admin_user, org_a):
    rule(admin_user, world["body"], RuleKind.COUNTY_SEATS, counties=[org_a.county], minimum=2,
         explanation="Vestlandet skal ha to plasser")
    html = client.get(page_url("body_representativity", world)).content.decode()
    assert "Broken" in html and "Vestlandet skal ha to plasser" in html
    assert "Counties without any seat" in html and "Kari Nordmann" in html


def _grow(admin, n: int, org_kind=OrganisationKind.MUNICIPALITY):
    """n external bodies, each with two members, a deputy and three rules."""
    for i in range(n):
        body = t.BodyFactory(kind=BodyKind.EXTERNAL_BODY)
        for role in ["member", "member", "deputy"]:
            seat = t.SeatFactory(body=body, role=role)
            organisation = t.OrganisationFactory(kind=org_kind)
            appointment = appoint(admin, seat, nominee(organisation, f"Person {i} {role}"),
                                  organisation, reporting="after_meetings" if role == "deputy"
                                  else "months")
        services.report_submit(actor=admin, appointment=appointment,
                               due_date=datetime.date(2027, 1, 24),
                               data={"discussed": "x", "summary": f"Linje {i}",
                                     "summary_public": True, "needs_position": True,
                                     "position_matter": "y"})
        rule(admin, body, RuleKind.ONE_PER_ORGANISATION)
        rule(admin, body, RuleKind.GENDER_BALANCE)
        rule(admin, body, RuleKind.COUNTY_SEATS, counties=[t.CountyFactory()], minimum=1)
        services.meeting_record(actor=admin, body=body, date=datetime.date(2027, 1, 10))


@pytest.mark.parametrize("name", ["sector_representativity", "overview", "public_summaries"])
def test_queries_do_not_grow_with_the_data(client, world, admin_user, name):
    client.force_login(admin_user)
    url = page_url(name, world)

    def load():
        assert client.get(url).status_code == 200

    load()  # the first request after logging in writes the session
    _grow(admin_user, 2)
    small = t.count_queries(load)
    _grow(admin_user, 12)
    assert t.count_queries(load) == small


def test_my_appointments_queries_do_not_grow_with_appointments(client, world, admin_user):
    representative = world["actors"]["representative"]
    client.force_login(representative)
    url = reverse("representation_reports:my_appointments")

    def load():
        assert client.get(url).status_code == 200

    load()  # the first request after logging in writes the session
    small = t.count_queries(load)
    for _ in range(8):
        body = t.BodyFactory(kind=BodyKind.EXTERNAL_BODY)
        appointment = appoint(admin_user, t.SeatFactory(body=body), representative.person,
                              world["kari"].membership.organisation, reporting="after_meetings")
        services.meeting_record(actor=admin_user, body=body, date=datetime.date(2026, 6, 1))
        services.report_submit(actor=representative, appointment=appointment,
                               due_date=datetime.date(2026, 6, 15), data={"discussed": "x"})
        t.MembershipFactory(seat=t.SeatFactory(body=body))  # a fellow member's report
    assert t.count_queries(load) == small


def test_body_page_queries_do_not_grow_with_members(client, world, admin_user):
    client.force_login(admin_user)
    body = world["body"]
    url = page_url("body_representativity", world)

    def load():
        assert client.get(url).status_code == 200

    load()  # the first request after logging in writes the session
    small = t.count_queries(load)
    for i in range(10):
        seat = t.SeatFactory(body=body, role="deputy")
        organisation = t.OrganisationFactory()
        appoint(admin_user, seat, nominee(organisation, f"Vara {i}"), organisation)
    assert t.count_queries(load) == small
