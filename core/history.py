"""The change log of an object, as (who, when, what changed before → after), from simple-history.

Private fields (personal contact details) are left out unless the caller may see them.
Bounded queries: one for the history rows (with their users) and one per many-to-many field,
whatever the number of changes (simple-history's own m2m diff queries twice per record).
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
    records = list(
        obj.history.select_related("history_user")
        .order_by("-history_date", "-history_id")[: limit + 1]
    )
    model = type(obj)
    m2m = _m2m_rows(obj.history.model, records)
    entries = []
    for index, record in enumerate(records[:limit]):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if previous is not None and record.history_type == "~":
            delta = record.diff_against(previous, excluded_fields=list(m2m),
                                        foreign_keys_are_objs=False)
            for change in delta.changes:
                if change.field in PRIVATE_FIELDS and not show_private:
                    continue
                changes.append(_field_change(model, change.field, change.old, change.new))
            for name, rows in m2m.items():
                old, new = rows.get(previous.pk, []), rows.get(record.pk, [])
                if old != new:
                    changes.append(_field_change(model, name, old, new))
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


def _m2m_rows(history_model, records) -> dict[str, dict[int, list[dict]]]:
    """For each tracked many-to-many field: history id -> the rows it held, in one query each.

    Rows have simple-history's diff shape (a dict of the through model's fields), sorted.
    """
    result: dict[str, dict[int, list[dict]]] = {}
    ids = [record.pk for record in records]
    if not ids:
        return result
    for m2m_field in getattr(history_model, "_history_m2m_fields", []):
        through = getattr(records[0], m2m_field.name).model  # a manager: no query
        names = [f.name for f in through._meta.fields
                 if f.editable and f.name not in {"id", "m2m_history_id", "history"}]
        per_record: dict[int, list[dict]] = {}
        for row in through.objects.filter(history_id__in=ids).values("history_id", *names):
            per_record.setdefault(row.pop("history_id"), []).append(row)
        for rows in per_record.values():
            rows.sort(key=lambda r: tuple(str(v) for v in r.values()))
        result[m2m_field.name] = per_record
    return result


def _field_change(model, name: str, old, new) -> FieldChange:
    try:
        label = str(model._meta.get_field(name).verbose_name)
    except Exception:  # m2m fields and removed fields
        label = name
    return FieldChange(field=name, label=label, old=old, new=new)
