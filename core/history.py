"""The change log of an object, as (who, when, what changed before → after), from simple-history.

Private fields (personal contact details) are left out unless the caller may see them.
Bounded queries: one for the history rows (with their users), whatever the number of changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

PRIVATE_FIELDS = {"email", "phone"}
TYPE_LABELS = {"+": _("Created"), "~": _("Changed"), "-": _("Deleted")}


@dataclass
class FieldChange:
    field: str
    label: str
    old: object
    new: object


@dataclass
class ChangeEntry:
    when: object
    who: str
    type: str
    type_label: str
    reason: str
    changes: list[FieldChange] = field(default_factory=list)


def _user_label(record) -> str:
    user = record.history_user
    return user.get_username() if user else str(_("system"))


def change_log(obj, *, show_private: bool = False, limit: int = 200) -> list[ChangeEntry]:
    """Newest first. ``limit`` bounds the page; the API pages through with offsets."""
    records = list(obj.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    model = type(obj)
    entries = []
    for index, record in enumerate(records[:limit]):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if previous is not None and record.history_type == "~":
            delta = record.diff_against(previous, foreign_keys_are_objs=False)
            for change in delta.changes:
                if change.field in PRIVATE_FIELDS and not show_private:
                    continue
                changes.append(_field_change(model, change.field, change.old, change.new))
        elif record.history_type == "+":
            for f in model._meta.concrete_fields:
                if f.name in {"id"} or (f.name in PRIVATE_FIELDS and not show_private):
                    continue
                value = getattr(record, f.attname, None)
                if value not in (None, ""):
                    changes.append(_field_change(model, f.name, None, value))
        entries.append(ChangeEntry(
            when=record.history_date, who=_user_label(record), type=record.history_type,
            type_label=TYPE_LABELS.get(record.history_type, record.history_type),
            reason=record.history_change_reason or "", changes=changes,
        ))
    return entries


def _field_change(model, name: str, old, new) -> FieldChange:
    try:
        label = str(model._meta.get_field(name).verbose_name)
    except Exception:  # m2m fields and removed fields
        label = name
    return FieldChange(field=name, label=label, old=old, new=new)
