"""The cases API: a permission matrix over every write, exempt content absent from every public
answer, idempotent submissions, no mass assignment, bounded queries."""

import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from cases import services
from cases.models import (
    AgendaItem,
    AnchoringStep,
    Case,
    CaseStatus,
    Follow,
    Input,
    InputRound,
    InputVersion,
    Meeting,
    Resolution,
    StepPurpose,
    SynthesisPoint,
)
from config.api import api
from core import testing as t

from .conftest import answers, make_case, make_round

client_for = t.api_client
send = t.api_send
NOW = timezone.now()
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# --- The world ----------------------------------------------------------------------------------


def _path(admin, case, body):
    """An input step with an open round and a position step on ``case``, in ``body``."""
    services.step_create(actor=admin, case=case, data={
        "body": body, "purpose": StepPurpose.INPUT, "planned_date": datetime.date(2026, 12, 1)})
    services.step_create(actor=admin, case=case, data={
        "body": body, "purpose": StepPurpose.POSITION, "planned_date": datetime.date(2027, 1, 15)})
    return case.steps.get(order=1), case.steps.get(order=2)


def _side(admin, body, org, contact):
    """A case of ``body`` in progress with its path, a round ``org`` has answered, a meeting."""
    case = make_case(admin, body, status=CaseStatus.IN_PROGRESS, title=f"Sak i {body.name}")
    step, position = _path(admin, case, body)
    round_ = make_round(admin, step)
    services.input_submit(actor=contact, round_=round_, organisation=org,
                          answers=answers(round_, "Vårt første innspill"))
    meeting = services.meeting_create(actor=admin, body=body, data={
        "title": "Møte", "starts_at": NOW + datetime.timedelta(days=7),
        "ends_at": NOW + datetime.timedelta(days=7, hours=2)})
    return {"case": case.pk, "step": step.pk, "position": position.pk, "round": round_.pk,
            "meeting": meeting.pk, "body": body.slug, "org": org.pk,
            "input": Input.objects.get(round=round_, organisation=org).pk}


@pytest.fixture
def contact_b(org_b):
    return t.user_with_role(t.Role.ORG_CONTACT, organisation=org_b)


@pytest.fixture
def world(admin_user, body_x, body_y, org_a, org_b, contact_a, contact_b):
    """Scope "own" is organisation A and body X; "other" is organisation B and body Y."""
    return {"own": _side(admin_user, body_x, org_a, contact_a),
            "other": _side(admin_user, body_y, org_b, contact_b)}


@pytest.fixture
def actors(admin_user, contact_a, secretary_x):
    return {"anonymous": None, "contact_a": contact_a, "secretary_x": secretary_x,
            "admin": admin_user}


def _fill(value, ids: dict):
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {_fill(k, ids): _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


MODELS = (Case, AnchoringStep, InputRound, Input, InputVersion, Resolution, Meeting, AgendaItem,
          SynthesisPoint, Follow)


def _state():
    """Every row of every cases model that a write can touch, and their history counts."""
    return [list(model.objects.order_by("pk").values()) for model in MODELS] + [
        model.history.count() for model in MODELS if hasattr(model, "history")]


# --- Permission matrix: writes ------------------------------------------------------------------

ANSWERS = {"{q1}": "Et nytt innspill"}
# endpoint -> (method, url, body, status when allowed)
WRITES = {
    "case_create": ("POST", "/api/cases", {"title": "Ny sak", "case_type": "position",
                                           "owner": "{body}"}, 201),
    "case_update": ("PATCH", "/api/cases/{case}", {"title": "Endret tittel"}, 200),
    "case_transition": ("POST", "/api/cases/{case}/transition", {"to": "withdrawn"}, 200),
    "step_create": ("POST", "/api/cases/{case}/steps", {"body": "{body}",
                                                        "purpose": "information"}, 201),
    "step_update": ("PATCH", "/api/steps/{step}", {"planned_date": "2027-02-01"}, 200),
    "round_create": ("POST", "/api/steps/{step}/rounds", {
        "title": "Ny runde", "opens_at": "2026-01-01T09:00", "closes_at": "2027-01-01T12:00",
        "questions": ["Hva mener dere?"]}, 201),
    "round_update": ("PATCH", "/api/rounds/{round}", {"allow_late": True}, 200),
    "input_draft": ("PUT", "/api/rounds/{round}/inputs/{org}/draft", {"answers": ANSWERS}, 200),
    "input_submit": ("POST", "/api/rounds/{round}/inputs/{org}", {"answers": ANSWERS}, 201),
    "resolution_create": ("POST", "/api/steps/{position}/resolutions", {
        "kind": "position", "text": "Sektoren mener", "decided_on": "2026-11-01",
        "override_reason": "Hastesak"}, 201),
    "meeting_create": ("POST", "/api/meetings", {
        "body": "{body}", "title": "Nytt møte", "starts_at": "2027-03-01T10:00",
        "ends_at": "2027-03-01T12:00"}, 201),
    "meeting_update": ("PATCH", "/api/meetings/{meeting}", {"place": "Haakon VIIs gate 9"}, 200),
    "agenda_item_create": ("POST", "/api/meetings/{meeting}/items", {"case": "{case}"}, 201),
    "round_themes": ("POST", "/api/rounds/{round}/themes", None, 200),
    "synthesis_create": ("POST", "/api/rounds/{round}/synthesis", {
        "text": "Mange mener det samme", "cited": ["{input}"]}, 201),
    "follow_create": ("POST", "/api/follows", {"target": "case", "id": "{case}"}, 201),
    "follow_delete": ("DELETE", "/api/follows?target=case&id={case}", None, 204),
}
SUBMITTING = {"input_draft", "input_submit"}
FOLLOWING = {"follow_create", "follow_delete"}
MANAGING = set(WRITES) - SUBMITTING - FOLLOWING
# actor, scope -> expected for (managing, submitting, following) endpoints. Contacts submit for
# their own organisation only; secretaries run their own body's cases, meetings and rounds;
# anyone logged in follows; the secretariat does everything.
ROWS = [
    ("anonymous", "own", (401, 401, 401)),
    ("contact_a", "own", (403, "ok", "ok")),
    ("contact_a", "other", (403, 403, "ok")),
    ("secretary_x", "own", ("ok", 403, "ok")),
    ("secretary_x", "other", (403, 403, "ok")),
    ("admin", "own", ("ok", "ok", "ok")),
    ("admin", "other", ("ok", "ok", "ok")),
]


def _ids(world, scope: str) -> dict:
    ids = dict(world[scope])
    ids["q1"] = str(InputRound.objects.get(pk=ids["round"]).questions.first().pk)
    return ids


@pytest.mark.parametrize("endpoint", list(WRITES))
def test_write_permission_matrix(world, actors, endpoint):
    """Each row runs in a savepoint rolled back after it, so the rows share one world."""
    method, url, body, ok = WRITES[endpoint]
    column = 0 if endpoint in MANAGING else 1 if endpoint in SUBMITTING else 2
    for actor, scope, expected in ROWS:
        status = ok if expected[column] == "ok" else expected[column]
        ids = _ids(world, scope)
        for via in ("token", "session") if actor == "contact_a" else ("token",):
            client, headers = client_for(actors[actor], via)
            with transaction.atomic():
                before = _state() if status >= 400 else None
                response = send(client, method, _fill(url, ids), _fill(body, ids), **headers)
                row = (endpoint, actor, scope, via)
                assert response.status_code == status, (row, response.content)
                if status >= 400:
                    assert "detail" in response.json(), row
                    assert _state() == before, row
                transaction.set_rollback(True)


def test_allowed_writes_record_who_acted(world, secretary_x):
    client, headers = client_for(secretary_x)
    response = send(client, "PATCH", f"/api/cases/{world['own']['case']}",
                    {"summary": "Ny oppsummering"}, **headers)
    assert response.status_code == 200, response.content
    case = Case.objects.get(pk=world["own"]["case"])
    assert case.summary == "Ny oppsummering"
    assert case.history.first().history_user == secretary_x


def test_answers_of_writes(world, admin_user, org_a):
    """Each write answers the object as the reads show it."""
    client, headers = client_for(admin_user)
    ids = _ids(world, "own")
    created = send(client, "POST", "/api/cases", {
        "title": "Ny sak", "case_type": "strategy", "owner": ids["body"], "topics": ["Arkiv"],
        "related": [ids["case"]], "exempt": True, "exemption_basis": "offl-14"}, **headers).json()
    assert (created["status"], created["topics"], created["exempt"]) == (
        "draft", [{"slug": "arkiv", "name": "Arkiv"}], True)
    assert created["related"][0]["id"] == ids["case"]
    assert created["exemption_basis_label"].startswith("offentleglova § 14")
    step = send(client, "POST", f"/api/cases/{ids['case']}/steps",
                {"body": ids["body"], "purpose": "decision"}, **headers).json()
    assert (step["order"], step["purpose"], step["rounds"]) == (3, "decision", [])
    moved = send(client, "POST", f"/api/cases/{created['id']}/transition", {"to": "announced"},
                 **headers).json()
    assert moved["status"] == "announced" and moved["announced_at"]
    round_ = send(client, "POST", f"/api/steps/{ids['step']}/rounds", {
        **WRITES["round_create"][2], "all_members": False, "counties": [org_a.county.number]},
        **headers).json()
    assert round_["audience"] == {"all_members": False, "counties": [org_a.county.number],
                                  "networks": [], "bodies": []}
    assert [q["text"] for q in round_["questions"]] == ["Hva mener dere?"]
    item = send(client, "POST", f"/api/meetings/{ids['meeting']}/items", {"case": ids["case"]},
                **headers).json()
    assert (item["order"], item["title"], item["case"]["id"]) == (1, "Sak i Organ X",
                                                                   ids["case"])
    follow = send(client, "POST", "/api/follows", {"target": "body", "id": ids["body"]},
                  **headers)
    assert follow.status_code == 201 and follow.json()["id"] == ids["body"]
    assert Follow.objects.filter(user=admin_user, body__slug=ids["body"]).exists()


# --- Idempotent submissions ---------------------------------------------------------------------


def test_the_same_idempotency_key_twice_stores_one_version(world, contact_a):
    client, headers = client_for(contact_a)
    ids = _ids(world, "own")
    url = f"/api/rounds/{ids['round']}/inputs/{ids['org']}"
    body = {"answers": {ids["q1"]: "Svar med nøkkel"}}
    first = send(client, "POST", url, body, HTTP_IDEMPOTENCY_KEY="key-1", **headers)
    again = send(client, "POST", url, {"answers": {ids["q1"]: "Annen tekst"}},
                 HTTP_IDEMPOTENCY_KEY="key-1", **headers)
    assert (first.status_code, again.status_code) == (201, 200), again.content
    assert first.json() == again.json()
    assert first.json()["version"] == 2 and len(first.json()["checksum"]) == 64
    assert InputVersion.objects.filter(input_id=ids["input"]).count() == 2
    newer = send(client, "POST", url, body, HTTP_IDEMPOTENCY_KEY="key-2", **headers)
    assert newer.status_code == 200 and newer.json() == first.json()  # the same answers


def test_an_idempotency_key_longer_than_64_characters_is_422(world, contact_a):
    client, headers = client_for(contact_a)
    ids = _ids(world, "own")
    response = send(client, "POST", f"/api/rounds/{ids['round']}/inputs/{ids['org']}",
                    {"answers": {ids["q1"]: "x"}}, HTTP_IDEMPOTENCY_KEY="k" * 65, **headers)
    assert response.status_code == 422
    assert InputVersion.objects.filter(input_id=ids["input"]).count() == 1


# --- No mass assignment -------------------------------------------------------------------------

EXTRA_FIELDS = [
    ("POST", "/api/cases", {**WRITES["case_create"][2], "status": "decided"}),
    ("POST", "/api/cases", {**WRITES["case_create"][2], "sequence": 1, "year": 2020}),
    ("PATCH", "/api/cases/{case}", {"title": "X", "announced_at": "2000-01-01T00:00"}),
    ("PATCH", "/api/cases/{case}", {"source_report": 1}),
    ("POST", "/api/cases/{case}/transition", {"to": "withdrawn", "decided_at": "2000-01-01"}),
    ("POST", "/api/cases/{case}/steps", {**WRITES["step_create"][2], "case": "{case}"}),
    ("PATCH", "/api/steps/{step}", {"case": 1}),
    ("POST", "/api/steps/{step}/rounds", {**WRITES["round_create"][2], "themes": [1]}),
    ("PATCH", "/api/rounds/{round}", {"step": "{position}"}),
    ("PUT", "/api/rounds/{round}/inputs/{org}/draft", {"answers": {}, "organisation": 1}),
    ("POST", "/api/rounds/{round}/inputs/{org}", {"answers": ANSWERS, "late": False,
                                                  "submitted_by": 1, "checksum": "0"}),
    ("POST", "/api/steps/{position}/resolutions", {**WRITES["resolution_create"][2],
                                                   "published_at": "2000-01-01T00:00"}),
    ("POST", "/api/meetings", {**WRITES["meeting_create"][2], "id": 1}),
    ("PATCH", "/api/meetings/{meeting}", {"body": "{body}"}),
    ("POST", "/api/meetings/{meeting}/items", {"case": "{case}", "meeting": 1}),
    ("POST", "/api/rounds/{round}/synthesis", {"text": "x", "cited": ["{input}"], "order": 9}),
    ("POST", "/api/follows", {"target": "case", "id": "{case}", "user": 1}),
]


def test_extra_fields_are_refused_and_change_nothing(world, admin_user):
    ids = _ids(world, "own")
    client, headers = client_for(admin_user)
    for method, url, body in EXTRA_FIELDS:
        before = _state()
        response = send(client, method, _fill(url, ids), _fill(body, ids), **headers)
        assert response.status_code == 422, (url, response.content)
        refused = [e for e in response.json()["detail"]
                   if e["message"] == "This field cannot be set here."]
        assert refused and {e["field"] for e in refused} <= set(body), url
        assert _state() == before, url


# --- Validation errors name the field -----------------------------------------------------------

FIELD_ERRORS = [
    ("POST", "/api/cases", {**WRITES["case_create"][2], "owner": "nope"}, "owner"),
    ("POST", "/api/cases", {**WRITES["case_create"][2], "title": ""}, "title"),
    ("POST", "/api/cases", {**WRITES["case_create"][2], "exempt": True}, "__all__"),
    ("POST", "/api/cases", {**WRITES["case_create"][2], "related": [999999]}, "related"),
    ("POST", "/api/cases/{case}/transition", {"to": "closed"}, "reason"),  # an override
    ("POST", "/api/steps/{step}/rounds", {**WRITES["round_create"][2],
                                          "closes_at": "2025-01-01T00:00"}, "__all__"),
    ("POST", "/api/steps/{step}/rounds", {**WRITES["round_create"][2], "counties": ["00"]},
     "counties"),
    ("POST", "/api/rounds/{round}/inputs/{org}", {"answers": {"999999": "x"}},
     "answers.999999"),
    ("POST", "/api/steps/{position}/resolutions",
     {**WRITES["resolution_create"][2], "override_reason": ""}, "override_reason"),
    ("POST", "/api/meetings", {**WRITES["meeting_create"][2], "ends_at": "2027-03-01T09:00"},
     "__all__"),
    ("POST", "/api/rounds/{round}/synthesis", {"text": "x", "cited": []}, "cited"),
    ("POST", "/api/follows", {"target": "topic", "id": "nope"}, "id"),
]


def test_validation_errors_name_the_field(world, admin_user):
    ids = _ids(world, "own")
    client, headers = client_for(admin_user)
    for method, url, body, field in FIELD_ERRORS:
        before = _state()
        response = send(client, method, _fill(url, ids), _fill(body, ids), **headers)
        assert response.status_code == 422, (url, body, response.content)
        fields = [error["field"] for error in response.json()["detail"]]
        assert (field in fields) or (field == "__all__" and None in fields), (url, fields)
        assert _state() == before, url


def test_unknown_objects_are_404(world, admin_user):
    client, headers = client_for(admin_user)
    for method, url in [("GET", "/api/cases/999999"), ("GET", "/api/cases/999999/steps"),
                        ("GET", "/api/rounds/999999/inputs"), ("GET", "/api/meetings/999999"),
                        ("PATCH", "/api/steps/999999"),
                        ("POST", f"/api/rounds/{world['own']['round']}/inputs/999999")]:
        response = send(client, method, url, {"answers": {}} if "inputs" in url else {},
                        **headers)
        assert response.status_code == 404, (url, response.content)


# --- Reads --------------------------------------------------------------------------------------


def test_drafts_are_read_only_by_those_who_run_them(world, admin_user, body_x, secretary_x,
                                                   contact_a):
    draft = make_case(admin_user, body_x, title="Utkast til sak")
    for user, seen in ((None, False), (contact_a, False), (secretary_x, True)):
        client, headers = client_for(user)
        listed = client.get("/api/cases?status=draft", **headers).json()["items"]
        assert ([c["id"] for c in listed] == [draft.pk]) is seen
        assert client.get(f"/api/cases/{draft.pk}", **headers).status_code == (
            200 if seen else 404)


def test_case_list_filters(world, admin_user, body_y):
    case = Case.objects.get(pk=world["own"]["case"])
    services.case_update(actor=admin_user, case=case, data={}, topics=["Arkiv"])
    client, _ = client_for(None)

    def ids(query):
        response = client.get(f"/api/cases?{query}")
        assert response.status_code == 200, response.content
        return [c["id"] for c in response.json()["items"]]

    assert ids("topic=arkiv") == [case.pk]
    assert ids(f"body={body_y.slug}") == [world["other"]["case"]]
    assert ids("status=in_progress&case_type=position") == [world["other"]["case"], case.pk]
    assert ids(f"q={case.number}") == [case.pk]
    assert ids("status=decided") == []
    assert client.get("/api/cases?body=nope").status_code == 422
    assert client.get("/api/cases?status=nope").status_code == 422


def test_rounds_filter_open_and_closed(world, admin_user):
    step = AnchoringStep.objects.get(pk=world["own"]["step"])
    closed = make_round(admin_user, step, opens=NOW - datetime.timedelta(days=9),
                        closes=NOW - datetime.timedelta(days=2))
    client, _ = client_for(None)
    open_ids = {r["id"] for r in client.get("/api/rounds?open=true").json()["items"]}
    closed_ids = {r["id"] for r in client.get("/api/rounds?open=false").json()["items"]}
    assert open_ids == {world["own"]["round"], world["other"]["round"]}
    assert closed_ids == {closed.pk}
    assert client.get(f"/api/rounds?case={world['own']['case']}").json()["count"] == 2


def test_inputs_are_public_once_the_round_has_closed(world, contact_a, time_machine):
    round_id = world["own"]["round"]
    client, _ = client_for(None)
    assert client.get(f"/api/rounds/{round_id}/inputs").json()["count"] == 0
    own_client, headers = client_for(contact_a)
    mine = own_client.get(f"/api/rounds/{round_id}/inputs", **headers).json()["items"]
    assert [i["organisation"]["name"] for i in mine] == ["Kommune A"]
    time_machine.move_to(NOW + datetime.timedelta(days=15))
    listed = client.get(f"/api/rounds/{round_id}/inputs").json()["items"]
    assert [(i["version"], list(i["answers"].values())) for i in listed] == [
        (1, ["Vårt første innspill"])]


def test_trail_and_upcoming(world):
    client, _ = client_for(None)
    round_id = world["own"]["round"]
    trail = client.get(f"/api/rounds/{round_id}/trail").json()
    assert (trail["invited"], trail["answered"]) == (2, 1)
    upcoming = client.get("/api/upcoming?days=366").json()
    assert {m["id"] for m in upcoming["meetings"]} == {world["own"]["meeting"],
                                                       world["other"]["meeting"]}
    assert all(s["case"]["number"] for s in upcoming["steps"])
    assert client.get("/api/upcoming?days=0").status_code == 422


def test_history_of_a_public_case_shows_its_changes(world, admin_user):
    case = Case.objects.get(pk=world["own"]["case"])
    services.case_update(actor=admin_user, case=case, data={"summary": "Ny tekst"})
    client, _ = client_for(None)
    log = client.get(f"/api/cases/{case.pk}/history").json()["items"]
    assert log[0]["changes"] == [{"field": "summary", "label": "sammendrag",  # bokmål first
                                  "old": "Hva sektoren mener om arkiv.", "new": "Ny tekst"}]
    assert log[0]["who"] != admin_user.username


# --- Exempt content is absent from every public answer ------------------------------------------

SECRETS = ["hemmeligsammendrag", "hemmeligdokument", "hemmeligbeskrivelse", "hemmeligspørsmål",
           "hemmeliginnspill", "hemmeligvedtak", "hemmeliggrunn", "hemmeligsyntese",
           "hemmeligreferat", "hemmeligeldre", "hemmeligrunde", "hemmeligutkast"]


@pytest.fixture
def exempt_world(admin_user, body_x, org_a, contact_a):
    """An exempt case with every kind of content, closed rounds with inputs, a decision, a
    synthesis and minutes; an exempt round in a public case; a draft on a meeting's agenda.
    Every text carries one of SECRETS."""
    past = {"opens": NOW - datetime.timedelta(days=20), "closes": NOW - datetime.timedelta(days=5),
            "allow_late": True}
    case = make_case(admin_user, body_x, exempt=True, status=CaseStatus.IN_PROGRESS,
                     title="Unntatt sak", summary="hemmeligeldre tekst")
    services.case_update(actor=admin_user, case=case, data={"summary": "hemmeligsammendrag"})
    step, position = _path(admin_user, case, body_x)
    services.document_add(actor=admin_user, case=case, title="hemmeligdokument",
                          upload=SimpleUploadedFile("notat.pdf", PDF))
    round_ = make_round(admin_user, step, description="hemmeligbeskrivelse",
                        questions=["hemmeligspørsmål"], **past)
    version, _ = services.input_submit(actor=contact_a, round_=round_, organisation=org_a,
                                       answers=answers(round_, "hemmeliginnspill arkiv"))
    services.round_themes_compute(actor=admin_user, round_=round_)
    services.synthesis_point_save(actor=admin_user, round_=round_, text="hemmeligsyntese",
                                  cited=[version.input])
    meeting = services.meeting_create(actor=admin_user, body=body_x, data={
        "title": "Møte", "starts_at": NOW + datetime.timedelta(days=3),
        "ends_at": NOW + datetime.timedelta(days=3, hours=1)})
    item = services.agenda_item_save(actor=admin_user, meeting=meeting, data={
        "case": case, "minutes": "hemmeligreferat"})
    services.resolution_record(actor=admin_user, step=position, kind="position",
                               text="hemmeligvedtak", decided_on=datetime.date(2026, 11, 1),
                               considered=[version.input], agenda_item=item,
                               override_reason="hemmeliggrunn")

    public = make_case(admin_user, body_x, status=CaseStatus.ANNOUNCED, title="Åpen sak")
    public_step, _ = _path(admin_user, public, body_x)
    exempt_round = make_round(admin_user, public_step, description="hemmeligrunde",
                              exempt=True, exemption_basis="offl-15", **past)
    services.input_submit(actor=contact_a, round_=exempt_round, organisation=org_a,
                          answers=answers(exempt_round, "hemmeliginnspill"))
    draft = make_case(admin_user, body_x, title="hemmeligutkast")
    services.agenda_item_save(actor=admin_user, meeting=meeting, data={"case": draft})
    return {"cases": [case.pk, public.pk, draft.pk], "rounds": [round_.pk, exempt_round.pk],
            "meetings": [meeting.pk], "steps": [step.pk, position.pk]}


def _get_routes():
    schema = api.get_openapi_schema(path_prefix="/api/")
    return [path for path, operations in schema["paths"].items()
            if "get" in operations and "cases" in operations["get"].get("tags", [])]


def _crawl(client, headers, ids) -> str:
    """Every GET route of the cases API for every object of ``ids``, as one text (unknown
    query parameters are ignored by the routes that do not page or search)."""
    resources = {"cases": ids["cases"], "rounds": ids["rounds"], "meetings": ids["meetings"]}
    texts = []
    for route in _get_routes():
        if "{id}" in route:
            urls = [route.format(id=pk) for pk in resources[route.split("/")[2]]]
        else:
            urls = [route, route + "?q=hemmelig"] if route == "/api/cases" else [route]
        for url in urls:
            url += ("&" if "?" in url else "?") + "page_size=500&days=366"
            response = client.get(url, **headers)
            assert response.status_code in (200, 404), (url, response.content)
            texts.append(json.dumps(response.json(), ensure_ascii=False))
    return "\n".join(texts)


def test_exempt_content_never_appears_in_a_public_answer(exempt_world, contact_a, org_b,
                                                         secretary_x, admin_user):
    stranger = t.user_with_role(t.Role.ORG_CONTACT, organisation=org_b)
    for user in (None, stranger):
        client, headers = client_for(user)
        text = _crawl(client, headers, exempt_world)
        leaked = [word for word in SECRETS if word in text]
        assert not leaked, (user, leaked)
        assert "Unntatt sak" in text and "offentleglova § 14" in text  # metadata is public
    client, headers = client_for(admin_user)
    seen = _crawl(client, headers, exempt_world)
    assert all(word in seen for word in SECRETS)  # the crawl reaches every text


def test_exempt_case_history_shows_metadata_only(exempt_world, admin_user):
    url = f"/api/cases/{exempt_world['cases'][0]}/history"
    client, _ = client_for(None)
    log = client.get(url).json()["items"]
    fields = {change["field"] for entry in log for change in entry["changes"]}
    assert "summary" not in fields and {"title", "status", "exempt"} <= fields
    client, headers = client_for(admin_user)
    log = client.get(url, **headers).json()["items"]
    assert "summary" in {change["field"] for entry in log for change in entry["changes"]}


# --- Bounded queries: the same number for 3 rows and 30 ----------------------------------------


def _cases(world, n, admin, body):
    related = [Case.objects.get(pk=world["own"]["case"])]
    for i in range(n):
        case = services.case_create(actor=admin, data={
            "title": f"Sak {i}", "case_type": "other", "owner": body},
            topics=[f"Emne {i}", "Felles"], related=related)
        services.case_transition(actor=admin, case=case, to=CaseStatus.ANNOUNCED)


def _steps(world, n, admin, body):
    case = Case.objects.get(pk=world["own"]["case"])
    for _ in range(n):
        step = services.step_create(actor=admin, case=case, data={
            "body": body, "purpose": StepPurpose.POSITION,
            "planned_date": timezone.localdate() + datetime.timedelta(days=5)})
        make_round(admin, step)
        services.resolution_record(actor=admin, step=step, kind="position", text="x",
                                   decided_on=datetime.date(2026, 1, 1), override_reason="y",
                                   considered=[Input.objects.get(pk=world["own"]["input"])])


def _documents(world, n, admin, body):
    case = Case.objects.get(pk=world["own"]["case"])
    for i in range(n):
        services.document_add(actor=admin, case=case, title=f"Notat {i}",
                              upload=SimpleUploadedFile(f"notat{i}.pdf", PDF))


def _rounds(world, n, admin, body):
    step = AnchoringStep.objects.get(pk=world["own"]["step"])
    for _ in range(n):
        make_round(admin, step)


def _inputs(world, n, admin, body):
    round_ = InputRound.objects.get(pk=world["own"]["round"])
    organisations = [t.OrganisationFactory() for _ in range(n)]
    services.round_update(actor=admin, round_=round_, data={"all_members": True})
    for organisation in organisations:
        services.input_submit(actor=admin, round_=round_, organisation=organisation,
                              answers=answers(round_, "Innspill", "Kostnad"))


def _synthesis(world, n, admin, body):
    round_ = InputRound.objects.get(pk=world["own"]["round"])
    cited = [Input.objects.get(pk=world["own"]["input"])]
    for i in range(n):
        services.synthesis_point_save(actor=admin, round_=round_, text=f"Punkt {i}", cited=cited)


def _meetings(world, n, admin, body):
    for i in range(n):
        services.meeting_create(actor=admin, body=body, data={
            "title": f"Møte {i}", "starts_at": NOW + datetime.timedelta(days=i + 1),
            "ends_at": NOW + datetime.timedelta(days=i + 1, hours=1)})


def _items(world, n, admin, body):
    meeting = Meeting.objects.get(pk=world["own"]["meeting"])
    case = Case.objects.get(pk=world["own"]["case"])
    for i in range(n):
        paper = services.document_add(actor=admin, case=case, title=f"Papir {i}",
                                      upload=SimpleUploadedFile("p.pdf", PDF))
        services.agenda_item_save(actor=admin, meeting=meeting, data={"case": case},
                                  papers=[paper])


def _upcoming(world, n, admin, body):
    _meetings(world, n, admin, body)
    case = Case.objects.get(pk=world["own"]["case"])
    for i in range(n):
        services.step_create(actor=admin, case=case, data={
            "body": body, "purpose": StepPurpose.INFORMATION,
            "planned_date": timezone.localdate() + datetime.timedelta(days=i + 1)})


def _changes(world, n, admin, body):
    case = Case.objects.get(pk=world["own"]["case"])
    for i in range(n):
        services.case_update(actor=admin, case=case, data={"summary": f"Versjon {i}"},
                             topics=[f"Emne {i}"])


LISTS = [  # (the read, what adds rows to it, who reads)
    (("GET", "/api/cases"), _cases, "anonymous"),
    (("GET", "/api/cases"), _cases, "admin"),
    (("GET", "/api/cases/{case}"), _cases, "anonymous"),  # related cases
    (("GET", "/api/cases/{case}/steps"), _steps, "anonymous"),
    (("GET", "/api/cases/{case}/documents"), _documents, "anonymous"),
    (("GET", "/api/rounds"), _rounds, "anonymous"),
    (("GET", "/api/rounds/{round}/inputs"), _inputs, "admin"),
    (("GET", "/api/rounds/{round}"), _synthesis, "admin"),
    (("GET", "/api/meetings"), _meetings, "anonymous"),
    (("GET", "/api/meetings/{meeting}"), _items, "anonymous"),
    (("GET", "/api/upcoming?days=366"), _upcoming, "contact_a"),
    (("GET", "/api/cases/{case}/history"), _changes, "anonymous"),
]


def _count(client, url, headers) -> int:
    def fetch():
        response = client.get(url, **headers)
        assert response.status_code == 200, response.content

    return t.count_queries(fetch)


@pytest.mark.parametrize(("read", "make", "actor"), LISTS)
def test_list_queries_do_not_grow_with_rows(world, actors, admin_user, body_x, read, make, actor):
    client, headers = client_for(actors[actor])
    url = _fill(read[1], world["own"])
    url += ("&" if "?" in url else "?") + "page_size=500"
    make(world, 3, admin_user, body_x)
    few = _count(client, url, headers)
    before = len(client.get(url, **headers).content)
    make(world, 27, admin_user, body_x)
    assert len(client.get(url, **headers).content) > before
    assert _count(client, url, headers) == few
