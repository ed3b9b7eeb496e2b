"""Helpers every service uses: saving with history, and validating a model before writing."""

from django.core.exceptions import ValidationError
from django.db import models


def history_save(obj: models.Model, *, actor, reason: str = "") -> models.Model:
    """Validate and save ``obj``, recording ``actor`` and ``reason`` in its history."""
    obj.full_clean()
    obj._history_user = actor if getattr(actor, "is_authenticated", False) else None
    obj._change_reason = reason[:100]
    obj.save()
    return obj


def history_delete(obj: models.Model, *, actor, reason: str = "") -> None:
    obj._history_user = actor if getattr(actor, "is_authenticated", False) else None
    obj._change_reason = reason[:100]
    obj.delete()


def assign(obj: models.Model, data: dict, allowed: set[str]) -> set[str]:
    """Copy allowed fields from ``data`` onto ``obj``; return the names that changed.

    Anything outside ``allowed`` (role, owner, organisation, is_staff…) is refused, so no caller
    can mass-assign a field it was not meant to set.
    """
    extra = set(data) - allowed
    if extra:
        raise ValidationError({name: "This field cannot be set here." for name in sorted(extra)})
    changed = set()
    for name, value in data.items():
        if getattr(obj, name, None) != value:
            setattr(obj, name, value)
            changed.add(name)
    return changed
