"""core.access: deny by default, scoped roles over time, scoped checks need an object."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from accounts.models import Role, RoleGrant
from core import access
from core import testing as t
from register.models import Affiliation, Person
from structure.models import Membership, Seat

TODAY = datetime.date.today()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def world(org_a, org_b, body_x, body_y):
    person_a = t.AffiliationFactory(organisation=org_a).person
    seat_x = t.SeatFactory(body=body_x)
    return {
        "org_a": org_a, "org_b": org_b, "person_a": person_a,
        "affiliation_a": person_a.affiliations.get(),
        "person_b": t.AffiliationFactory(organisation=org_b).person,
        "body_x": body_x, "seat_x": seat_x, "membership_x": t.MembershipFactory(seat=seat_x),
        "seat_y": t.SeatFactory(body=body_y),
    }


# --- the role grant's scope is a database rule ------------------------------------------


@pytest.mark.parametrize(("role", "scope"), [
    (Role.ADMIN, {"organisation": "A"}),
    (Role.ADMIN, {"body": "X"}),
    (Role.ORG_CONTACT, {}),
    (Role.ORG_CONTACT, {"body": "X"}),
    (Role.ORG_CONTACT, {"organisation": "A", "body": "X"}),
    (Role.BODY_SECRETARY, {}),
    (Role.BODY_SECRETARY, {"organisation": "A"}),
    ("owner", {}),
])
def test_role_grant_with_wrong_scope_violates_the_database_constraint(org_a, body_x, role,
                                                                       scope):
    user = t.UserFactory()
    objects = {"A": org_a, "X": body_x}
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(user=user, role=role,
                                 **{k: objects[v] for k, v in scope.items()})
    assert not RoleGrant.objects.filter(user=user).exists()


def test_role_grant_period_must_end_after_it_starts(admin_user):
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(user=admin_user, role=Role.ADMIN, valid_from=TODAY,
                                 valid_to=TODAY - DAY)


def test_role_names_agree_with_access():
    assert {Role.ADMIN, Role.BODY_SECRETARY, Role.ORG_CONTACT} == {
        access.ADMIN, access.BODY_SECRETARY, access.ORG_CONTACT}
    assert set(access.ROLE_PERMISSIONS) <= set(Role.values)


# --- scoped permissions need an object ---------------------------------------------------


@pytest.mark.parametrize("perm", sorted(access.SCOPE_OF))
@pytest.mark.parametrize("who", ["admin", "contact", "anonymous", "system"])
def test_scoped_permission_without_object_raises(admin_user, contact_a, perm, who):
    user = {"admin": admin_user, "contact": contact_a, "anonymous": AnonymousUser(),
            "system": access.SYSTEM}[who]
    with pytest.raises(TypeError):
        access.has_perm(user, perm)
    with pytest.raises(TypeError):
        access.require(user, perm)


@pytest.mark.parametrize("perm", sorted(access.SCOPE_OF))
def test_scoped_permission_on_an_object_of_the_wrong_kind_raises(contact_a, secretary_x, perm):
    body_scoped = access.SCOPE_OF[perm][0] == "body_id"
    wrong = t.PersonFactory() if body_scoped else t.SeatFactory()
    for user in (contact_a, secretary_x):
        with pytest.raises(TypeError):
            access.has_perm(user, perm, wrong)


def test_unknown_permission_raises(admin_user):
    with pytest.raises(ValueError):
        access.has_perm(admin_user, "register.delete_everything")


# --- the permission table ----------------------------------------------------------------

# (permission, object) -> who holds it; admin and the system hold every permission.
TABLE = [
    ("register.change_person", "person_a", {"contact_a"}),
    ("register.change_person", "person_b", set()),
    ("register.change_affiliation", "org_a", {"contact_a"}),
    ("register.change_affiliation", "affiliation_a", {"contact_a"}),
    ("register.change_affiliation", "org_b", set()),
    ("structure.change_seat", "body_x", {"secretary_x"}),
    ("structure.change_seat", "seat_x", {"secretary_x"}),
    ("structure.change_seat", "seat_y", set()),
    ("structure.change_membership", "membership_x", {"secretary_x"}),
    ("structure.change_membership", "seat_y", set()),
    ("register.change_organisation", None, set()),
    ("register.import", None, set()),
    ("structure.change_body", None, set()),
    ("accounts.grant_role", None, set()),
    ("history.view_private", None, set()),
]


@pytest.mark.parametrize(("perm", "obj", "holders"), TABLE)
def test_permission_table(world, admin_user, contact_a, secretary_x, perm, obj, holders):
    target = world[obj] if obj else None
    users = {"admin": admin_user, "system": access.SYSTEM, "contact_a": contact_a,
             "secretary_x": secretary_x, "anonymous": AnonymousUser()}
    for name, user in users.items():
        expected = name in holders | {"admin", "system"}
        assert access.has_perm(user, perm, target) is expected, name
        if not expected:
            with pytest.raises(PermissionDenied):
                access.require(user, perm, target)


def test_superuser_holds_every_permission(world):
    root = t.UserFactory(is_superuser=True)
    assert access.has_perm(root, "register.change_person", world["person_b"])
    assert access.has_perm(root, "accounts.grant_role")


# --- time and activity -------------------------------------------------------------------


@pytest.mark.parametrize(("valid_from", "valid_to", "holds"), [
    (None, None, True),
    (TODAY - 10 * DAY, TODAY + DAY, True),
    (TODAY, None, True),
    (TODAY, TODAY, True),  # both ends are inclusive: a one-day grant, today
    (TODAY - 10 * DAY, TODAY, True),  # ends today, still holds today
    (TODAY - 10 * DAY, TODAY - DAY, False),  # ended yesterday
    (TODAY + DAY, None, False),  # not yet started
])
def test_grants_count_only_within_their_period(world, valid_from, valid_to, holds):
    contact, admin = t.UserFactory(), t.UserFactory()
    t.grant(contact, Role.ORG_CONTACT, organisation=world["org_a"], valid_from=valid_from,
            valid_to=valid_to)
    t.grant(admin, Role.ADMIN, valid_from=valid_from, valid_to=valid_to)
    assert access.has_perm(contact, "register.change_person", world["person_a"]) is holds
    assert access.has_perm(admin, "register.change_organisation") is holds
    assert (access.scope_ids(contact, "register.change_person") == [world["org_a"].pk]) is holds


@pytest.mark.parametrize("who", ["admin", "contact_a", "secretary_x", "superuser"])
def test_inactive_users_hold_nothing(world, admin_user, contact_a, secretary_x, who):
    user = {"admin": admin_user, "contact_a": contact_a, "secretary_x": secretary_x,
            "superuser": t.UserFactory(is_superuser=True)}[who]
    user.is_active = False
    user.save()
    for perm, obj, _holders in TABLE:
        assert access.has_perm(user, perm, world[obj] if obj else None) is False
    assert access.scope_ids(user, "register.change_person") == []


def test_contact_loses_a_person_whose_affiliation_ended(world, contact_a):
    Affiliation.objects.filter(pk=world["affiliation_a"].pk).update(valid_to=TODAY - DAY)
    assert not access.has_perm(contact_a, "register.change_person", world["person_a"])


# --- scope_ids and grant_filter restrict querysets ---------------------------------------


def test_grant_filter_restricts_to_the_scope(world, admin_user, contact_a):
    people = Person.objects.filter(
        access.grant_filter(contact_a, "register.change_person", "affiliations__organisation"))
    assert list(people) == [world["person_a"]]
    everyone = Person.objects.filter(
        access.grant_filter(admin_user, "register.change_person", "affiliations__organisation"))
    assert set(everyone) == set(Person.objects.all())
    assert access.scope_ids(AnonymousUser(), "register.change_person") == []
    assert access.scope_ids(contact_a, "register.import") == []


def test_secretary_scope_is_the_body(world, secretary_x):
    seats = Seat.objects.filter(access.grant_filter(secretary_x, "structure.change_seat", "body"))
    assert list(seats) == [world["seat_x"]]
    memberships = Membership.objects.filter(
        access.grant_filter(secretary_x, "structure.change_membership", "seat__body"))
    assert list(memberships) == [world["membership_x"]]


def test_system_is_never_an_authenticated_user():
    assert access.SYSTEM.is_authenticated is False
    assert access.SYSTEM.pk is None
