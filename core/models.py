"""Abstract bases shared by every app."""

import datetime
import unicodedata

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def valid_on_q(on: datetime.date | None = None, prefix: str = "") -> Q:
    """The one definition of "valid on a date" (both ends inclusive, open ends allowed), also
    for related rows: ``valid_on_q(prefix="memberships__")`` inside an annotation's filter."""
    on = on or timezone.localdate()
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": on})) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": on}))


class ValidityQuerySet(models.QuerySet):
    """Business time: rows valid on a date (valid_from <= date <= valid_to, open ends allowed)."""

    def valid_on(self, on: datetime.date | None = None):
        return self.filter(valid_on_q(on))

    def current(self):
        return self.valid_on(timezone.localdate())


class ValidityPeriod(models.Model):
    """A validity period in business time. Both ends are inclusive, as people read a term
    ("2024-01-01 to 2027-12-31"); an empty end means open-ended."""

    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    objects = ValidityQuerySet.as_manager()

    class Meta:
        abstract = True

    def is_valid_on(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_to is None or self.valid_to >= on
        )

    @property
    def is_current(self) -> bool:
        return self.is_valid_on()


def validity_check(name: str) -> models.CheckConstraint:
    """The database rule every validity period obeys: it does not end before it starts."""
    return models.CheckConstraint(
        condition=(Q(valid_from__isnull=True) | Q(valid_to__isnull=True)
                   | Q(valid_to__gte=models.F("valid_from"))),
        name=name,
    )


def has_control_characters(value: str) -> bool:
    """Category Cc (C0 controls, DEL, C1 controls) other than tab and line breaks."""
    return any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in value)


class PlainTextModel(models.Model):
    """Text fields hold no control characters but tab and line breaks: they have no meaning in
    a title or a text, and XML (Atom feeds) cannot carry them. Checked in ``clean_fields``, so
    every service's ``full_clean`` refuses them with the field's name."""

    class Meta:
        abstract = True

    def clean_fields(self, exclude=None):
        errors = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for field in self._meta.concrete_fields:
            if exclude and field.name in exclude or field.name in errors:
                continue
            value = getattr(self, field.attname)
            if isinstance(field, (models.CharField, models.TextField)) \
                    and isinstance(value, str) and has_control_characters(value):
                errors[field.name] = [_("Contains control characters.")]
        if errors:
            raise ValidationError(errors)
