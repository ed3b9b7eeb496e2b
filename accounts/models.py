"""Users, their role grants and API tokens."""

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import ValidityPeriod, validity_check


class User(AbstractUser):
    """A login. A user acts for organisations and bodies only through role grants; ``person``
    is the register's person this login belongs to (a representative sees their own
    appointments and files their reports through it)."""

    person = models.OneToOneField("register.Person", verbose_name=_("person in the register"),
                                  on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="user")

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator (KS secretariat)")
    BODY_SECRETARY = "body_secretary", _("Body secretary")
    ORG_CONTACT = "org_contact", _("Organisation contact")


class RoleGrant(ValidityPeriod):
    """A role held by a user within a scope, for a period.

    Invariants (database): an administrator grant has no scope; a body secretary grant names
    exactly a body; an organisation contact grant names exactly an organisation.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    organisation = models.ForeignKey("register.Organisation", on_delete=models.CASCADE,
                                     null=True, blank=True, related_name="role_grants")
    body = models.ForeignKey("structure.Body", on_delete=models.CASCADE, null=True, blank=True,
                             related_name="role_grants")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [
            models.CheckConstraint(
                name="rolegrant_scope_matches_role",
                condition=(
                    Q(role="admin", organisation__isnull=True, body__isnull=True)
                    | Q(role="body_secretary", organisation__isnull=True, body__isnull=False)
                    | Q(role="org_contact", organisation__isnull=False, body__isnull=True)
                ),
            ),
            validity_check("rolegrant_valid_period"),
        ]

    def __str__(self):
        scope = self.organisation or self.body or _("global")
        return f"{self.user} – {self.get_role_display()} ({scope})"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def authenticate(self, key: str):
        token = (
            self.select_related("user")
            .filter(key_hash=_hash(key), revoked_at__isnull=True, user__is_active=True)
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
            .first()
        )
        if token:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return token


class ApiToken(models.Model):
    """A bearer token for the API. Only a SHA-256 hash of the key is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=8, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, *, user: User, name: str, expires_at=None) -> tuple["ApiToken", str]:
        """Create a token; the plain key is returned once and never stored."""
        key = secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, key_hash=_hash(key), prefix=key[:8],
                                   expires_at=expires_at)
        return token, key
