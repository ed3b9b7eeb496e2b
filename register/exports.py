"""CSV export of the register, safe to open in a spreadsheet.

Columns are the organisation columns of the import format as of 2024 (docs/import-format.md).

Formula injection (OWASP "CSV Injection"): a cell whose text starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return is prefixed with a single quote ``'`` so spreadsheet programs
show it as text instead of evaluating it. The rule is applied to every text cell without
exception: organisation data holds no negative numbers (numbers, organisation numbers,
populations and dates never start with ``-``), so there is nothing legitimate to spare, and a
simple rule is one that cannot be talked round. A reader that wants the original value strips one
leading ``'`` from a cell whose second character is one of those six.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from core.csvcells import FORMULA_PREFIXES, Echo, escape_cell, unescape_cell

__all__ = ["FORMULA_PREFIXES", "Echo", "escape_cell", "unescape_cell"]  # also imported from here

# Fixed here, not taken from the importer: a column added to the import format must not change
# (or break) the export without a decision.
COLUMNS = ["kind", "number", "name", "county", "org_number", "population", "population_date",
           "valid_from", "valid_to", "source"]


def organisation_row(org) -> list[str]:
    values = {
        "kind": org.kind, "number": org.number, "name": org.name,
        "county": org.county.number if org.county_id else "", "org_number": org.org_number,
        "population": org.population, "population_date": org.population_date,
        "valid_from": org.valid_from, "valid_to": org.valid_to, "source": org.source,
    }
    return [escape_cell(values[column]) for column in COLUMNS]


def iter_organisations_csv(queryset) -> Iterator[str]:
    """The CSV line by line (header first), for a streaming response. One query: the county is
    joined, never fetched per row."""
    writer = csv.writer(Echo(), lineterminator="\r\n")
    yield writer.writerow(COLUMNS)
    for org in _rows(queryset):
        yield writer.writerow(organisation_row(org))


def organisations_csv(queryset) -> str:
    """The whole CSV as one string (RFC 4180: CRLF line ends, quotes doubled)."""
    return "".join(iter_organisations_csv(queryset))


def _rows(queryset) -> Iterable:
    return queryset.select_related("county").order_by("kind", "number", "name", "pk").iterator(
        chunk_size=500)


# --- the page route: /organisasjoner/eksport.csv -------------------------------------------------

FILENAME = "organisasjoner.csv"


def csv_response(queryset, *, status: int = 200):
    """A download with a UTF-8 byte order mark (Excel reads the file as UTF-8 only with it; the
    register import accepts it)."""
    from django.http import HttpResponse

    response = HttpResponse("\ufeff" + organisations_csv(queryset),
                            content_type="text/csv; charset=utf-8", status=status)
    response["Content-Disposition"] = f'attachment; filename="{FILENAME}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def organisation_export(request):
    """The organisation list as CSV, filtered exactly like the list page (same query string,
    same allowlisted filters, through the same selector). Public: organisations carry no
    personal data. An invalid filter is a 400 with the form's errors as text."""
    from django.http import HttpResponseBadRequest, HttpResponseNotAllowed

    from . import selectors

    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    filterset, queryset = selectors.organisation_list(actor=request.user, filters=request.GET)
    if filterset.form.errors:
        errors = "; ".join(f"{field}: {' '.join(messages)}"
                           for field, messages in filterset.form.errors.items())
        return HttpResponseBadRequest(errors, content_type="text/plain; charset=utf-8")
    return csv_response(queryset)
