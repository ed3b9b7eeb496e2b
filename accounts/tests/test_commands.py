"""grant-role and create-api-token, run as the operator (SYSTEM)."""

import io

import pytest
from django.core.management import CommandError, call_command

from accounts.models import ApiToken, RoleGrant
from core import testing as t


def test_grant_role_with_organisation_number(org_a):
    user = t.UserFactory(username="kari")
    call_command("grant_role", "kari", "org_contact", "--organisation", org_a.number,
                 stdout=io.StringIO())
    grant = RoleGrant.objects.get(user=user)
    assert grant.organisation == org_a
    assert grant.history.get().history_user is None  # the operator


def test_grant_role_body_and_admin(body_x):
    user = t.UserFactory(username="ola")
    call_command("grant_role", "ola", "body_secretary", "--body", body_x.slug,
                 stdout=io.StringIO())
    call_command("grant_role", "ola", "admin", stdout=io.StringIO())
    assert set(RoleGrant.objects.filter(user=user).values_list("role", flat=True)) == {
        "body_secretary", "admin"}


@pytest.mark.parametrize("args", [
    ["nobody", "admin"],
    ["kari", "org_contact"],  # scope missing
    ["kari", "admin", "--body", "no-such-body"],
])
def test_grant_role_refuses(db, args):
    t.UserFactory(username="kari")
    with pytest.raises(CommandError):
        call_command("grant_role", *args, stdout=io.StringIO())
    assert not RoleGrant.objects.exists()


def test_create_api_token_prints_a_working_key(db):
    user = t.UserFactory(username="kari")
    out = io.StringIO()
    call_command("create_api_token", "kari", "Saksystem", stdout=out, stderr=io.StringIO())
    key = out.getvalue().strip()
    assert ApiToken.objects.authenticate(key).user == user


def test_create_api_token_unknown_user(db):
    with pytest.raises(CommandError):
        call_command("create_api_token", "nobody", "x", stdout=io.StringIO())
