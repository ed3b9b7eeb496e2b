"""My page: who am I, my roles, API tokens shown once and revoked only by their owner."""

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from accounts import services
from accounts.models import ApiToken
from core import testing as t
from core.access import SYSTEM


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_profile_requires_login(db):
    response = Client().get(reverse("accounts:profile"))
    assert response.status_code == 302


def test_profile_lists_grants_with_links_to_the_scope(contact_a, org_a):
    client = client_for(contact_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # asserted in English; pages default to nb
    html = client.get(reverse("accounts:profile")).content.decode()
    assert contact_a.username in html
    assert "Organisation contact" in html
    assert reverse("register_edit:organisation_people", args=[org_a.pk]) in html
    assert html.count("<h1") == 1


def test_secretary_sees_a_link_to_the_body(secretary_x, body_x):
    html = client_for(secretary_x).get(reverse("accounts:profile")).content.decode()
    assert reverse("structure_edit:body_seats", args=[body_x.slug]) in html


def test_token_key_is_shown_once(contact_a):
    client = client_for(contact_a)
    response = client.post(reverse("accounts:token_create"), {"name": "Sak-system"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=contact_a)
    key = response.context["new_key"]
    assert key in response.content.decode()
    assert ApiToken.objects.authenticate(key) == token
    assert key not in client.get(reverse("accounts:profile")).content.decode()
    assert token.key_hash != key


def test_token_needs_a_name(contact_a):
    response = client_for(contact_a).post(reverse("accounts:token_create"), {"name": " "})
    assert response.status_code == 422
    assert not ApiToken.objects.exists()


def test_owner_revokes_own_token(contact_a):
    token, key = services.api_token_create(actor=contact_a, user=contact_a, name="x")
    response = client_for(contact_a).post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert ApiToken.objects.authenticate(key) is None


def test_nobody_else_revokes_a_token(contact_a, secretary_x):
    token, key = services.api_token_create(actor=contact_a, user=contact_a, name="x")
    response = client_for(secretary_x).post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    with pytest.raises(PermissionDenied):
        services.api_token_revoke(actor=secretary_x, token=token)


def test_revoke_is_post_only(contact_a):
    token, _ = services.api_token_create(actor=contact_a, user=contact_a, name="x")
    response = client_for(contact_a).get(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.status_code == 405


def test_nobody_creates_a_token_for_someone_else(contact_a, admin_user):
    with pytest.raises(PermissionDenied):
        services.api_token_create(actor=admin_user, user=contact_a, name="x")
    token, _ = services.api_token_create(actor=SYSTEM, user=contact_a, name="x")
    assert token.user == contact_a


def test_token_create_without_csrf_is_refused(contact_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(contact_a)
    response = client.post(reverse("accounts:token_create"), {"name": "x"})
    assert response.status_code == 403
    assert not ApiToken.objects.exists()


def test_role_grant_requires_the_grant_permission(contact_a, org_b, admin_user):
    with pytest.raises(PermissionDenied):
        services.role_grant_create(actor=contact_a, user=contact_a, role="org_contact",
                                   organisation=org_b)
    grant = services.role_grant_create(actor=admin_user, user=contact_a, role="org_contact",
                                       organisation=org_b)
    assert grant.history.get().history_user == admin_user
    user = t.UserFactory()
    services.role_grant_create(actor=SYSTEM, user=user, role="admin")
