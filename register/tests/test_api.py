"""The register's API: open reads, permission matrix for writes, no mass assignment,
no contact details for the wrong reader, history, bounded queries."""

import datetime

import pytest

from accounts.models import RoleGrant
from core import testing as t
from register.models import Affiliation, Organisation, Person

# --- Actors and objects -------------------------------------------------------------------------


@pytest.fixture
def world(org_a, org_b, body_x, body_y):
    """One person and affiliation in each organisation (A and B)."""
    aff_a = t.AffiliationFactory(organisation=org_a, person__name="Anne A")
    aff_b = t.AffiliationFactory(organisation=org_b, person__name="Bjørn B")
    return {
        "A": {"org": org_a, "person": aff_a.person, "affiliation": aff_a},
        "B": {"org": org_b, "person": aff_b.person, "affiliation": aff_b},
    }


@pytest.fixture
def actors(admin_user, contact_a, secretary_x):
    return {"anonymous": None, "contact_a": contact_a, "secretary_x": secretary_x,
            "admin": admin_user}


client_for = t.api_client
send = t.api_send


# --- Permission matrix --------------------------------------------------------------------------

# endpoint → (method, url template, body); {org}, {person}, {affiliation} come from the scope.
WRITES = {
    "person_create": ("POST", "/api/organisations/{org}/people",
                      {"name": "Ny Person", "email": "ny@example.invalid", "title": "Leder"}),
    "person_update": ("PATCH", "/api/people/{person}", {"name": "Nytt Navn"}),
    "affiliation_create": ("POST", "/api/people/{person}/affiliations",
                           {"organisation": "{org}", "title": "Rådgiver"}),
    "affiliation_update": ("PATCH", "/api/affiliations/{affiliation}", {"title": "Sjef"}),
    "affiliation_delete": ("DELETE", "/api/affiliations/{affiliation}", None),
    "organisation_update": ("PATCH", "/api/organisations/{org}", {"population": 4242}),
}
OK = {"POST": 201, "PATCH": 200, "DELETE": 204}
PEOPLE_ENDPOINTS = [name for name in WRITES if name != "organisation_update"]

# (endpoint, actor, scope, expected): contacts act on their own organisation's people only;
# secretaries have nothing to do in the register; only administrators correct organisations.
MATRIX = (
    [(e, "anonymous", "A", 401) for e in WRITES]
    + [(e, "contact_a", "A", "ok") for e in PEOPLE_ENDPOINTS]
    + [(e, "contact_a", "B", 403) for e in PEOPLE_ENDPOINTS]
    + [(e, "secretary_x", "A", 403) for e in PEOPLE_ENDPOINTS]
    + [(e, "admin", "A", "ok") for e in WRITES]
    + [(e, "admin", "B", "ok") for e in WRITES]
    + [("organisation_update", "contact_a", "A", 403),
       ("organisation_update", "secretary_x", "A", 403)]
)


def _fill(value, scope: dict):
    ids = {"org": scope["org"].pk, "person": scope["person"].pk,
           "affiliation": scope["affiliation"].pk}
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, scope) for k, v in value.items()}
    return value


def _register_state():
    """Every row and every history row of the register: a refusal must change none of them."""
    return [list(model.objects.order_by("pk").values()) for model in
            (Organisation, Person, Affiliation)] + [
        model.history.count() for model in (Organisation, Person, Affiliation)]


@pytest.mark.parametrize("via", ["token", "session"])
@pytest.mark.parametrize(("endpoint", "actor", "scope", "expected"), MATRIX)
def test_permission_matrix(world, actors, endpoint, actor, scope, expected, via):
    method, url, body = WRITES[endpoint]
    client, headers = client_for(actors[actor], via)
    before = _register_state()
    response = send(client, method, _fill(url, world[scope]), _fill(body, world[scope]), **headers)
    status = OK[method] if expected == "ok" else expected
    assert response.status_code == status, response.content
    if status >= 400:
        assert _register_state() == before
        assert "detail" in response.json()


def test_expired_role_grant_no_longer_allows(client, world, contact_a):
    RoleGrant.objects.filter(user=contact_a).update(valid_to=datetime.date(2001, 1, 1),
                                                    valid_from=datetime.date(2000, 1, 1))
    client, headers = client_for(contact_a)
    response = send(client, "PATCH", f"/api/people/{world['A']['person'].pk}", {"name": "X"},
                    **headers)
    assert response.status_code == 403


# --- Writes: results ----------------------------------------------------------------------------


def test_person_create_returns_person_with_affiliation(world, contact_a):
    client, headers = client_for(contact_a)
    response = send(client, "POST", f"/api/organisations/{world['A']['org'].pk}/people",
                    {"name": "Kari", "email": "kari@example.invalid", "phone": "+47 1",
                     "title": "Leder", "valid_from": "2024-01-01"}, **headers)
    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["email"], body["phone"]) == ("Kari", "kari@example.invalid",
                                                           "+47 1")
    assert [(a["organisation"]["id"], a["title"], a["valid_from"])
            for a in body["affiliations"]] == [(world["A"]["org"].pk, "Leder", "2024-01-01")]
    person = Person.objects.get(pk=body["id"])
    assert person.history.latest().history_user == contact_a


def test_person_update_changes_only_given_fields(world, contact_a):
    person = world["A"]["person"]
    email = person.email
    client, headers = client_for(contact_a)
    response = send(client, "PATCH", f"/api/people/{person.pk}", {"phone": "+47 99"}, **headers)
    assert response.status_code == 200
    person.refresh_from_db()
    assert (person.phone, person.email) == ("+47 99", email)


def test_affiliation_update_and_delete(world, contact_a):
    affiliation = world["A"]["affiliation"]
    client, headers = client_for(contact_a)
    response = send(client, "PATCH", f"/api/affiliations/{affiliation.pk}",
                    {"title": "Sjef", "valid_to": "2030-01-01"}, **headers)
    assert response.status_code == 200
    assert response.json()["valid_to"] == "2030-01-01"
    response = send(client, "DELETE", f"/api/affiliations/{affiliation.pk}", **headers)
    assert response.status_code == 204
    assert not Affiliation.objects.filter(pk=affiliation.pk).exists()


def test_organisation_update_by_admin(world, admin_user):
    org = world["A"]["org"]
    client, headers = client_for(admin_user)
    response = send(client, "PATCH", f"/api/organisations/{org.pk}",
                    {"population": 1234, "website": "https://a.example.invalid"}, **headers)
    assert response.status_code == 200
    assert response.json()["population"] == 1234
    org.refresh_from_db()
    assert org.population == 1234


# --- No mass assignment -------------------------------------------------------------------------


@pytest.mark.parametrize("extra", [
    {"role": "admin"}, {"is_staff": True}, {"is_superuser": True},
    {"organisation": "B"}, {"is_demo": True}, {"id": 999},
])
def test_extra_fields_on_person_patch_are_refused_and_change_nothing(world, contact_a, extra):
    person = world["A"]["person"]
    if extra.get("organisation") == "B":
        extra = {"organisation": world["B"]["org"].pk}
    client, headers = client_for(contact_a)
    grants = list(RoleGrant.objects.values_list("user_id", "role", "organisation_id", "body_id"))
    response = send(client, "PATCH", f"/api/people/{person.pk}", {"name": "Endret", **extra},
                    **headers)
    assert response.status_code == 422
    field = next(iter(extra))
    refused = {"field": field, "message": "This field cannot be set here."}
    assert refused in response.json()["detail"]
    person.refresh_from_db()
    contact_a.refresh_from_db()
    assert person.name == "Anne A" and not person.is_demo
    assert not contact_a.is_staff and not contact_a.is_superuser
    assert list(RoleGrant.objects.values_list("user_id", "role", "organisation_id",
                                              "body_id")) == grants
    assert set(person.affiliations.values_list("organisation_id", flat=True)) == {
        world["A"]["org"].pk}


@pytest.mark.parametrize(("method", "url", "body"), [
    ("POST", "/api/organisations/{org}/people", {"name": "X", "role": "admin"}),
    ("POST", "/api/organisations/{org}/people", {"name": "X", "organisation": "{org}"}),
    ("POST", "/api/people/{person}/affiliations", {"organisation": "{org}", "person": 1}),
    ("PATCH", "/api/affiliations/{affiliation}", {"organisation": "{org}"}),
    ("PATCH", "/api/affiliations/{affiliation}", {"person": "{person}"}),
    ("PATCH", "/api/organisations/{org}", {"kind": "vendor"}),
    ("PATCH", "/api/organisations/{org}", {"county": 1}),
])
def test_extra_fields_are_refused_everywhere(world, admin_user, method, url, body):
    scope = world["A"]
    client, headers = client_for(admin_user)
    before = (Person.objects.count(), Affiliation.objects.count(),
              list(Organisation.objects.values_list("kind", "county_id")))
    response = send(client, method, _fill(url, scope), _fill(body, scope), **headers)
    assert response.status_code == 422, response.content
    assert before == (Person.objects.count(), Affiliation.objects.count(),
                      list(Organisation.objects.values_list("kind", "county_id")))


# --- Validation errors name their field ---------------------------------------------------------


@pytest.mark.parametrize(("method", "url", "body", "field"), [
    ("POST", "/api/organisations/{org}/people", {"name": "X", "email": "not-an-email"}, "email"),
    ("POST", "/api/organisations/{org}/people", {"email": "x@example.invalid"}, "name"),
    ("POST", "/api/organisations/{org}/people", {"name": "x" * 201}, "name"),
    ("PATCH", "/api/people/{person}", {"name": None}, "name"),
    ("PATCH", "/api/organisations/{org}", {"org_number": "123456789"}, "org_number"),
    ("PATCH", "/api/organisations/{org}", {"population": -1}, "population"),
    ("PATCH", "/api/organisations/{org}", {"valid_from": "not a date"}, "valid_from"),
    ("PATCH", "/api/organisations/{org}", {"website": "no url"}, "website"),
    ("POST", "/api/people/{person}/affiliations", {"organisation": 99999999}, "organisation"),
])
def test_validation_errors_name_the_field(world, admin_user, method, url, body, field):
    client, headers = client_for(admin_user)
    response = send(client, method, _fill(url, world["A"]), _fill(body, world["A"]), **headers)
    assert response.status_code == 422, response.content
    assert field in [error["field"] for error in response.json()["detail"]]
    assert all(error["message"] for error in response.json()["detail"])


def test_period_ending_before_it_starts_is_422_and_changes_nothing(world, contact_a):
    affiliation = world["A"]["affiliation"]
    client, headers = client_for(contact_a)
    response = send(client, "PATCH", f"/api/affiliations/{affiliation.pk}",
                    {"valid_from": "2024-01-01", "valid_to": "2023-01-01"}, **headers)
    assert response.status_code == 422
    affiliation.refresh_from_db()
    assert affiliation.valid_to is None


# --- Contact details ----------------------------------------------------------------------------


def test_anonymous_person_has_no_contact_details(client, world):
    person = world["A"]["person"]
    response = client.get(f"/api/people/{person.pk}")
    assert response.status_code == 200
    body = response.json()
    assert "email" not in body and "phone" not in body
    assert person.email not in response.content.decode()
    assert person.phone not in response.content.decode()
    assert body["name"] == "Anne A" and body["affiliations"][0]["organisation"]["id"] == \
        world["A"]["org"].pk


@pytest.mark.parametrize(("actor", "scope", "visible"), [
    ("anonymous", "A", False), ("contact_a", "A", True), ("contact_a", "B", False),
    ("secretary_x", "A", False), ("admin", "A", True), ("admin", "B", True),
])
@pytest.mark.parametrize("via", ["token", "session"])
def test_contact_details_only_for_those_allowed(world, actors, actor, scope, visible, via):
    person = world[scope]["person"]
    client, headers = client_for(actors[actor], via)
    response = client.get(f"/api/people/{person.pk}", **headers)
    assert response.status_code == 200
    body = response.json()
    assert ("email" in body and "phone" in body) is visible
    assert (person.email in response.content.decode()) is visible
    if visible:
        assert (body["email"], body["phone"]) == (person.email, person.phone)


def test_person_read_with_wrong_token_is_401(client, world):
    response = client.get(f"/api/people/{world['A']['person'].pk}",
                          HTTP_AUTHORIZATION="Bearer nope")
    assert response.status_code == 401


def test_organisation_history_never_shows_contact_details(client, world, contact_a):
    person = world["A"]["person"]
    client_a, headers = client_for(contact_a)
    send(client_a, "PATCH", f"/api/people/{person.pk}", {"email": "secret@example.invalid"},
         **headers)
    assert "secret@example.invalid" not in client.get(
        f"/api/organisations/{world['A']['org'].pk}/history").content.decode()


# --- Reads --------------------------------------------------------------------------------------


def test_organisation_list_filters_like_the_page(client, db):
    county = t.CountyFactory(number="46", name="Vestland")
    bergen = t.OrganisationFactory(name="Bergen", number="4601", county=county,
                                   population=291940)
    t.OrganisationFactory(name="Oslo", number="0301", population=717710)
    t.OrganisationFactory(name="Vestland fylkeskommune", number="46",
                          kind="county_municipality", county=county, population=None)
    network = t.NetworkFactory(slug="vestlandsnettverket")
    t.NetworkMembershipFactory(network=network, organisation=bergen)

    def names(query):
        response = client.get(f"/api/organisations?{query}")
        assert response.status_code == 200, response.content
        return [o["name"] for o in response.json()["items"]]

    assert names("q=berg") == ["Bergen"]
    assert names("q=0301") == ["Oslo"]
    assert names("kind=county_municipality") == ["Vestland fylkeskommune"]
    assert names("county=46&kind=municipality") == ["Bergen"]
    assert names("network=vestlandsnettverket") == ["Bergen"]
    assert names("ordering=-population&kind=municipality") == ["Oslo", "Bergen"]
    assert names("ordering=name") == ["Bergen", "Oslo", "Vestland fylkeskommune"]


def test_organisation_list_leaves_out_ended_organisations(client, db):
    t.OrganisationFactory(name="Gammel", valid_to=datetime.date(2020, 1, 1),
                          valid_from=datetime.date(1838, 1, 1))
    t.OrganisationFactory(name="Ny")
    assert [o["name"] for o in client.get("/api/organisations").json()["items"]] == ["Ny"]


@pytest.mark.parametrize(("query", "field"), [
    ("ordering=org_number", "ordering"), ("ordering=email", "ordering"),
    ("kind=planet", "kind"), ("county=99", "county"), ("network=nope", "network"),
    ("q=" + "x" * 101, "q"),
])
def test_bad_filters_are_422_with_the_field(client, db, query, field):
    response = client.get(f"/api/organisations?{query}")
    assert response.status_code == 422, response.content
    assert field in [e["field"] for e in response.json()["detail"]]


def test_organisation_detail(client, db):
    old = t.OrganisationFactory(name="Gamle", valid_from=datetime.date(1900, 1, 1),
                                valid_to=datetime.date(2020, 1, 1))
    new = t.OrganisationFactory(name="Nye", valid_from=datetime.date(2020, 1, 1))
    new.predecessors.add(old)
    network = t.NetworkFactory(name="Nettverket", slug="nettverket")
    t.NetworkMembershipFactory(network=network, organisation=new)
    body = client.get(f"/api/organisations/{new.pk}").json()
    assert body["name"] == "Nye"
    assert body["predecessors"] == [old.pk]
    assert body["networks"] == [{"slug": "nettverket", "name": "Nettverket"}]
    assert body["county"]["number"] == new.county.number
    assert client.get(f"/api/organisations/{old.pk}").json()["successors"] == [new.pk]


def test_organisation_history_shows_who_when_what(client, world, admin_user):
    org = world["A"]["org"]
    admin_client, headers = client_for(admin_user)
    send(admin_client, "PATCH", f"/api/organisations/{org.pk}", {"population": 4242}, **headers)
    response = admin_client.get(f"/api/organisations/{org.pk}/history", **headers)
    assert response.status_code == 200
    own = [entry for entry in response.json()["items"] if entry["record"] == ""]
    assert len(own) == 2  # the rest are the organisation's affiliations and network memberships
    latest, created = own
    assert latest["who"] == admin_user.username  # administrators see who acted…
    public = client.get(f"/api/organisations/{org.pk}/history").json()["items"]
    assert admin_user.username not in str(public)  # …the public does not
    assert latest["type"] == "changed" and latest["reason"] == "updated"
    assert latest["when"]
    assert [(c["field"], c["old"], c["new"]) for c in latest["changes"]] == [
        ("population", 1000, 4242)]
    assert created["type"] == "created" and created["who"] == "system"


def test_history_of_missing_organisation_is_404(client, db):
    assert client.get("/api/organisations/424242/history").status_code == 404


def test_counties(client, db):
    county = t.CountyFactory(number="34", name="Innlandet")
    t.OrganisationFactory(county=county, name="Hamar", number="3403")
    t.OrganisationFactory(county=county, name="Ended", number="3499",
                          valid_from=datetime.date(1900, 1, 1), valid_to=datetime.date(2000, 1, 1))
    items = client.get("/api/counties").json()["items"]
    assert [(c["number"], c["name"]) for c in items] == [("34", "Innlandet")]
    body = client.get("/api/counties/34").json()
    assert [o["name"] for o in body["organisations"]] == ["Hamar"]
    assert client.get("/api/counties/99").status_code == 404


def test_networks(client, db):
    county = t.CountyFactory(number="15")
    network = t.NetworkFactory(name="Digi Møre", slug="digi-more")
    network.counties.add(county)
    members = [t.OrganisationFactory(number=n) for n in ("1505", "1506")]
    for org in members:
        t.NetworkMembershipFactory(network=network, organisation=org)
    items = client.get("/api/networks").json()["items"]
    assert [(n["slug"], n["counties"], n["member_count"]) for n in items] == [
        ("digi-more", ["15"], 2)]
    body = client.get("/api/networks/digi-more").json()
    assert [m["number"] for m in body["members"]] == ["1505", "1506"]
    assert client.get("/api/networks/nope").status_code == 404


# --- Bounded queries ----------------------------------------------------------------------------


def _queries(client, url: str) -> int:
    def fetch():
        response = client.get(url)
        assert response.status_code == 200, response.content

    return t.count_queries(fetch)


def _organisations(start: int, stop: int):
    county = t.CountyFactory(number="50")
    Organisation.objects.bulk_create([
        Organisation(kind="municipality", number=f"{i:04d}", name=f"Org {i}", county=county)
        for i in range(start, stop)
    ])


def _networks(start: int, stop: int):
    from register.models import Network, NetworkMembership

    counties = [t.CountyFactory(number=n) for n in ("50", "51", "52")]
    orgs = [Organisation.objects.filter(number=n).first() or t.OrganisationFactory(number=n)
            for n in ("5001", "5002", "5003")]
    networks = Network.objects.bulk_create([Network(name=f"Nett {i:03d}", slug=f"nett-{i}")
                                            for i in range(start, stop)])
    Network.counties.through.objects.bulk_create([
        Network.counties.through(network_id=n.pk, county_id=c.pk)
        for n in networks for c in counties
    ])
    NetworkMembership.objects.bulk_create([NetworkMembership(network=n, organisation=o)
                                           for n in networks for o in orgs])


def _counties(start: int, stop: int):
    from register.models import County

    counties = County.objects.bulk_create([
        County(number=f"{i:02d}", name=f"F {i}", short_name=f"F {i}")
        for i in range(start, stop)
    ])
    for county in counties[:3]:
        t.OrganisationFactory(county=county)


def _history(n: int):
    org = Organisation.objects.filter(name="Historikk").first() or t.OrganisationFactory(
        name="Historikk")
    for i in range(n):
        org.population = i + 1
        org.save()
    return org


@pytest.mark.parametrize(("make", "url", "small", "large"), [
    (_organisations, "/api/organisations?page_size=500", 3, 300),
    (_networks, "/api/networks?page_size=500", 3, 300),
    (_counties, "/api/counties?page_size=500", 3, 99),  # county numbers have two digits
])
def test_list_queries_do_not_grow_with_rows(client, db, make, url, small, large):
    make(0, small)
    few = _queries(client, url)
    make(small, large)
    assert client.get(url).json()["count"] >= large
    assert _queries(client, url) == few


def test_organisation_history_queries_do_not_grow_with_changes(client, db):
    org = _history(3)
    url = f"/api/organisations/{org.pk}/history?page_size=500"
    few = _queries(client, url)
    _history(297)
    assert client.get(url).json()["count"] == 301
    assert _queries(client, url) == few


def test_person_queries_do_not_grow_with_affiliations(client, db, admin_user):
    person = t.PersonFactory()
    for _ in range(3):
        t.AffiliationFactory(person=person)
    admin_client, headers = client_for(admin_user)
    url = f"/api/people/{person.pk}"
    few = t.count_queries(lambda: admin_client.get(url, **headers))
    for _ in range(30):
        t.AffiliationFactory(person=person)
    assert len(admin_client.get(url, **headers).json()["affiliations"]) == 33
    assert t.count_queries(lambda: admin_client.get(url, **headers)) == few
