"""Register edit pages: permission matrix; refusals change nothing; history has the actor."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import RoleGrant
from core import testing as t
from register.models import Affiliation, Organisation, Person

ACTORS = ["anonymous", "contact_a", "secretary_x", "admin_user"]
WATCHED = [Organisation, Person, Affiliation, RoleGrant]


@pytest.fixture
def world(org_a, org_b, body_x, contact_a, secretary_x, admin_user):
    return {
        "A": {"org": org_a, "aff": t.AffiliationFactory(organisation=org_a)},
        "B": {"org": org_b, "aff": t.AffiliationFactory(organisation=org_b)},
        "users": {"anonymous": None, "contact_a": contact_a, "secretary_x": secretary_x,
                  "admin_user": admin_user},
    }


def org_post(w):
    return {"name": "Endret kommune", "org_number": w["org"].org_number, "population": "1234",
            "population_date": "", "website": "", "valid_from": "", "valid_to": "",
            "source": "by hand"}


# name, url args from one side of the world, POST data (None: GET only), model written, scope
PAGES = [
    ("organisation_people", lambda w: [w["org"].pk], None, None, "org"),
    ("person_create", lambda w: [w["org"].pk],
     lambda w: {"name": "Ny Person", "email": "ny@example.invalid", "phone": "",
                "title": "Leder", "valid_from": "2024-01-01"}, Person, "org"),
    ("person_edit", lambda w: [w["org"].pk, w["aff"].person_id],
     lambda w: {"name": "Nytt Navn", "email": "nytt@example.invalid", "phone": "+47 1"},
     Person, "org"),
    ("affiliation_edit", lambda w: [w["aff"].pk],
     lambda w: {"title": "Ny tittel", "valid_from": "2020-01-01", "valid_to": ""},
     Affiliation, "org"),
    ("affiliation_end", lambda w: [w["aff"].pk], lambda w: {"valid_to": "2025-01-01"},
     Affiliation, "org"),
    ("affiliation_delete", lambda w: [w["aff"].pk], lambda w: {}, Affiliation, "org"),
    ("organisation_edit", lambda w: [w["org"].pk], org_post, Organisation, "admin"),
]


def allowed(actor: str, side: str, scope: str) -> bool:
    if actor == "admin_user":
        return True
    return scope == "org" and actor == "contact_a" and side == "A"


def snapshot():
    return {m.__name__: (list(m.objects.order_by("pk").values()), m.history.count())
            for m in WATCHED}


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


MATRIX = [
    pytest.param(page, actor, side, method, id=f"{page[0]}-{actor}-{side}-{method}")
    for page in PAGES for actor in ACTORS for side in "AB"
    for method in (["GET"] if page[2] is None else ["GET", "POST"])
]


@pytest.mark.parametrize("page,actor,side,method", MATRIX)
def test_permission_matrix(world, page, actor, side, method):
    name, args, data, model, scope = page
    user = world["users"][actor]
    url = reverse(f"register_edit:{name}", args=args(world[side]))
    before = snapshot()
    client = client_for(user)
    response = client.get(url) if method == "GET" else client.post(url, data(world[side]))

    if user is None:
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
        assert snapshot() == before
    elif not allowed(actor, side, scope):
        assert response.status_code == 403
        assert snapshot() == before
    elif method == "GET":
        assert response.status_code == 200
        assert response.content.count(b"<h1") == 1
        assert snapshot() == before
    else:
        assert response.status_code == 302, response.content.decode()[:2000]
        assert snapshot() != before
        assert model.history.filter(history_user=user).exists()


def test_person_create_writes_person_and_affiliation_with_history(world, contact_a):
    org = world["A"]["org"]
    response = client_for(contact_a).post(
        reverse("register_edit:person_create", args=[org.pk]),
        {"name": "Kari Nordmann", "email": "kari@example.invalid", "phone": "",
         "title": "IKT-sjef", "valid_from": "2024-03-01"})
    assert response.status_code == 302
    person = Person.objects.get(name="Kari Nordmann")
    affiliation = person.affiliations.get()
    assert affiliation.organisation == org
    assert affiliation.title == "IKT-sjef"
    assert affiliation.valid_from == datetime.date(2024, 3, 1)
    assert person.history.get().history_user == contact_a
    assert affiliation.history.get().history_user == contact_a


def test_extra_fields_in_post_change_nothing_else(world, contact_a, org_b):
    affiliation = world["A"]["aff"]
    person = affiliation.person
    grants = list(RoleGrant.objects.values())
    response = client_for(contact_a).post(
        reverse("register_edit:person_edit", args=[world["A"]["org"].pk, person.pk]),
        {"name": "Nytt Navn", "email": "", "phone": "", "is_demo": "on", "id": "999999",
         "organisation": org_b.pk, "role": "admin", "is_staff": "on", "owner": org_b.pk})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.name == "Nytt Navn"
    assert person.is_demo is False
    assert Person.objects.filter(pk=999999).count() == 0
    assert person.affiliations.get().organisation == world["A"]["org"]
    assert list(RoleGrant.objects.values()) == grants
    contact_a.refresh_from_db()
    assert not contact_a.is_staff and not contact_a.is_superuser


def test_extra_fields_on_affiliation_cannot_move_it(world, contact_a, org_b):
    affiliation = world["A"]["aff"]
    response = client_for(contact_a).post(
        reverse("register_edit:affiliation_edit", args=[affiliation.pk]),
        {"title": "T", "valid_from": "2020-01-01", "valid_to": "", "organisation": org_b.pk,
         "person": world["B"]["aff"].person_id})
    assert response.status_code == 302
    affiliation.refresh_from_db()
    assert affiliation.organisation == world["A"]["org"]
    assert affiliation.person_id != world["B"]["aff"].person_id


def test_invalid_input_shows_accessible_errors_and_changes_nothing(world, admin_user):
    org = world["A"]["org"]
    before = snapshot()
    data = org_post(world["A"]) | {"org_number": "123456789", "name": ""}
    response = client_for(admin_user).post(
        reverse("register_edit:organisation_edit", args=[org.pk]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "ds-error-summary" in html
    assert 'href="#id_org_number"' in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_org_number_error"' in html
    assert 'id="id_org_number_error"' in html
    assert snapshot() == before


def test_service_validation_error_is_shown_on_the_field(world, contact_a):
    affiliation = world["A"]["aff"]
    response = client_for(contact_a).post(
        reverse("register_edit:affiliation_end", args=[affiliation.pk]),
        {"valid_to": "2019-01-01"})  # before it started
    assert response.status_code == 200
    assert "ds-error-summary" in response.content.decode()
    affiliation.refresh_from_db()
    assert affiliation.valid_to is None


def test_form_fields_have_labels_and_hints(world, contact_a):
    response = client_for(contact_a).get(
        reverse("register_edit:person_create", args=[world["A"]["org"].pk]))
    html = response.content.decode()
    for name in ["name", "email", "phone", "title", "valid_from"]:
        assert f'<label class="ds-label" for="id_{name}">' in html
    assert 'aria-describedby="id_valid_from_helptext"' in html
    assert 'id="id_valid_from_helptext"' in html
    assert "style=" not in html and "<script>" not in html


def test_people_list_links_to_edit_pages(world, contact_a):
    affiliation = world["A"]["aff"]
    response = client_for(contact_a).get(
        reverse("register_edit:organisation_people", args=[world["A"]["org"].pk]))
    html = response.content.decode()
    assert affiliation.person.name in html
    assert reverse("register_edit:affiliation_edit", args=[affiliation.pk]) in html
    assert world["B"]["aff"].person.name not in html


def test_post_without_csrf_token_is_refused(world, contact_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(contact_a)
    before = snapshot()
    response = client.post(reverse("register_edit:affiliation_delete",
                                   args=[world["A"]["aff"].pk]))
    assert response.status_code == 403
    assert snapshot() == before
