"""Parsing and validation of register CSV files. Pure: reads rows, reports errors, writes nothing.

Three file kinds are recognised by their header row (see docs/import-format.md):
counties, organisations and networks. Every error names the line (1 = header), the column and
the reason; a file with any error is rejected whole by the services.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from dataclasses import dataclass, field
from itertools import zip_longest

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.no import orgnr

from core.models import has_control_characters

from .models import Network, OrganisationKind

COUNTY_COLUMNS = ["number", "name", "short_name", "valid_from", "valid_to", "note", "source"]
ORGANISATION_COLUMNS = [
    "kind", "number", "name", "county", "org_number", "population", "population_date",
    "valid_from", "valid_to", "source", "predecessors",
]
NETWORK_COLUMNS = [
    "name", "slug", "counties", "scope", "stated_member_count", "certainty", "members",
    "source_url", "source_date", "note",
]
FILE_KINDS = {
    "counties": COUNTY_COLUMNS,
    "organisations": ORGANISATION_COLUMNS,
    "networks": NETWORK_COLUMNS,
}
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_FIELD_CHARS = 10_000


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str

    def __str__(self):
        where = _("line %(line)s") % {"line": self.line}
        if self.column:
            where += ", " + _("column %(column)s") % {"column": self.column}
        return f"{where}: {self.message}"


@dataclass
class ParsedFile:
    kind: str
    rows: list[tuple[int, dict]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


class ImportRejected(Exception):
    """The file has errors; nothing was changed."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors[:20]))


def _position(data: bytes, pos: int) -> tuple[int, str]:
    """The line and the header name of the column holding byte ``pos`` (best effort: a quoted
    field spanning lines is not followed)."""
    start = data.rfind(b"\n", 0, pos) + 1
    fields = _fields(data[start:pos].decode("utf-8", errors="replace"))
    index = max(len(fields), 1) - 1
    first = data.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace")
    header = _fields(first)
    column = header[index].strip() if index < len(header) else ""
    return data[:pos].count(b"\n") + 1, column


def _fields(line: str) -> list[str]:
    """A line's fields, for error positions only: a stray carriage return (old Mac or UTF-16
    line endings) must not turn a clear rejection into a crash."""
    try:
        return next(csv.reader([line.replace("\r", " ")]), [])
    except csv.Error:
        return []


def decode(data: bytes) -> str:
    if len(data) > MAX_FILE_BYTES:
        raise ImportRejected([RowError(0, "", _("The file is larger than 20 MB."))])
    if b"\x00" in data:
        line, column = _position(data, data.index(b"\x00"))
        raise ImportRejected([RowError(line, column, _("The file contains NUL bytes."))])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = _position(data, exc.start)
        raise ImportRejected(
            [RowError(line, column, _("The file is not UTF-8 encoded (byte %(pos)s).")
                      % {"pos": exc.start})]
        ) from None


def read_csv(data: bytes) -> ParsedFile:
    text = decode(data)
    csv.field_size_limit(MAX_FIELD_CHARS + 1)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        header = []
    except csv.Error as exc:
        raise ImportRejected([RowError(1, "", str(exc))]) from None
    if not any(header):
        raise ImportRejected([RowError(1, "", _("The file is empty."))])
    kind = next((k for k, cols in FILE_KINDS.items() if header == cols), None)
    if kind is None and header == ORGANISATION_COLUMNS[:-1]:
        kind = "organisations"  # without "predecessors": the links are left as they are
    if kind is None:
        expected = " | ".join(",".join(cols) for cols in FILE_KINDS.values())
        closest = max(FILE_KINDS.values(), key=lambda cols: len(set(cols) & set(header)))
        column = next((found or wanted for found, wanted in zip_longest(header, closest)
                       if found != wanted), "")
        raise ImportRejected([RowError(1, column[:40], _(
            "Unknown header. Expected one of: %(expected)s") % {"expected": expected})])
    parsed = ParsedFile(kind=kind)
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                # the first missing column, or the position of the first extra one
                column = header[len(values)] if len(values) < len(header) else (
                    f"#{len(header) + 1}")
                parsed.errors.append(RowError(line, column, _(
                    "Expected %(n)s columns, found %(m)s.") % {"n": len(header), "m": len(values)}))
                continue
            parsed.rows.append((line, dict(zip(header, (v.strip() for v in values), strict=True))))
            if kind == "organisations" and "predecessors" not in header:
                parsed.rows[-1][1]["predecessors"] = None
    except csv.Error as exc:
        parsed.errors.append(RowError(reader.line_num, "", str(exc)))
    return parsed


def parse_date(value: str) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ValidationError(
            _("'%(value)s' is not a date (YYYY-MM-DD).") % {"value": value[:40]}
        ) from None


def parse_int(value: str) -> int | None:
    if not value:
        return None
    if not re.fullmatch(r"[0-9]{1,9}", value):
        raise ValidationError(_("'%(value)s' is not a whole number.") % {"value": value[:40]})
    return int(value)


def parse_org_number(value: str) -> str:
    if not value:
        return ""
    compact = orgnr.compact(value)
    if not orgnr.is_valid(compact):
        raise ValidationError(_(
            "'%(value)s' is not a valid organisation number (nine digits, mod-11 check digit)."
        ) % {"value": value[:40]})
    return compact


def parse_choice(value: str, choices) -> str:
    if value not in choices.values:
        raise ValidationError(_("'%(value)s' is not one of: %(choices)s.")
                              % {"value": value[:40], "choices": ", ".join(choices.values)})
    return value


def parse_list(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def check_text(value: str, max_length: int | None) -> str:
    if max_length and len(value) > max_length:
        raise ValidationError(_("Longer than %(n)s characters.") % {"n": max_length})
    if has_control_characters(value):
        raise ValidationError(_("Contains control characters."))
    return value


COLUMN_PARSERS = {
    "organisations": {
        "kind": lambda v: parse_choice(v, OrganisationKind),
        "org_number": parse_org_number,
        "population": parse_int,
        "population_date": parse_date,
        "valid_from": parse_date,
        "valid_to": parse_date,
        "predecessors": parse_list,
    },
    "counties": {"valid_from": parse_date, "valid_to": parse_date},
    "networks": {
        "certainty": lambda v: parse_choice(v, Network.Certainty),
        "stated_member_count": parse_int,
        "counties": parse_list,
        "members": parse_list,
    },
}
TEXT_LIMITS = {
    "number": 4, "name": 200, "short_name": 100, "county": 2, "source": 500, "slug": 100,
    "source_date": 100,
}
REQUIRED = {
    "counties": ["number", "name", "short_name"],
    "organisations": ["kind", "name"],
    "networks": ["name", "slug", "certainty"],
}


def clean_rows(parsed: ParsedFile) -> list[tuple[int, dict]]:
    """Convert every value; collect errors in ``parsed.errors``; return the cleaned rows."""
    parsers = COLUMN_PARSERS[parsed.kind]
    cleaned = []
    for line, raw in parsed.rows:
        row, ok = {}, True
        for column, value in raw.items():
            if value is None:  # an optional column the file does not have
                row[column] = None
                continue
            try:
                if column in REQUIRED[parsed.kind] and not value:
                    raise ValidationError(_("A value is required."))
                value = check_text(value, TEXT_LIMITS.get(column, MAX_FIELD_CHARS))
                row[column] = parsers[column](value) if column in parsers else value
            except ValidationError as exc:
                parsed.errors.append(RowError(line, column, " ".join(exc.messages)))
                ok = False
        if ok:
            cleaned.append((line, row))
    return cleaned
