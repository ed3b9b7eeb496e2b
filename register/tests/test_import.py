"""The register import: all-or-nothing, idempotent, every error with line, column and reason.

Exercised through the ``import_register`` command and through ``register_import`` itself.
"""

from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from core import testing as t
from core.access import SYSTEM
from register.importers import ImportRejected, parse_org_number
from register.models import County, Network, NetworkMembership, Organisation, validate_org_number
from register.services import register_import

DATA = Path(__file__).resolve().parents[1] / "data"
COUNTIES = DATA / "counties-2024.csv"
STATE_AGENCIES = DATA / "state-agencies-2024.csv"
ORGANISATIONS = DATA / "organisations-2024.csv"
NETWORKS = DATA / "networks-2024.csv"
ORG_HEADER = ("kind,number,name,county,org_number,population,population_date,valid_from,"
              "valid_to,source")


def snapshot() -> dict[str, int]:
    """Row counts of every table of the domain apps, history tables included."""
    return {
        model._meta.label: model.objects.count()
        for app in ("register", "structure", "accounts")
        for model in apps.get_app_config(app).get_models()
    }


def history_count() -> int:
    return sum(n for label, n in snapshot().items() if ".Historical" in label)


def run(path: Path, *args) -> str:
    out = StringIO()
    call_command("import_register", str(path), *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def import_bytes(data: bytes, **kwargs):
    return register_import(actor=SYSTEM, data=data, source="test.csv", **kwargs)


def write(tmp_path: Path, text: str, name: str = "file.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def org_lines(count: int | None = None) -> list[str]:
    """The shipped organisations file's lines (the header and ``count`` rows)."""
    lines = ORGANISATIONS.read_text(encoding="utf-8").splitlines()
    return lines if count is None else lines[: count + 1]


def rejected(data: bytes) -> ImportRejected:
    before = snapshot()
    with pytest.raises(ImportRejected) as info:
        import_bytes(data)
    assert snapshot() == before
    return info.value


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English; the site's default language is Norwegian."""
    with translation.override("en"):
        yield


@pytest.fixture
def counties(db):
    run(COUNTIES)


@pytest.fixture
def some_organisations(counties, tmp_path):
    """The shipped counties and the first 20 shipped organisations, imported."""
    run(write(tmp_path, "\n".join(org_lines(20)) + "\n", "organisations-2024.csv"))


# --- the shipped register -------------------------------------------------------------------


def test_shipped_register_loads_once_and_reruns_change_nothing(db):
    for path in (COUNTIES, ORGANISATIONS, NETWORKS):
        run(path)

    assert County.objects.count() == 15
    assert Organisation.objects.current().filter(kind="municipality").count() == 357
    assert Organisation.objects.filter(kind="county_municipality").count() == 15
    # The 2024 split: 1507 Ålesund (2020–2023) is ended and is the predecessor of both parts.
    old = Organisation.objects.get(kind="municipality", number="1507")
    assert (old.valid_to.isoformat(), old.org_number) == ("2023-12-31", "920415288")
    assert sorted(old.successors.values_list("number", flat=True)) == ["1508", "1580"]
    assert Organisation.objects.filter(kind="ks").count() == 1
    assert Network.objects.count() == 11
    assert NetworkMembership.objects.filter(network__slug="digi-rogaland").count() == 23
    oslo = Organisation.objects.get(kind="municipality", number="0301")
    assert (oslo.org_number, oslo.population, oslo.county.number) == ("958935420", 717710, "03")
    record = oslo.history.get()
    assert (record.history_type, record.history_user) == ("+", None)  # the system acted
    assert record.history_change_reason == "import organisations-2024.csv"
    # Ålesund and Haram: no confirmed organisation number, so unknown (empty), never invented.
    unknown = Organisation.objects.filter(kind="municipality", org_number="")
    assert sorted(unknown.values_list("number", flat=True)) == ["1508", "1580"]
    assert all(org.population for org in unknown)

    before = snapshot()
    for path in (COUNTIES, ORGANISATIONS, NETWORKS):
        assert " 0 created, 0 updated," in run(path)
    result = import_bytes(ORGANISATIONS.read_bytes())
    assert (result.created, result.updated, result.unchanged) == (0, 0, 374)
    assert snapshot() == before  # no row and no history row added


def test_changed_population_is_one_update_with_one_history_row(some_organisations, tmp_path):
    lines = org_lines(20)
    index = next(i for i, line in enumerate(lines) if line.startswith("municipality,1101,"))
    old = lines[index].split(",")[5]
    lines[index] = lines[index].replace(f",{old},", ",99999,")
    before_history = history_count()

    out = run(write(tmp_path, "\n".join(lines) + "\n", "organisations-2025.csv"))

    assert ": 0 created, 1 updated, 19 unchanged." in out
    assert history_count() == before_history + 1
    org = Organisation.objects.get(kind="municipality", number="1101")
    assert org.population == 99999
    latest = org.history.first()
    assert latest.history_type == "~"
    assert latest.history_change_reason == "import organisations-2025.csv"
    assert latest.prev_record.population == int(old)


def test_dry_run_changes_nothing(counties, tmp_path):
    before = snapshot()
    path = write(tmp_path, "\n".join(org_lines(20)) + "\n")
    out = run(path, "--dry-run")
    assert "dry run, nothing changed" in out and "20 created" in out
    assert snapshot() == before


def test_dry_run_of_a_change_changes_nothing(some_organisations):
    data = ("\n".join(org_lines(20)) + "\n").replace(",958935420,,", ",958935420,1,")
    before = snapshot()
    result = import_bytes(data.encode(), dry_run=True)
    assert (result.updated, result.dry_run) == (1, True)
    assert snapshot() == before
    assert Organisation.objects.get(kind="county_municipality", number="03").population is None


# --- one bad row rejects the whole file -----------------------------------------------------


def test_malformed_org_number_rejects_whole_file_via_command(some_organisations, tmp_path):
    lines = org_lines(40)
    lines[2] = lines[2].replace(",SSB", ",Endret SSB", 1)  # a valid change on line 3
    assert lines[4].split(",")[4] == "944183779"
    lines[4] = lines[4].replace("944183779", "944183770")  # check digit wrong
    path = write(tmp_path, "\n".join(lines) + "\n")
    before = snapshot()
    err = StringIO()

    with pytest.raises(CommandError, match="rejected, 1 error"):
        call_command("import_register", str(path), stdout=err, stderr=err)

    assert "line 5, column org_number:" in err.getvalue()
    assert "944183770" in err.getvalue() and "mod-11" in err.getvalue()
    assert snapshot() == before
    assert not Organisation.objects.filter(source__startswith="Endret").exists()


def test_malformed_org_number_on_fresh_database_imports_nothing(counties):
    lines = org_lines(40)
    lines[4] = lines[4].replace("944183779", "944183770")
    error = rejected(("\n".join(lines) + "\n").encode())
    assert [(e.line, e.column) for e in error.errors] == [(5, "org_number")]
    assert "mod-11" in error.errors[0].message
    assert Organisation.objects.count() == 0


def test_every_error_of_a_file_is_reported(counties):
    data = (
        f"{ORG_HEADER}\n"
        "municipality,9901,Ok,03,,,,,,\n"
        "municipality,9902,Bad org,03,123,,,,,\n"
        "municipality,9903,Bad population,03,,many,,,,\n"
        "municipality,9904,Bad date,03,,,2024-13-01,,,\n"
        "nonsense,9905,Bad kind,03,,,,,,\n"
    ).encode()
    error = rejected(data)
    assert [(e.line, e.column) for e in error.errors] == [
        (3, "org_number"), (4, "population"), (5, "population_date"), (6, "kind"),
    ]


# --- malformed files ------------------------------------------------------------------------


def one_org(row: str) -> bytes:
    return f"{ORG_HEADER}\n{row}\n".encode()


def test_wrong_header_is_rejected(counties):
    error = rejected(b"kind,nummer,name\nmunicipality,9901,X\n")
    assert (error.errors[0].line, error.errors[0].column) == (1, "nummer")
    assert "Unknown header" in error.errors[0].message


def test_header_with_a_missing_column_names_it(counties):
    header = ORG_HEADER.replace(",source", "")
    error = rejected(f"{header}\nmunicipality,9901,X,03,,,,,\n".encode())
    assert (error.errors[0].line, error.errors[0].column) == (1, "source")


def test_non_utf8_is_rejected_with_line(counties):
    data = one_org("municipality,9901,Oslo,03,,,,,,").replace(b"Oslo", "Øslo".encode("latin-1"))
    error = rejected(data)
    assert (error.errors[0].line, error.errors[0].column) == (2, "name")
    assert "UTF-8" in error.errors[0].message


def test_nul_bytes_are_rejected_with_line_and_column(counties):
    error = rejected(one_org("municipality,9901,X,03,,,,,,\x00"))
    assert (error.errors[0].line, error.errors[0].column) == (2, "source")
    assert "NUL" in error.errors[0].message


def test_byte_order_mark_is_accepted(counties):
    result = import_bytes(b"\xef\xbb\xbf" + one_org("municipality,9901,Med BOM,03,,,,,,"))
    assert result.created == 1
    assert Organisation.objects.get(number="9901").name == "Med BOM"


def test_wrong_column_count_is_rejected(counties):
    error = rejected(one_org("municipality,9901,Too few,03"))
    assert (error.errors[0].line, error.errors[0].column) == (2, "org_number")  # first missing
    assert error.errors[0].message == "Expected 10 columns, found 4."
    error = rejected(one_org("municipality,9901,Too many,03,,,,,,,x"))
    assert (error.errors[0].line, error.errors[0].column) == (2, "#11")


def test_unknown_county_is_rejected(counties):
    error = rejected(one_org("municipality,9901,Nowhere,77,,,,,,"))
    assert [(e.line, e.column) for e in error.errors] == [(2, "county")]
    assert "77" in error.errors[0].message


def test_duplicate_number_within_file_is_rejected(counties):
    data = one_org("municipality,9901,First,03,,,,,,\nmunicipality,9901,Second,03,,,,,,")
    error = rejected(data)
    assert [(e.line, e.column) for e in error.errors] == [(3, "number")]
    assert "line 2" in error.errors[0].message


def test_duplicate_org_number_within_file_is_rejected(counties):
    data = one_org("municipality,9901,First,03,958935420,,,,,\n"
                   "municipality,9902,Second,03,958935420,,,,,")
    error = rejected(data)
    assert [(e.line, e.column) for e in error.errors] == [(3, "org_number")]


def test_org_number_held_by_another_organisation_is_rejected(counties):
    import_bytes(one_org("municipality,9901,Holder,03,958935420,,,,,"))
    error = rejected(one_org("municipality,9902,Newcomer,03,958935420,,,,,"))
    assert [(e.line, e.column) for e in error.errors] == [(2, "org_number")]
    assert "9901 Holder" in error.errors[0].message


def test_too_long_field_is_rejected(counties):
    error = rejected(one_org(f"municipality,9901,{'x' * 201},03,,,,,,"))
    assert [(e.line, e.column) for e in error.errors] == [(2, "name")]
    assert "200" in error.errors[0].message


def test_huge_field_is_rejected_not_crashing(counties):
    error = rejected(one_org(f"municipality,9901,X,03,,,,,,{'y' * 20_000}"))
    assert error.errors[0].line == 2


@pytest.mark.parametrize("char", ["\x01", "\x1b", "\x7f"])
def test_control_characters_are_rejected(counties, char):
    error = rejected(one_org(f"municipality,9901,Bad{char}name,03,,,,,,"))
    assert [(e.line, e.column) for e in error.errors] == [(2, "name")]
    assert "control" in error.errors[0].message


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\n\n"], ids=["empty", "bom", "blank"])
def test_empty_file_is_rejected(counties, data):
    error = rejected(data)
    assert (error.errors[0].line, error.errors[0].message) == (1, "The file is empty.")


def test_header_only_file_changes_nothing(counties):
    assert import_bytes(f"{ORG_HEADER}\n".encode()).changes == 0


def test_missing_file_is_a_command_error(db, tmp_path):
    with pytest.raises(CommandError, match="missing.csv"):
        run(tmp_path / "missing.csv")


def test_errors_are_written_by_the_command(counties, tmp_path):
    path = write(tmp_path, f"{ORG_HEADER}\nmunicipality,99,Short,03,,,,,,\n")
    with pytest.raises(CommandError, match="nothing was changed"):
        run(path)


# --- values stored as text ------------------------------------------------------------------


@pytest.mark.parametrize("name", [
    "=cmd|' /C calc'!A0", "+SUM(A1:A2)", "-2+3", "@HYPERLINK(\"http://x\")",
    "<script>alert(1)</script>", "Robert'); DROP TABLE register_organisation;--",
])
def test_hostile_names_are_stored_verbatim(counties, name):
    quoted = '"' + name.replace('"', '""') + '"'
    result = import_bytes(one_org(f"municipality,9901,{quoted},03,,,,,,"))
    assert result.created == 1
    assert Organisation.objects.get(number="9901").name == name


def test_import_needs_permission(db, contact_a, secretary_x):
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import PermissionDenied

    before = snapshot()
    for actor in (AnonymousUser(), contact_a, secretary_x):
        with pytest.raises(PermissionDenied):
            register_import(actor=actor, data=COUNTIES.read_bytes(), source="x.csv")
    assert snapshot() == before


def test_import_by_administrator_records_the_user(admin_user):
    register_import(actor=admin_user, data=COUNTIES.read_bytes(), source="x.csv")
    assert County.objects.get(number="03").history.get().history_user == admin_user


# --- organisation-number validation equals the mod-11 rule ---------------------------------

WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


def mod11_valid(number: str) -> bool:
    if len(number) != 9 or not number.isdigit():
        return False
    remainder = sum(w * int(d) for w, d in zip(WEIGHTS, number, strict=False)) % 11
    check = 11 - remainder
    if check == 11:
        check = 0
    if check == 10:
        return False
    return int(number[8]) == check


def accepted(number: str) -> bool:
    from django.core.exceptions import ValidationError

    try:
        validate_org_number(number)
        parse_org_number(number)
    except ValidationError:
        return False
    return True


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_org_number_validation_is_mod11(number):
    assert accepted(number) == mod11_valid(number)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_every_eight_digit_prefix_has_at_most_one_check_digit(prefix):
    valid = [d for d in "0123456789" if accepted(prefix + d)]
    assert valid == [d for d in "0123456789" if mod11_valid(prefix + d)]
    assert len(valid) <= 1


@pytest.mark.parametrize("number", ["", "95893542", "9589354200", "95893542x"])
def test_org_number_shapes(number):
    assert mod11_valid(number) is False
    if number:
        assert accepted(number) is False


def test_known_org_numbers():
    assert mod11_valid("958935420") and accepted("958935420")  # Oslo kommune
    assert not accepted("958935421")
    assert t.OrganisationFactory.build().org_number  # factories produce valid numbers


# --- networks ------------------------------------------------------------------------------

NETWORK_HEADER = ("name,slug,counties,scope,stated_member_count,certainty,members,source_url,"
                  "source_date,note")


def network_file(members: str) -> bytes:
    return f"{NETWORK_HEADER}\nDigi Test,digi-test,03,,,low,{members},,,\n".encode()


def test_network_members_removed_and_added_again(db):
    run(COUNTIES)
    import_bytes(one_org("municipality,0301,Oslo,03,,,,,,") + b"municipality,0302,Test,03,,,,,,\n")
    import_bytes(network_file("0301;0302"))
    network = Network.objects.get(slug="digi-test")
    assert network.memberships.current().count() == 2

    assert import_bytes(network_file("0301")).updated == 1
    assert [m.organisation.number for m in network.memberships.current()] == ["0301"]
    ended = network.memberships.get(organisation__number="0302")
    assert ended.valid_to is not None and not ended.is_current  # ended, kept as history

    assert import_bytes(network_file("0301;0302")).updated == 1  # back again
    assert network.memberships.current().count() == 2
    assert network.memberships.filter(organisation__number="0302").count() == 2
    before = snapshot()
    assert import_bytes(network_file("0301;0302")).changes == 0
    assert snapshot() == before


def test_network_with_unknown_member_is_rejected(counties):
    error = rejected(network_file("0301;9999"))
    assert [(e.line, e.column) for e in error.errors] == [(2, "members")]


def test_crlf_line_endings_are_accepted(counties):
    data = one_org("municipality,9901,Windows,03,,,,,,").replace(b"\n", b"\r\n")
    assert import_bytes(data).created == 1
    assert Organisation.objects.get(number="9901").name == "Windows"


# --- load_register: the shipped register and the bodies in one transaction -----------------


def test_load_register_is_all_or_nothing(db, tmp_path, monkeypatch):
    from register.management.commands import load_register

    (tmp_path / "counties-2024.csv").write_bytes(COUNTIES.read_bytes())
    write(tmp_path, "\n".join(org_lines(20)) + "\n", "organisations-2024.csv")
    write(tmp_path, f"{NETWORK_HEADER}\nBroken,broken,77,,,low,,,,\n", "networks-2024.csv")
    (tmp_path / "state-agencies-2024.csv").write_bytes(STATE_AGENCIES.read_bytes())
    monkeypatch.setattr(load_register, "DATA", tmp_path)
    before = snapshot()
    with pytest.raises(CommandError, match="networks-2024.csv"):
        call_command("load_register", stdout=StringIO(), stderr=StringIO())
    assert snapshot() == before  # counties and organisations rolled back too


def test_load_register_small_then_again_changes_nothing(db, tmp_path, monkeypatch):
    from register.management.commands import load_register

    (tmp_path / "counties-2024.csv").write_bytes(COUNTIES.read_bytes())
    write(tmp_path, "\n".join(org_lines(20)) + "\n", "organisations-2024.csv")
    write(tmp_path, network_file("1101;1103").decode(), "networks-2024.csv")
    (tmp_path / "state-agencies-2024.csv").write_bytes(STATE_AGENCIES.read_bytes())
    monkeypatch.setattr(load_register, "DATA", tmp_path)
    call_command("load_register", stdout=StringIO(), stderr=StringIO())
    assert Organisation.objects.count() == 22 and Network.objects.count() == 1  # + 2 agencies
    assert apps.get_model("structure", "Body").objects.count() > 5
    before = snapshot()
    out = StringIO()
    call_command("load_register", stdout=out, stderr=StringIO())
    assert "bodies.csv: 0 created, 0 updated" in out.getvalue()
    assert "external-bodies.csv: 0 created, 0 updated" in out.getvalue()
    assert snapshot() == before


def test_samstyring_console_command_accepts_hyphenated_name(monkeypatch):
    """``samstyring import-register`` reaches import_register. (Run in-process for real it
    would close the test's database connection, as run_from_argv does.)"""
    import django.core.management

    from config.cli import main

    seen = []
    monkeypatch.setattr(django.core.management, "execute_from_command_line", seen.append)
    assert main(["samstyring", "import-register", str(COUNTIES), "--dry-run"]) == 0
    assert seen == [["samstyring", "import_register", str(COUNTIES), "--dry-run"]]


def test_predecessor_must_exist_and_end_before(counties, tmp_path):
    body = (f"{ORG_HEADER},predecessors\n"
            "municipality,9001,Nykommune,03,,,,2024-01-01,,,9999\n").encode()
    with pytest.raises(ImportRejected) as exc:
        import_bytes(body)
    assert [(e.line, e.column) for e in exc.value.errors] == [(2, "predecessors")]
    assert not Organisation.objects.filter(number="9001").exists()


def test_file_without_predecessors_column_leaves_links_alone(counties, tmp_path):
    both = (f"{ORG_HEADER},predecessors\n"
            "municipality,9001,Gammel,03,,,,2020-01-01,2023-12-31,,\n"
            "municipality,9002,Ny,03,,,,2024-01-01,,,9001\n").encode()
    assert import_bytes(both).created == 2
    new = Organisation.objects.get(number="9002")
    assert list(new.predecessors.values_list("number", flat=True)) == ["9001"]
    without = (f"{ORG_HEADER}\nmunicipality,9002,Ny,03,,,,2024-01-01,,\n").encode()
    assert import_bytes(without).changes == 0
    assert list(new.predecessors.values_list("number", flat=True)) == ["9001"]
    assert import_bytes(both).changes == 0  # idempotent with links too
