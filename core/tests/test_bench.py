"""bench/pages.py runs on a tiny dataset and reports every public page and API read."""

import datetime
import json

import pytest
from django.urls import get_resolver

from bench import pages
from config.api import api
from core import testing as t
from representation.models import RepresentativityRule, Vacancy

pytestmark = pytest.mark.django_db


@pytest.fixture
def tiny_dataset():
    org = t.OrganisationFactory(number="0301", name="Oslo")
    t.NetworkMembershipFactory(organisation=org)
    person = t.AffiliationFactory(organisation=org).person
    membership = t.MembershipFactory(person=person, organisation=org,
                                     valid_to=datetime.date(2099, 1, 1))
    body = membership.seat.body
    vacancy = Vacancy.objects.create(body=body, title="Verv", term_start=datetime.date(2027, 1, 1),
                                     deadline=datetime.date(2026, 12, 1))
    vacancy.seats.add(membership.seat)
    RepresentativityRule.objects.create(body=body, kind="gender_balance")
    _cases(body)
    _solutions(org, person)


def _cases(body):
    """A public case with a step, a closed round with an input, and a meeting."""
    from django.utils import timezone

    from cases import services as case_services
    from cases.tests.conftest import make_case, make_round
    from core.access import SYSTEM

    case = make_case(SYSTEM, body, status="in_progress")
    step = case_services.step_create(actor=SYSTEM, case=case, data={"body": body,
                                                                    "purpose": "input"})
    now = timezone.now()
    make_round(SYSTEM, step, opens=now - datetime.timedelta(days=9),
               closes=now - datetime.timedelta(days=1))
    case_services.meeting_create(actor=SYSTEM, body=body, data={
        "title": "Møte", "starts_at": now, "ends_at": now + datetime.timedelta(hours=2)})


def _solutions(org, person):
    """A solution Oslo adopted, with a contact person, and its benefit model."""
    from core.access import SYSTEM
    from solutions import services as solution_services
    from solutions.models import Solution

    solution = Solution.objects.create(name="SvarUt", slug="svarut", kind="service")
    solution_services.adoption_record(actor=SYSTEM, solution=solution, organisation=org,
                                      status="production", valid_from=datetime.date(2016, 9, 1),
                                      contact=person, contact_role="Arkivleder")
    model = solution_services.benefit_model_save(actor=SYSTEM, solution=solution,
                                                 data={"base_year": 2016})
    solution_services.benefit_item_save(actor=SYSTEM, model=model, data={
        "title": "Porto spart", "direction": "gain", "actor_type": "municipality",
        "first_year": 2016, "last_year": 2030, "amount": 1000})


def test_smoke_run_reports_ratio_and_queries_for_every_page(tiny_dataset, tmp_path, capsys):
    out = tmp_path / "pages.json"
    code = pages.main(["--smoke", "--requests", "5", "--markdown", "--out", str(out)])
    assert code in (0, 1)  # wall-clock budgets depend on the machine; not asserted here

    report = json.loads(out.read_text(encoding="utf-8"))
    names = {row["name"] for row in report["pages"]}
    routes = {f"{ns}:{p.name}" for ns, p in pages._walk(get_resolver("config.urls").url_patterns)}
    gets = {"GET " + route for route, ops in api.get_openapi_schema()["paths"].items()
            if "get" in ops}
    private = {"GET " + route for route in pages.NOT_PUBLIC_API}
    assert routes and routes | (gets - private) <= names and not private & names
    assert {"GET /api/organisations", "GET /api/memberships", "core:home"} <= names
    for row in report["pages"]:
        assert row["status"] == 200, row
        assert row["p95_ratio"] > 0 and isinstance(row["queries"], int)
        assert row["ok"] == (f"{row['name']} (" not in " ".join(report["breaches"]))
    assert report["trivial"]["p95_ms"] > 0 and report["requests"] == 5
    printed = capsys.readouterr().out
    assert "trivial view" in printed
    assert "| page / endpoint | cached p95 × |" in printed
    assert all(f"| `{name}` |" in printed for name in names)  # the Markdown table lists each


def test_empty_database_is_a_clear_error(tmp_path, capsys):
    assert pages.main(["--smoke", "--out", str(tmp_path / "x.json")]) == 2
    assert "generate the scale data first" in capsys.readouterr().err


def test_reads_left_out_of_the_benchmark_really_need_a_login(tiny_dataset, client):
    """NOT_PUBLIC_API may only name existing GET operations that refuse anonymous readers."""
    schema = api.get_openapi_schema()["paths"]
    for route in pages.NOT_PUBLIC_API:
        assert "get" in schema.get(route, {}), route
        response = client.get(route.replace("{id}", "1"))
        assert response.status_code in (401, 403, 404), (route, response.status_code)
