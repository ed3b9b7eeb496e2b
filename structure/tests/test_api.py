"""The structure's API: open reads, permission matrix for writes, no mass assignment,
history and bounded queries."""

import datetime

import pytest

from core import testing as t
from structure.models import Body, Membership, Seat

# --- Actors and objects -------------------------------------------------------------------------


@pytest.fixture
def world(org_a, org_b, body_x, body_y):
    """In each body (X and Y): a held seat with a membership, and an empty seat."""
    scopes = {}
    for name, body, org in (("X", body_x, org_a), ("Y", body_y, org_b)):
        membership = t.MembershipFactory(seat__body=body, organisation=org,
                                         valid_from=datetime.date(2024, 1, 1),
                                         valid_to=datetime.date(2099, 1, 1))
        scopes[name] = {
            "body": body, "seat": membership.seat, "membership": membership,
            "empty_seat": t.SeatFactory(body=body, role="deputy"),
            "person": t.AffiliationFactory(organisation=org).person, "org": org,
        }
    return scopes


@pytest.fixture
def actors(admin_user, contact_a, secretary_x):
    return {"anonymous": None, "contact_a": contact_a, "secretary_x": secretary_x,
            "admin": admin_user}


client_for = t.api_client
send = t.api_send


def _fill(value, scope: dict):
    ids = {"body": scope["body"].slug, "seat": scope["seat"].pk,
           "membership": scope["membership"].pk, "empty_seat": scope["empty_seat"].pk,
           "person": scope["person"].pk, "org": scope["org"].pk}
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, scope) for k, v in value.items()}
    return value


# --- Permission matrix --------------------------------------------------------------------------

WRITES = {
    "body_update": ("PATCH", "/api/bodies/{body}", {"mandate": "Nytt mandat."}),
    "seat_create": ("POST", "/api/bodies/{body}/seats", {"role": "member",
                                                        "constituency": "Vestlandet"}),
    "seat_update": ("PATCH", "/api/seats/{seat}", {"constituency": "Nord-Norge"}),
    "seat_delete": ("DELETE", "/api/seats/{empty_seat}", None),
    "membership_create": ("POST", "/api/seats/{empty_seat}/memberships",
                          {"person": "{person}", "organisation": "{org}",
                           "valid_from": "2024-01-01", "decision_ref": "KS 2024/1"}),
    "membership_update": ("PATCH", "/api/memberships/{membership}",
                          {"valid_to": "2030-01-01"}),
    "membership_delete": ("DELETE", "/api/memberships/{membership}", None),
}
OK = {"POST": 201, "PATCH": 200, "DELETE": 204}
SEAT_ENDPOINTS = [name for name in WRITES if name != "body_update"]

# Secretaries keep their own body's seats and memberships; organisation contacts have no
# say over the structure; only administrators change a body itself.
MATRIX = (
    [(e, "anonymous", "X", 401) for e in WRITES]
    + [(e, "contact_a", "X", 403) for e in WRITES]
    + [(e, "secretary_x", "X", "ok") for e in SEAT_ENDPOINTS]
    + [(e, "secretary_x", "Y", 403) for e in SEAT_ENDPOINTS]
    + [(e, "admin", "X", "ok") for e in WRITES]
    + [(e, "admin", "Y", "ok") for e in WRITES]
    + [("body_update", "secretary_x", "X", 403)]
)


def _snapshot():
    return (list(Body.objects.values_list("slug", "mandate")),
            list(Seat.objects.values_list("pk", "role", "constituency")),
            list(Membership.objects.values_list("pk", "valid_from", "valid_to")))


@pytest.mark.parametrize("via", ["token", "session"])
@pytest.mark.parametrize(("endpoint", "actor", "scope", "expected"), MATRIX)
def test_permission_matrix(world, actors, endpoint, actor, scope, expected, via):
    method, url, body = WRITES[endpoint]
    client, headers = client_for(actors[actor], via)
    before = _snapshot()
    response = send(client, method, _fill(url, world[scope]), _fill(body, world[scope]), **headers)
    status = OK[method] if expected == "ok" else expected
    assert response.status_code == status, response.content
    if status >= 400:
        assert _snapshot() == before
        assert "detail" in response.json()
    else:
        assert _snapshot() != before


# --- Writes: results ----------------------------------------------------------------------------


def test_body_update_by_admin_resolves_references(world, admin_user, org_b):
    client, headers = client_for(admin_user)
    body_x, body_y = world["X"]["body"], world["Y"]["body"]
    response = send(client, "PATCH", f"/api/bodies/{body_x.slug}",
                    {"parent": body_y.slug, "owner": org_b.pk, "mandate": "M"}, **headers)
    assert response.status_code == 200, response.content
    assert (response.json()["parent"], response.json()["owner"]["id"]) == (body_y.slug, org_b.pk)
    body_x.refresh_from_db()
    assert (body_x.parent, body_x.owner) == (body_y, org_b)


def test_reporting_line_cycle_is_422_on_parent(world, admin_user):
    body_x, body_y = world["X"]["body"], world["Y"]["body"]
    client, headers = client_for(admin_user)
    send(client, "PATCH", f"/api/bodies/{body_y.slug}", {"parent": body_x.slug}, **headers)
    response = send(client, "PATCH", f"/api/bodies/{body_x.slug}", {"parent": body_y.slug},
                    **headers)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["detail"]] == ["parent"]
    body_x.refresh_from_db()
    assert body_x.parent is None


def test_secretary_appoints_a_member(world, secretary_x):
    scope = world["X"]
    client, headers = client_for(secretary_x)
    response = send(client, "POST", f"/api/seats/{scope['empty_seat'].pk}/memberships",
                    {"person": scope["person"].pk, "organisation": scope["org"].pk,
                     "valid_from": "2024-01-01", "valid_to": "2028-01-01"}, **headers)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["seat"], body["body"], body["role"]) == (scope["empty_seat"].pk,
                                                         scope["body"].slug, "deputy")
    assert body["person"] == {"id": scope["person"].pk, "name": scope["person"].name}
    membership = Membership.objects.get(pk=body["id"])
    assert membership.history.latest().history_user == secretary_x


def test_overlapping_term_is_422_on_valid_from(world, secretary_x):
    scope = world["X"]
    client, headers = client_for(secretary_x)
    response = send(client, "POST", f"/api/seats/{scope['seat'].pk}/memberships",
                    {"person": scope["person"].pk, "valid_from": "2025-01-01"}, **headers)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["detail"]] == ["valid_from"]
    assert scope["seat"].memberships.count() == 1


def test_seat_with_members_cannot_be_deleted(world, secretary_x):
    client, headers = client_for(secretary_x)
    response = send(client, "DELETE", f"/api/seats/{world['X']['seat'].pk}", **headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] is None
    assert Seat.objects.filter(pk=world["X"]["seat"].pk).exists()


@pytest.mark.parametrize(("method", "url", "body", "field"), [
    ("POST", "/api/bodies/{body}/seats", {"role": "king"}, "role"),
    ("POST", "/api/bodies/{body}/seats", {}, "role"),
    ("POST", "/api/seats/{empty_seat}/memberships", {"person": 99999999}, "person"),
    ("POST", "/api/seats/{empty_seat}/memberships",
     {"person": "{person}", "organisation": 99999999}, "organisation"),
    ("PATCH", "/api/bodies/{body}", {"parent": "nope"}, "parent"),
    ("PATCH", "/api/bodies/{body}", {"kind": "club"}, "kind"),
    ("PATCH", "/api/bodies/{body}", {"name": ""}, "name"),
    ("PATCH", "/api/memberships/{membership}", {"valid_to": "2000-01-01"}, None),
])
def test_validation_errors_name_the_field(world, admin_user, method, url, body, field):
    client, headers = client_for(admin_user)
    before = _snapshot()
    response = send(client, method, _fill(url, world["X"]), _fill(body, world["X"]), **headers)
    assert response.status_code == 422, response.content
    assert field in [e["field"] for e in response.json()["detail"]]
    assert _snapshot() == before


# --- No mass assignment -------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "url", "body"), [
    ("PATCH", "/api/bodies/{body}", {"slug": "kapret"}),
    ("PATCH", "/api/bodies/{body}", {"id": 1}),
    ("POST", "/api/bodies/{body}/seats", {"role": "member", "body": 1}),
    ("PATCH", "/api/seats/{seat}", {"body": 1}),
    ("PATCH", "/api/memberships/{membership}", {"person": "{person}"}),
    ("PATCH", "/api/memberships/{membership}", {"seat": "{empty_seat}"}),
    ("PATCH", "/api/memberships/{membership}", {"is_demo": True}),
    ("POST", "/api/seats/{empty_seat}/memberships", {"person": "{person}", "is_staff": True}),
    ("POST", "/api/seats/{empty_seat}/memberships", {"person": "{person}", "role": "admin"}),
])
def test_extra_fields_are_refused_and_change_nothing(world, admin_user, method, url, body):
    client, headers = client_for(admin_user)
    before = _snapshot()
    response = send(client, method, _fill(url, world["X"]), _fill(body, world["X"]), **headers)
    assert response.status_code == 422, response.content
    assert "This field cannot be set here." in [e["message"] for e in response.json()["detail"]]
    assert _snapshot() == before


# --- Reads --------------------------------------------------------------------------------------


def test_body_list_and_detail(client, world):
    body_x = world["X"]["body"]
    child = t.BodyFactory(name="Barn", slug="barn", parent=body_x)
    t.BodyFactory(name="Nedlagt", slug="nedlagt", valid_from=datetime.date(2000, 1, 1),
                  valid_to=datetime.date(2001, 1, 1))
    slugs = [b["slug"] for b in client.get("/api/bodies").json()["items"]]
    assert set(slugs) == {body_x.slug, world["Y"]["body"].slug, child.slug}
    body = client.get(f"/api/bodies/{body_x.slug}").json()
    assert body["children"] == ["barn"]
    seats = {s["id"]: s for s in body["seats"]}
    held = seats[world["X"]["seat"].pk]["members"]
    assert [m["person"]["id"] for m in held] == [world["X"]["membership"].person_id]
    assert seats[world["X"]["empty_seat"].pk]["members"] == []
    assert client.get("/api/bodies/nope").status_code == 404


def test_body_history_shows_who_when_what(client, world, admin_user):
    body_x = world["X"]["body"]
    admin_client, headers = client_for(admin_user)
    send(admin_client, "PATCH", f"/api/bodies/{body_x.slug}", {"mandate": "Nytt."}, **headers)
    items = admin_client.get(f"/api/bodies/{body_x.slug}/history", **headers).json()["items"]
    items = [entry for entry in items if entry["record"] == ""]  # the body's own entries
    assert items[0]["who"] == admin_user.username and items[0]["type"] == "changed"
    public = client.get(f"/api/bodies/{body_x.slug}/history").content.decode()
    assert admin_user.username not in public
    assert [(c["field"], c["new"]) for c in items[0]["changes"]] == [("mandate", "Nytt.")]
    assert items[-1]["type"] == "created"
    assert client.get("/api/bodies/nope/history").status_code == 404


def test_seat_list_filters_by_body(client, world):
    body_x = world["X"]["body"]
    items = client.get(f"/api/seats?body={body_x.slug}").json()["items"]
    assert {s["id"] for s in items} == {world["X"]["seat"].pk, world["X"]["empty_seat"].pk}
    assert {s["body"] for s in items} == {body_x.slug}
    assert client.get("/api/seats").json()["count"] == 4
    response = client.get("/api/seats?body=nope")
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "body"


def test_membership_list_filters(client, world):
    ended = t.MembershipFactory(seat=world["X"]["empty_seat"], organisation=world["X"]["org"],
                                valid_from=datetime.date(2010, 1, 1),
                                valid_to=datetime.date(2014, 1, 1))

    def ids(query):
        response = client.get(f"/api/memberships?{query}")
        assert response.status_code == 200, response.content
        return {m["id"] for m in response.json()["items"]}

    x, y = world["X"]["membership"].pk, world["Y"]["membership"].pk
    assert ids("") == {x, y, ended.pk}
    assert ids(f"body={world['X']['body'].slug}") == {x, ended.pk}
    assert ids(f"organisation={world['Y']['org'].pk}") == {y}
    assert ids(f"body={world['X']['body'].slug}&current=false") == {ended.pk}
    assert ids(f"body={world['X']['body'].slug}&current=true") == {x}
    assert client.get("/api/memberships?organisation=99999999").status_code == 422
    assert client.get("/api/memberships?current=maybe").status_code == 422


# --- Bounded queries ----------------------------------------------------------------------------


def _queries(client, url: str) -> int:
    def fetch():
        response = client.get(url)
        assert response.status_code == 200, response.content

    return t.count_queries(fetch)


def _bodies(start, stop):
    parent = Body.objects.filter(slug="forelder").first() or t.BodyFactory(slug="forelder")
    owner = t.OrganisationFactory()
    Body.objects.bulk_create([Body(kind="council", name=f"Organ {i}", slug=f"organ-{i}",
                                   parent=parent, owner=owner) for i in range(start, stop)])


def _seats(start, stop):
    body = Body.objects.filter(slug="organet").first() or t.BodyFactory(slug="organet")
    Seat.objects.bulk_create([Seat(body=body, role="member", sort_order=i)
                              for i in range(start, stop)])


def _memberships(start, stop):
    body = Body.objects.filter(slug="organet").first() or t.BodyFactory(slug="organet")
    seats = Seat.objects.bulk_create([Seat(body=body, role="member") for _ in range(start, stop)])
    people = [t.PersonFactory() for _ in range(3)]
    orgs = [t.OrganisationFactory() for _ in range(3)]
    Membership.objects.bulk_create([
        Membership(seat=seat, person=people[i % 3], organisation=orgs[i % 3],
                   valid_from=datetime.date(2024, 1, 1))
        for i, seat in enumerate(seats)
    ])


def _seats_with_members(start, stop):
    _memberships(start, stop)


@pytest.mark.parametrize(("make", "url"), [
    (_bodies, "/api/bodies?page_size=500"),
    (_seats, "/api/seats?page_size=500"),
    (_seats, "/api/seats?body=organet&page_size=500"),
    (_memberships, "/api/memberships?page_size=500"),
    (_memberships, "/api/memberships?body=organet&current=true&page_size=500"),
    (_seats_with_members, "/api/bodies/organet"),
])
def test_list_queries_do_not_grow_with_rows(client, db, make, url):
    make(0, 3)
    few = _queries(client, url)
    make(3, 300)
    assert _queries(client, url) == few


def test_body_history_queries_do_not_grow_with_changes(client, db):
    body = t.BodyFactory()
    url = f"/api/bodies/{body.slug}/history?page_size=500"
    for i in range(3):
        body.sort_order = i
        body.save()
    few = _queries(client, url)
    for i in range(297):
        body.sort_order = i
        body.save()
    assert client.get(url).json()["count"] == 301
    assert _queries(client, url) == few
