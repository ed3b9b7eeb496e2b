"""CSV export of the case list: what the list page shows, filtered the same way.

Metadata for every case the reader may see listed; the summary only where the reader may read
the content (``selectors.can_read_content``), so an exempted case's summary is never exported to
those who may not read it. Cells that a spreadsheet would read as a formula are escaped as in
the register export (register/exports.py).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.http import HttpResponse, HttpResponseBadRequest
from django.views.decorators.http import require_safe

from core.csvcells import Echo, escape_cell

from . import forms, selectors

COLUMNS = ["number", "title", "case_type", "owner", "status", "announced", "decided", "exempt",
           "exemption_basis", "topics", "summary"]
FILENAME = "saker.csv"


def case_row(user, case) -> list[str]:
    values = {
        "number": case.number, "title": case.title, "case_type": case.case_type,
        "owner": case.owner.name, "status": case.status,
        "announced": case.announced_at.date().isoformat() if case.announced_at else "",
        "decided": case.decided_at.date().isoformat() if case.decided_at else "",
        "exempt": "yes" if case.exempt else "no", "exemption_basis": case.exemption_basis,
        "topics": "; ".join(topic.name for topic in case.topics.all()),
        "summary": case.summary if selectors.can_read_content(user, case) else "",
    }
    return [escape_cell(values[column]) for column in COLUMNS]


def iter_cases_csv(user, queryset) -> Iterator[str]:
    """Header, then one line per case; owner and topics come with the cases (a fixed number
    of queries per 500 rows)."""
    writer = csv.writer(Echo(), lineterminator="\r\n")
    yield writer.writerow(COLUMNS)
    for case in queryset.iterator(chunk_size=500):
        yield writer.writerow(case_row(user, case))


@require_safe
def case_export(request):
    """The case list as CSV (UTF-8 with a byte order mark, for spreadsheets)."""
    form = forms.CaseFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        errors = "; ".join(f"{field}: {' '.join(messages)}"
                           for field, messages in form.errors.items())
        return HttpResponseBadRequest(errors, content_type="text/plain; charset=utf-8")
    cases = selectors.case_list(request.user, **form.selector_kwargs())
    response = HttpResponse("\ufeff" + "".join(iter_cases_csv(request.user, cases)),
                            content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{FILENAME}"'
    return response
