"""Every write to accounts: role grants and API tokens.

Invariants: only holders of ``accounts.grant_role`` grant roles (never oneself through a form
field); an API token is created and revoked by its owner alone (or the operator, SYSTEM), and its
plain key exists only in the return value of ``api_token_create``.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.access import SYSTEM, require
from core.services import assign, history_save

from .models import ApiToken, Role, RoleGrant, User


@transaction.atomic
def role_grant_create(*, actor, user: User, role: str, organisation=None, body=None,
                      valid_from: datetime.date | None = None,
                      valid_to: datetime.date | None = None) -> RoleGrant:
    """Grant ``role`` to ``user`` in a scope. The database refuses a scope that mismatches."""
    require(actor, "accounts.grant_role")
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role %(role)s.") % {"role": role}})
    grant = RoleGrant(user=user, role=role, organisation=organisation, body=body,
                      valid_from=valid_from, valid_to=valid_to)
    return history_save(grant, actor=actor, reason="granted")


@transaction.atomic
def role_grant_update(*, actor, grant: RoleGrant, data: dict) -> RoleGrant:
    """Change a grant's period (ending it is setting ``valid_to``); role and scope never change."""
    require(actor, "accounts.grant_role")
    if assign(grant, data, {"valid_from", "valid_to"}):
        history_save(grant, actor=actor, reason="updated")
    return grant


def _require_owner(actor, user: User) -> None:
    if actor is SYSTEM:
        return
    if not getattr(actor, "is_authenticated", False) or not actor.is_active or actor.pk != user.pk:
        raise PermissionDenied("only the owner manages their API tokens")


@transaction.atomic
def api_token_create(*, actor, user: User, name: str,
                     expires_at: datetime.datetime | None = None) -> tuple[ApiToken, str]:
    """Issue a token for ``user``; returns the token and its plain key, shown once."""
    _require_owner(actor, user)
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name.")})
    if not user.is_active:
        raise ValidationError(_("An inactive user cannot have API tokens."))
    return ApiToken.issue(user=user, name=name, expires_at=expires_at)


@transaction.atomic
def api_token_revoke(*, actor, token: ApiToken) -> ApiToken:
    """Revoke ``token`` (idempotent: revoking a revoked token changes nothing)."""
    _require_owner(actor, token.user)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
