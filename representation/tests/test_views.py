"""Representation pages: permission matrix (anonymous, contact of A, contact of B, a body
secretary, the secretariat), privacy of nominations and gender through the pages, the flow from
vacancy to appointment, and bounded queries on every list (3 rows and 30)."""

import datetime
import re
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core import testing as t
from representation import services
from representation.models import (
    Appointment,
    Nomination,
    PersonGender,
    RepresentativityRule,
    SlateProposal,
    Vacancy,
)
from structure.models import BodyKind, Membership

from .conftest import nominee

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
ACTORS = ["anonymous", "contact_a", "contact_b", "secretary_x", "admin_user"]
WATCHED = [Vacancy, Nomination, RepresentativityRule, SlateProposal, Appointment, Membership,
           PersonGender]


@pytest.fixture
def world(vacancy, org_a, org_b, contact_a, secretary_x, admin_user):
    contact_b = t.user_with_role("org_contact", organisation=org_b)
    kari, ola = nominee(org_a, "Kari Fra A"), nominee(org_b, "Ola Fra B")
    nomination_a = services.nomination_create(
        actor=contact_a, vacancy=vacancy, organisation=org_a, person=kari,
        motivation="Motivasjon A", competences=["e-helse"], consent=True)
    nomination_b = services.nomination_create(
        actor=contact_b, vacancy=vacancy, organisation=org_b, person=ola,
        motivation="Motivasjon B", consent=True)
    services.nomination_create(  # three candidates for three seats: a slate exists
        actor=contact_b, vacancy=vacancy, organisation=org_b, person=nominee(org_b, "Per Fra B"),
        motivation="Motivasjon B2", consent=True)
    rule = services.rule_create(actor=admin_user, body=vacancy.body, data={
        "kind": "max_load", "limit": 3, "explanation": "Spre lasten."})
    appointment = services.appointment_record(
        actor=admin_user, vacancy=vacancy, seat=vacancy.seats.get(role="deputy"), person=ola,
        organisation=org_b, decision_ref="KS 1/26", decision_date=TODAY,
        valid_from=datetime.date(2027, 1, 1), valid_to=datetime.date(2028, 12, 31))
    return SimpleNamespace(
        vacancy=vacancy, body=vacancy.body, org_a=org_a, org_b=org_b, kari=kari, ola=ola,
        nomination_a=nomination_a, nomination_b=nomination_b, rule=rule,
        appointment=appointment, people={"anonymous": None, "contact_a": contact_a,
                                         "contact_b": contact_b, "secretary_x": secretary_x,
                                         "admin_user": admin_user})


def client_for(user) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the tests read the English texts
    if user is not None:
        client.force_login(user)
    return client


def snapshot():
    def history(model):
        return model.history.count() if hasattr(model, "history") else None
    return {m.__name__: (list(m.objects.order_by("pk").values()), history(m)) for m in WATCHED}


def vacancy_post(w):
    return {"title": "Nytt verv", "description": "", "seats": [s.pk for s in w.body.seats.all()],
            "term_start": "2027-01-01", "term_end": "2028-12-31",
            "deadline": (TODAY + datetime.timedelta(days=10)).isoformat(),
            "required_competences": "e-helse", "desired_competences": "arkitektur, e-helse"}


def appointment_post(w):
    return {"candidate": f"{w.kari.pk}:{w.org_a.pk}",
            "seat": w.vacancy.seats.filter(role="member").first().pk,
            "decision_ref": "KS 2/26", "decision_date": TODAY.isoformat(), "decided_by": "",
            "valid_from": "2027-01-01", "valid_to": "2028-12-31", "reporting": "months",
            "report_every_months": "6"}


ADMIN, A, B = {"admin_user"}, {"contact_a", "admin_user"}, {"contact_b", "admin_user"}
CONTACTS = {"contact_a", "contact_b", "admin_user"}
# name, url (path args and query), method, POST data, who may (the rest get 403)
PAGES = [
    ("vacancy_create", lambda w: ([], ""), "GET", None, ADMIN),
    ("vacancy_create", lambda w: ([], f"?body={w.body.slug}"), "GET", None, ADMIN),
    ("vacancy_create", lambda w: ([], f"?body={w.body.slug}"), "POST", vacancy_post, ADMIN),
    ("vacancy_edit", lambda w: ([w.vacancy.pk], ""), "GET", None, ADMIN),
    ("vacancy_edit", lambda w: ([w.vacancy.pk], ""), "POST", vacancy_post, ADMIN),
    ("vacancy_status", lambda w: ([w.vacancy.pk], ""), "POST",
     lambda w: {"status": "closed"}, ADMIN),
    ("nomination_create", lambda w: ([w.vacancy.pk], ""), "GET", None, CONTACTS),
    ("nomination_create", lambda w: ([w.vacancy.pk], f"?organisation={w.org_a.pk}"), "GET",
     None, A),
    ("nomination_create", lambda w: ([w.vacancy.pk], f"?organisation={w.org_a.pk}"), "POST",
     lambda w: {"person": nominee(w.org_a, "Ny Kandidat").pk, "motivation": "God",
                "competences": "arkiv", "consent": "on"}, A),
    ("nomination_withdraw", lambda w: ([w.nomination_a.pk], ""), "POST", lambda w: {}, A),
    ("nomination_withdraw", lambda w: ([w.nomination_b.pk], ""), "POST", lambda w: {}, B),
    ("rule_create", lambda w: ([w.body.slug], "?kind=continuity"), "GET", None, ADMIN),
    ("rule_create", lambda w: ([w.body.slug], "?kind=continuity"), "POST",
     lambda w: {"limit": "1", "explanation": "Kontinuitet."}, ADMIN),
    ("rule_edit", lambda w: ([w.rule.pk], ""), "GET", None, ADMIN),
    ("rule_edit", lambda w: ([w.rule.pk], ""), "POST",
     lambda w: {"limit": "2", "explanation": "Endret.", "active": "on"}, ADMIN),
    ("rule_active", lambda w: ([w.rule.pk], ""), "POST", lambda w: {"active": "0"}, ADMIN),
    ("vacancy_proposal", lambda w: ([w.vacancy.pk], ""), "GET", None, ADMIN),
    ("vacancy_proposal", lambda w: ([w.vacancy.pk], ""), "POST", lambda w: {}, ADMIN),
    ("gender_record", lambda w: ([w.vacancy.pk], ""), "POST",
     lambda w: {f"g-p{w.kari.pk}": "female", f"g-p{w.ola.pk}": "male"}, ADMIN),
    ("appointment_create", lambda w: ([w.vacancy.pk], ""), "GET", None, ADMIN),
    ("appointment_create", lambda w: ([w.vacancy.pk], ""), "POST", appointment_post, ADMIN),
    ("appointment_list", lambda w: ([], ""), "GET", None, ADMIN),
    ("appointment_end", lambda w: ([w.appointment.pk], ""), "GET", None, ADMIN),
    ("appointment_end", lambda w: ([w.appointment.pk], ""), "POST",
     lambda w: {"end_date": "2027-06-30", "reason": "Sluttet"}, ADMIN),
    ("appointment_renew", lambda w: ([w.appointment.pk], ""), "GET", None, ADMIN),
    ("appointment_renew", lambda w: ([w.appointment.pk], ""), "POST",
     lambda w: {"decision_ref": "KS 9/28", "decision_date": "2028-11-01", "decided_by": "",
                "valid_to": "2030-12-31"}, ADMIN),
]
MATRIX = [pytest.param(page, actor, id=f"{page[0]}-{page[2]}-{i}-{actor}")
          for i, page in enumerate(PAGES) for actor in ACTORS]


@pytest.mark.parametrize("page,actor", MATRIX)
def test_permission_matrix(world, page, actor):
    name, where, method, data, allowed = page
    args, query = where(world)
    url = reverse(f"representation:{name}", args=args) + query
    payload = data(world) if data else None
    user = world.people[actor]
    before = snapshot()
    client = client_for(user)
    response = client.get(url) if method == "GET" else client.post(url, payload)

    if user is None:
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
        assert snapshot() == before
    elif actor not in allowed:
        assert response.status_code == 403, response.content.decode()[:500]
        assert snapshot() == before
    elif method == "GET":
        assert response.status_code == 200
        html = response.content.decode()
        assert html.count("<h1") == 1 and 'class="crumbs"' in html
        assert snapshot() == before
    else:
        assert response.status_code == 302, _errors(response)
        assert snapshot() != before


def _errors(response) -> str:
    html = response.content.decode()
    found = re.findall(r'ds-validation-message[^>]*>(.*?)</div>|<li>(.*?)</li>', html, re.S)
    return f"HTTP {response.status_code}: {found[:10]}"


PUBLIC = [
    ("public_register", lambda w: []),
    ("vacancy_list", lambda w: []),
    ("vacancy_detail", lambda w: [w.vacancy.pk]),
    ("vacancy_history", lambda w: [w.vacancy.pk]),
    ("rule_list", lambda w: [w.body.slug]),
]


@pytest.mark.parametrize("name,args", PUBLIC, ids=[p[0] for p in PUBLIC])
@pytest.mark.parametrize("actor", ACTORS)
def test_public_pages_answer_everybody(world, name, args, actor):
    response = client_for(world.people[actor]).get(
        reverse(f"representation:{name}", args=args(world)))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1 and 'aria-current="page"' in html


def test_unknown_objects_are_404(world):
    client = client_for(world.people["admin_user"])
    for name, args in [("vacancy_detail", [999999]), ("vacancy_proposal", [999999]),
                       ("rule_list", ["finnes-ikke"]), ("rule_edit", [999999]),
                       ("appointment_end", [999999])]:
        assert client.get(reverse(f"representation:{name}", args=args)).status_code == 404
    proposal = reverse("representation:vacancy_proposal", args=[world.vacancy.pk])
    assert client.get(proposal + "?proposal=abc").status_code == 404
    assert client.get(proposal + "?proposal=999999").status_code == 404


# --- privacy through the pages ---------------------------------------------------------------

def _vacancy_page(world, actor) -> str:
    url = reverse("representation:vacancy_detail", args=[world.vacancy.pk])
    return client_for(world.people[actor]).get(url).content.decode()


@pytest.mark.parametrize("actor,sees_a,sees_b", [
    ("anonymous", False, False), ("secretary_x", False, False), ("contact_a", True, False),
    ("contact_b", False, True), ("admin_user", True, True)])
def test_nominations_seen_by_the_secretariat_and_the_nominating_organisation_only(
        world, actor, sees_a, sees_b):
    html = _vacancy_page(world, actor)
    assert ("Motivasjon A" in html) is sees_a
    assert ("Motivasjon B" in html) is sees_b
    assert ("Kari Fra A" in html) is sees_a  # Kari is nominated, never appointed
    withdraw_a = reverse("representation:nomination_withdraw", args=[world.nomination_a.pk])
    assert (withdraw_a in html) is sees_a


def test_contact_cannot_withdraw_or_nominate_for_another_organisation(world):
    client = client_for(world.people["contact_b"])
    url = reverse("representation:nomination_withdraw", args=[world.nomination_a.pk])
    assert client.post(url).status_code == 403
    world.nomination_a.refresh_from_db()
    assert not world.nomination_a.withdrawn
    nominate = reverse("representation:nomination_create", args=[world.vacancy.pk])
    response = client.post(nominate + f"?organisation={world.org_a.pk}", {
        "person": world.kari.pk, "motivation": "x", "consent": "on"})
    assert response.status_code == 403


def test_gender_is_never_on_public_pages(world, admin_user):
    services.person_gender_set(actor=admin_user, person=world.ola, gender="male")
    _current_appointment(world, admin_user)
    for name, args in [("public_register", []), ("vacancy_detail", [world.vacancy.pk]),
                       ("vacancy_history", [world.vacancy.pk])]:
        for actor in ["anonymous", "contact_b"]:
            html = client_for(world.people[actor]).get(
                reverse(f"representation:{name}", args=args)).content.decode()
            assert "Mann" not in html and ">Man<" not in html and "gender" not in html.lower()
    proposal = client_for(admin_user).get(
        reverse("representation:vacancy_proposal", args=[world.vacancy.pk])).content.decode()
    assert re.search(r'<option value="male" selected>', proposal)


def _current_appointment(world, admin_user):
    """An appointment valid today, so the public register (as of today) shows it."""
    seat = t.SeatFactory(body=world.body, role="member")
    world.ola.email, world.ola.phone = "ola@example.invalid", "+47 999 88 777"
    world.ola.save()
    return services.appointment_record(
        actor=admin_user, seat=seat, person=world.ola, organisation=world.org_b,
        decision_ref="KS 3/26", decision_date=TODAY, valid_from=TODAY - datetime.timedelta(
            days=10), valid_to=TODAY + datetime.timedelta(days=60))


def test_public_register_lists_names_roles_terms_never_contact_details(world, admin_user):
    _current_appointment(world, admin_user)
    url = reverse("representation:public_register")
    html = client_for(None).get(url).content.decode()
    assert "Ola Fra B" in html and world.org_b.name in html and world.body.name in html
    assert "ola@example.invalid" not in html and "999 88 777" not in html
    assert "Kari Fra A" not in html  # nominated only
    other = t.BodyFactory(kind=BodyKind.EXTERNAL_BODY, name="Skate")
    filtered = client_for(None).get(url, {"body": other.slug}).content.decode()
    assert "Ola Fra B" not in filtered
    earlier = client_for(None).get(url, {"date": "2020-01-01"}).content.decode()
    assert "Ola Fra B" not in earlier
    assert client_for(None).get(url, {"date": "i går"}).status_code == 400


def test_vacancy_list_shows_open_vacancies_and_counts_only_to_the_secretariat(world):
    url = reverse("representation:vacancy_list")
    html = client_for(None).get(url).content.decode()
    assert world.vacancy.title in html
    services.vacancy_update(actor=world.people["admin_user"], vacancy=world.vacancy,
                            data={"status": "closed"})
    assert world.vacancy.title not in client_for(None).get(url).content.decode()
    assert world.vacancy.title in client_for(None).get(url, {"status": "closed"}).content.decode()
    assert world.vacancy.title in client_for(None).get(url, {"status": "all"}).content.decode()
    assert client_for(None).get(url, {"status": "bogus"}).status_code == 400
    contact = client_for(world.people["contact_a"]).get(url, {"status": "all"}).content.decode()
    admin = client_for(world.people["admin_user"]).get(url, {"status": "all"}).content.decode()
    assert ">Nominations<" not in contact and "Nominasjoner" not in contact
    assert ">Nominations<" in admin or "Nominasjoner" in admin


# --- the flow ----------------------------------------------------------------------------------

def test_secretariat_announces_a_vacancy_without_mass_assignment(world, body_y):
    client = client_for(world.people["admin_user"])
    url = reverse("representation:vacancy_create") + f"?body={world.body.slug}"
    data = vacancy_post(world) | {"status": "decided", "body": body_y.pk}
    response = client.post(url, data)
    assert response.status_code == 302
    vacancy = Vacancy.objects.get(title="Nytt verv")
    assert vacancy.status == "open" and vacancy.body == world.body
    assert sorted(c.name for c in vacancy.desired_competences.all()) == ["arkitektur", "e-helse"]
    assert response.url == reverse("representation:vacancy_detail", args=[vacancy.pk])


def test_vacancy_form_refuses_another_bodys_seat_and_a_backwards_term(world, body_y):
    client = client_for(world.people["admin_user"])
    url = reverse("representation:vacancy_create") + f"?body={world.body.slug}"
    foreign = t.SeatFactory(body=body_y)
    response = client.post(url, vacancy_post(world) | {"seats": [foreign.pk]})
    assert response.status_code == 200 and 'aria-invalid="true"' in response.content.decode() \
        or "seats" in response.content.decode()
    response = client.post(url, vacancy_post(world) | {"term_end": "2026-01-01"})
    assert response.status_code == 200
    assert Vacancy.objects.count() == 1


def test_body_is_chosen_before_the_vacancy_form(world):
    client = client_for(world.people["admin_user"])
    html = client.get(reverse("representation:vacancy_create")).content.decode()
    assert 'name="body"' in html and 'name="seats"' not in html and 'method="get"' in html


def test_nomination_offers_only_the_organisations_current_people(world, contact_a):
    gone = t.AffiliationFactory(organisation=world.org_a, person__name="Sluttet Person",
                                valid_to=TODAY - datetime.timedelta(days=1))
    url = reverse("representation:nomination_create", args=[world.vacancy.pk])
    html = client_for(contact_a).get(url).content.decode()
    assert 'name="person"' in html  # one organisation: no step one
    assert "Kari Fra A" in html and "Ola Fra B" not in html and gone.person.name not in html


def test_secretariat_chooses_the_organisation_first(world, admin_user):
    url = reverse("representation:nomination_create", args=[world.vacancy.pk])
    client = client_for(admin_user)
    html = client.get(url).content.decode()
    assert 'name="organisation"' in html and 'name="person"' not in html
    html = client.get(url, {"organisation": world.org_b.pk}).content.decode()
    assert 'name="person"' in html and "Ola Fra B" in html and "Kari Fra A" not in html


def test_nomination_needs_consent_and_changes_nothing_without(world, contact_a):
    url = reverse("representation:nomination_create", args=[world.vacancy.pk])
    person = nominee(world.org_a, "Uten Samtykke")
    response = client_for(contact_a).post(url, {"person": person.pk, "motivation": "x"})
    assert response.status_code == 200 and 'aria-invalid="true"' in response.content.decode()
    assert not Nomination.objects.filter(person=person).exists()
    response = client_for(contact_a).post(url, {"person": person.pk, "motivation": "x",
                                                "consent": "on"})
    assert response.status_code == 302
    assert Nomination.objects.get(person=person).organisation == world.org_a


def test_closed_vacancy_takes_no_nominations(world, contact_a):
    services.vacancy_update(actor=world.people["admin_user"], vacancy=world.vacancy,
                            data={"status": "closed"})
    url = reverse("representation:nomination_create", args=[world.vacancy.pk])
    person = nominee(world.org_a, "For Sent")
    response = client_for(contact_a).post(url, {"person": person.pk, "motivation": "x",
                                                "consent": "on"})
    assert response.status_code == 200 and "not open" in response.content.decode()
    assert not Nomination.objects.filter(person=person).exists()


def test_rules_by_kind_with_plain_language_description(world, admin_user):
    client = client_for(admin_user)
    create = reverse("representation:rule_create", args=[world.body.slug])
    chooser = client.get(create).content.decode()
    assert 'type="radio"' in chooser and 'name="kind"' in chooser
    form = client.get(create, {"kind": "kind_seats"}).content.decode()
    assert 'name="organisation_kind"' in form and 'name="limit"' not in form
    response = client.post(create + "?kind=kind_seats", {"minimum": "1", "explanation": "x"})
    assert response.status_code == 200 and 'aria-invalid="true"' in response.content.decode()
    response = client.post(create + "?kind=kind_seats", {
        "organisation_kind": "county_municipality", "minimum": "1", "role": "",
        "explanation": "Fylkeskommunene skal være med.", "active": "", "limit": "7"})
    assert response.status_code == 302
    rule = RepresentativityRule.objects.get(kind="kind_seats")
    assert rule.limit is None and rule.active  # fields of other kinds are not taken
    page = client_for(None).get(reverse("representation:rule_list", args=[world.body.slug]))
    html = page.content.decode()
    assert "Fylkeskommunene skal være med." in html
    assert "at least 1 seat" in html or "minst 1 sete" in html
    assert reverse("representation:rule_edit", args=[rule.pk]) not in html  # public: no edit
    client.post(reverse("representation:rule_active", args=[rule.pk]), {"active": "0"})
    rule.refresh_from_db()
    assert not rule.active


def test_optimiser_run_with_locks_exclusions_and_conflicts(world, admin_user):
    client = client_for(admin_user)
    url = reverse("representation:vacancy_proposal", args=[world.vacancy.pk])
    response = client.post(url, {f"c-p{world.kari.pk}": "member"})
    assert response.status_code == 302
    proposal = SlateProposal.objects.get()
    assert proposal.locked == {f"p{world.kari.pk}": "member"}
    html = client.get(url).content.decode()
    assert "Kari Fra A" in html and 'value="member" selected' in html
    # Excluding a candidate leaves two for three seats: the conflict names the seats and the
    # exclusion, each with what to relax.
    client.post(url, {f"c-p{world.kari.pk}": "exclude"})
    latest = SlateProposal.objects.first()
    assert latest.status == "infeasible" and latest.excluded
    html = client.get(url).content.decode()
    assert reverse("representation:vacancy_edit", args=[world.vacancy.pk]) in html
    assert "#candidates-heading" in html
    older = client.get(url, {"proposal": proposal.pk}).content.decode()
    assert "Proposal of" in older or "Forslag" in older


def test_lock_into_a_role_without_seats_is_not_offered(world, admin_user):
    for seat in world.vacancy.seats.filter(role="deputy"):
        world.vacancy.seats.remove(seat)
    html = client_for(admin_user).get(
        reverse("representation:vacancy_proposal", args=[world.vacancy.pk])).content.decode()
    assert 'value="member"' in html and 'value="deputy"' not in html


def test_gender_recorded_per_candidate(world, admin_user):
    client = client_for(admin_user)
    url = reverse("representation:gender_record", args=[world.vacancy.pk])
    client.post(url, {f"g-p{world.kari.pk}": "female", f"g-p{world.ola.pk}": "male"})
    assert dict(PersonGender.objects.values_list("person__name", "gender")) == {
        "Kari Fra A": "female", "Ola Fra B": "male"}
    client.post(url, {f"g-p{world.kari.pk}": "", f"g-p{world.ola.pk}": "male"})
    assert list(PersonGender.objects.values_list("person__name", flat=True)) == ["Ola Fra B"]
    client.post(url, {f"g-p{world.kari.pk}": "other"})
    assert PersonGender.objects.count() == 1


def test_appointment_recorded_from_the_proposal_keeps_it(world, admin_user):
    client = client_for(admin_user)
    proposal_url = reverse("representation:vacancy_proposal", args=[world.vacancy.pk])
    client.post(proposal_url, {})
    proposal = SlateProposal.objects.get()
    html = client.get(proposal_url).content.decode()
    link = re.search(r'href="(/representasjon/verv/\d+/oppnevn/\?proposal=[^"]+candidate='
                     + f'{world.kari.pk}' + r'[^"]*)"', html)
    assert link, "no link to record Kari's appointment from the proposal"
    form_url = link.group(1).replace("&amp;", "&")
    form = client.get(form_url).content.decode()
    assert re.search(rf'<option value="{world.kari.pk}:{world.org_a.pk}" selected>', form)
    assert 'value="KS 1/26"' in form  # the decision of the earlier appointment, pre-filled
    response = client.post(form_url, appointment_post(world))
    assert response.status_code == 302 and response.url.startswith(proposal_url)
    appointment = Appointment.objects.get(membership__person=world.kari)
    assert appointment.proposal == proposal and appointment.vacancy == world.vacancy
    assert appointment.membership.organisation == world.org_a
    assert "Recorded" in client.get(proposal_url).content.decode() or \
        "Registrert" in client.get(proposal_url).content.decode()


def test_appointment_by_hand_from_another_organisation(world, admin_user):
    other = t.OrganisationFactory(name="Kommune C")
    per = nominee(other, "Per Fra C")
    url = reverse("representation:appointment_create", args=[world.vacancy.pk])
    client = client_for(admin_user)
    assert "Per Fra C" not in client.get(url).content.decode()
    with_org = f"{url}?organisation={other.pk}"
    assert "Per Fra C" in client.get(with_org).content.decode()
    response = client.post(with_org, appointment_post(world) | {
        "candidate": f"{per.pk}:{other.pk}"})
    assert response.status_code == 302
    assert Appointment.objects.get(membership__person=per).proposal is None


def test_appointment_refused_on_an_overlapping_term_changes_nothing(world, admin_user):
    url = reverse("representation:appointment_create", args=[world.vacancy.pk])
    data = appointment_post(world) | {"seat": world.appointment.membership.seat_id}
    before = snapshot()
    response = client_for(admin_user).post(url, data)
    assert response.status_code == 200 and "ds-error-summary" in response.content.decode()
    assert snapshot() == before


def test_end_and_renew_an_appointment(world, admin_user):
    client = client_for(admin_user)
    renew = reverse("representation:appointment_renew", args=[world.appointment.pk])
    response = client.post(renew, {"decision_ref": "KS 9/28", "decision_date": "2028-11-01",
                                   "valid_to": "2030-12-31"})
    assert response.status_code == 302
    follow = Appointment.objects.get(renews=world.appointment)
    assert follow.membership.valid_from == datetime.date(2029, 1, 1)
    end = reverse("representation:appointment_end", args=[follow.pk])
    client.post(end, {"end_date": "2029-06-30", "reason": "Sluttet i kommunen"})
    follow.refresh_from_db()
    assert follow.membership.valid_to == datetime.date(2029, 6, 30)
    assert follow.end_reason == "Sluttet i kommunen"


def test_expiring_terms_listed_for_the_secretariat(world, admin_user):
    _current_appointment(world, admin_user)
    html = client_for(admin_user).get(reverse("representation:appointment_list")).content
    assert "Ola Fra B" in html.decode()


# --- bounded queries ---------------------------------------------------------------------------

def _queries(client, url) -> int:
    def fetch():
        response = client.get(url)
        assert response.status_code == 200
    return t.count_queries(fetch)


def _external_body_with_members(n: int):
    body = t.BodyFactory(kind=BodyKind.EXTERNAL_BODY)
    for _ in range(n):
        t.MembershipFactory(seat=t.SeatFactory(body=body), valid_from=datetime.date(2024, 1, 1))
    return body


def test_public_register_queries_bounded(db):
    url = reverse("representation:public_register")
    _external_body_with_members(3)
    small = _queries(Client(), url)
    for _ in range(9):
        _external_body_with_members(3)
    assert _queries(Client(), url) == small < 15


def test_vacancy_list_queries_bounded(vacancy, admin_user):
    url = reverse("representation:vacancy_list") + "?status=all"
    client = client_for(admin_user)
    client.get(url)

    def add(n):
        for i in range(n):
            services.vacancy_create(
                actor=admin_user, body=vacancy.body, seats=list(vacancy.body.seats.all()),
                data={"title": f"Verv {i}", "term_start": datetime.date(2027, 1, 1),
                      "term_end": None, "deadline": TODAY})
    add(2)
    small = _queries(client, url)
    add(27)
    assert _queries(client, url) == small < 15
    assert _queries(Client(), url) < 15


def _nominations(vacancy, organisation, contact, n):
    for i in range(n):
        services.nomination_create(actor=contact, vacancy=vacancy, organisation=organisation,
                                   person=nominee(organisation, f"Kandidat {i} {organisation}"),
                                   motivation="M", competences=[f"k{i}"], consent=True)


def test_vacancy_detail_queries_bounded(vacancy, org_a, contact_a, admin_user):
    url = reverse("representation:vacancy_detail", args=[vacancy.pk])
    admin, contact = client_for(admin_user), client_for(contact_a)
    admin.get(url), contact.get(url)
    _nominations(vacancy, org_a, contact_a, 3)
    small = (_queries(admin, url), _queries(contact, url))
    _nominations(vacancy, t.OrganisationFactory(), admin_user, 27)
    assert (_queries(admin, url), _queries(contact, url)) == small
    assert max(small) < 30


def test_rule_list_queries_bounded(external_body, admin_user):
    url = reverse("representation:rule_list", args=[external_body.slug])
    counties = t.CountyFactory.create_batch(2)

    def add(n):
        for _ in range(n):
            services.rule_create(actor=admin_user, body=external_body, counties=counties,
                                 data={"kind": "county_seats", "minimum": 1})
            services.rule_create(actor=admin_user, body=external_body, competences=["arkiv"],
                                 data={"kind": "competences"})
    add(3)
    small = _queries(Client(), url)
    add(27)
    assert _queries(Client(), url) == small < 10


def test_appointment_list_queries_bounded(external_body, admin_user):
    url = reverse("representation:appointment_list")
    client = client_for(admin_user)
    client.get(url)

    def add(n):
        for _ in range(n):
            seat = t.SeatFactory(body=external_body)
            services.appointment_record(
                actor=admin_user, seat=seat, person=t.PersonFactory(),
                organisation=t.OrganisationFactory(), decision_ref="KS", decision_date=TODAY,
                valid_from=TODAY - datetime.timedelta(days=300),
                valid_to=TODAY + datetime.timedelta(days=30))
    add(3)
    small = _queries(client, url)
    add(27)
    assert _queries(client, url) == small < 15


def test_proposal_page_queries_bounded(vacancy, org_a, contact_a, admin_user):
    url = reverse("representation:vacancy_proposal", args=[vacancy.pk])
    client = client_for(admin_user)
    _nominations(vacancy, org_a, contact_a, 3)
    services.proposal_run(actor=admin_user, vacancy=vacancy)
    client.get(url)
    small = _queries(client, url)
    _nominations(vacancy, t.OrganisationFactory(), admin_user, 27)
    services.proposal_run(actor=admin_user, vacancy=vacancy)
    assert _queries(client, url) == small < 40


def test_timezone_today_is_the_register_default(db):
    html = Client().get(reverse("representation:public_register")).content.decode()
    assert timezone.localdate().strftime("%d.%m.%Y") in html
