"""Django admin: read-only for superusers; history can be looked at, never changed or reverted."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import RoleGrant
from core import testing as t


@pytest.fixture
def superuser(db):
    return t.UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def person(db, superuser):
    person = t.PersonFactory(name="Først")
    person.name = "Deretter"
    person._history_user = superuser
    person.save()
    return person


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_superuser_sees_models_and_their_history(superuser, person):
    client = client_for(superuser)
    assert client.get(reverse("admin:register_person_changelist")).status_code == 200
    assert client.get(reverse("admin:register_person_change", args=[person.pk])).status_code == 200
    response = client.get(reverse("admin:register_person_history", args=[person.pk]))
    assert response.status_code == 200


def test_history_row_cannot_be_reverted(superuser, person):
    first = person.history.order_by("history_id").first()
    url = reverse("admin:register_person_simple_history", args=[person.pk, first.history_id])
    client = client_for(superuser)
    assert client.get(url).status_code == 200
    rows = person.history.count()
    response = client.post(url, {"name": "Først", "email": "", "phone": ""})
    assert response.status_code == 405
    person.refresh_from_db()
    assert person.name == "Deretter"
    assert person.history.count() == rows


def test_history_models_are_not_in_admin(superuser, person):
    client = client_for(superuser)
    for url in ["/admin/register/historicalperson/", "/admin/register/historicalperson/1/delete/",
                "/admin/accounts/historicalrolegrant/"]:
        assert client.get(url).status_code in (302, 404), url


def test_objects_cannot_be_changed_or_deleted_in_admin(superuser, person):
    client = client_for(superuser)
    rows = person.history.count()
    response = client.post(reverse("admin:register_person_delete", args=[person.pk]),
                           {"post": "yes"})
    assert response.status_code == 403
    response = client.post(reverse("admin:register_person_change", args=[person.pk]),
                           {"name": "Endret", "email": "", "phone": ""})
    assert response.status_code == 403
    person.refresh_from_db()
    assert person.name == "Deretter"
    assert person.history.count() == rows
    assert client.get(reverse("admin:register_person_add")).status_code == 403


def test_staff_without_superuser_sees_nothing(db, person):
    staff = t.UserFactory(is_staff=True)
    client = client_for(staff)
    assert client.get(reverse("admin:register_person_changelist")).status_code == 403


def test_superuser_grants_a_role_through_the_service(superuser, org_a):
    target = t.UserFactory()
    response = client_for(superuser).post(reverse("admin:accounts_rolegrant_add"), {
        "user": target.pk, "role": "org_contact", "organisation": org_a.pk, "body": "",
        "valid_from": "", "valid_to": ""})
    assert response.status_code == 302, response.content.decode()[:3000]
    grant = RoleGrant.objects.get(user=target)
    assert grant.history.get().history_user == superuser


def test_staff_admin_role_without_superuser_cannot_grant(admin_user, org_a):
    admin_user.is_staff = True
    admin_user.save()
    response = client_for(admin_user).post(reverse("admin:accounts_rolegrant_add"), {
        "user": admin_user.pk, "role": "admin", "organisation": "", "body": ""})
    assert response.status_code == 403
    assert RoleGrant.objects.filter(user=admin_user).count() == 1


def test_role_grants_are_ended_not_deleted(superuser, contact_a):
    grant = RoleGrant.objects.get(user=contact_a)
    client = client_for(superuser)
    response = client.post(reverse("admin:accounts_rolegrant_delete", args=[grant.pk]),
                           {"post": "yes"})
    assert response.status_code == 403
    response = client.post(reverse("admin:accounts_rolegrant_change", args=[grant.pk]),
                           {"valid_from": "", "valid_to": "2025-01-01"})
    assert response.status_code == 302
    grant.refresh_from_db()
    assert str(grant.valid_to) == "2025-01-01"
    assert grant.role == "org_contact"
    assert grant.history.latest().history_user == superuser

