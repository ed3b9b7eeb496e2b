"""Roles, named permissions and the one place they are checked.

Deny by default. ``require(actor, perm, obj)`` raises PermissionDenied; services call it before
they change anything. A scoped permission checked without an object raises ``TypeError``
(never silently skips the object restriction). ``visible_to`` restrictions live in selectors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q


class _System:
    """The operator at the command line (management commands, scheduled jobs): all permissions.

    Never available to a web request; history records it as no user ("system").
    """

    is_authenticated = False
    is_active = True
    is_superuser = False
    pk = None

    def __repr__(self):
        return "SYSTEM"


SYSTEM = _System()

ADMIN = "admin"
BODY_SECRETARY = "body_secretary"
ORG_CONTACT = "org_contact"

# Which roles hold which named permission. Administrators hold every permission.
ROLE_PERMISSIONS: dict[str, set[str]] = {
    BODY_SECRETARY: {"structure.change_seat", "structure.change_membership", "cases.manage"},
    ORG_CONTACT: {"register.change_person", "register.change_affiliation",
                  "representation.nominate", "cases.submit_input",
                  "solutions.update_adoption"},
}

GLOBAL_PERMISSIONS = {
    "register.change_organisation",
    "register.import",
    "structure.change_body",
    "accounts.grant_role",
    "history.view_private",
    "representation.manage",  # vacancies, rules, proposals, appointments, recorded gender
    "solutions.manage",  # the catalogue, benefit models, bulk import of adoption
}


def _organisations_of(obj: Any) -> set[int]:
    """The organisations an object belongs to, for organisation-scoped permissions."""
    from register.models import Affiliation, Organisation, Person

    if isinstance(obj, Organisation):
        return {obj.pk}
    if isinstance(obj, Affiliation):
        return {obj.organisation_id}
    if isinstance(obj, Person):
        return set(obj.affiliations.current().values_list("organisation_id", flat=True))
    from solutions.models import Adoption

    if isinstance(obj, Adoption):
        return {obj.organisation_id}
    raise TypeError(f"no organisation scope for {type(obj).__name__}")


def _bodies_of(obj: Any) -> set[int]:
    from cases.models import AgendaItem, AnchoringStep, Case, InputRound, Meeting
    from structure.models import Body, Membership, Seat

    if isinstance(obj, Body):
        return {obj.pk}
    if isinstance(obj, Seat):
        return {obj.body_id}
    if isinstance(obj, Membership):
        return {obj.seat.body_id}
    if isinstance(obj, Case):  # the owning body's secretary runs the case
        return {obj.owner_id}
    if isinstance(obj, AnchoringStep):  # ... and so does the secretary of the step's body
        return {obj.body_id, obj.case.owner_id}
    if isinstance(obj, InputRound):
        return _bodies_of(obj.step)
    if isinstance(obj, Meeting):
        return {obj.body_id}
    if isinstance(obj, AgendaItem):
        return {obj.meeting.body_id}
    raise TypeError(f"no body scope for {type(obj).__name__}")


SCOPE_OF: dict[str, tuple[str, Callable[[Any], set[int]]]] = {
    "register.change_person": ("organisation_id", _organisations_of),
    "register.change_affiliation": ("organisation_id", _organisations_of),
    "structure.change_seat": ("body_id", _bodies_of),
    "structure.change_membership": ("body_id", _bodies_of),
    "representation.nominate": ("organisation_id", _organisations_of),
    "cases.manage": ("body_id", _bodies_of),  # cases, paths, rounds, meetings, positions
    "cases.submit_input": ("organisation_id", _organisations_of),
    "solutions.update_adoption": ("organisation_id", _organisations_of),
}
KNOWN_PERMISSIONS = GLOBAL_PERMISSIONS | set(SCOPE_OF)


def active_grants(user):
    from accounts.models import RoleGrant

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return RoleGrant.objects.none()
    return RoleGrant.objects.current().filter(user=user)


def is_admin(user) -> bool:
    if user is SYSTEM:
        return True
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    cache = getattr(user, "_samstyring_is_admin", None)
    if cache is None:
        cache = active_grants(user).filter(role=ADMIN).exists()
        user._samstyring_is_admin = cache
    return cache


def _roles_with(perm: str) -> list[str]:
    return [role for role, perms in ROLE_PERMISSIONS.items() if perm in perms]


def has_perm(user, perm: str, obj: Any = None) -> bool:
    if perm not in KNOWN_PERMISSIONS:
        raise ValueError(f"unknown permission {perm!r}")
    if perm in SCOPE_OF and obj is None:
        raise TypeError(f"{perm} is scoped: it must be checked against an object")
    if is_admin(user):
        return True
    if perm in GLOBAL_PERMISSIONS:
        return False
    field, scope_of = SCOPE_OF[perm]
    scope_ids = scope_of(obj)
    if not scope_ids:
        return False
    return active_grants(user).filter(
        role__in=_roles_with(perm), **{f"{field}__in": scope_ids}
    ).exists()


def require(user, perm: str, obj: Any = None) -> None:
    """Raise PermissionDenied unless ``user`` holds ``perm`` (on ``obj`` when scoped)."""
    if not has_perm(user, perm, obj):
        raise PermissionDenied(f"{perm} not granted")


def scope_ids(user, perm: str) -> Iterable[int] | None:
    """Ids of the organisations/bodies where ``user`` holds ``perm``; None means everywhere."""
    if is_admin(user):
        return None
    if perm not in SCOPE_OF:
        return []
    field, _ = SCOPE_OF[perm]
    return list(
        active_grants(user).filter(role__in=_roles_with(perm)).values_list(field, flat=True)
    )


def grant_filter(user, perm: str, lookup: str) -> Q:
    """A Q restricting a queryset to objects where ``user`` holds ``perm``."""
    ids = scope_ids(user, perm)
    if ids is None:
        return Q()
    return Q(**{f"{lookup}__in": ids})
