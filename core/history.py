"""The change log of an object and the records that belong to it, from simple-history.

An object's log includes its own history and that of its child records (a body's seats and
memberships, a network's memberships, an organisation's affiliations and network memberships,
a person's affiliations), so every create, update and delete shows on the page of the object
it concerns. Each entry says who, when, what (field before → after) and, for child records,
which record (``subject``).

Privacy: contact details (e-mail, phone) are left out unless ``show_private``; the acting
user's name is shown only with ``show_actors`` (administrators); the public sees "user" or
"system", since usernames may identify people.

Bounded work: per source one query for the newest rows (each with the id of its object's
previous version), one for those previous versions, one per many-to-many field and one for
subject names, whatever the number of changes; only the rows shown are loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _

PRIVATE_FIELDS = {"email", "phone"}
TYPE_LABELS = {"+": _("Created"), "~": _("Changed"), "-": _("Deleted")}
SKIPPED_FIELDS = {"id"}


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
    model: type[models.Model] | None = None
    subject: str = ""  # empty for the object itself; the child record's name otherwise
    object_id: int | None = None
    history_id: int = 0
    source: int = 0  # index of the entry's source in sources_for(): breaks ties in time

    @property
    def model_label(self) -> str:
        return str(self.model._meta.verbose_name) if self.model else ""

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.when, self.source, self.history_id)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Cursor:
    """A position in a change log, for paging by key: entries are ordered newest first by
    (time, source, history id), a total order even when a bulk write gives many rows one time.

    As a URL parameter it is ``<microseconds since 1970>.<source>.<history id>``.
    """

    when: datetime
    source: int
    history_id: int

    def token(self) -> str:
        micros = (self.when - _EPOCH) // timedelta(microseconds=1)
        return f"{micros}.{self.source}.{self.history_id}"

    @classmethod
    def parse(cls, token: str) -> Cursor:
        """The cursor a token names; ValueError for anything else."""
        parts = token.split(".")
        if len(parts) != 3 or not all(p.isascii() and p.isdigit() for p in parts):
            raise ValueError(token)
        micros, source, history_id = (int(p) for p in parts)
        try:
            when = _EPOCH + timedelta(microseconds=micros)
        except OverflowError as error:
            raise ValueError(token) from error
        return cls(when, source, history_id)

    def older_q(self, source: int) -> Q:
        """The rows of source number ``source`` that come after this cursor, newest first."""
        if source < self.source:
            return Q(history_date__lte=self.when)
        if source == self.source:
            return Q(history_date__lt=self.when) | Q(history_date=self.when,
                                                     history_id__lt=self.history_id)
        return Q(history_date__lt=self.when)


@dataclass
class Source:
    """History rows of one model that belong in a log, and how to name each child record."""

    records: models.QuerySet
    subject: Callable[[list], dict[int, str]] | None = None


def change_log(obj, *, show_private: bool = False, show_actors: bool = False,
               limit: int = 200, after: Cursor | None = None) -> list[ChangeEntry]:
    """Newest first, at most ``limit`` entries, over ``obj`` and its child records; with
    ``after``, the entries that follow that position (the next page)."""
    entries = []
    for index, source in enumerate(sources_for(obj)):
        records = source.records if after is None else source.records.filter(after.older_q(index))
        entries += _entries(Source(records, source.subject), show_private=show_private,
                            show_actors=show_actors, limit=limit, index=index)
    entries.sort(key=lambda e: (e.when, e.source, e.history_id), reverse=True)
    return entries[:limit]


def change_count(obj) -> int:
    return sum(source.records.count() for source in sources_for(obj))


def sources_for(obj) -> list[Source]:
    from register.models import Affiliation, Network, NetworkMembership, Organisation, Person
    from structure.models import Body, Membership, Seat

    own = Source(obj.history.all())
    if isinstance(obj, Body):
        seat_ids = Seat.history.filter(body_id=obj.pk).values("id")
        return [own, Source(Seat.history.filter(body_id=obj.pk), _seat_names),
                Source(Membership.history.filter(seat_id__in=seat_ids), _membership_names)]
    if isinstance(obj, Network):
        return [own, Source(NetworkMembership.history.filter(network_id=obj.pk),
                            _names_of("organisation", Organisation))]
    if isinstance(obj, Organisation):
        return [own,
                Source(Affiliation.history.filter(organisation_id=obj.pk),
                       _names_of("person", Person)),
                Source(NetworkMembership.history.filter(organisation_id=obj.pk),
                       _names_of("network", Network))]
    if isinstance(obj, Person):
        return [own, Source(Affiliation.history.filter(person_id=obj.pk),
                            _names_of("organisation", Organisation))]
    return [own]


def _entries(source: Source, *, show_private: bool, show_actors: bool,
             limit: int, index: int = 0) -> list[ChangeEntry]:
    """The newest ``limit`` records of a source, each diffed against its object's previous
    version: two queries (records with the id of their previous version; those versions)."""
    history_model = source.records.model
    model = history_model.instance_type
    before = history_model.objects.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
    records = list(
        source.records.select_related("history_user")
        .annotate(previous_id=Subquery(before.order_by("-history_id").values("history_id")[:1]))
        .order_by("-history_date", "-history_id")[:limit]
    )
    wanted = [r.previous_id for r in records if r.history_type == "~" and r.previous_id]
    previous = history_model.objects.in_bulk(wanted) if wanted else {}
    m2m = _m2m_rows(history_model, records + list(previous.values()))
    subjects = source.subject(records) if source.subject and records else {}
    entries = []
    for record in records:
        changes = _changes(model, record, previous.get(record.previous_id), m2m, show_private)
        entries.append(ChangeEntry(
            when=record.history_date, who=_actor(record, show_actors), type=record.history_type,
            type_label=TYPE_LABELS.get(record.history_type, record.history_type),
            reason=record.history_change_reason or "", changes=changes, model=model,
            subject=subjects.get(record.pk, "") if source.subject else "", object_id=record.id,
            history_id=record.pk, source=index,
        ))
    return entries


def _changes(model, record, previous, m2m, show_private: bool) -> list[FieldChange]:
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
            if f.name in SKIPPED_FIELDS or (f.name in PRIVATE_FIELDS and not show_private):
                continue
            value = getattr(record, f.attname, None)
            if value not in (None, ""):
                changes.append(_field_change(model, f.name, None, value))
    return changes


def _actor(record, show_actors: bool) -> str:
    user = record.history_user
    if user is None:
        return str(_("system"))
    return user.get_username() if show_actors else str(_("user"))


def _names_of(fk: str, target) -> Callable[[list], dict[int, str]]:
    """Name each child record by the row its ``fk`` points at (one query)."""

    def names(records) -> dict[int, str]:
        rows = target._default_manager.in_bulk({getattr(r, f"{fk}_id") for r in records})
        return {r.pk: str(rows.get(getattr(r, f"{fk}_id"), f"#{getattr(r, f'{fk}_id')}"))
                for r in records}

    return names


def _seat_names(records) -> dict[int, str]:
    from structure.models import SeatRole

    labels = dict(SeatRole.choices)
    return {r.pk: str(labels.get(r.role, r.role)) + (f" ({r.constituency})" if r.constituency
                                                      else "") for r in records}


def _membership_names(records) -> dict[int, str]:
    from register.models import Person

    people = Person.objects.in_bulk({r.person_id for r in records})
    return {r.pk: str(people.get(r.person_id, f"#{r.person_id}")) for r in records}


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
