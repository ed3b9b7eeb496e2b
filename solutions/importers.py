"""Bulk import of adoption: which member uses which common solution, in which status, from when.

One file (CSV or XLSX, recognised by its content) of rows ``organisation, solution, status,
valid_from`` and optional ``contact_email, contact_role, note`` (docs/import-format.md, "Adoption
of common solutions"). The rules of what a reported status may do are not here: every row goes
through ``services.plan_adoption``, the same function the single update uses.

Invariants: all or nothing (any error rejects the whole file, every error named by line and
column); a bounded number of queries whatever the number of rows (members, solutions, contacts
and the recorded periods are each read once); a second import of the same file writes nothing,
not even history.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import warnings
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.access import require
from register.importers import (
    MAX_FIELD_CHARS,
    MAX_FILE_BYTES,
    ImportRejected,
    RowError,
    check_text,
    decode,
    parse_date,
    parse_org_number,
)
from register.models import Affiliation, Organisation, OrganisationKind, Person

from .models import Adoption, AdoptionStatus, Solution
from .services import (
    AdoptionChange,
    AdoptionPlan,
    AdoptionRefused,
    check_adopter,
    plan_adoption,
)

COLUMNS = ["organisation", "solution", "status", "valid_from", "contact_email", "contact_role",
           "note"]
COLUMN_ORDER = {name: i for i, name in enumerate(COLUMNS)}
REQUIRED = ["organisation", "solution", "status", "valid_from"]
DETAILS = {"contact_email": "contact", "contact_role": "contact_role", "note": "note"}
TEXT_LIMITS = {"contact_email": 254, "contact_role": 200}
STATUS_WORDS = {code: code for code in AdoptionStatus.values} | {
    "ikke startet": AdoptionStatus.NOT_STARTED,
    "planlagt": AdoptionStatus.PLANNED,
    "under innføring": AdoptionStatus.IMPLEMENTING,
    "i produksjon": AdoptionStatus.PRODUCTION,
    "avviklet": AdoptionStatus.DISCONTINUED,
}
NUMBER_KINDS = {4: OrganisationKind.MUNICIPALITY, 2: OrganisationKind.COUNTY_MUNICIPALITY}
MAX_ROWS = 200_000
MAX_REPORTED_ERRORS = 1_000
XLSX_MAGIC = b"PK\x03\x04"
MAX_XLSX_EXPANDED = 200 * 1024 * 1024  # a full 200,000-row sheet is well under this
MAX_XLSX_LINES = 1_048_576  # a spreadsheet's last row: a sheet claiming more is hostile
MAX_XLSX_COLUMNS = 64  # cells further right are not read
BATCH_SIZE = 1_000
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
PERIOD_FIELDS = ["status", "valid_to", "contact", "contact_role", "note"]


@dataclass
class AdoptionImportResult:
    """What an import did (or, in a dry run, would do). ``rows``: data rows read; ``created``:
    new periods; ``closed``: recorded periods given an end; ``updated``: recorded periods whose
    status, contact or note changed; ``unchanged``: rows that changed nothing."""

    source: str
    rows: int = 0
    created: int = 0
    closed: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False

    @property
    def changes(self) -> int:
        return self.created + self.closed + self.updated


class AdoptionImportError(ImportRejected):
    """The file has errors; nothing was changed.

    ``errors``: the first MAX_REPORTED_ERRORS errors found, ordered by line and column (line 1
    is the header; line 0 means the file as a whole); ``total``: how many were found in all.
    """

    def __init__(self, errors: list[RowError], total: int | None = None):
        super().__init__(sorted(errors, key=lambda e: (e.line, COLUMN_ORDER.get(e.column, 99),
                                                       e.column)))
        self.total = max(total or 0, len(errors))

    @property
    def unreported(self) -> int:
        return self.total - len(self.errors)


class _Errors:
    """Collects errors, keeping the first MAX_REPORTED_ERRORS and counting the rest."""

    def __init__(self):
        self.kept: list[RowError] = []
        self.total = 0

    def add(self, line: int, column: str, message: str) -> None:
        self.total += 1
        if len(self.kept) < MAX_REPORTED_ERRORS:
            self.kept.append(RowError(line, column, message))

    def reject(self) -> AdoptionImportError:
        return AdoptionImportError(self.kept, self.total)


@dataclass
class _Row:
    line: int
    solution: Solution
    organisation: Organisation
    status: str
    valid_from: datetime.date
    details: dict


# --- the service -----------------------------------------------------------------------------

def adoption_import(*, actor, data: bytes, source: str,
                    dry_run: bool = False) -> AdoptionImportResult:
    """Import an adoption file all-or-nothing; ``AdoptionImportError`` lists every error.

    ``actor`` needs ``solutions.manage`` (core.access.SYSTEM at the command line). Rows of one
    organisation and solution are applied in date order after the recorded current period, by
    ``plan_adoption``; a row identical to a recorded earlier period is already there. An
    optional column the file leaves out keeps what is recorded. New and changed periods are
    written in one transaction with history (reason ``import <source>``); a dry run validates
    everything the same way and writes nothing.
    """
    require(actor, "solutions.manage")
    errors = _Errors()
    header, records = _read_table(data, errors)
    refs = _References.load(contacts="contact_email" in header)
    rows, count = _parse_rows(header, records, refs, errors)
    result = AdoptionImportResult(source=source, rows=count, dry_run=dry_run)
    try:
        with transaction.atomic():
            recorded = _recorded_periods(rows)
            changed, created = _plan(rows, recorded, set(header), errors, result)
            if errors.total:
                raise errors.reject()
            if not dry_run:
                _write(changed, created, actor=actor, reason=f"import {source}"[:100])
    except IntegrityError:  # a first period of a pair recorded by someone else meanwhile
        raise AdoptionImportError([RowError(0, "", _(
            "The adoption of these organisations was changed while the file was imported; "
            "nothing was changed. Import the file again."))]) from None
    return result


def _write(changed: list[Adoption], created: list[Adoption], *, actor, reason: str) -> None:
    """Updates first: a current period is closed before its successor (also open) is inserted,
    as the one-current-period constraint requires."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    if changed:
        bulk_update_with_history(changed, Adoption, PERIOD_FIELDS, batch_size=BATCH_SIZE,
                                 default_user=user, default_change_reason=reason)
    if created:
        bulk_create_with_history(created, Adoption, batch_size=BATCH_SIZE,
                                 default_user=user, default_change_reason=reason)


# --- reading the file ------------------------------------------------------------------------

def _read_table(data: bytes, errors: _Errors) -> tuple[list[str], Iterator[tuple[int, list]]]:
    """The header (column names) and the data lines (line number, cell values) of the file."""
    read = _xlsx_lines if data.startswith(XLSX_MAGIC) else _csv_lines
    lines = read(data, errors)
    first = next(lines, None)
    if errors.total:
        raise errors.reject()
    if first is None or all(_is_blank(v) for v in first[1]):
        raise AdoptionImportError([RowError(1, "", _("The file is empty."))])
    return _header(first[1]), lines


def _csv_lines(data: bytes, errors: _Errors) -> Iterator[tuple[int, list]]:
    try:
        text = decode(data)
    except ImportRejected as exc:
        raise AdoptionImportError(exc.errors) from None
    csv.field_size_limit(MAX_FIELD_CHARS + 1)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for values in reader:
            yield reader.line_num, values
    except csv.Error as exc:
        errors.add(reader.line_num, "", str(exc))


def _xlsx_lines(data: bytes, errors: _Errors) -> Iterator[tuple[int, list]]:
    """The first sheet's rows, cached values only (formulas are never evaluated)."""
    from openpyxl import load_workbook

    if len(data) > MAX_FILE_BYTES:
        raise AdoptionImportError([RowError(0, "", _("The file is larger than 20 MB."))])
    unreadable = AdoptionImportError([RowError(0, "", _(
        "The file looks like a zip archive but is not a readable XLSX workbook."))])
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise unreadable from None
    if expanded > MAX_XLSX_EXPANDED:  # a zip bomb: refuse before anything is inflated
        raise AdoptionImportError([RowError(0, "", _(
            "The workbook expands to more than %(n)s MB.") % {"n": MAX_XLSX_EXPANDED >> 20})])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles it does not know
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                sheet = workbook.worksheets[0]
                sheet.reset_dimensions()  # a stated size is not trusted: read the rows there are
                rows = sheet.iter_rows(max_col=MAX_XLSX_COLUMNS, values_only=True)
                for line, values in enumerate(rows, start=1):
                    if line > MAX_XLSX_LINES:
                        errors.add(line, "", _("The sheet has more rows than a spreadsheet "
                                               "can hold."))
                        return
                    yield line, list(values)
            finally:
                workbook.close()
    except AdoptionImportError:
        raise
    except Exception:  # openpyxl raises many kinds of exception on a damaged workbook
        raise unreadable from None


def _header(values: list) -> list[str]:
    names = [_text(v).lower() for v in values]
    while names and not names[-1]:
        names.pop()
    problems = []
    for index, name in enumerate(names):
        if name not in COLUMNS:
            problems.append(RowError(1, _printable(name[:40]) or f"#{index + 1}", _(
                "Unknown column; the columns are: %(columns)s.") % {
                "columns": ", ".join(COLUMNS)}))
        elif names.index(name) != index:
            problems.append(RowError(1, name, _("The column appears twice.")))
    problems += [RowError(1, name, _("This column is required.")) for name in REQUIRED
                 if name not in names]
    if problems:
        raise AdoptionImportError(problems)
    return names


def _printable(text: str) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in text)


# --- parsing and resolving rows --------------------------------------------------------------

@dataclass
class _References:
    """Everything rows refer to, read once: organisations (by organisation number and by
    municipality/county municipality number), solutions (by slug and name) and, when the file
    names contacts, the people affiliated with each organisation today (by e-mail)."""

    organisations: dict[tuple[str, str], list[Organisation]] = field(default_factory=dict)
    solutions: dict[str, Solution] = field(default_factory=dict)
    contacts: dict[tuple[int, str], list[Person]] = field(default_factory=dict)
    keys: dict[tuple[type, object], tuple[str, str]] = field(default_factory=dict)  # cells seen

    @classmethod
    def load(cls, *, contacts: bool) -> _References:
        refs = cls()
        for org in Organisation.objects.only("kind", "number", "org_number", "name",
                                             "valid_from", "valid_to"):
            if org.org_number:
                refs.organisations.setdefault(("org_number", org.org_number), []).append(org)
            if org.number:
                refs.organisations.setdefault((org.kind, org.number), []).append(org)
        solutions = list(Solution.objects.only("name", "slug"))
        refs.solutions = {s.name: s for s in solutions} | {s.slug: s for s in solutions}
        if contacts:
            affiliations = (Affiliation.objects.current().exclude(person__email="")
                            .select_related("person"))
            for affiliation in affiliations:
                key = (affiliation.organisation_id, affiliation.person.email.lower())
                people = refs.contacts.setdefault(key, [])
                if affiliation.person not in people:
                    people.append(affiliation.person)
        return refs


def _parse_rows(header: list[str], records, refs: _References,
                errors: _Errors) -> tuple[list[_Row], int]:
    rows, seen, count = [], {}, 0
    for line, values in records:
        if all(_is_blank(v) for v in values):
            continue
        count += 1
        if count > MAX_ROWS:
            limit = number_format(MAX_ROWS, 0, force_grouping=True)
            raise AdoptionImportError([RowError(line, "", _(
                "More than %(n)s rows; split the file.") % {"n": limit})])
        if not all(_is_blank(v) for v in values[len(header):]):
            errors.add(line, f"#{len(header) + 1}", _("A value in a column without a header."))
            continue
        raw = dict(zip(header, [*values, *[None] * (len(header) - len(values))], strict=False))
        row = _parse_row(line, raw, refs, errors)
        if row is None:
            continue
        key = (row.solution.pk, row.organisation.pk, row.valid_from)
        if key in seen:
            errors.add(line, "valid_from", _(
                "Line %(line)s already gives a status for this organisation and solution from "
                "this date.") % {"line": seen[key]})
            continue
        seen[key] = line
        rows.append(row)
    return rows, count


def _parse_row(line: int, raw: dict, refs: _References, errors: _Errors) -> _Row | None:
    """The row's values, resolved; None (and its errors collected) when any cell is wrong."""
    before = errors.total
    values = {}
    for column, parse in PARSERS.items():
        if column not in raw:
            continue
        try:
            if column in REQUIRED and _is_blank(raw[column]):
                raise ValidationError(_("A value is required."))
            values[column] = parse(raw[column], refs)
        except ValidationError as exc:
            errors.add(line, column, " ".join(exc.messages))
    organisation = _resolve_organisation(line, raw["organisation"], values.get("valid_from"),
                                         refs, errors)
    contact = None
    if organisation is not None and not _is_blank(raw.get("contact_email")):
        contact = _resolve_contact(line, raw["contact_email"], organisation, refs, errors)
    if errors.total > before:
        return None
    details = {"contact": contact, "contact_role": values.get("contact_role", ""),
               "note": values.get("note", "")}
    return _Row(line, values["solution"], organisation, values["status"],
                values["valid_from"], details)


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value, column: str = "") -> str:
    """A cell as text: strings stripped, whole numbers without ".0", dates as YYYY-MM-DD;
    checked for length and control characters when it is the value of ``column``."""
    if isinstance(value, str):
        text = value.strip()
    elif value is None:
        text = ""
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, datetime.datetime) and value.time() == datetime.time():
        text = value.date().isoformat()
    elif isinstance(value, datetime.date):
        text = value.isoformat()
    else:
        text = str(value)
    limit = TEXT_LIMITS.get(column, MAX_FIELD_CHARS)
    if not column or (text.isprintable() and len(text) <= limit):  # the common case, fast
        return text
    return check_text(text, limit)


def _parse_text(column: str):
    return lambda value, refs: _text(value, column)


def _parse_date(value, refs=None) -> datetime.date:
    if isinstance(value, datetime.datetime):
        if value.time() != datetime.time():
            raise ValidationError(_("A date without a time of day is expected."))
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value, "valid_from")
    if not isinstance(value, str) or not ISO_DATE.fullmatch(text):
        raise ValidationError(_("'%(value)s' is not a date (YYYY-MM-DD).") % {
            "value": text[:40]})
    return parse_date(text)


def _parse_status(value, refs=None) -> str:
    text = " ".join(_text(value, "status").split()).lower()
    if text not in STATUS_WORDS:
        raise ValidationError(_("'%(value)s' is not a status; use one of: %(known)s.") % {
            "value": text[:40], "known": ", ".join(STATUS_WORDS)})
    return STATUS_WORDS[text]


def _parse_solution(value, refs: _References) -> Solution:
    text = _text(value, "solution")
    if text not in refs.solutions:
        raise ValidationError(_("No solution in the catalogue has the slug or name "
                                "'%(value)s'.") % {"value": text[:80]})
    return refs.solutions[text]


def _organisation_key(value) -> tuple[str, str]:
    """("org_number", nine digits) or (member kind, its number). A number cell of a workbook
    has lost its leading zero (0301 Oslo reads 301): whole numbers are padded back."""
    text = _text(value, "organisation")
    if isinstance(value, (int, float)) and len(text) in (1, 3):
        text = text.zfill(len(text) + 1)
    compact = re.sub(r"\s", "", text)
    if re.fullmatch(r"[0-9]{9}", compact):
        return "org_number", parse_org_number(compact)
    if re.fullmatch(r"[0-9]{4}|[0-9]{2}", text):
        return NUMBER_KINDS[len(text)], text
    raise ValidationError(_(
        "'%(value)s' is not an organisation number (nine digits), a municipality number (four "
        "digits) or a county number (two digits).") % {"value": text[:40]})


PARSERS = {"solution": _parse_solution, "status": _parse_status, "valid_from": _parse_date,
           "contact_role": _parse_text("contact_role"), "note": _parse_text("note")}


def _resolve_organisation(line: int, value, on: datetime.date | None, refs: _References,
                          errors: _Errors) -> Organisation | None:
    """The one organisation the cell names that exists on the row's date, if it adopts."""
    try:
        if _is_blank(value):
            raise ValidationError(_("A value is required."))
        key = refs.keys.get((type(value), value))
        if key is None:
            key = refs.keys[type(value), value] = _organisation_key(value)
        candidates = refs.organisations.get(key, [])
        if not candidates:
            raise ValidationError(_("No organisation in the register has the number "
                                    "%(n)s.") % {"n": key[1]})
        if on is None:  # the date is wrong: reported in its own column
            return None
        valid = [org for org in candidates if org.is_valid_on(on)]
        if not valid:
            raise ValidationError(_("%(orgs)s did not exist on %(date)s.") % {
                "orgs": "; ".join(_described(org) for org in candidates[:3]),
                "date": on.isoformat()})
        if len(valid) > 1:  # Oslo: the municipality and the county municipality share one
            raise ValidationError(_(
                "%(n)s is the organisation number of %(orgs)s; give the municipality number "
                "(four digits) or the county number (two digits) instead.") % {
                "n": key[1], "orgs": ", ".join(str(org) for org in valid[:3])})
        check_adopter(valid[0])
        return valid[0]
    except ValidationError as exc:
        errors.add(line, "organisation", " ".join(exc.messages))
        return None


def _described(org: Organisation) -> str:
    """The organisation and its period, e.g. "1504 Ålesund (–2019-12-31)"."""
    start = org.valid_from.isoformat() if org.valid_from else ""
    end = org.valid_to.isoformat() if org.valid_to else ""
    return f"{org} ({start}–{end})"


def _resolve_contact(line: int, value, organisation: Organisation, refs: _References,
                     errors: _Errors) -> Person | None:
    try:
        email = _text(value, "contact_email").lower()
    except ValidationError as exc:
        errors.add(line, "contact_email", " ".join(exc.messages))
        return None
    people = refs.contacts.get((organisation.pk, email), [])
    if len(people) != 1:
        errors.add(line, "contact_email", (_(
            "No one with the e-mail address %(email)s is affiliated with %(org)s today.")
            if not people else _(
            "Several people with the e-mail address %(email)s are affiliated with %(org)s.")) % {
            "email": email[:80], "org": organisation})
        return None
    return people[0]


# --- planning: plan_adoption per row, in date order per (solution, organisation) -------------

def _recorded_periods(rows: list[_Row]) -> dict[tuple[int, int], list[Adoption]]:
    """Every recorded period of the file's (solution, organisation) pairs, locked, in one query."""
    if not rows:
        return {}
    periods = (Adoption.objects.select_for_update(of=("self",))
               .filter(solution_id__in={row.solution.pk for row in rows},
                       organisation_id__in={row.organisation.pk for row in rows})
               .select_related("contact").order_by("valid_from"))
    pairs = {(row.solution.pk, row.organisation.pk) for row in rows}
    recorded = defaultdict(list)
    for period in periods:
        key = (period.solution_id, period.organisation_id)
        if key in pairs:
            recorded[key].append(period)
    return recorded


def _state(period: Adoption) -> tuple:
    """(end, what the period says): a change of the first closes it, of the second updates it."""
    return period.valid_to, (period.status, period.contact_id, period.contact_role, period.note)


def _plan(rows: list[_Row], recorded: dict, columns: set[str], errors: _Errors,
          result: AdoptionImportResult) -> tuple[list[Adoption], list[Adoption]]:
    """The recorded periods that change and the new ones; counts go into ``result``."""
    today = timezone.localdate()
    by_pair = defaultdict(list)
    for row in rows:
        by_pair[(row.solution.pk, row.organisation.pk)].append(row)
    before = {p.pk: _state(p) for periods in recorded.values() for p in periods}
    touched, created, outcomes = {}, [], []
    for key, pair_rows in by_pair.items():
        for plan in _plan_pair(pair_rows, recorded.get(key, []), columns, today, errors):
            created += plan.create
            ids = set()
            for period in plan.close + plan.update:
                touched[period.pk] = period
                ids.add(period.pk)
            outcomes.append((bool(plan.create), ids))
    changed = [p for pk, p in touched.items() if _state(p) != before[pk]]
    changed_ids = {p.pk for p in changed}
    result.created = len(created)
    result.closed = sum(1 for p in changed if _state(p)[0] != before[p.pk][0])
    result.updated = sum(1 for p in changed if _state(p)[1] != before[p.pk][1])
    result.unchanged = sum(1 for made, ids in outcomes if not made and not ids & changed_ids)
    return changed, created


def _plan_pair(rows: list[_Row], periods: list[Adoption], columns: set[str],
               today: datetime.date, errors: _Errors):
    """Yield the plan of each accepted row of one pair, applied one at a time in date
    order (so a refusal names its own line); the plans are what one ``plan_adoption`` call
    with all the rows would give."""
    current = next((p for p in periods if p.valid_to is None), None)
    earlier = {p.valid_from: p for p in periods if p is not current}
    last_end = max((p.valid_to for p in earlier.values()), default=None)
    latest = current
    for row in sorted(rows, key=lambda r: r.valid_from):
        match = earlier.get(row.valid_from)
        if match is not None and _same(match, row, columns):
            yield AdoptionPlan(unchanged=1)  # already recorded, as an earlier period
            continue
        if latest is None and last_end is not None and row.valid_from <= last_end:
            errors.add(row.line, "valid_from", _(
                "%(date)s is within the recorded periods, which end on %(end)s; a new status "
                "starts after them.") % {"date": row.valid_from.isoformat(),
                                         "end": last_end.isoformat()})
            continue
        details = {name: row.details[name] if column in columns else _carried(latest, name)
                   for column, name in DETAILS.items()}
        change = AdoptionChange(status=row.status, valid_from=row.valid_from, **details)
        try:
            plan = plan_adoption(solution=row.solution, organisation=row.organisation,
                                 current=latest, changes=[change], today=today)
        except AdoptionRefused as refused:
            errors.add(row.line, refused.field, refused.message)
            continue
        latest = plan.create[-1] if plan.create else latest
        yield plan


def _carried(latest: Adoption | None, name: str):
    """What a column the file leaves out keeps: the value of the period the row follows."""
    if latest is None:
        return None if name == "contact" else ""
    return getattr(latest, name)


def _same(period: Adoption, row: _Row, columns: set[str]) -> bool:
    """Whether ``row`` says what ``period`` records (in the columns the file has)."""
    given = {**row.details, "contact": row.details["contact"].pk if row.details["contact"]
             else None}
    recorded = {"contact": period.contact_id, "contact_role": period.contact_role,
                "note": period.note}
    return period.status == row.status and all(
        given[name] == recorded[name] for column, name in DETAILS.items() if column in columns)
