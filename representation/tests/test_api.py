"""The representation API: permission matrices for every write and every restricted read, the
nominations wall between organisations, the public register without personal data, no mass
assignment, field-named validation errors, the optimiser's proposals, bounded queries."""

import datetime
import json

import pytest

from core import testing as t
from representation import selectors, services
from representation.models import (
    Appointment,
    Nomination,
    PersonGender,
    Report,
    RepresentativityRule,
    RepresentedMeeting,
    SlateProposal,
    Vacancy,
)
from structure.models import Membership, Seat

from .conftest import nominee

TODAY = datetime.date.today()
client_for = t.api_client
send = t.api_send


# --- The world ----------------------------------------------------------------------------------


@pytest.fixture
def contact_b(org_b):
    return t.user_with_role(t.Role.ORG_CONTACT, organisation=org_b)


@pytest.fixture
def world(vacancy, external_body, org_a, org_b, contact_a, contact_b, admin_user):
    """A vacancy with one nomination from A and one from B, Kari (of A) appointed to a member
    seat of the body with a report filed, a fellow member, a rule and Kari's recorded gender."""
    kari, ola = nominee(org_a, "Kari Anvik"), nominee(org_b, "Ola Bøe")
    nomination_a = services.nomination_create(
        actor=contact_a, vacancy=vacancy, organisation=org_a, person=kari,
        motivation="Motivasjon fra A", competences=["e-helse"], consent=True)
    nomination_b = services.nomination_create(
        actor=contact_b, vacancy=vacancy, organisation=org_b, person=ola,
        motivation="Hemmelig motivasjon fra B", consent=True)
    member_seat, other_seat = external_body.seats.filter(role="member")[:2]
    appointment = services.appointment_record(
        actor=admin_user, seat=member_seat, person=kari, organisation=org_a,
        decision_ref="KS 2024/1", decision_date=datetime.date(2023, 12, 1),
        valid_from=datetime.date(2024, 1, 1), valid_to=TODAY + datetime.timedelta(days=60))
    fellow = t.MembershipFactory(seat=other_seat, organisation=org_b,
                                 valid_from=datetime.date(2024, 1, 1), valid_to=None).person
    report = services.report_submit(
        actor=admin_user, appointment=appointment, due_date=datetime.date(2024, 7, 1),
        data={"discussed": "Hemmelig diskusjon", "summary": "Offentlig sammendrag",
              "summary_public": True})
    rule = services.rule_create(actor=admin_user, body=external_body,
                                data={"kind": "one_per_organisation",
                                      "explanation": "Bredde i sektoren"})
    services.person_gender_set(actor=admin_user, person=kari, gender="female")
    return {
        "vacancy": vacancy, "body": external_body, "rule": rule, "appointment": appointment,
        "report": report, "free_seat": external_body.seats.get(role="deputy"),
        "A": {"org": org_a, "person": kari, "nomination": nomination_a,
              "spare": nominee(org_a, "Siri Aas")},
        "B": {"org": org_b, "person": ola, "nomination": nomination_b,
              "spare": nominee(org_b, "Per Berg")},
        "representative": t.UserFactory(person=kari),
        "member": t.UserFactory(person=fellow),
    }


@pytest.fixture
def actors(world, admin_user, contact_a, contact_b, secretary_x):
    return {"anonymous": None, "contact_a": contact_a, "contact_b": contact_b,
            "secretary_x": secretary_x, "admin": admin_user,
            "representative": world["representative"], "member": world["member"]}


def _ids(world, scope: str) -> dict:
    own = world[scope]
    return {"vacancy": world["vacancy"].pk, "body": world["body"].slug,
            "rule": world["rule"].pk, "appointment": world["appointment"].pk,
            "report": world["report"].pk, "free_seat": world["free_seat"].pk,
            "org": own["org"].pk, "person": own["person"].pk, "spare": own["spare"].pk,
            "nomination": own["nomination"].pk}


def _fill(value, ids: dict):
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


MODELS = (Vacancy, Nomination, RepresentativityRule, PersonGender, SlateProposal, Appointment,
          RepresentedMeeting, Report, Membership)


def _state():
    """Every row and the number of history rows of every representation model (and the
    memberships appointments create): a refusal must change none of them."""
    return [list(model.objects.order_by("pk").values()) for model in MODELS] + [
        model.history.count() for model in MODELS if hasattr(model, "history")]


def _json(response) -> dict:
    return json.loads(response.content)


# --- Permission matrix: writes ------------------------------------------------------------------

# endpoint -> (method, url, body, status when allowed)
WRITES = {
    "vacancy_create": ("POST", "/api/vacancies",
                       {"body": "{body}", "title": "Ny utlysning", "seats": ["{free_seat}"],
                        "term_start": "2027-01-01", "deadline": "2026-12-15"}, 201),
    "vacancy_update": ("PATCH", "/api/vacancies/{vacancy}", {"title": "Endret"}, 200),
    "nomination_create": ("POST", "/api/vacancies/{vacancy}/nominations",
                          {"organisation": "{org}", "person": "{spare}", "motivation": "God",
                           "consent": True}, 201),
    "nomination_withdraw": ("POST", "/api/nominations/{nomination}/withdraw", None, 200),
    "rule_create": ("POST", "/api/bodies/{body}/rules", {"kind": "max_load", "limit": 2}, 201),
    "rule_update": ("PATCH", "/api/rules/{rule}", {"explanation": "Ny forklaring"}, 200),
    "rule_delete": ("DELETE", "/api/rules/{rule}", None, 204),
    "gender_set": ("PUT", "/api/people/{person}/gender", {"gender": "male"}, 200),
    "proposal_create": ("POST", "/api/vacancies/{vacancy}/proposals", {}, 201),
    "appointment_create": ("POST", "/api/appointments",
                           {"seat": "{free_seat}", "person": "{spare}", "organisation": "{org}",
                            "decision_ref": "KS 2026/9", "decision_date": "2026-11-01",
                            "valid_from": "2027-01-01", "valid_to": "2028-12-31"}, 201),
    "appointment_end": ("POST", "/api/appointments/{appointment}/end",
                        {"end_date": "2025-06-30", "reason": "Ny jobb"}, 200),
    "appointment_renew": ("POST", "/api/appointments/{appointment}/renew",
                          {"decision_ref": "KS 2026/10", "decision_date": "2026-11-20",
                           "valid_to": "2030-12-31"}, 201),
    "meeting_create": ("POST", "/api/bodies/{body}/meetings", {"date": "2026-10-01"}, 201),
    "report_create": ("POST", "/api/appointments/{appointment}/reports",
                      {"due_date": "2025-01-01", "discussed": "Budsjett"}, 201),
}
SECRETARIAT = ["vacancy_create", "vacancy_update", "rule_create", "rule_update", "rule_delete",
               "gender_set", "proposal_create", "appointment_create", "appointment_end",
               "appointment_renew", "meeting_create"]
NOMINATING = ["nomination_create", "nomination_withdraw"]

# (endpoint, actor, scope, expected): the secretariat (administrators) does its work alone; a
# contact nominates for their own organisation only; a representative reports on their own
# appointment, the secretariat for them; a body secretary of another body, a fellow member and
# the representative have no say in anything else.
WRITE_MATRIX = (
    [(e, "anonymous", "A", 401) for e in WRITES]
    + [(e, actor, "A", 403) for e in SECRETARIAT
       for actor in ("contact_a", "secretary_x", "representative")]
    + [(e, "admin", "A", "ok") for e in SECRETARIAT]
    + [(e, "contact_a", "A", "ok") for e in NOMINATING]
    + [(e, "contact_a", "B", 403) for e in NOMINATING]
    + [(e, actor, "A", 403) for e in NOMINATING for actor in ("secretary_x", "representative")]
    + [(e, "admin", "B", "ok") for e in NOMINATING]
    + [("report_create", "representative", "A", "ok"), ("report_create", "admin", "A", "ok"),
       ("report_create", "contact_a", "A", 403), ("report_create", "secretary_x", "A", 403),
       ("report_create", "member", "A", 403)]
)


def _by_token_and_session(matrix):
    """Every row through a bearer token; through a session (its own authentication path) the
    rows of contacts and representatives, who use the browser's session the most."""
    return [(*row, "token") for row in matrix] + [
        (*row, "session") for row in matrix if row[1] in ("contact_a", "representative")]


@pytest.mark.parametrize(("endpoint", "actor", "scope", "expected", "via"),
                         _by_token_and_session(WRITE_MATRIX))
def test_write_permission_matrix(world, actors, endpoint, actor, scope, expected, via):
    method, url, body, ok = WRITES[endpoint]
    ids = _ids(world, scope)
    client, headers = client_for(actors[actor], via)
    before = _state()
    response = send(client, method, _fill(url, ids), _fill(body, ids), **headers)
    status = ok if expected == "ok" else expected
    assert response.status_code == status, response.content
    if status >= 400:
        assert _state() == before
        assert "detail" in response.json()


def test_allowed_writes_record_who_acted(world, contact_a):
    client, headers = client_for(contact_a)
    ids = _ids(world, "A")
    response = send(client, "POST", f"/api/vacancies/{ids['vacancy']}/nominations",
                    _fill(WRITES["nomination_create"][2], ids), **headers)
    assert response.status_code == 201
    nomination = Nomination.objects.get(pk=response.json()["id"])
    assert nomination.history.latest().history_user == contact_a


# --- Permission matrix: restricted reads --------------------------------------------------------

READS = {
    "nomination_list": ("GET", "/api/vacancies/{vacancy}/nominations"),
    "nomination_detail": ("GET", "/api/nominations/{nomination}"),
    "nomination_history": ("GET", "/api/nominations/{nomination}/history"),
    "report_list": ("GET", "/api/appointments/{appointment}/reports"),
    "report_history": ("GET", "/api/reports/{report}/history"),
    "appointment_history": ("GET", "/api/appointments/{appointment}/history"),
    "gender_detail": ("GET", "/api/people/{person}/gender"),
    "proposal_list": ("GET", "/api/vacancies/{vacancy}/proposals"),
    "appointment_expiring": ("GET", "/api/appointments/expiring"),
    "report_overdue": ("GET", "/api/reports/overdue"),
    "my_appointments": ("GET", "/api/me/appointments"),
}
SECRETARIAT_READS = ["gender_detail", "proposal_list", "appointment_expiring", "report_overdue"]
REPORT_READS = ["report_list", "report_history", "appointment_history"]
# A nomination the reader may not see is not found (its existence is not confirmed); a report
# read refused on the appointment is 403, one report not visible is 404.
HIDDEN = {"nomination_detail": 404, "nomination_history": 404, "report_history": 404}

READ_MATRIX = (
    [(r, "anonymous", "A", 401) for r in READS]
    + [(r, actor, "A", 403) for r in SECRETARIAT_READS
       for actor in ("contact_a", "secretary_x", "representative", "member")]
    + [(r, "admin", "A", 200) for r in READS]
    + [(r, "admin", "B", 200) for r in ("nomination_detail", "nomination_history",
                                        "gender_detail")]
    + [(r, actor, "A", 200) for r in REPORT_READS for actor in ("representative", "member")]
    + [(r, actor, "A", HIDDEN.get(r, 403)) for r in REPORT_READS
       for actor in ("contact_a", "secretary_x")]
    + [(r, "contact_a", "A", 200) for r in ("nomination_detail", "nomination_history")]
    + [(r, actor, scope, 404) for r in ("nomination_detail", "nomination_history")
       for actor, scope in (("contact_a", "B"), ("contact_b", "A"), ("secretary_x", "A"),
                            ("representative", "A"))]
    + [("nomination_list", actor, "A", 200) for actor in ("contact_a", "secretary_x", "member")]
    + [("my_appointments", actor, "A", 200) for actor in ("contact_a", "representative")]
)


@pytest.mark.parametrize(("endpoint", "actor", "scope", "expected", "via"),
                         _by_token_and_session(READ_MATRIX))
def test_read_permission_matrix(world, actors, endpoint, actor, scope, expected, via):
    client, headers = client_for(actors[actor], via)
    response = client.get(_fill(READS[endpoint][1], _ids(world, scope)), **headers)
    assert response.status_code == expected, response.content
    if expected != 200:
        assert set(response.json()) == {"detail"}


# --- Nominations: one organisation never sees another's ----------------------------------------


def test_contact_cannot_see_another_organisations_nominations(world, contact_a):
    client, headers = client_for(contact_a)
    vacancy, theirs = world["vacancy"], world["B"]["nomination"]
    urls = [f"/api/vacancies/{vacancy.pk}/nominations", f"/api/nominations/{theirs.pk}",
            f"/api/nominations/{theirs.pk}/history"]
    for url in urls:
        content = client.get(url, **headers).content.decode()
        assert "Hemmelig motivasjon fra B" not in content, url
        assert "Ola Bøe" not in content and "Ola B\\u00f8e" not in content, url
    listed = client.get(urls[0], **headers).json()["items"]
    assert [n["id"] for n in listed] == [world["A"]["nomination"].pk]
    assert listed[0]["organisation"]["id"] == world["A"]["org"].pk


def test_secretariat_sees_every_nomination_and_a_stranger_none(world, admin_user, secretary_x):
    url = f"/api/vacancies/{world['vacancy'].pk}/nominations"
    client, headers = client_for(admin_user)
    assert {n["person"]["name"] for n in client.get(url, **headers).json()["items"]} == {
        "Kari Anvik", "Ola Bøe"}
    client, headers = client_for(secretary_x)
    assert client.get(url, **headers).json()["count"] == 0


def test_nomination_fields_and_no_contact_details(world, contact_a):
    client, headers = client_for(contact_a)
    nomination = world["A"]["nomination"]
    response = client.get(f"/api/nominations/{nomination.pk}", **headers)
    body = response.json()
    assert (body["motivation"], body["competences"], body["consent"], body["withdrawn"]) == (
        "Motivasjon fra A", ["e-helse"], True, False)
    assert body["person"] == {"id": world["A"]["person"].pk, "name": "Kari Anvik"}
    assert world["A"]["person"].email not in response.content.decode()


def test_withdrawing_a_nomination_shows_in_its_history(world, contact_a):
    client, headers = client_for(contact_a)
    nomination = world["A"]["nomination"]
    response = send(client, "POST", f"/api/nominations/{nomination.pk}/withdraw", **headers)
    assert response.json()["withdrawn"] is True
    log = client.get(f"/api/nominations/{nomination.pk}/history", **headers).json()["items"]
    assert (log[0]["type"], log[0]["reason"]) == ("changed", "withdrawn")
    assert (log[-1]["type"], log[-1]["reason"]) == ("created", "nominated")
    assert ("withdrawn", False, True) in [(c["field"], c["old"], c["new"])
                                          for c in log[0]["changes"]]
    assert contact_a.username not in str(log)  # usernames only for administrators


# --- The public register: never contact details or gender ---------------------------------------


def test_public_representatives_have_no_email_phone_or_gender(client, world):
    kari = world["A"]["person"]
    response = client.get("/api/representatives")
    assert response.status_code == 200
    raw = response.content.decode()
    for secret in (kari.email, kari.phone, "email", "phone", "gender", "female"):
        assert secret not in raw
    items = response.json()["items"]
    kari_row = next(r for r in items if r["person"]["id"] == kari.pk)
    assert set(kari_row) == {"id", "person", "organisation", "body", "role", "constituency",
                             "valid_from", "valid_to"}
    assert set(kari_row["person"]) == {"id", "name"}
    assert (kari_row["body"]["slug"], kari_row["role"], kari_row["valid_from"]) == (
        world["body"].slug, "member", "2024-01-01")
    assert kari_row["organisation"]["id"] == world["A"]["org"].pk


def test_public_representatives_by_date_and_body(client, world, body_x):
    kari = world["A"]["person"].pk

    def people(query):
        response = client.get(f"/api/representatives?{query}")
        assert response.status_code == 200, response.content
        return {r["person"]["id"] for r in response.json()["items"]}

    assert kari in people(f"body={world['body'].slug}")
    assert kari not in people(f"body={body_x.slug}")
    assert kari not in people("on=2023-06-01")
    assert kari in people("on=2024-06-01")
    response = client.get("/api/representatives?body=nope")
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "body"
    assert client.get("/api/representatives?on=9999-01-01").status_code == 422


def test_public_reads_are_cacheable(client, world):
    response = client.get("/api/representatives")
    assert response.has_header("ETag")
    again = client.get("/api/representatives", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_report_summaries_publish_only_the_summary_line(client, world, admin_user):
    services.report_submit(actor=admin_user, appointment=world["appointment"],
                           due_date=datetime.date(2025, 1, 1),
                           data={"discussed": "Intern", "summary": "Ikke publisert"})
    response = client.get("/api/report-summaries")
    raw = response.content.decode()
    assert "Hemmelig diskusjon" not in raw and "Ikke publisert" not in raw
    assert response.json()["items"] == [{
        "due_date": "2024-07-01", "summary": "Offentlig sammendrag",
        "body": {"slug": world["body"].slug, "name": world["body"].name},
        "representative": "Kari Anvik"}]


def test_recorded_gender_never_reaches_public_history(client, world):
    kari = world["A"]["person"]
    for url in (f"/api/people/{kari.pk}/history", f"/api/bodies/{world['body'].slug}/history",
                f"/api/people/{kari.pk}"):
        raw = client.get(url).content.decode()
        assert "female" not in raw and "gender" not in raw, url


def test_vacancies_rules_and_their_history_are_public(client, world):
    vacancy, rule = world["vacancy"], world["rule"]
    body = client.get(f"/api/vacancies/{vacancy.pk}").json()
    assert (body["title"], body["status"], body["open"], body["required_competences"]) == (
        "Tre plasser i e-helsestyret", "open", True, ["e-helse"])
    assert sorted(s["role"] for s in body["seats"]) == ["deputy", "member", "member"]
    assert "nomination" not in json.dumps(body)  # not even how many
    listed = client.get("/api/vacancies?status=open").json()["items"]
    assert [v["id"] for v in listed] == [vacancy.pk]
    assert client.get("/api/vacancies?status=decided").json()["count"] == 0
    assert client.get(f"/api/vacancies?body={world['body'].slug}").json()["count"] == 1
    assert client.get("/api/vacancies?body=nope").status_code == 422
    assert client.get(f"/api/vacancies/{vacancy.pk}/history").json()["items"][0]["reason"] == \
        "announced"
    rules = client.get(f"/api/bodies/{world['body'].slug}/rules").json()["items"]
    assert [(r["id"], r["kind"], r["explanation"]) for r in rules] == [
        (rule.pk, "one_per_organisation", "Bredde i sektoren")]
    assert client.get(f"/api/rules/{rule.pk}").json()["body"] == world["body"].slug
    assert client.get(f"/api/rules/{rule.pk}/history").json()["count"] == 1
    assert client.get("/api/vacancies/999999").status_code == 404
    assert client.get("/api/bodies/nope/rules").status_code == 404


# --- Writes: results ----------------------------------------------------------------------------


def _admin(admin_user):
    client, headers = client_for(admin_user)
    return lambda method, url, data=None: send(client, method, url, data, **headers)


def test_vacancy_create_and_update(world, admin_user):
    call = _admin(admin_user)
    response = call("POST", "/api/vacancies", {
        "body": world["body"].slug, "title": "Varamedlem", "description": "Beskrivelse",
        "seats": [world["free_seat"].pk], "term_start": "2027-01-01", "term_end": "2028-12-31",
        "deadline": "2026-12-15", "required_competences": ["arkitektur"],
        "desired_competences": ["e-helse", "ledelse"]})
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["body"]["slug"], created["term_end"], created["desired_competences"]) == (
        world["body"].slug, "2028-12-31", ["e-helse", "ledelse"])
    response = call("PATCH", f"/api/vacancies/{created['id']}",
                    {"status": "closed", "required_competences": []})
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["open"]) == ("closed", False)
    assert response.json()["required_competences"] == []
    assert response.json()["title"] == "Varamedlem"


def test_rule_create_update_delete_keeps_history(client, world, admin_user, org_a):
    call = _admin(admin_user)
    county = org_a.county
    response = call("POST", f"/api/bodies/{world['body'].slug}/rules", {
        "kind": "county_seats", "name": "Nord", "counties": [county.number], "minimum": 1,
        "explanation": "Hele landet skal være representert"})
    assert response.status_code == 201, response.content
    rule = response.json()
    assert rule["counties"] == [{"number": county.number, "name": county.name}]
    response = call("PATCH", f"/api/rules/{rule['id']}", {"maximum": 2, "active": False})
    assert (response.json()["maximum"], response.json()["active"]) == (2, False)
    assert call("DELETE", f"/api/rules/{rule['id']}").status_code == 204
    assert client.get(f"/api/rules/{rule['id']}").status_code == 404
    log = client.get(f"/api/rules/{rule['id']}/history").json()["items"]
    assert (log[0]["type"], log[-1]["type"]) == ("deleted", "created")
    assert ("maximum", None, 2) in [(c["field"], c["old"], c["new"])
                                    for e in log for c in e["changes"]]
    assert client.get("/api/rules/999999/history").status_code == 404


def test_gender_set_read_and_remove(world, admin_user):
    call = _admin(admin_user)
    ola = world["B"]["person"]
    url = f"/api/people/{ola.pk}/gender"
    assert call("GET", url).json() == {"person": ola.pk, "gender": None}
    assert call("PUT", url, {"gender": "male"}).json() == {"person": ola.pk, "gender": "male"}
    assert call("GET", url).json()["gender"] == "male"
    assert call("PUT", url, {"gender": None}).json() == {"person": ola.pk, "gender": None}
    assert not PersonGender.objects.filter(person=ola).exists()
    assert call("GET", "/api/people/999999/gender").status_code == 404


def test_appointment_record_end_renew(world, admin_user, org_a):
    call = _admin(admin_user)
    spare = world["A"]["spare"]
    response = call("POST", "/api/appointments", {
        "seat": world["free_seat"].pk, "person": spare.pk, "organisation": org_a.pk,
        "decision_ref": "KS 2026/9", "decision_date": "2026-11-01",
        "decided_by": world["body"].slug, "valid_from": "2027-01-01",
        "valid_to": "2028-12-31", "vacancy": world["vacancy"].pk,
        "reporting": "after_meetings"})
    assert response.status_code == 201, response.content
    appointment = response.json()
    assert (appointment["person"]["id"], appointment["seat"]["id"], appointment["decided_by"],
            appointment["reporting"], appointment["vacancy"]) == (
        spare.pk, world["free_seat"].pk, world["body"].slug, "after_meetings",
        world["vacancy"].pk)
    assert Membership.objects.get(pk=appointment["membership"]).person == spare

    response = call("POST", f"/api/appointments/{appointment['id']}/end",
                    {"end_date": "2027-06-30", "reason": "Flyttet"})
    assert (response.json()["valid_to"], response.json()["end_reason"]) == ("2027-06-30",
                                                                           "Flyttet")
    response = call("POST", f"/api/appointments/{appointment['id']}/renew",
                    {"decision_ref": "KS 2027/3", "decision_date": "2027-06-01"})
    assert response.status_code == 201, response.content
    renewal = response.json()
    assert (renewal["renews"], renewal["valid_from"], renewal["valid_to"]) == (
        appointment["id"], "2027-07-01", None)
    log = call("GET", f"/api/appointments/{appointment['id']}/history").json()["items"]
    assert [e["reason"] for e in log] == ["ended", "appointed"]


def test_expiring_and_overdue_for_the_secretariat(world, admin_user):
    call = _admin(admin_user)
    expiring = call("GET", "/api/appointments/expiring").json()["items"]
    assert [a["id"] for a in expiring] == [world["appointment"].pk]
    assert call("GET", "/api/appointments/expiring?days=30").json()["count"] == 0
    overdue = call("GET", "/api/reports/overdue").json()["items"]
    assert overdue[0] == {"appointment": overdue[0]["appointment"], "due_date": "2025-01-01"}
    assert overdue[0]["appointment"]["id"] == world["appointment"].pk
    assert "2024-07-01" not in [o["due_date"] for o in overdue]  # filed


def test_representative_sees_own_appointments_and_files_reports(world):
    representative = world["representative"]
    client, headers = client_for(representative)
    mine = client.get("/api/me/appointments", **headers).json()["items"]
    assert [a["id"] for a in mine] == [world["appointment"].pk]
    assert mine[0]["outstanding"][0] == "2025-01-01"
    assert "2024-07-01" not in mine[0]["outstanding"]
    response = send(client, "POST", f"/api/appointments/{world['appointment'].pk}/reports",
                    {"due_date": "2025-01-01", "discussed": "Finansiering",
                     "needs_position": True, "position_matter": "Kostnadsdeling"}, **headers)
    assert response.status_code == 201, response.content
    assert response.json()["needs_position"] is True
    mine = client.get("/api/me/appointments", **headers).json()["items"]
    assert "2025-01-01" not in mine[0]["outstanding"]
    reports = client.get(f"/api/appointments/{world['appointment'].pk}/reports",
                         **headers).json()["items"]
    assert [r["due_date"] for r in reports] == ["2025-01-01", "2024-07-01"]
    report = Report.objects.get(pk=response.json()["id"])
    assert report.history.latest().history_user == representative


def test_meeting_is_recorded_once_per_day(world, admin_user):
    call = _admin(admin_user)
    url = f"/api/bodies/{world['body'].slug}/meetings"
    first = call("POST", url, {"date": "2026-10-01", "title": "Møte 5"})
    assert first.status_code == 201
    assert first.json() == {"id": first.json()["id"], "body": world["body"].slug,
                            "date": "2026-10-01", "title": "Møte 5"}
    assert call("POST", url, {"date": "2026-10-01"}).json()["id"] == first.json()["id"]
    assert RepresentedMeeting.objects.count() == 1


# --- The optimiser's proposal -------------------------------------------------------------------


def test_proposal_run_and_list(world, admin_user):
    call = _admin(admin_user)
    vacancy = world["vacancy"]
    kari, ola = world["A"]["person"], world["B"]["person"]
    response = call("POST", f"/api/vacancies/{vacancy.pk}/proposals",
                    {"locked": {f"p{ola.pk}": "member"}, "excluded": [f"p{kari.pk}"]})
    assert response.status_code == 201, response.content
    proposal = response.json()
    assert (proposal["vacancy"], proposal["locked"], proposal["excluded"]) == (
        vacancy.pk, {f"p{ola.pk}": "member"}, [f"p{kari.pk}"])
    assert proposal["status"] == proposal["result"]["status"]
    assert {"slate", "checks", "binding", "conflicts"} <= set(proposal["result"])
    slate = [a["key"] for appointees in proposal["result"]["slate"].values()
             for a in appointees]
    assert f"p{kari.pk}" not in slate
    listed = call("GET", f"/api/vacancies/{vacancy.pk}/proposals").json()["items"]
    assert [p["id"] for p in listed] == [proposal["id"]]
    response = call("POST", "/api/appointments", {
        "seat": world["free_seat"].pk, "person": ola.pk, "organisation": world["B"]["org"].pk,
        "decision_ref": "KS 2026/11", "decision_date": "2026-11-25",
        "valid_from": "2027-01-01", "vacancy": vacancy.pk, "proposal": proposal["id"]})
    assert response.status_code == 201, response.content
    assert response.json()["proposal"] == proposal["id"]


@pytest.mark.parametrize("body", [
    {"locked": {"p999999": None}}, {"excluded": ["p999999"]},
    {"locked": {"p{kari}": "member"}, "excluded": ["p{kari}"]},
])
def test_proposal_with_unknown_or_contradictory_candidates_is_422(world, admin_user, body):
    call = _admin(admin_user)
    body = json.loads(json.dumps(body).replace("{kari}", str(world["A"]["person"].pk)))
    response = call("POST", f"/api/vacancies/{world['vacancy'].pk}/proposals", body)
    assert response.status_code == 422, response.content
    assert response.json()["detail"][0]["field"] == "locked"
    assert not SlateProposal.objects.exists()


def test_proposal_locking_into_a_role_without_seats_is_422(world, admin_user, external_body):
    vacancy = services.vacancy_create(
        actor=admin_user, body=external_body, seats=[world["free_seat"]],
        data={"title": "Vara", "term_start": datetime.date(2027, 1, 1), "deadline": TODAY})
    services.nomination_create(actor=admin_user, vacancy=vacancy, organisation=world["A"]["org"],
                               person=world["A"]["spare"], motivation="x", consent=True)
    response = _admin(admin_user)("POST", f"/api/vacancies/{vacancy.pk}/proposals",
                                  {"locked": {f"p{world['A']['spare'].pk}": "member"}})
    assert response.status_code == 422, response.content
    assert response.json()["detail"][0]["field"] == "locked"


# --- No mass assignment -------------------------------------------------------------------------

# Fields that exist on the model (or mean something) but may not be set through this endpoint.
EXTRA_FIELDS = [
    ("POST", "/api/vacancies", {**WRITES["vacancy_create"][2], "status": "decided"}),
    ("POST", "/api/vacancies", {**WRITES["vacancy_create"][2], "created_at": "2000-01-01T00:00"}),
    ("PATCH", "/api/vacancies/{vacancy}", {"title": "X", "body": "{body}"}),
    ("POST", "/api/vacancies/{vacancy}/nominations",
     {**WRITES["nomination_create"][2], "withdrawn": True}),
    ("POST", "/api/vacancies/{vacancy}/nominations",
     {**WRITES["nomination_create"][2], "vacancy": 1}),
    ("PATCH", "/api/rules/{rule}", {"explanation": "X", "body": "{body}"}),
    ("PATCH", "/api/rules/{rule}", {"id": 999}),
    ("PUT", "/api/people/{person}/gender", {"gender": "male", "person": "{spare}"}),
    ("POST", "/api/vacancies/{vacancy}/proposals", {"status": "optimal", "score": 999}),
    ("POST", "/api/appointments", {**WRITES["appointment_create"][2], "membership": 1}),
    ("POST", "/api/appointments", {**WRITES["appointment_create"][2], "renews": "{appointment}"}),
    ("POST", "/api/appointments/{appointment}/end",
     {**WRITES["appointment_end"][2], "person": "{spare}"}),
    ("POST", "/api/appointments/{appointment}/reports",
     {**WRITES["report_create"][2], "appointment": "{appointment}"}),
    ("POST", "/api/appointments/{appointment}/reports",
     {**WRITES["report_create"][2], "submitted_at": "2000-01-01T00:00"}),
    ("POST", "/api/bodies/{body}/meetings", {"date": "2026-10-01", "body": "{body}"}),
]


@pytest.mark.parametrize(("method", "url", "body"), EXTRA_FIELDS)
def test_extra_fields_are_refused_and_change_nothing(world, admin_user, method, url, body):
    ids = _ids(world, "A")
    client, headers = client_for(admin_user)
    before = _state()
    response = send(client, method, _fill(url, ids), _fill(body, ids), **headers)
    assert response.status_code == 422, response.content
    refused = [e for e in response.json()["detail"]
               if e["message"] == "This field cannot be set here."]
    assert refused and {e["field"] for e in refused} <= set(body)
    assert _state() == before


# --- Validation errors name the field -----------------------------------------------------------


def _vacancy_with(**changes):
    return {**WRITES["vacancy_create"][2], **changes}


def _appointment_with(**changes):
    return {**WRITES["appointment_create"][2], **changes}


FIELD_ERRORS = [
    ("POST", "/api/vacancies", _vacancy_with(title="x" * 201), "title"),
    ("POST", "/api/vacancies", _vacancy_with(title=""), "title"),
    ("POST", "/api/vacancies", _vacancy_with(body="nope"), "body"),
    ("POST", "/api/vacancies", _vacancy_with(seats=[999999]), "seats"),
    ("POST", "/api/vacancies", _vacancy_with(seats=[]), "seats"),
    ("POST", "/api/vacancies", _vacancy_with(deadline="not a date"), "deadline"),
    ("POST", "/api/vacancies", _vacancy_with(term_start="9999-12-31"), "term_start"),
    ("POST", "/api/vacancies", _vacancy_with(required_competences=["x" * 101]),
     "required_competences.0"),
    ("PATCH", "/api/vacancies/{vacancy}", {"status": "maybe"}, "status"),
    ("POST", "/api/vacancies/{vacancy}/nominations",
     {**WRITES["nomination_create"][2], "consent": False}, "consent"),
    ("POST", "/api/vacancies/{vacancy}/nominations",
     {**WRITES["nomination_create"][2], "motivation": "  "}, "motivation"),
    ("POST", "/api/vacancies/{vacancy}/nominations",
     {**WRITES["nomination_create"][2], "person": 999999}, "person"),
    ("POST", "/api/vacancies/{vacancy}/nominations",
     {**WRITES["nomination_create"][2], "person": "{person}"}, "person"),  # already nominated
    ("POST", "/api/bodies/{body}/rules", {"kind": "county_seats", "minimum": 1}, "counties"),
    ("POST", "/api/bodies/{body}/rules", {"kind": "county_seats", "minimum": 1,
                                          "counties": ["00"]}, "counties"),
    ("POST", "/api/bodies/{body}/rules", {"kind": "kind_seats", "minimum": 1},
     "organisation_kind"),
    ("POST", "/api/bodies/{body}/rules", {"kind": "max_load"}, "limit"),
    ("POST", "/api/bodies/{body}/rules", {"kind": "nonsense"}, "kind"),
    ("PATCH", "/api/rules/{rule}", {"minimum": -1}, "minimum"),
    ("PUT", "/api/people/{person}/gender", {"gender": "other"}, "gender"),
    ("POST", "/api/vacancies/{vacancy}/proposals", {"excluded": ["Kari"]}, "excluded.0"),
    ("POST", "/api/appointments", _appointment_with(decision_ref=" "), "decision_ref"),
    ("POST", "/api/appointments", _appointment_with(seat=999999), "seat"),
    ("POST", "/api/appointments", _appointment_with(person=999999), "person"),
    ("POST", "/api/appointments", _appointment_with(decided_by="nope"), "decided_by"),
    ("POST", "/api/appointments", _appointment_with(proposal=999999), "proposal"),
    ("POST", "/api/appointments", _appointment_with(report_every_months=0),
     "report_every_months"),
    ("POST", "/api/appointments", _appointment_with(reporting="weekly"), "reporting"),
    ("POST", "/api/appointments/{appointment}/end", {"end_date": "2020-01-01"}, "end_date"),
    ("POST", "/api/appointments/{appointment}/reports",
     {"due_date": "2025-01-01", "discussed": ""}, "discussed"),
    ("POST", "/api/appointments/{appointment}/reports",
     {"due_date": "2025-01-01", "discussed": "x", "needs_position": True}, "position_matter"),
    ("POST", "/api/appointments/{appointment}/reports",
     {"due_date": "2025-01-01", "discussed": "x", "summary_public": True}, "summary"),
    ("POST", "/api/appointments/{appointment}/reports",
     {"due_date": "2024-07-01", "discussed": "x"}, "due_date"),  # already filed
    ("POST", "/api/vacancies", _vacancy_with(term_end="2026-01-01"), "term_end"),
    ("POST", "/api/bodies/{body}/meetings", {"date": "2026-10-01", "title": "x" * 201}, "title"),
]


@pytest.mark.parametrize(("method", "url", "body", "field"), FIELD_ERRORS)
def test_validation_errors_name_the_field(world, admin_user, method, url, body, field):
    ids = _ids(world, "A")
    client, headers = client_for(admin_user)
    before = _state()
    response = send(client, method, _fill(url, ids), _fill(body, ids), **headers)
    assert response.status_code == 422, response.content
    assert field in [error["field"] for error in response.json()["detail"]]
    assert all(error["message"] for error in response.json()["detail"])
    assert _state() == before


def test_term_ending_before_it_starts_is_422(world, admin_user):
    response = _admin(admin_user)("POST", "/api/vacancies", _fill(
        _vacancy_with(term_start="2027-01-01", term_end="2026-01-01"), _ids(world, "A")))
    assert response.status_code == 422, response.content
    assert not Vacancy.objects.filter(title="Ny utlysning").exists()


def test_seats_of_another_body_are_refused(world, admin_user, body_x):
    other = t.SeatFactory(body=body_x)
    response = _admin(admin_user)("POST", "/api/vacancies", _fill(
        _vacancy_with(seats=[other.pk]), _ids(world, "A")))
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "seats"


def test_unknown_objects_are_404(world, admin_user):
    call = _admin(admin_user)
    for method, url in [("GET", "/api/vacancies/999999/nominations"),
                        ("GET", "/api/nominations/999999"),
                        ("POST", "/api/nominations/999999/withdraw"),
                        ("PATCH", "/api/rules/999999"),
                        ("POST", "/api/appointments/999999/end"),
                        ("GET", "/api/appointments/999999/reports"),
                        ("GET", "/api/reports/999999/history"),
                        ("POST", "/api/bodies/nope/meetings")]:
        body = {"date": "2026-10-01"} if url.endswith("meetings") else {}
        if url.endswith("/end"):
            body = {"end_date": "2026-10-01"}
        response = call(method, url, body)
        assert response.status_code == 404, (url, response.content)


# --- Bounded queries: the same number for 3 rows and 30 ----------------------------------------


def _queries(client, url: str, headers: dict) -> int:
    def fetch():
        response = client.get(url, **headers)
        assert response.status_code == 200, response.content

    return t.count_queries(fetch)


def _members(world, n: int, admin_user):
    """``n`` appointments to new seats of ``body``, each with a report, a due one and an
    expiring term; Kari holds them all (so her own list grows too)."""
    kari = world["A"]["person"]
    for _ in range(n):
        seat = Seat.objects.create(body=world["body"], role="member")
        org = t.OrganisationFactory()
        appointment = services.appointment_record(
            actor=admin_user, seat=seat, person=kari, organisation=org,
            decision_ref="KS", decision_date=datetime.date(2023, 12, 1),
            valid_from=datetime.date(2024, 1, 1), valid_to=TODAY + datetime.timedelta(days=30))
        services.report_submit(actor=admin_user, appointment=appointment,
                               due_date=datetime.date(2024, 7, 1),
                               data={"discussed": "x", "summary": "y", "summary_public": True})


def _reports(world, n: int, admin_user):
    """Reports (filed, or left due) of Kari's appointment for ``n`` more due dates."""
    appointment = world["appointment"]
    start = appointment.membership.valid_from - datetime.timedelta(days=31 * 12 * 40)
    filed = Report.objects.filter(appointment=appointment).count()
    for i in range(filed, filed + n):
        services.report_submit(actor=admin_user, appointment=appointment,
                               due_date=start + datetime.timedelta(days=i), data={"discussed": "x"})


def _nominations(world, n: int, admin_user):
    for org in (world["A"]["org"], world["B"]["org"]):
        for _ in range(n):
            services.nomination_create(actor=admin_user, vacancy=world["vacancy"],
                                       organisation=org, person=nominee(org, "N"),
                                       motivation="x", competences=["a", "b"], consent=True)


def _vacancies(world, n: int, admin_user):
    seats = list(world["body"].seats.all())
    for _ in range(n):
        services.vacancy_create(actor=admin_user, body=world["body"], seats=seats,
                                data={"title": "V", "term_start": datetime.date(2027, 1, 1),
                                      "deadline": TODAY},
                                required_competences=["a"], desired_competences=["b"])


def _rules(world, n: int, admin_user):
    for county in [t.CountyFactory() for _ in range(n)]:
        services.rule_create(actor=admin_user, body=world["body"],
                             data={"kind": "county_seats", "minimum": 1}, counties=[county],
                             competences=["c"])


def _proposals(world, n: int, admin_user):
    SlateProposal.objects.bulk_create([SlateProposal(vacancy=world["vacancy"], status="optimal",
                                                     locked={}, result={"slate": {}})
                                       for _ in range(n)])


def _nomination_changes(world, n: int, admin_user):
    nomination = world["A"]["nomination"]
    for i in range(n):
        nomination.motivation = f"Endret {i}"
        nomination.save()


LISTS = [
    (_members, "/api/representatives?page_size=500", "anonymous"),
    (_members, "/api/report-summaries?page_size=500", "anonymous"),
    (_members, "/api/appointments/expiring?page_size=500", "admin"),
    (_members, "/api/reports/overdue?page_size=500", "admin"),
    (_members, "/api/me/appointments?page_size=500", "representative"),
    (_reports, "/api/appointments/{appointment}/reports?page_size=500", "member"),
    (_vacancies, "/api/vacancies?page_size=500", "anonymous"),
    (_rules, "/api/bodies/{body}/rules?page_size=500", "anonymous"),
    (_nominations, "/api/vacancies/{vacancy}/nominations?page_size=500", "admin"),
    (_nominations, "/api/vacancies/{vacancy}/nominations?page_size=500", "contact_a"),
    (_proposals, "/api/vacancies/{vacancy}/proposals?page_size=500", "admin"),
    (_nomination_changes, "/api/nominations/{nomination}/history?page_size=500", "contact_a"),
]


@pytest.mark.parametrize(("make", "url", "actor"), LISTS)
def test_list_queries_do_not_grow_with_rows(world, actors, admin_user, make, url, actor):
    client, headers = client_for(actors[actor])
    url = _fill(url, _ids(world, "A"))
    make(world, 3, admin_user)
    few = _queries(client, url, headers)
    before = client.get(url, **headers).json()["count"]
    make(world, 27, admin_user)
    assert client.get(url, **headers).json()["count"] >= before + 27
    assert _queries(client, url, headers) == few


def test_selectors_used_by_the_api_agree(world, contact_a):
    """The API lists exactly what the selector gives the same reader."""
    client, headers = client_for(contact_a)
    listed = client.get(f"/api/vacancies/{world['vacancy'].pk}/nominations",
                        **headers).json()["items"]
    assert [n["id"] for n in listed] == list(selectors.nominations_visible_to(
        contact_a, world["vacancy"]).values_list("pk", flat=True))
