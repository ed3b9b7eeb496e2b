"""Every write to the register. Views, API, commands and tasks call these functions alone."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.access import require
from core.services import assign, history_delete, history_save

from . import importers
from .importers import ImportRejected, RowError
from .models import (
    Affiliation,
    County,
    Network,
    NetworkMembership,
    Organisation,
    OrganisationKind,
    Person,
)

NUMBER_DIGITS = {OrganisationKind.MUNICIPALITY: 4, OrganisationKind.COUNTY_MUNICIPALITY: 2}


@dataclass
class ImportResult:
    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def changes(self) -> int:
        return self.created + self.updated


def register_import(*, actor, data: bytes, source: str, dry_run: bool = False) -> ImportResult:
    """Import one register CSV file all-or-nothing.

    Rows are keyed on the official identifier (county number; kind + number + valid from for
    organisations; slug for networks). A re-run of the same file changes nothing and writes no
    history. Any error rejects the whole file with line, column and reason (ImportRejected).
    ``actor`` must hold register.import (core.access.SYSTEM at the command line).
    """
    require(actor, "register.import")
    parsed = importers.read_csv(data)
    rows = importers.clean_rows(parsed)
    result = ImportResult(kind=parsed.kind, dry_run=dry_run)
    apply = {"counties": _apply_county, "organisations": _apply_organisation,
             "networks": _apply_network}[parsed.kind]
    reason = f"import {source}"[:100]
    try:
        with transaction.atomic():
            seen: dict = {}
            for line, row in rows:
                try:
                    outcome = apply(row, line=line, seen=seen, actor=actor, reason=reason)
                except ValidationError as exc:
                    for column, messages in _error_items(exc):
                        parsed.errors.append(RowError(line, column, " ".join(messages)))
                    continue
                setattr(result, outcome, getattr(result, outcome) + 1)
            if parsed.kind == "organisations" and not parsed.errors:
                _link_predecessors(seen.get("_links", []), parsed, result, actor=actor)
            if parsed.errors:
                raise ImportRejected(sorted(parsed.errors, key=lambda e: (e.line, e.column)))
            if dry_run:
                transaction.set_rollback(True)
    except ImportRejected:
        raise
    return result


def _error_items(exc: ValidationError):
    if hasattr(exc, "error_dict"):
        return [(col if col != "__all__" else "", msgs) for col, msgs in exc.message_dict.items()]
    return [("", exc.messages)]


def _update_or_create(model, lookup: dict, values: dict, *, actor, reason: str) -> tuple:
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        history_save(obj, actor=actor, reason=reason)
        return obj, "created"
    changed = assign(obj, values, set(values))
    if not changed:
        return obj, "unchanged"
    history_save(obj, actor=actor, reason=reason)
    return obj, "updated"


def _duplicate(seen: dict, key, line: int, column: str):
    if key in seen:
        raise ValidationError({column: _("Duplicate of line %(line)s.") % {"line": seen[key]}})
    seen[key] = line


def _apply_county(row: dict, *, line, seen, actor, reason) -> str:
    if not (len(row["number"]) == 2 and row["number"].isdigit()):
        raise ValidationError({"number": _("A county number has two digits.")})
    _duplicate(seen, row["number"], line, "number")
    values = {k: v for k, v in row.items() if k != "number"}
    return _update_or_create(County, {"number": row["number"]}, values,
                             actor=actor, reason=reason)[1]


def _apply_organisation(row: dict, *, line, seen, actor, reason) -> str:
    kind, number = row["kind"], row["number"]
    digits = NUMBER_DIGITS.get(kind)
    if digits and not (len(number) == digits and number.isdigit()):
        raise ValidationError({"number": _("A %(kind)s number has %(n)s digits.")
                               % {"kind": OrganisationKind(kind).label.lower(), "n": digits}})
    county = None
    if row["county"]:
        county = County.objects.filter(number=row["county"]).first()
        if county is None:
            raise ValidationError(
                {"county": _("No county with number %(n)s.") % {"n": row["county"]}})
    if row["org_number"]:
        _duplicate(seen, ("org", kind, row["org_number"]), line, "org_number")
    values = {k: v for k, v in row.items()
              if k not in {"kind", "number", "county", "valid_from", "predecessors"}}
    values["county"] = county
    if number:
        _duplicate(seen, (kind, number, row["valid_from"]), line, "number")
        lookup = {"kind": kind, "number": number, "valid_from": row["valid_from"]}
        if row["valid_from"] and not Organisation.objects.filter(**lookup).exists():
            undated = Organisation.objects.filter(kind=kind, number=number,
                                                  valid_from__isnull=True).first()
            if undated:  # the file now knows when an open-ended row began
                lookup = {"pk": undated.pk}
                values["valid_from"] = row["valid_from"]
    elif row["org_number"]:
        lookup = {"kind": kind, "org_number": row["org_number"]}
        values.pop("org_number")
        values["valid_from"] = row["valid_from"]
    else:  # neither identifier is known (e.g. KS itself in the shipped register): the name
        _duplicate(seen, (kind, row["name"]), line, "name")
        lookup = {"kind": kind, "number": "", "org_number": "", "name": row["name"]}
        values = {k: v for k, v in values.items() if k not in {"name", "org_number"}}
        values["valid_from"] = row["valid_from"]
    if row["org_number"]:  # held by another row already: say so in the org_number column
        holder = Organisation.objects.filter(kind=kind, org_number=row["org_number"]).first()
        if holder and any(getattr(holder, k) != v for k, v in lookup.items()):
            raise ValidationError({"org_number": _("Already the organisation number of "
                                                   "%(org)s.") % {"org": holder}})
    obj, outcome = _update_or_create(Organisation, lookup, values, actor=actor, reason=reason)
    seen.setdefault("_links", []).append((line, obj, row["predecessors"], outcome))
    return outcome


def _link_predecessors(links: list, parsed, result: ImportResult, *, actor) -> None:
    """Second pass: set each organisation's predecessors (merger, split, re-establishment).

    A predecessor is named by its number (same kind); when a number was used by several
    organisations over time, the one that ended before this one began is meant.
    """
    links = [link for link in links if link[2] is not None]  # None: the file has no such column
    current: dict[int, set] = {}  # the links stored now, in one query
    through = Organisation.predecessors.through.objects.filter(
        from_organisation__in=[obj for _, obj, _, _ in links])
    for from_id, to_id in through.values_list("from_organisation_id", "to_organisation_id"):
        current.setdefault(from_id, set()).add(to_id)
    for line, obj, numbers, outcome in links:
        wanted = set()
        for number in numbers:
            candidates = Organisation.objects.filter(kind=obj.kind, number=number)
            candidates = candidates.exclude(pk=obj.pk)
            if obj.valid_from:
                candidates = candidates.filter(valid_to__lt=obj.valid_from)
            found = list(candidates[:2])
            if len(found) != 1:
                parsed.errors.append(RowError(line, "predecessors", (
                    _("No earlier organisation with number %(n)s.") if not found else
                    _("Number %(n)s names several earlier organisations.")) % {"n": number}))
                continue
            wanted.add(found[0])
        if current.get(obj.pk, set()) != {o.pk for o in wanted} and not parsed.errors:
            obj._history_user = actor if getattr(actor, "is_authenticated", False) else None
            obj.predecessors.set(wanted)
            if outcome == "unchanged":
                result.unchanged -= 1
                result.updated += 1


def _apply_network(row: dict, *, line, seen, actor, reason) -> str:
    _duplicate(seen, row["slug"], line, "slug")
    counties = list(County.objects.filter(number__in=row["counties"]))
    missing = set(row["counties"]) - {c.number for c in counties}
    if missing:
        raise ValidationError(
            {"counties": _("Unknown county: %(n)s.") % {"n": ", ".join(sorted(missing))}})
    members = list(Organisation.objects.current().members().filter(number__in=row["members"]))
    missing = set(row["members"]) - {o.number for o in members}
    if missing:
        raise ValidationError({"members": _("Unknown organisation number: %(n)s.")
                               % {"n": ", ".join(sorted(missing))}})
    values = {
        "name": row["name"], "scope": row["scope"],
        "stated_member_count": row["stated_member_count"],
        "membership_certainty": row["certainty"], "source_url": row["source_url"],
        "source_date": row["source_date"], "note": row["note"],
    }
    network, outcome = _update_or_create(Network, {"slug": row["slug"]}, values,
                                         actor=actor, reason=reason)
    if set(network.counties.all()) != set(counties):
        network._history_user = actor if getattr(actor, "is_authenticated", False) else None
        network.counties.set(counties)
        outcome = "updated" if outcome == "unchanged" else outcome
    if _sync_network_members(network, members, actor=actor, reason=reason):
        outcome = "updated" if outcome == "unchanged" else outcome
    return outcome


def _sync_network_members(network: Network, members: list[Organisation], *, actor, reason) -> bool:
    """Make the current membership equal ``members``: add new ones, end those no longer listed.

    A first membership has an unknown start (empty valid_from); an organisation that comes
    back after its membership ended starts a new period today, next to the ended one.
    """
    today = timezone.localdate()  # the date current() uses
    current = {m.organisation_id: m for m in network.memberships.current()}
    earlier = set(network.memberships.values_list("organisation_id", flat=True))
    wanted = {o.pk: o for o in members}
    changed = False
    for org_id, org in wanted.items():
        if org_id not in current:
            history_save(NetworkMembership(network=network, organisation=org,
                                           valid_from=today if org_id in earlier else None),
                         actor=actor, reason=reason)
            changed = True
    for org_id, membership in current.items():
        if org_id not in wanted:
            membership.valid_to = today - datetime.timedelta(days=1)
            if membership.valid_from and membership.valid_from > membership.valid_to:
                history_delete(membership, actor=actor, reason=reason)
            else:
                history_save(membership, actor=actor, reason=reason)
            changed = True
    return changed


# People and affiliations: organisation contacts act on their own organisation's people.

PERSON_FIELDS = {"name", "email", "phone"}
AFFILIATION_FIELDS = {"title", "valid_from", "valid_to"}


@transaction.atomic
def person_create(*, actor, organisation: Organisation, data: dict, title: str = "",
                  valid_from: datetime.date | None = None) -> Person:
    """Create a person with an affiliation to ``organisation`` (the actor's scope)."""
    require(actor, "register.change_affiliation", organisation)
    person = Person()
    assign(person, data, PERSON_FIELDS)
    history_save(person, actor=actor, reason="created")
    affiliation = Affiliation(person=person, organisation=organisation, title=title,
                              valid_from=valid_from)
    history_save(affiliation, actor=actor, reason="created")
    return person


@transaction.atomic
def person_update(*, actor, person: Person, data: dict) -> Person:
    require(actor, "register.change_person", person)
    if assign(person, data, PERSON_FIELDS):
        history_save(person, actor=actor, reason="updated")
    return person


@transaction.atomic
def affiliation_create(*, actor, person: Person, organisation: Organisation,
                       data: dict) -> Affiliation:
    """Affiliate ``person`` with ``organisation``. The actor needs both the organisation and the
    person in scope: otherwise a contact of A could adopt B's people and edit their details."""
    require(actor, "register.change_affiliation", organisation)
    require(actor, "register.change_person", person)
    affiliation = Affiliation(person=person, organisation=organisation)
    assign(affiliation, data, AFFILIATION_FIELDS)
    return history_save(affiliation, actor=actor, reason="created")


@transaction.atomic
def affiliation_update(*, actor, affiliation: Affiliation, data: dict) -> Affiliation:
    require(actor, "register.change_affiliation", affiliation)
    if assign(affiliation, data, AFFILIATION_FIELDS):
        history_save(affiliation, actor=actor, reason="updated")
    return affiliation


@transaction.atomic
def affiliation_delete(*, actor, affiliation: Affiliation) -> None:
    require(actor, "register.change_affiliation", affiliation)
    history_delete(affiliation, actor=actor, reason="deleted")


ORGANISATION_FIELDS = {"name", "org_number", "population", "population_date", "website",
                       "valid_from", "valid_to", "source"}


@transaction.atomic
def organisation_update(*, actor, organisation: Organisation, data: dict) -> Organisation:
    """Administrators correct register data by hand; every change is in the history."""
    require(actor, "register.change_organisation")
    if assign(organisation, data, ORGANISATION_FIELDS):
        history_save(organisation, actor=actor, reason="updated")
    return organisation

