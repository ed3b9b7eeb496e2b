"""The solutions API: a permission matrix over every write, field errors, adoption on any day,
no contact details in any public answer, bounded queries."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction

from core import testing as t
from core.access import SYSTEM
from register.models import Organisation
from solutions import services
from solutions.models import Adoption, BenefitItem, BenefitModel, Solution, SolutionLink

from .factories import SolutionFactory

pytestmark = pytest.mark.django_db
client_for = t.api_client
send = t.api_send
D = datetime.date
MAX_ID = 2**63 - 1


def record(org, solution, status, day, **extra):
    return services.adoption_record(actor=SYSTEM, solution=solution, organisation=org,
                                    status=status, valid_from=day, **extra)


# --- The world ----------------------------------------------------------------------------------


@pytest.fixture
def contact_b(org_b):
    return t.user_with_role(t.Role.ORG_CONTACT, organisation=org_b)


@pytest.fixture
def actors(admin_user, contact_a, contact_b, secretary_x):
    return {"anonymous": None, "contact_a": contact_a, "contact_b": contact_b,
            "secretary_x": secretary_x, "admin": admin_user}


@pytest.fixture
def world(org_a, org_b):
    """SvarUt: A planned from 2015-03-01 and in production from 2016-09-01 (a contact person,
    a contact role), B planned from 2020. A is in a network; B is in another county."""
    provider = t.OrganisationFactory(kind="ks", name="KS", number="")
    svarut = SolutionFactory(name="SvarUt", slug="svarut", provider=provider,
                             description="Sending av brev")
    SolutionFactory(name="SvarInn", slug="svarinn", lifecycle="")
    network = t.NetworkFactory(name="Nettverk A")
    t.NetworkMembershipFactory(network=network, organisation=org_a)
    person_a = t.AffiliationFactory(organisation=org_a).person
    person_b = t.AffiliationFactory(organisation=org_b).person
    link = services.link_save(actor=SYSTEM, solution=svarut,
                              data={"title": "Dokumentasjon", "url": "https://example.org/svarut"})
    record(org_a, svarut, "planned", D(2015, 3, 1), contact_role="Arkivleder")
    own = record(org_a, svarut, "production", D(2016, 9, 1), contact=person_a,
                 contact_role="Arkivleder", note="Alle enheter")
    other = record(org_b, svarut, "planned", D(2020, 1, 1), contact=person_b)
    model = services.benefit_model_save(actor=SYSTEM, solution=svarut,
                                        data={"base_year": 2020})
    services.benefit_item_save(actor=SYSTEM, model=model, data={
        "title": "Utvikling", "direction": "cost", "actor_type": "municipality",
        "first_year": 2020, "last_year": 2020, "amount": Decimal("1000000")})
    gain = services.benefit_item_save(actor=SYSTEM, model=model, data={
        "title": "Porto spart", "direction": "gain", "actor_type": "municipality",
        "first_year": 2021, "last_year": 2023, "amount": Decimal("500000"),
        "amount_low": Decimal("300000"), "amount_high": Decimal("600000")})
    shared = {"solution": "svarut", "other": "svarinn", "link": link.pk,
              "provider": provider.pk, "network": network.pk, "item": gain.pk}
    return {"own": {**shared, "org": org_a.pk, "adoption": own.pk, "person": person_a.pk,
                    "stranger": person_b.pk},
            "other": {**shared, "org": org_b.pk, "adoption": other.pk, "person": person_b.pk,
                      "stranger": person_a.pk}}


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


MODELS = (Solution, SolutionLink, Adoption, BenefitModel, BenefitItem)


def _state():
    """Every row a write of this API can touch, and the history counts."""
    return [list(model.objects.order_by("pk").values()) for model in MODELS] + [
        model.history.count() for model in MODELS] + [
        list(Solution.depends_on.through.objects.values()),
        list(Solution.replaces.through.objects.values())]


# --- Permission matrix: writes ------------------------------------------------------------------

# endpoint -> (method, url, body, status when allowed)
WRITES = {
    "solution_create": ("POST", "/api/solutions", {"name": "Ny løsning", "kind": "service"}, 201),
    "solution_update": ("PATCH", "/api/solutions/{solution}", {"lifecycle": "retiring"}, 200),
    "link_create": ("POST", "/api/solutions/{solution}/links",
                    {"title": "Driftsstatus", "url": "https://status.example.org"}, 201),
    "link_delete": ("DELETE", "/api/solutions/{solution}/links/{link}", None, 204),
    "adoption_record": ("POST", "/api/solutions/{solution}/adoption/{org}", {
        "status": "discontinued", "valid_from": "2024-01-01", "contact_person_id": "{person}",
        "contact_role": "Arkivleder"}, 201),
    "adoption_correct": ("PATCH", "/api/adoptions/{adoption}",
                         {"note": "Rettet", "reason": "Feil i rapporten"}, 200),
    "benefit_model_put": ("PUT", "/api/solutions/{solution}/benefit-model",
                          {"discount_rate": "0.035", "base_year": 2020}, 200),
    "benefit_item_create": ("POST", "/api/solutions/{solution}/benefit-model/items", {
        "title": "Drift", "direction": "cost", "actor_type": "state", "first_year": 2021,
        "last_year": 2030, "amount": "200000"}, 201),
    "benefit_item_update": ("PATCH", "/api/benefit-items/{item}", {"amount_high": "700000"},
                            200),
    "benefit_item_delete": ("DELETE", "/api/benefit-items/{item}", None, 204),
}
REPORTING = {"adoption_record"}
# actor, scope -> expected for (catalogue and corrections, reporting a status). "own" is
# organisation A, "other" organisation B. Contacts report for their own organisation only; a
# body secretary has no part in solutions; the secretariat (administrators) does everything.
ROWS = [
    ("anonymous", "own", (401, 401)),
    ("contact_a", "own", (403, "ok")),
    ("contact_a", "other", (403, 403)),
    ("contact_b", "own", (403, 403)),
    ("secretary_x", "own", (403, 403)),
    ("admin", "own", ("ok", "ok")),
    ("admin", "other", ("ok", "ok")),
]


@pytest.mark.parametrize("endpoint", list(WRITES))
def test_write_permission_matrix(world, actors, endpoint):
    """Each row runs in a savepoint rolled back after it, so the rows share one world."""
    method, url, body, ok = WRITES[endpoint]
    column = 1 if endpoint in REPORTING else 0
    for actor, scope, expected in ROWS:
        status = ok if expected[column] == "ok" else expected[column]
        ids = world[scope]
        for via in ("token", "session") if actor == "contact_a" else ("token",):
            client, headers = client_for(actors[actor], via)
            with transaction.atomic():
                before = _state()
                response = send(client, method, _fill(url, ids), _fill(body, ids), **headers)
                row = (endpoint, actor, scope, via)
                assert response.status_code == status, (row, response.content)
                if status >= 400:
                    assert "detail" in response.json(), row
                    assert _state() == before, row
                else:
                    assert _state() != before, row
                transaction.set_rollback(True)


def test_writes_answer_what_the_reads_show(world, admin_user, body_x):
    client, headers = client_for(admin_user)
    ids = world["own"]
    created = send(client, "POST", "/api/solutions", {
        "name": "Fiks Arkiv", "kind": "component", "provider": ids["provider"],
        "user_council": body_x.slug, "depends_on": ["svarut"], "replaces": ["svarinn"],
        "reason": "Ny i katalogen"}, **headers)
    assert created.status_code == 201, created.content
    detail = created.json()
    assert (detail["slug"], detail["lifecycle"], detail["depends_on"], detail["replaces"]) == (
        "fiks-arkiv", "production", ["svarut"], ["svarinn"])
    assert detail["provider"]["name"] == "KS"
    assert detail["user_council"] == {"slug": body_x.slug, "name": body_x.name}
    assert Solution.objects.get(slug="fiks-arkiv").history.first().history_user == admin_user
    assert client.get("/api/solutions/fiks-arkiv").json() == detail

    changed = send(client, "PATCH", "/api/solutions/fiks-arkiv",
                   {"slug": "arkiv", "depends_on": [], "user_council": None}, **headers).json()
    assert (changed["slug"], changed["depends_on"], changed["user_council"]) == ("arkiv", [], None)
    assert changed["replaces"] == ["svarinn"]  # not sent: unchanged
    svarinn = client.get("/api/solutions/svarinn").json()
    assert svarinn["replaced_by"] == ["arkiv"] and svarinn["lifecycle"] == ""

    link = send(client, "POST", "/api/solutions/arkiv/links",
                {"title": "Docs", "url": "https://docs.example.org"}, **headers).json()
    assert client.get("/api/solutions/arkiv").json()["links"] == [link]
    assert send(client, "DELETE", f"/api/solutions/arkiv/links/{link['id']}",
                **headers).status_code == 204
    assert client.get("/api/solutions/arkiv").json()["links"] == []


def test_reporting_a_status_opens_a_period_or_updates_the_current_one(world, contact_a, org_a):
    client, headers = client_for(contact_a)
    url = f"/api/solutions/svarut/adoption/{org_a.pk}"
    same = send(client, "POST", url, {"status": "production", "valid_from": "2020-01-01",
                                      "contact_role": "Dokumentsenteret"}, **headers)
    assert same.status_code == 200, same.content
    assert (same.json()["valid_from"], same.json()["contact_role"]) == ("2016-09-01",
                                                                       "Dokumentsenteret")
    new = send(client, "POST", url, {"status": "discontinued", "valid_from": "2024-01-01"},
               **headers)
    assert new.status_code == 201, new.content
    assert new.json()["organisation"]["id"] == org_a.pk and new.json()["solution"] == "svarut"
    assert new.json()["contact"] is None
    periods = client.get(url).json()["items"]
    assert [(p["status"], p["valid_from"], p["valid_to"]) for p in periods] == [
        ("discontinued", "2024-01-01", None), ("production", "2016-09-01", "2023-12-31"),
        ("planned", "2015-03-01", "2016-08-31")]
    assert Adoption.objects.get(pk=new.json()["id"]).history.first().history_user == contact_a


def test_the_secretariat_corrects_a_period_with_a_reason(world, admin_user):
    client, headers = client_for(admin_user)
    ids = world["own"]
    response = send(client, "PATCH", f"/api/adoptions/{ids['adoption']}", {
        "valid_from": "2016-10-01", "contact_person_id": None, "reason": "Feil dato"}, **headers)
    assert response.status_code == 200, response.content
    assert (response.json()["valid_from"], response.json()["contact"]) == ("2016-10-01", None)
    adoption = Adoption.objects.get(pk=ids["adoption"])
    assert adoption.history.first().history_change_reason == "Feil dato"


# --- No mass assignment, field errors, missing objects ------------------------------------------

EXTRA_FIELDS = [
    ("POST", "/api/solutions", {"name": "X", "kind": "service", "id": 1}),
    ("PATCH", "/api/solutions/{solution}", {"production_count": 9}),
    ("POST", "/api/solutions/{solution}/links", {"title": "X", "url": "https://x.org",
                                                 "solution": 1}),
    ("POST", "/api/solutions/{solution}/adoption/{org}", {
        "status": "production", "valid_from": "2024-01-01", "organisation": 1}),
    ("PATCH", "/api/adoptions/{adoption}", {"reason": "x", "solution": 1, "organisation": 1}),
]


def test_extra_fields_are_refused_and_change_nothing(world, admin_user):
    client, headers = client_for(admin_user)
    for method, url, body in EXTRA_FIELDS:
        before = _state()
        response = send(client, method, _fill(url, world["own"]), body, **headers)
        assert response.status_code == 422, (url, response.content)
        refused = [e for e in response.json()["detail"]
                   if e["message"] == "This field cannot be set here."]
        assert refused and {e["field"] for e in refused} <= set(body), url
        assert _state() == before, url


RECORD = ("POST", "/api/solutions/{solution}/adoption/{org}")
NEW = {"name": "Ny", "kind": "service"}
FIELD_ERRORS = [
    ("POST", "/api/solutions", {**NEW, "name": ""}, "name"),
    ("POST", "/api/solutions", {**NEW, "kind": "app"}, "kind"),
    ("POST", "/api/solutions", {**NEW, "name": "SvarUt"}, "name"),  # taken
    ("POST", "/api/solutions", {**NEW, "name": "!!!"}, "slug"),  # no slug from it
    ("POST", "/api/solutions", {**NEW, "slug": "ikke gyldig"}, "slug"),
    ("POST", "/api/solutions", {**NEW, "provider": 999999}, "provider"),
    ("POST", "/api/solutions", {**NEW, "provider": MAX_ID + 1}, "provider"),
    ("POST", "/api/solutions", {**NEW, "user_council": "finnes-ikke"}, "user_council"),
    ("POST", "/api/solutions", {**NEW, "depends_on": ["svarut", "finnes-ikke"]}, "depends_on"),
    ("POST", "/api/solutions", {**NEW, "description": "a\x01b"}, "description"),
    ("PATCH", "/api/solutions/{solution}", {"depends_on": ["{solution}"]}, "depends_on"),
    ("PATCH", "/api/solutions/{solution}", {"slug": "{other}"}, "slug"),
    ("PATCH", "/api/solutions/{solution}", {"name": None}, "name"),
    ("POST", "/api/solutions/{solution}/links", {"title": "X", "url": "ikke en adresse"}, "url"),
    ("POST", "/api/solutions/{solution}/links", {"title": "", "url": "https://x.org"}, "title"),
    (*RECORD, {"status": "production", "valid_from": "2024-01-01",
               "contact_person_id": "{stranger}"}, "contact_person_id"),
    (*RECORD, {"status": "production", "valid_from": "2024-01-01",
               "contact_person_id": 999999}, "contact_person_id"),
    (*RECORD, {"status": "production", "valid_from": "2199-12-31"}, "valid_from"),  # ahead
    (*RECORD, {"status": "production", "valid_from": "1899-12-31"}, "valid_from"),
    (*RECORD, {"status": "production", "valid_from": "9999-12-31"}, "valid_from"),
    (*RECORD, {"status": "production", "valid_from": "1980-01-01"}, "valid_from"),
    (*RECORD, {"status": "production", "valid_from": "2016-01-01"}, "valid_from"),  # before now
    (*RECORD, {"status": "bought", "valid_from": "2024-01-01"}, "status"),
    ("POST", "/api/solutions/{solution}/adoption/{provider}",
     {"status": "production", "valid_from": "2024-01-01"}, "organisation"),  # not a member
    ("PATCH", "/api/adoptions/{adoption}", {"note": "x"}, "reason"),
    ("PATCH", "/api/adoptions/{adoption}", {"note": "x", "reason": "   "}, "reason"),
    ("PATCH", "/api/adoptions/{adoption}", {"valid_from": "2015-06-01", "reason": "x"},
     "valid_from"),  # overlaps the planned period
    ("PATCH", "/api/adoptions/{adoption}", {"valid_to": "2016-01-01", "reason": "x"},
     "__all__"),  # ends before it starts
    ("PATCH", "/api/adoptions/{adoption}", {"valid_from": None, "reason": "x"}, "valid_from"),
    ("PATCH", "/api/adoptions/{adoption}", {"contact_person_id": "{stranger}", "reason": "x"},
     "contact_person_id"),
]


def test_validation_errors_name_the_field(world, admin_user):
    client, headers = client_for(admin_user)
    for method, url, body, field in FIELD_ERRORS:
        before = _state()
        response = send(client, method, _fill(url, world["own"]), _fill(body, world["own"]),
                        **headers)
        assert response.status_code == 422, (url, body, response.content)
        fields = [error["field"] for error in response.json()["detail"]]
        assert (field in fields) or (field == "__all__" and None in fields), (url, body, fields)
        assert _state() == before, (url, body)


REPORT = {"status": "production", "valid_from": "2024-01-01"}
NOT_FOUND = [
    ("GET", "/api/solutions/finnes-ikke", None),
    ("GET", "/api/solutions/finnes-ikke/adoption", None),
    ("GET", "/api/solutions/finnes-ikke/curve", None),
    ("GET", "/api/solutions/finnes-ikke/breakdown", None),
    ("GET", "/api/solutions/finnes-ikke/laggards", None),
    ("GET", "/api/solutions/svarut/near/{provider}", None),  # not a member
    ("GET", f"/api/solutions/svarut/near/{MAX_ID}", None),
    ("GET", "/api/organisations/{provider}/adoption-profile", None),
    ("GET", f"/api/organisations/{MAX_ID}/adoption-profile", None),
    ("GET", "/api/solutions/svarut/adoption/{provider}", None),
    ("GET", f"/api/solutions/svarut/adoption/{MAX_ID}", None),
    ("PATCH", "/api/solutions/finnes-ikke", {"note": "x"}),
    ("POST", "/api/solutions/finnes-ikke/links", {"title": "X", "url": "https://x.org"}),
    ("DELETE", f"/api/solutions/svarut/links/{MAX_ID}", None),
    ("DELETE", "/api/solutions/svarinn/links/{link}", None),  # a link of another solution
    ("POST", "/api/solutions/finnes-ikke/adoption/{org}", REPORT),
    ("POST", f"/api/solutions/svarut/adoption/{MAX_ID}", REPORT),
    ("PATCH", f"/api/adoptions/{MAX_ID}", {"reason": "x"}),
]


def test_unknown_objects_are_404(world, admin_user):
    client, headers = client_for(admin_user)
    for method, url, body in NOT_FOUND:
        response = send(client, method, _fill(url, world["own"]), body, **headers)
        assert response.status_code == 404, (method, url, response.content)


@pytest.mark.parametrize("url", [
    f"/api/solutions/svarut/near/{MAX_ID + 1}", "/api/solutions/svarut/near/0",
    f"/api/organisations/{MAX_ID + 1}/adoption-profile",
    f"/api/solutions/svarut/adoption/{10**30}", "/api/solutions/svarut/adoption/-1",
    "/api/solutions/ikke%20gyldig", "/api/solutions/%00",
    "/api/solutions?q=%00", "/api/solutions?kind=app", "/api/solutions?lifecycle=x",
    "/api/solutions/svarut/breakdown?by=age",
])
def test_malformed_identifiers_and_filters_are_422(world, client, url):
    response = client.get(url)
    assert response.status_code == 422, response.content
    assert response.json()["detail"][0]["field"]


DAY_ROUTES = ["/api/solutions/svarut/adoption", "/api/solutions/svarut/breakdown",
              "/api/solutions/svarut/laggards", "/api/solutions/svarut/near/{org}",
              "/api/organisations/{org}/adoption-profile"]


@pytest.mark.parametrize("day", ["1899-12-31", "2200-01-01", "0001-01-01", "9999-12-31",
                                 "2024-02-30", "i-dag", ""])
def test_dates_outside_1900_to_2199_are_422(world, client, day):
    for route in DAY_ROUTES:
        response = client.get(_fill(route, world["own"]) + f"?on={day}")
        assert response.status_code == 422, (route, day, response.content)
        assert response.json()["detail"][0]["field"] == "on"
    response = client.get(f"/api/solutions/svarut/curve?until={day}")
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "until"


@pytest.mark.parametrize("day", ["1900-01-01", "2199-12-31"])
def test_the_outermost_dates_are_answered(world, client, day):
    for route in [*DAY_ROUTES, "/api/solutions/svarut/curve"]:
        param = "until" if route.endswith("curve") else "on"
        response = client.get(_fill(route, world["own"]) + f"?{param}={day}")
        assert response.status_code == 200, (route, day, response.content)
    points = client.get(f"/api/solutions/svarut/curve?until={day}").json()["points"]
    assert [p["date"] for p in points[-1:]] == ([] if day < "2015" else [day])


# --- Reads --------------------------------------------------------------------------------------


def test_catalogue_filters_and_production_today(world, client, org_b):
    record(org_b, Solution.objects.get(slug="svarut"), "production", D(2021, 1, 1))
    items = client.get("/api/solutions").json()["items"]
    assert [(s["slug"], s["production_count"]) for s in items] == [("svarinn", 0), ("svarut", 2)]

    def slugs(query):
        response = client.get(f"/api/solutions?{query}")
        assert response.status_code == 200, response.content
        return [s["slug"] for s in response.json()["items"]]

    assert slugs("q=brev") == ["svarut"]  # the description
    assert slugs("q=svarinn") == ["svarinn"]
    assert slugs("kind=standard") == []
    assert slugs("lifecycle=unstated") == ["svarinn"]
    assert slugs("lifecycle=production&kind=service") == ["svarut"]


def test_adoption_on_a_day_shows_the_status_of_that_day(world, client, org_a, org_b):
    def status(on):
        body = client.get(f"/api/solutions/svarut/adoption?on={on}").json()
        return {row["organisation"]["id"]: (row["status"], row["since"], row["contact_role"])
                for row in body["organisations"]}, body["counts"]

    past, counts = status("2015-06-01")
    assert past[org_a.pk] == ("planned", "2015-03-01", "Arkivleder")
    assert past[org_b.pk] == ("not_started", None, "")
    assert counts == {"not_started": 1, "planned": 1, "implementing": 0, "production": 0,
                      "discontinued": 0}
    assert status("2014-12-31")[0][org_a.pk] == ("not_started", None, "")
    later, counts = status("2021-01-01")
    assert later == {org_a.pk: ("production", "2016-09-01", "Arkivleder"),
                     org_b.pk: ("planned", "2020-01-01", "")}
    assert counts["production"] == counts["planned"] == 1
    today = client.get("/api/solutions/svarut/adoption").json()
    row = next(r for r in today["organisations"] if r["organisation"]["id"] == org_a.pk)
    assert row["organisation"] == {"id": org_a.pk, "kind": "municipality",
                                   "number": org_a.number, "name": "Kommune A",
                                   "county": org_a.county.number}
    assert row["contact"] == {"id": world["own"]["person"],
                              "name": org_a.affiliations.get().person.name}


def test_only_members_valid_that_day_are_counted(world, client):
    merged = t.OrganisationFactory(name="Slått sammen", valid_to=D(2019, 12, 31))
    founded = t.OrganisationFactory(name="Ny kommune", valid_from=D(2020, 1, 1))

    def names(on):
        body = client.get(f"/api/solutions/svarut/adoption?on={on}").json()
        return {row["organisation"]["name"] for row in body["organisations"]}

    assert {"Slått sammen", "Kommune A"} <= names("2019-06-01")
    assert "Ny kommune" not in names("2019-06-01")
    assert "Ny kommune" in names("2020-06-01") and "Slått sammen" not in names("2020-06-01")
    assert client.get(f"/api/organisations/{merged.pk}/adoption-profile").status_code == 404
    assert client.get(f"/api/organisations/{merged.pk}/adoption-profile?on=2019-01-01"
                      ).status_code == 200
    assert client.get(f"/api/solutions/svarut/near/{founded.pk}?on=2019-01-01"
                      ).status_code == 404
    periods = client.get(f"/api/solutions/svarut/adoption/{merged.pk}")  # a former member
    assert periods.status_code == 200 and periods.json()["items"] == []


def test_curve(world, client):
    points = client.get("/api/solutions/svarut/curve?until=2021-06-30").json()["points"]
    assert [p["date"] for p in points] == [f"{year}-12-31" for year in range(2015, 2021)] + [
        "2021-06-30"]
    first, last = points[0], points[-1]
    assert (first["members"], first["counts"]["planned"], first["production"]) == (2, 1, 0)
    assert (last["production"], last["share"], last["population_share"]) == (1, 0.5, 0.5)
    assert last["counts"]["planned"] == 1
    assert client.get("/api/solutions/svarinn/curve").json()["points"] == []


def test_breakdown_laggards_near_and_profile(world, client, org_a, org_b):
    svarut = Solution.objects.get(slug="svarut")
    neighbours = [t.OrganisationFactory(county=org_a.county, population=p)
                  for p in (3000, 30000, 900)]
    for neighbour in neighbours[:2]:
        record(neighbour, svarut, "production", D(2022, 1, 1))

    by_county = client.get("/api/solutions/svarut/breakdown?by=county").json()
    groups = {g["key"]: g for g in by_county["groups"]}
    mine = groups[org_a.county.number]
    assert (mine["members"], mine["production"], mine["share"]) == (4, 3, 0.75)
    assert mine["population_share"] == round(34000 / 34900, 4)  # A has 1000 inhabitants
    assert groups[org_b.county.number]["counts"]["planned"] == 1
    by_network = client.get("/api/solutions/svarut/breakdown?by=network").json()
    assert [(g["label"], g["members"]) for g in by_network["groups"]] == [("Nettverk A", 1)]
    by_size = client.get("/api/solutions/svarut/breakdown?by=size&on=2021-01-01").json()
    assert by_size["on"] == "2021-01-01" and by_size["by"] == "size"
    assert [g["key"] for g in by_size["groups"]] == ["under-2000", "2000-4999", "20000-49999"]

    laggards = client.get("/api/solutions/svarut/laggards").json()["laggards"]
    assert [(lag["organisation"]["id"], lag["kind"], lag["group"]["key"]) for lag in laggards
            ] == [(neighbours[2].pk, "county", org_a.county.number)]
    assert client.get("/api/solutions/svarut/laggards?on=2021-01-01").json()["laggards"] == []

    near = client.get(f"/api/solutions/svarut/near/{neighbours[2].pk}").json()
    assert near["status"] == "not_started"
    assert {row["organisation"]["id"] for row in near["county"]} == {
        org_a.pk, neighbours[0].pk, neighbours[1].pk}
    assert [row["organisation"]["id"] for row in near["size"]] == [org_a.pk]
    assert near["network"] == []

    profile = client.get(f"/api/organisations/{org_a.pk}/adoption-profile").json()
    assert profile["size_class"]["key"] == "under-2000"
    rows = {row["solution"]["slug"]: row for row in profile["solutions"]}
    assert (rows["svarut"]["status"], rows["svarut"]["since"]) == ("production", "2016-09-01")
    assert rows["svarut"]["peers"] == {"county": round(2 / 3, 4), "size": 0.0,
                                       "sector": round(2 / 4, 4)}
    assert rows["svarinn"]["status"] == "not_started" and rows["svarinn"]["since"] is None
    past = client.get(f"/api/organisations/{org_a.pk}/adoption-profile?on=2015-06-01").json()
    assert {r["solution"]["slug"]: r["status"] for r in past["solutions"]}["svarut"] == "planned"
    # paged by the catalogue's names, like the page
    first = client.get(f"/api/organisations/{org_a.pk}/adoption-profile?page_size=1").json()
    assert (first["count"], first["pages"], len(first["solutions"])) == (
        profile["count"], profile["count"], 1)
    assert first["solutions"][0] == profile["solutions"][0]
    last = client.get(f"/api/organisations/{org_a.pk}/adoption-profile?page_size=1"
                      f"&page={profile['count']}").json()
    assert last["solutions"][0] == profile["solutions"][-1]
    assert client.get(f"/api/organisations/{org_a.pk}/adoption-profile?page_size=1"
                      f"&page={profile['count'] + 1}").status_code == 404


# --- Benefit models -----------------------------------------------------------------------------

def test_benefits_against_a_hand_calculation(world, client, org_a):
    """−1,000,000 in 2020 and +500,000 a year 2021–2023 at 4 %, discounted to 2020:
    −1,000,000 + 480,769.23 + 462,278.11 + 444,498.18 = 387,545.52 → 387,546; payback 2023."""
    answer = client.get("/api/solutions/svarut/benefits").json()
    appraisal = answer["appraisal"]
    assert Decimal(appraisal["npv"]) == 387546 and appraisal["payback_year"] == 2023
    assert [year["year"] for year in appraisal["years"]] == [2020, 2021, 2022, 2023]
    first = appraisal["years"][0]
    assert Decimal(first["costs"]["municipality"]) == 1_000_000
    assert Decimal(first["net"]) == -1_000_000
    (actor,) = appraisal["actors"]
    assert (actor["actor_type"], Decimal(actor["net_present_value"])) == ("municipality",
                                                                           387546)
    gain = next(row for row in answer["sensitivity"] if row["title"] == "Porto spart")
    # the gain at 300,000 and 600,000 a year: 3/5 and 6/5 of the 1,387,545.52 gain
    # 832,527.31 − 1,000,000 = −167,472.69 → −167,473; 1,665,054.62 − 1,000,000 → 665,055
    assert Decimal(gain["npv_low"]) == -167473
    assert Decimal(gain["npv_high"]) == 665055
    assert answer["sector"]["members"] == 2
    assert answer["realised"]["until_year"] >= 2023
    member = client.get(f"/api/solutions/svarut/benefits?member={org_a.pk}").json()["member"]
    assert member["organisation"]["id"] == org_a.pk
    # fixed amounts are shared by population: org A has half of the two members' people
    assert Decimal(member["npv"]) == 193773


def test_benefits_without_a_model_or_items(world, client):
    assert client.get("/api/solutions/svarinn/benefits").status_code == 404
    model = BenefitModel.objects.get(solution__slug="svarut")
    model.items.all().delete()
    answer = client.get("/api/solutions/svarut/benefits").json()
    assert answer["appraisal"] is None and answer["sensitivity"] == []
    assert client.get("/api/solutions/svarut/benefits?member=99999").status_code == 200


def test_benefit_writes_are_checked_by_the_model(world, admin_user):
    client, headers = client_for(admin_user)
    response = send(client, "POST", "/api/solutions/svarut/benefit-model/items", {
        "title": "Feil", "direction": "gain", "actor_type": "state", "first_year": 2022,
        "last_year": 2021, "driver": "per_shipment", "quantity_source": "register",
        "amount": "1"}, **headers)
    assert response.status_code == 422
    fields = {error.get("field") for error in response.json()["detail"]}
    assert {"last_year", "quantity_source"} <= fields
    assert BenefitItem.objects.count() == 2


def test_solution_history(world, client, admin_user):
    api, headers = client_for(admin_user)
    send(api, "PATCH", "/api/solutions/svarut", {"lifecycle": "retiring"}, **headers)
    changes = client.get("/api/solutions/svarut/history").json()["items"]
    assert any(change["changes"] and change["changes"][0]["field"] == "lifecycle"
               for change in changes)


# --- No contact details in any public answer ----------------------------------------------------

PUBLIC_READS = [
    "/api/solutions", "/api/solutions/svarut", "/api/solutions/svarut/adoption",
    "/api/solutions/svarut/adoption?on=2015-06-01", "/api/solutions/svarut/curve",
    "/api/solutions/svarut/breakdown?by=county", "/api/solutions/svarut/breakdown?by=network",
    "/api/solutions/svarut/breakdown?by=size", "/api/solutions/svarut/laggards",
    "/api/solutions/svarut/near/{org}", "/api/organisations/{org}/adoption-profile",
    "/api/solutions/svarut/adoption/{org}",
]


def _keys(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item)


def test_no_contact_details_in_any_public_answer(world, actors):
    people = [Adoption.objects.get(pk=world[scope]["adoption"]).contact
              for scope in ("own", "other")]
    for actor in ("anonymous", "admin"):  # the answers do not depend on the reader
        client, headers = client_for(actors[actor])
        for scope in ("own", "other"):
            for url in PUBLIC_READS:
                response = client.get(_fill(url, world[scope]), **headers)
                assert response.status_code == 200, (url, response.content)
                assert not {"email", "phone"} & set(_keys(response.json())), url
                for person in people:
                    assert person.email.encode() not in response.content, url
                    assert person.phone.encode() not in response.content, url


def test_reads_are_anonymous_and_cacheable(world, client):
    response = client.get("/api/solutions/svarut/adoption")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] and response.has_header("ETag")


# --- Query counts do not grow with rows ---------------------------------------------------------


def _member(world, i: int, status: str | None, day: datetime.date, solution: Solution):
    """A member: every other one in A's county and network, the rest each in a new county and
    network; with ``status`` (and a contact person) from ``day``, or none recorded."""
    org_a = Organisation.objects.get(pk=world["own"]["org"])
    near = i % 2 == 0
    org = t.OrganisationFactory(county=org_a.county if near else t.CountyFactory(),
                                population=500 + 1000 * i)
    if near:
        t.NetworkMembershipFactory(organisation=org, network_id=world["own"]["network"])
    else:
        t.NetworkMembershipFactory(organisation=org)
    if status:
        person = t.AffiliationFactory(organisation=org).person
        record(org, solution, status, day, contact=person, contact_role=f"Rolle {i}")
    return org


def _members(world, n):
    solution = Solution.objects.get(slug="svarut")
    start = Organisation.objects.count()
    for i in range(start, start + n):
        status = None if i % 3 == 0 else ("production", "implementing")[i % 5 == 0]
        _member(world, i, status, D(2000 + i % 20, 1 + i % 12, 1), solution)


def _solutions(world, n):
    org_a = Organisation.objects.get(pk=world["own"]["org"])
    for _ in range(n):
        solution = SolutionFactory(provider_id=world["own"]["provider"])
        record(org_a, solution, "production", D(2020, 1, 1))


def _details(world, n):
    svarut = Solution.objects.get(slug="svarut")
    for i in range(n):
        other = SolutionFactory()
        services.link_save(actor=SYSTEM, solution=svarut,
                           data={"title": f"Lenke {i}", "url": f"https://example.org/{i}"})
        svarut.depends_on.add(other)
        svarut.replaces.add(other)
        svarut.dependants.add(other)


def _periods(world, n):
    org_a = Organisation.objects.get(pk=world["own"]["org"])
    svarut = Solution.objects.get(slug="svarut")
    existing = Adoption.objects.filter(organisation=org_a, solution=svarut).count()
    for k in range(existing, existing + n):
        person = t.AffiliationFactory(organisation=org_a).person
        record(org_a, svarut, ("implementing", "production")[k % 2],
               D(2017, 1, 1) + datetime.timedelta(days=k), contact=person)


def _items(world, n):
    model = BenefitModel.objects.get(solution__slug="svarut")
    for i in range(n):
        services.benefit_item_save(actor=SYSTEM, model=model, data={
            "title": f"Post {i}", "direction": "gain", "actor_type": "inhabitants",
            "first_year": 2015 + i % 10, "last_year": 2030, "driver": "per_inhabitant",
            "quantity_source": "register", "amount": Decimal(i + 1)})


def _changes(world, n):
    solution = Solution.objects.get(slug="svarut")
    for i in range(n):
        services.solution_save(actor=SYSTEM, solution=solution, data={"note": f"Endring {i}"})


LISTS = [  # (the read, what adds rows to it)
    ("/api/solutions", _solutions),
    ("/api/solutions/svarut", _details),
    ("/api/solutions/svarut/adoption", _members),
    ("/api/solutions/svarut/adoption?on=2010-06-01", _members),
    ("/api/solutions/svarut/curve", _members),
    ("/api/solutions/svarut/breakdown?by=county", _members),
    ("/api/solutions/svarut/breakdown?by=network", _members),
    ("/api/solutions/svarut/breakdown?by=size", _members),
    ("/api/solutions/svarut/laggards", _members),
    ("/api/solutions/svarut/near/{org}", _members),
    ("/api/organisations/{org}/adoption-profile", _solutions),
    ("/api/organisations/{org}/adoption-profile", _members),
    ("/api/solutions/svarut/adoption/{org}", _periods),
    ("/api/solutions/svarut/benefits?member={org}", _items),
    ("/api/solutions/svarut/history", _changes),
]


def _count(client, url) -> int:
    def fetch():
        response = client.get(url)
        assert response.status_code == 200, response.content

    return t.count_queries(fetch)


@pytest.mark.parametrize(("url", "make"), LISTS)
def test_queries_do_not_grow_with_rows(world, client, url, make):
    url = _fill(url, world["own"])
    if url == "/api/solutions" or "/adoption/" in url or url.endswith("/history"):
        # the paged lists: one page of all
        url += "?page_size=500"
    make(world, 3)
    few = _count(client, url)
    before = len(client.get(url).content)
    make(world, 27)
    assert len(client.get(url).content) > before
    assert _count(client, url) == few
