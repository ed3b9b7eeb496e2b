"""The organisation CSV export: round trip, formula-injection escaping, filters, bounded queries,
open to anonymous visitors (register/exports.py; QUALITY.md item 7, issue 3 item 5)."""

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from core import testing as t
from register.exports import (
    COLUMNS,
    FORMULA_PREFIXES,
    escape_cell,
    organisations_csv,
    unescape_cell,
)
from register.models import Organisation

PAGE = "/organisasjoner/eksport.csv"
API = "/api/organisations.csv"


def parse(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


@pytest.fixture
def county(db):
    return t.CountyFactory(number="46", name="Vestland")


def test_route_names():
    assert reverse("register:organisation_export") == PAGE


def test_round_trip_of_safe_text(county):
    orgs = [t.OrganisationFactory(name=name, county=county, source="SSB, \"KLASS\"\nlinje 2")
            for name in ["Bø", "Ås – Áltá", "Kommune, med komma", 'Sitat "her"']]
    rows = parse(organisations_csv(Organisation.objects.all()))
    assert list(rows[0]) == COLUMNS
    by_name = {r["name"]: r for r in rows}
    for org in orgs:
        row = by_name[org.name]
        assert row["number"] == org.number and row["org_number"] == org.org_number
        assert row["county"] == "46" and row["source"] == org.source
        assert row["population"] == str(org.population) and row["kind"] == org.kind


@pytest.mark.parametrize("value", ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(1)", "\t=1",
                                   "\r=1", "=HYPERLINK(\"http://x\")"])
def test_formula_cells_are_escaped(county, value):
    t.OrganisationFactory(name=value, source=value, county=county)
    (row,) = parse(organisations_csv(Organisation.objects.all()))
    assert row["name"] == "'" + value and row["source"] == "'" + value
    assert unescape_cell(row["name"]) == value


@settings(max_examples=100, deadline=None, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
@given(st.text(max_size=30))
def test_escape_rule_property(value):
    escaped = escape_cell(value)
    assert not escaped.startswith(FORMULA_PREFIXES)  # never read as a formula
    assert unescape_cell(escaped) == value  # and nothing is lost
    if not value.startswith(FORMULA_PREFIXES):
        assert escaped == value  # safe text is untouched


@pytest.mark.parametrize("url", [PAGE, API])
def test_anonymous_download_is_csv_and_filtered_like_the_list(county, url):
    other = t.CountyFactory(number="03", name="Oslo")
    t.OrganisationFactory(name="I Vestland", county=county)
    t.OrganisationFactory(name="I Oslo", county=other)
    response = Client().get(url, {"county": "46"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    if url == PAGE:
        assert "attachment" in response["Content-Disposition"]
    names = [r["name"] for r in parse(response.content.decode("utf-8"))]
    assert names == ["I Vestland"]


@pytest.mark.parametrize("url,status", [(PAGE, 400), (API, 422)])
def test_invalid_filter_is_refused(county, url, status):
    assert Client().get(url, {"kind": "<script>"}).status_code == status


def test_post_is_refused(db):
    assert Client().post(PAGE).status_code in (403, 405)


def _queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", [PAGE, API])
def test_queries_do_not_grow_with_rows(county, url):
    client = Client()
    for i in range(3):
        t.OrganisationFactory(county=county, number=f"{9100 + i}")
    small = _queries(client, url)
    for i in range(297):
        t.OrganisationFactory(county=county, number=f"{9200 + i}")
    large = _queries(client, url)
    assert large == small, f"{small} queries for 3 rows, {large} for 300"
    assert small <= 5


def test_api_csv_route_answers_csv(client, db):
    t.OrganisationFactory(name="=SUM(A1)")
    response = client.get("/api/organisations.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "'=SUM(A1)" in response.content.decode("utf-8-sig")
