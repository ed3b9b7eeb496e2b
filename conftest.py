"""Fixtures shared by every app's tests: the actors of the permission matrix."""

import os

import pytest

os.environ.setdefault("SAMSTYRING_ENV", "test")

from core import testing as t  # noqa: E402


@pytest.fixture
def org_a(db):
    return t.OrganisationFactory(name="Kommune A")


@pytest.fixture
def org_b(db):
    return t.OrganisationFactory(name="Kommune B")


@pytest.fixture
def body_x(db):
    return t.BodyFactory(name="Organ X")


@pytest.fixture
def body_y(db):
    return t.BodyFactory(name="Organ Y")


@pytest.fixture
def admin_user(db):
    return t.user_with_role(t.Role.ADMIN)


@pytest.fixture
def contact_a(org_a):
    """Organisation contact of organisation A."""
    return t.user_with_role(t.Role.ORG_CONTACT, organisation=org_a)


@pytest.fixture
def secretary_x(body_x):
    """Body secretary of body X."""
    return t.user_with_role(t.Role.BODY_SECRETARY, body=body_x)
