"""The adoption import: all-or-nothing, idempotent, every error with line, column and reason.

Exercised through ``adoption_import`` itself (CSV and XLSX built in the test) and through the
``import_adoption`` command.
"""

from __future__ import annotations

import datetime
import io
import zipfile
from io import StringIO

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import translation
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from core import testing as t
from core.access import SYSTEM
from register.models import OrganisationKind
from solutions import importers
from solutions.importers import AdoptionImportError, adoption_import
from solutions.models import Adoption, Solution

D = datetime.date
HEADER = ["organisation", "solution", "status", "valid_from", "contact_role", "note"]
BOUNDED = settings(max_examples=30, deadline=None, derandomize=True, database=None,
                   phases=[Phase.explicit, Phase.generate], report_multiple_bugs=False,
                   suppress_health_check=list(HealthCheck))


@pytest.fixture(autouse=True)
def english():
    """The messages are asserted in English (the source language; the default is bokmål)."""
    with translation.override("en"):
        yield


@pytest.fixture
def world(db):
    """Two solutions; three municipalities (one without organisation number, one merged away
    at the end of 2019), a county municipality and a state agency."""
    county = t.CountyFactory(number="46")
    return {
        "svarut": Solution.objects.create(name="SvarUt", slug="svarut", kind="service"),
        "edialog": Solution.objects.create(name="eDialog", slug="edialog", kind="service"),
        "a": t.OrganisationFactory(name="Kommune A", number="4601", county=county),
        "b": t.OrganisationFactory(name="Kommune B", number="4602", county=county),
        "nonum": t.OrganisationFactory(name="Ålesund", number="1508", org_number="",
                                       valid_from=D(2024, 1, 1)),
        "merged": t.OrganisationFactory(name="Gamle C", number="1504",
                                        valid_from=D(2000, 1, 1), valid_to=D(2019, 12, 31)),
        "county": t.OrganisationFactory(name="Vestland", number="46", county=county,
                                        kind=OrganisationKind.COUNTY_MUNICIPALITY),
        "agency": t.OrganisationFactory(name="Digdir", number="", county=None,
                                        kind=OrganisationKind.STATE_AGENCY),
    }


def csv_bytes(rows: list[list], header: list[str] = HEADER) -> bytes:
    lines = [",".join(header)] + [",".join(_quoted(v) for v in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode()


def _quoted(value) -> str:
    text = str(value)
    return '"' + text.replace('"', '""') + '"' if set(text) & set(',"\r\n') else text


def xlsx_bytes(rows: list[list], header: list[str] = HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in [header, *rows]:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def run(data: bytes, **kwargs):
    kwargs.setdefault("actor", SYSTEM)
    return adoption_import(data=data, source="adoption.csv", **kwargs)


def rejected(data: bytes, **kwargs) -> AdoptionImportError:
    before = state()
    with pytest.raises(AdoptionImportError) as info:
        run(data, **kwargs)
    assert state() == before, "a rejected import changed the database"
    return info.value


def where(exc: AdoptionImportError) -> list[tuple[int, str]]:
    return [(e.line, e.column) for e in exc.errors]


def state() -> tuple:
    """Every adoption row as it is, and the number of history rows."""
    return (list(Adoption.objects.order_by("pk").values()), Adoption.history.count())


def periods(solution, organisation) -> list[tuple]:
    return list(Adoption.objects.filter(solution=solution, organisation=organisation)
                .order_by("valid_from").values_list("status", "valid_from", "valid_to"))


def in_production(on: datetime.date) -> int:
    return Adoption.objects.valid_on(on).filter(status="production").count()


# --- the DONE-WHEN case and the happy path ---------------------------------------------------

def test_unknown_organisation_and_invalid_status_are_both_reported_nothing_changed(world):
    run(csv_bytes([[world["a"].org_number, "svarut", "planned", "2018-01-01", "", ""]]))
    exc = rejected(csv_bytes([
        [world["a"].org_number, "svarut", "production", "2020-01-01", "", ""],
        ["974760673", "svarut", "production", "2020-01-01", "", ""],  # valid, not registered
        [world["b"].org_number, "edialog", "in use", "2020-01-01", "", ""],
    ]))
    assert where(exc) == [(3, "organisation"), (4, "status")]
    assert "974760673" in exc.errors[0].message
    assert "in use" in exc.errors[1].message
    assert exc.total == 2
    assert periods(world["svarut"], world["a"]) == [("planned", D(2018, 1, 1), None)]


def test_valid_file_changes_what_is_in_production(world):
    assert in_production(D(2021, 6, 1)) == 0
    result = run(csv_bytes([
        [world["a"].org_number, "svarut", "production", "2020-01-01", "arkivleder", ""],
        ["1508", "SvarUt", "i produksjon", "2024-03-01", "", ""],  # number; name of solution
        ["46", "edialog", "PRODUCTION", "2019-05-01", "", "fylket"],
        [world["b"].org_number, "edialog", "Under innføring", "2021-01-01", "", ""],
    ]))
    assert (result.rows, result.created, result.closed, result.updated, result.unchanged) == (
        4, 4, 0, 0, 0)
    assert in_production(D(2021, 6, 1)) == 2
    assert in_production(D(2024, 6, 1)) == 3
    adoption = Adoption.objects.get(solution=world["svarut"], organisation=world["a"])
    assert (adoption.contact_role, adoption.valid_to) == ("arkivleder", None)
    assert Adoption.objects.get(organisation=world["b"]).status == "implementing"


def test_xlsx_with_date_and_number_cells(world):
    oslo = t.OrganisationFactory(name="Oslo", number="0301", org_number="")
    data = xlsx_bytes([
        [int(world["a"].org_number), "svarut", "planned", datetime.datetime(2019, 1, 1), None,
         None],
        [int(world["a"].org_number), "svarut", "production", D(2021, 2, 1), "leder", None],
        [301, "edialog", "i produksjon", "2022-01-01", None, "via 301"],  # lost its zero
    ])
    assert data.startswith(b"PK\x03\x04")
    result = run(data)
    assert (result.created, result.closed) == (3, 0)
    assert periods(world["svarut"], world["a"]) == [
        ("planned", D(2019, 1, 1), D(2021, 1, 31)), ("production", D(2021, 2, 1), None)]
    assert Adoption.objects.get(organisation=oslo).note == "via 301"
    assert in_production(D(2022, 6, 1)) == 2


def test_xlsx_errors_name_line_and_column(world):
    exc = rejected(xlsx_bytes([
        ["974760673", "svarut", "production", D(2020, 1, 1), None, None],
        [world["b"].org_number, "svarut", "in use", D(2020, 1, 1), None, None],
        [world["b"].org_number, "svarut", "planned", 20200101, None, None],
    ]))
    assert where(exc) == [(2, "organisation"), (3, "status"), (4, "valid_from")]


def test_xlsx_formulas_are_not_evaluated(world):
    exc = rejected(xlsx_bytes([[world["a"].org_number, "svarut", '="production"',
                                D(2020, 1, 1), None, None]]))
    assert where(exc) == [(2, "status")]  # no cached value: the cell is empty


def test_dry_run_writes_nothing_and_reports_what_would_happen(world):
    run(csv_bytes([[world["a"].org_number, "svarut", "planned", "2018-01-01", "", ""]]))
    before = state()
    result = run(csv_bytes([
        [world["a"].org_number, "svarut", "production", "2020-01-01", "", ""],
        [world["b"].org_number, "svarut", "production", "2020-01-01", "", ""],
    ]), dry_run=True)
    assert (result.dry_run, result.created, result.closed, result.unchanged) == (True, 2, 1, 0)
    assert state() == before


def test_dry_run_reports_the_same_errors(world):
    exc = rejected(csv_bytes([["974760673", "svarut", "production", "2020-01-01", "", ""]]),
                   dry_run=True)
    assert where(exc) == [(2, "organisation")]


# --- idempotence and business time -----------------------------------------------------------

def test_second_import_of_the_same_file_changes_nothing_and_writes_no_history(world):
    org = world["a"].org_number
    data = csv_bytes([
        [org, "svarut", "planned", "2016-01-01", "", ""],
        [org, "svarut", "implementing", "2017-06-01", "", "pilot"],
        [org, "svarut", "production", "2018-01-01", "leder", "første"],
        [org, "svarut", "production", "2020-01-01", "leder", "andre"],  # same status: a note
        [world["b"].org_number, "edialog", "planned", "2021-01-01", "", ""],
    ])
    first = run(data)
    assert (first.created, first.changes) == (4, 4)
    before = state()
    again = run(data)
    assert (again.rows, again.changes, again.unchanged) == (5, 0, 5)
    assert state() == before
    assert periods(world["svarut"], world["a"])[-1] == ("production", D(2018, 1, 1), None)


def test_rows_out_of_date_order_are_applied_in_date_order(world):
    org = world["a"].org_number
    run(csv_bytes([
        [org, "svarut", "discontinued", "2023-01-01", "", ""],
        [org, "svarut", "planned", "2016-01-01", "", ""],
        [org, "svarut", "production", "2019-03-01", "", ""],
    ]))
    assert periods(world["svarut"], world["a"]) == [
        ("planned", D(2016, 1, 1), D(2019, 2, 28)),
        ("production", D(2019, 3, 1), D(2022, 12, 31)),
        ("discontinued", D(2023, 1, 1), None)]


def test_new_status_closes_the_recorded_current_period(world):
    org = world["a"].org_number
    run(csv_bytes([[org, "svarut", "implementing", "2019-01-01", "", ""]]))
    result = run(csv_bytes([[org, "svarut", "production", "2020-01-01", "", ""]]))
    assert (result.created, result.closed, result.updated) == (1, 1, 0)
    assert periods(world["svarut"], world["a"]) == [
        ("implementing", D(2019, 1, 1), D(2019, 12, 31)), ("production", D(2020, 1, 1), None)]


def test_row_dated_before_the_recorded_current_status_is_refused(world):
    org = world["a"].org_number
    run(csv_bytes([[org, "svarut", "production", "2020-01-01", "", ""]]))
    exc = rejected(csv_bytes([
        [world["b"].org_number, "svarut", "planned", "2019-01-01", "", ""],
        [org, "svarut", "planned", "2019-01-01", "", ""],
        [org, "svarut", "implementing", "2019-06-01", "", ""],
    ]))
    assert where(exc) == [(3, "valid_from"), (4, "valid_from")]
    assert "2020-01-01" in exc.errors[0].message


def test_future_and_too_early_dates_are_refused_by_the_rules(world):
    org = world["a"].org_number
    exc = rejected(csv_bytes([
        [org, "svarut", "planned", "2999-01-01", "", ""],
        [org, "edialog", "planned", "1980-01-01", "", ""],
        [org, "edialog", "planned", "2020-02-30", "", ""],
        [org, "edialog", "planned", "1.2.2020", "", ""],
    ]))
    assert where(exc) == [(2, "valid_from"), (3, "valid_from"), (4, "valid_from"),
                          (5, "valid_from")]


def test_same_day_as_the_current_status_corrects_it(world):
    org = world["a"].org_number
    run(csv_bytes([[org, "svarut", "implementing", "2020-01-01", "", ""]]))
    result = run(csv_bytes([[org, "svarut", "production", "2020-01-01", "", ""]]))
    assert (result.created, result.updated) == (0, 1)
    assert periods(world["svarut"], world["a"]) == [("production", D(2020, 1, 1), None)]


def test_a_file_without_optional_columns_keeps_what_is_recorded(world):
    person = t.AffiliationFactory(organisation=world["a"], valid_from=D(2020, 1, 1)).person
    org = world["a"].org_number
    run(csv_bytes([[org, "svarut", "implementing", "2019-01-01", person.email, "leder", "n"]],
                  header=[*HEADER[:4], "contact_email", "contact_role", "note"]))
    before = state()
    result = run(csv_bytes([[org, "svarut", "implementing", "2019-01-01"]], header=HEADER[:4]))
    assert (result.changes, result.unchanged) == (0, 1)
    assert state() == before
    run(csv_bytes([[org, "svarut", "production", "2021-01-01"]], header=HEADER[:4]))
    new = Adoption.objects.get(solution=world["svarut"], valid_to__isnull=True)
    assert (new.contact, new.contact_role, new.note) == (person, "leder", "n")


def test_closed_periods_are_not_overlapped(world):
    Adoption.objects.create(solution=world["svarut"], organisation=world["a"],
                            status="production", valid_from=D(2015, 1, 1),
                            valid_to=D(2020, 12, 31))
    org = world["a"].org_number
    exc = rejected(csv_bytes([[org, "svarut", "planned", "2018-01-01", "", ""]]))
    assert where(exc) == [(2, "valid_from")]
    run(csv_bytes([[org, "svarut", "discontinued", "2021-01-01", "", ""]]))
    assert len(periods(world["svarut"], world["a"])) == 2


def test_duplicate_pair_and_date_is_refused(world):
    org = world["a"].org_number
    exc = rejected(csv_bytes([[org, "svarut", "planned", "2018-01-01", "", ""],
                              [org, "SvarUt", "production", "2018-01-01", "", ""]]))
    assert where(exc) == [(3, "valid_from")]
    assert "Line 2" in exc.errors[0].message


# --- organisations, contacts, columns --------------------------------------------------------

def test_organisation_must_be_one_member_valid_on_the_date(world):
    exc = rejected(csv_bytes([
        [world["agency"].org_number, "svarut", "planned", "2020-01-01", "", ""],
        ["1504", "svarut", "planned", "2021-01-01", "", ""],  # merged away at the end of 2019
        ["1508", "svarut", "planned", "2023-01-01", "", ""],  # exists from 2024
        ["999999999", "svarut", "planned", "2020-01-01", "", ""],  # fails mod 11
        ["12345", "svarut", "planned", "2020-01-01", "", ""],
        ["", "svarut", "planned", "2020-01-01", "", ""],
    ]))
    assert where(exc) == [(i, "organisation") for i in range(2, 8)]
    assert "Only members" in exc.errors[0].message
    assert "2019-12-31" in exc.errors[1].message
    run(csv_bytes([["1504", "svarut", "planned", "2019-01-01", "", ""]]))


def test_unknown_solution_is_refused(world):
    exc = rejected(csv_bytes([[world["a"].org_number, "svar-ut", "planned", "2020-01-01", "",
                               ""]]))
    assert where(exc) == [(2, "solution")]


def test_contact_must_be_affiliated_with_the_organisation_today(world):
    header = [*HEADER[:4], "contact_email"]
    ours = t.AffiliationFactory(organisation=world["a"]).person
    theirs = t.AffiliationFactory(organisation=world["b"]).person
    former = t.AffiliationFactory(organisation=world["a"], valid_to=D(2021, 1, 1)).person
    org = world["a"].org_number
    exc = rejected(csv_bytes([[org, "svarut", "planned", "2020-01-01", theirs.email],
                              [org, "edialog", "planned", "2020-01-01", former.email],
                              [org, "svarut", "production", "2021-01-01", "nobody@x.invalid"]],
                             header=header))
    assert where(exc) == [(2, "contact_email"), (3, "contact_email"), (4, "contact_email")]
    run(csv_bytes([[org, "svarut", "planned", "2020-01-01", ours.email.upper()]], header=header))
    assert Adoption.objects.get().contact == ours


def test_unknown_missing_and_repeated_columns_are_refused(world):
    exc = rejected(csv_bytes([], header=["organisation", "solution", "state", "valid_from",
                                         "note", "note"]))
    assert where(exc) == [(1, "status"), (1, "note"), (1, "state")]  # in the columns' order
    assert "required" in exc.errors[0].message
    assert "twice" in exc.errors[1].message
    assert "Unknown column" in exc.errors[2].message


def test_header_only_and_empty_files(world):
    assert run(csv_bytes([])).rows == 0
    assert where(rejected(b"")) == [(1, "")]
    assert where(rejected(b"\xef\xbb\xbf\r\n")) == [(1, "")]


def test_byte_order_mark_and_column_order_are_free(world):
    data = "\ufeffvalid_from,status,solution,organisation\r\n2020-01-01,planned,svarut,4601\r\n"
    assert run(data.encode()).created == 1


def test_short_and_long_rows(world):
    data = ("valid_from,status,solution,organisation\r\n2020-01-01,planned\r\n"
            "2020-01-01,planned,svarut,4601,extra\r\n2020-01-01,planned,svarut,4601,\r\n")
    exc = rejected(data.encode())
    assert where(exc) == [(2, "organisation"), (2, "solution"), (3, "#5")]


def test_control_characters_and_long_text_are_refused(world):
    org = world["a"].org_number
    exc = rejected(csv_bytes([[org, "svarut", "planned", "2020-01-01", "x\x1b[31m", ""],
                              [org, "edialog", "planned", "2020-01-01", "r" * 201, ""]]))
    assert where(exc) == [(2, "contact_role"), (3, "contact_role")]


def test_huge_fields_are_refused_not_crashing(world):
    org = world["a"].org_number
    exc = rejected(csv_bytes([[org, "svarut", "planned", "2020-01-01", "", "n" * 10_001],
                              [org, "edialog", "planned", "2020-01-01", "", "n" * 50_000]]))
    assert where(exc) == [(2, "note"), (3, "")]


def test_errors_are_capped_with_a_count_of_the_rest(world, monkeypatch):
    monkeypatch.setattr(importers, "MAX_REPORTED_ERRORS", 10)
    exc = rejected(csv_bytes([["974760673", "svarut", "x", "2020-01-01", "", ""]] * 30))
    assert (len(exc.errors), exc.total, exc.unreported) == (10, 60, 50)


def test_too_many_rows_is_a_clear_error(world, monkeypatch):
    monkeypatch.setattr(importers, "MAX_ROWS", 3)
    exc = rejected(csv_bytes([[world["a"].org_number, "svarut", "planned", f"20{y}-01-01", "",
                               ""] for y in range(10, 15)]))
    assert where(exc) == [(5, "")]
    assert "More than 3 rows" in exc.errors[0].message


def test_a_workbook_expanding_too_far_is_refused_before_reading(world, monkeypatch):
    data = xlsx_bytes([[world["a"].org_number, "svarut", "planned", "2020-01-01", "", ""]])
    expanded = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    monkeypatch.setattr(importers, "MAX_XLSX_EXPANDED", expanded - 1)
    monkeypatch.setattr("openpyxl.load_workbook", pytest.fail)
    assert "expands" in rejected(data).errors[0].message


def test_a_zip_that_is_not_a_workbook_is_refused(world):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hello")
    assert where(rejected(out.getvalue())) == [(0, "")]


def test_a_period_recorded_meanwhile_rejects_the_file_cleanly(world, monkeypatch):
    data = csv_bytes([[world["a"].org_number, "svarut", "planned", "2019-01-01", "", ""]])
    run(csv_bytes([[world["a"].org_number, "svarut", "production", "2020-01-01", "", ""]]))
    monkeypatch.setattr(importers, "_recorded_periods", lambda rows: {})  # read before it came
    assert where(rejected(data)) == [(0, "")]


# --- history, permissions, queries, the command ----------------------------------------------

def test_history_rows_carry_the_import_reason_and_the_user(world, admin_user):
    org = world["a"].org_number
    run(csv_bytes([[org, "svarut", "planned", "2019-01-01", "", ""]]), actor=admin_user)
    run(csv_bytes([[org, "svarut", "production", "2020-01-01", "", ""]]), actor=admin_user)
    history = Adoption.history.order_by("history_id")
    assert [(h.history_type, h.status, h.valid_to) for h in history] == [
        ("+", "planned", None), ("~", "planned", D(2019, 12, 31)), ("+", "production", None)]
    assert {(h.history_change_reason, h.history_user) for h in history} == {
        ("import adoption.csv", admin_user)}


def test_import_needs_the_manage_permission(world, contact_a, secretary_x):
    data = csv_bytes([[world["a"].org_number, "svarut", "planned", "2019-01-01", "", ""]])
    contact = t.user_with_role(t.Role.ORG_CONTACT, organisation=world["a"])
    for actor in (AnonymousUser(), contact, contact_a, secretary_x):
        with pytest.raises(PermissionDenied):
            run(data, actor=actor)
    assert state() == ([], 0)


def _file(world, n: int) -> bytes:
    """``n`` rows over 8 pairs, each row of a pair a new status a month after the last."""
    orgs = [world["a"].org_number, world["b"].org_number, "46", "1504"]
    statuses = ["planned", "implementing", "production", "discontinued"]
    rows = [[orgs[i % 4], ("svarut", "edialog")[i // 4 % 2], statuses[i // 8 % 4],
             (D(2000, 1, 1) + datetime.timedelta(days=31 * (i // 8))).isoformat(), "", ""]
            for i in range(n)]
    return csv_bytes(rows, header=[*HEADER[:4], "contact_email", "note"])


def test_queries_do_not_grow_with_the_rows(world):
    t.AffiliationFactory(organisation=world["a"])
    small, big = _file(world, 10), _file(world, 100)
    dry = [t.count_queries(lambda d=d: run(d, dry_run=True)) for d in (small, big)]
    assert dry[0] == dry[1] <= 6
    wet = []
    for data in (small, big):
        with transaction.atomic():
            wet.append(t.count_queries(lambda d=data: run(d)))
            transaction.set_rollback(True)
    # the same reads; only the writes come in batches (SQLite: at most 999 values a statement,
    # so 100 history rows of 13 columns take two)
    assert wet[0] <= wet[1] <= wet[0] + 2


def test_command_prints_counts_and_every_error(world, tmp_path):
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes([[world["a"].org_number, "svarut", "planned", "2019-01-01",
                                 "", ""]]))
    out = StringIO()
    call_command("import_adoption", str(good), "--dry-run", stdout=out)
    assert "dry run" in out.getvalue() and "1 periods created" in out.getvalue()
    assert not Adoption.objects.exists()
    call_command("import_adoption", str(good), stdout=out)
    assert Adoption.objects.count() == 1
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx_bytes([["974760673", "svarut", "x", D(2020, 1, 1), None, None]]))
    err = StringIO()
    with pytest.raises(CommandError, match="2 error"), translation.override("en"):
        call_command("import_adoption", str(bad), stdout=StringIO(), stderr=err)
    assert "line 2, column organisation" in err.getvalue()
    assert "line 2, column status" in err.getvalue()
    with pytest.raises(CommandError):
        call_command("import_adoption", str(tmp_path / "missing.csv"))


# --- hostile input ---------------------------------------------------------------------------

def _try(data: bytes) -> None:
    """An import either succeeds or raises AdoptionImportError with well-formed errors and
    changes nothing; it never raises anything else."""
    before = state()
    with transaction.atomic():
        try:
            run(data, dry_run=True)
        except AdoptionImportError as exc:
            assert exc.errors and exc.total >= len(exc.errors)
            for error in exc.errors:
                assert isinstance(error.line, int) and error.line >= 0
                assert isinstance(error.column, str) and error.message
                str(error)
        transaction.set_rollback(True)
    assert state() == before


HOSTILE = ["", "\x00", "a\x07b", "=1+1", "<script>x()</script>", "ø" * 300, "9" * 40, "0301",
           "2020-01-01", "2020-02-30", "planlagt", "\u202e", "1e9", "-0", "NaN", " 46 "]
cell = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=20), st.none(),
                 st.integers(min_value=-(2**63), max_value=2**63 - 1),
                 st.floats(allow_nan=False, allow_infinity=False),
                 st.dates(), st.datetimes(), st.booleans())


def test_random_bytes_never_raise_anything_else(world):
    prefixes = st.sampled_from([b"", ",".join(HEADER).encode() + b"\n", b"PK\x03\x04",
                                b"\xef\xbb\xbf" + ",".join(HEADER).encode() + b"\r\n4601,"])

    @BOUNDED
    @given(prefix=prefixes, noise=st.binary(max_size=400))
    def check(prefix, noise):
        _try(prefix + noise)

    check()


def test_random_workbook_cells_never_raise_anything_else(world):
    header = st.lists(st.sampled_from([*importers.COLUMNS, "x", ""]), min_size=0, max_size=8)

    @BOUNDED
    @given(header=st.one_of(st.just(HEADER), st.permutations(importers.COLUMNS), header),
           rows=st.lists(st.lists(cell, max_size=8), max_size=4))
    def check(header, rows):
        workbook = Workbook()
        sheet = workbook.active
        for row in [header, *rows]:
            try:
                sheet.append(row)
            except Exception:  # openpyxl refuses some values itself (illegal characters)
                return
        out = io.BytesIO()
        workbook.save(out)
        _try(out.getvalue())

    check()


def test_random_csv_cells_never_raise_anything_else(world):
    @BOUNDED
    @given(header=st.one_of(st.just(HEADER), st.permutations(importers.COLUMNS)),
           rows=st.lists(st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=20)),
                                  max_size=8), max_size=4))
    def check(header, rows):
        try:
            data = csv_bytes(rows, header=header).decode("utf-8").encode("utf-8")
        except UnicodeError:  # lone surrogates cannot be written as UTF-8
            return
        _try(data)

    check()
