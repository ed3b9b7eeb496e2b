"""History in the API: every exposed object has /history; privacy holds for each reader."""

import pytest
from django.test import Client

from core import testing as t
from register import services as register_services
from structure import services as structure_services


def token_headers(user) -> dict:
    return t.api_client(user)[1]


@pytest.fixture
def person(contact_a, org_a):
    person = register_services.person_create(
        actor=contact_a, organisation=org_a,
        data={"name": "Kari Nordmann", "email": "kari@example.invalid", "phone": "+47 400 00 001"})
    register_services.person_update(actor=contact_a, person=person,
                                    data={"email": "kari.ny@example.invalid"})
    return person


@pytest.fixture
def membership(secretary_x, body_x, person, org_a):
    seat = structure_services.seat_create(actor=secretary_x, body=body_x,
                                          data={"role": "member", "constituency": "Nord"})
    membership = structure_services.membership_create(
        actor=secretary_x, seat=seat, data={"person": person, "organisation": org_a})
    structure_services.membership_update(actor=secretary_x, membership=membership,
                                         data={"decision_ref": "KS 2024/7"})
    return membership


def items(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["items"]


def test_every_object_has_a_history_endpoint(client, person, membership, org_a, body_x):
    county = org_a.county
    network = t.NetworkMembershipFactory(organisation=org_a).network
    affiliation = person.affiliations.get()
    assert items(client.get(f"/api/counties/{county.number}/history"))
    assert items(client.get(f"/api/networks/{network.slug}/history"))
    assert items(client.get(f"/api/people/{person.pk}/history"))
    assert items(client.get(f"/api/affiliations/{affiliation.pk}/history"))
    assert items(client.get(f"/api/seats/{membership.seat_id}/history"))
    assert items(client.get(f"/api/memberships/{membership.pk}/history"))
    assert items(client.get(f"/api/organisations/{org_a.pk}/history"))
    assert items(client.get(f"/api/bodies/{body_x.slug}/history"))


def test_body_history_includes_seats_and_memberships(client, membership, body_x):
    log = items(client.get(f"/api/bodies/{body_x.slug}/history"))
    records = {(entry["record"], entry["type"]) for entry in log}
    assert {("seat", "created"), ("membership", "created"), ("membership", "changed")} <= records
    changed = next(e for e in log if e["record"] == "membership" and e["type"] == "changed")
    assert changed["subject"] == "Kari Nordmann"
    assert changed["changes"][0]["field"] == "decision_ref"
    assert changed["changes"][0]["new"] == "KS 2024/7"


def test_person_history_hides_contact_details_from_the_public(client, person):
    text = client.get(f"/api/people/{person.pk}/history").content.decode()
    assert "kari@example.invalid" not in text and "kari.ny@example.invalid" not in text
    assert "400 00 001" not in text


def test_person_history_shows_contact_details_to_the_own_contact(person, contact_a):
    text = Client().get(f"/api/people/{person.pk}/history", **token_headers(contact_a)).content
    assert b"kari.ny@example.invalid" in text


def test_wrongly_scoped_contact_sees_no_contact_details(person, org_b):
    contact_b = t.user_with_role(t.Role.ORG_CONTACT, organisation=org_b)
    text = Client().get(f"/api/people/{person.pk}/history", **token_headers(contact_b)).content
    assert b"kari" not in text.replace(b"Kari", b"")


def test_usernames_only_for_administrators(client, person, contact_a, admin_user):
    public = items(client.get(f"/api/people/{person.pk}/history"))
    assert {entry["who"] for entry in public} <= {"user", "bruker"}
    assert contact_a.username not in str(public)
    admin = items(Client().get(f"/api/people/{person.pk}/history", **token_headers(admin_user)))
    assert contact_a.username in {entry["who"] for entry in admin}


def test_history_of_unknown_objects_is_404(client, db):
    assert client.get("/api/seats/999999/history").status_code == 404
    assert client.get("/api/counties/99/history").status_code == 404


def test_history_endpoints_query_count_does_not_grow(client, person, membership, contact_a,
                                                     secretary_x, org_a):
    network = t.NetworkMembershipFactory(organisation=org_a).network
    urls = [f"/api/people/{person.pk}/history", f"/api/memberships/{membership.pk}/history",
            f"/api/seats/{membership.seat_id}/history", f"/api/networks/{network.slug}/history",
            f"/api/counties/{org_a.county.number}/history"]
    few = {url: t.count_queries(lambda url=url: client.get(url)) for url in urls}
    for n in range(30):
        register_services.person_update(actor=contact_a, person=person, data={"name": f"K{n}"})
        structure_services.membership_update(actor=secretary_x, membership=membership,
                                             data={"decision_ref": f"KS {n}"})
        t.NetworkMembershipFactory(network=network)
    many = {url: t.count_queries(lambda url=url: client.get(url)) for url in urls}
    assert many == few
    assert max(many.values()) < 25
