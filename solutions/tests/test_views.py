"""The pages of common solutions: what they show, who may change what, exports, and bounded
queries."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.access import SYSTEM
from core.testing import (
    AffiliationFactory,
    BodyFactory,
    CountyFactory,
    NetworkMembershipFactory,
    OrganisationFactory,
    count_queries,
    user_with_role,
)
from solutions import models as solutions_models
from solutions import services
from solutions.models import Adoption, BenefitItem, BenefitModel, Solution

from .factories import SolutionFactory

pytestmark = pytest.mark.django_db
D = datetime.date


def record(org, solution, status, day, **extra):
    return services.adoption_record(actor=SYSTEM, solution=solution, organisation=org,
                                    status=status, valid_from=day, **extra)


@pytest.fixture
def sector():
    county = CountyFactory(number="71", short_name="Testfylke")
    orgs = [OrganisationFactory(county=county, name=f"Kommune {i}", population=1000 * (i + 1))
            for i in range(4)]
    solution = SolutionFactory(name="SvarUt", slug="svarut")
    record(orgs[0], solution, "planned", D(2013, 1, 1))
    record(orgs[0], solution, "production", D(2014, 6, 1), contact_role="Arkivleder")
    record(orgs[1], solution, "production", D(2015, 3, 1))
    record(orgs[2], solution, "production", D(2016, 3, 1))
    return orgs, solution


def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_catalogue_lists_solutions_with_members_in_production(client, sector):
    _orgs, solution = sector
    SolutionFactory(name="Fiks IO", kind="component")
    response = _english(client).get(reverse("solutions:solution_list"))
    assert response.status_code == 200
    rows = [(s.name, s.production_count) for s in response.context["solutions"]]
    assert rows == [("Fiks IO", 0), ("SvarUt", 3)]
    response = client.get(reverse("solutions:solution_list"), {"kind": "component"})
    assert [s.name for s in response.context["solutions"]] == ["Fiks IO"]
    assert client.get(reverse("solutions:solution_list"), {"kind": "x"}).status_code == 400


def test_solution_page_shows_the_curve_and_counts_on_any_day(client, sector):
    _orgs, solution = sector
    url = reverse("solutions:solution_detail", args=[solution.slug])
    response = _english(client).get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'role="img"' in body and "Adoption curve" in body
    counts = {status: n for _label, n, status in response.context["counts"]}
    assert counts["production"] == 3 and counts["not_started"] == 1
    # as of a past day the curve and counts are those of that day
    response = client.get(url, {"dato": "2014-12-31"})
    counts = {status: n for _label, n, status in response.context["counts"]}
    assert counts["production"] == 1 and counts["planned"] == 0 and counts["not_started"] == 3
    assert response.context["points"][-1].on == D(2014, 12, 31)
    assert client.get(url, {"dato": "1800-01-01"}).status_code == 400
    assert client.get(url, {"dato": "2999-01-01"}).status_code == 400


def test_spread_page_shows_breakdown_laggards_and_near_me(client, sector):
    orgs, solution = sector
    url = reverse("solutions:solution_spread", args=[solution.slug])
    response = _english(client).get(url, {"medlem": orgs[3].pk})
    assert response.status_code == 200
    body = response.content.decode()
    assert [lag.row.organisation.pk for lag in response.context["laggards"]] == [orgs[3].pk]
    near = response.context["near"]
    assert {r.organisation.pk for r in near["county"]} == {o.pk for o in orgs[:3]}
    assert "Arkivleder" in body  # the public contact role
    assert f'<option value="{orgs[3].pk}" selected>' in body
    groups = {g.key: g for g in response.context["groups"]}
    assert (groups["71"].production, groups["71"].members) == (3, 4)
    response = client.get(url, {"fordeling": "storrelse", "dato": "2014-12-31"})
    assert sum(g.production for g in response.context["groups"]) == 1
    assert client.get(url, {"fordeling": "x"}).status_code == 400


def test_members_grid_and_table_cover_every_member(client, sector):
    orgs, solution = sector
    response = _english(client).get(reverse("solutions:solution_members",
                                            args=[solution.slug]))
    body = response.content.decode()
    assert body.count('class="chart-cell"') == len(orgs)
    assert "<a " not in body.split('class="chart')[1].split("</svg>")[0]  # no 372 tab stops
    for org in orgs:
        assert org.name in body
    assert "Kommune 3: Not started" in body  # the square's text names member and status


@pytest.mark.parametrize("fmt, content_type, magic", [
    ("svg", "image/svg+xml", b"<?xml"), ("png", "image/png", b"\x89PNG"),
    ("csv", "text/csv", "\ufeff".encode())])
@pytest.mark.parametrize("chart", ["kurve", "fordeling", "medlemmer"])
def test_chart_exports(client, sector, chart, fmt, content_type, magic):
    _orgs, solution = sector
    response = client.get(reverse("solutions:chart_export", args=[solution.slug, chart, fmt]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    assert response.content.startswith(magic)
    assert "attachment" in response["Content-Disposition"]


def test_curve_csv_holds_the_figures(client, sector):
    _orgs, solution = sector
    response = client.get(reverse("solutions:chart_export",
                                  args=[solution.slug, "kurve", "csv"]), {"dato": "2016-12-31"})
    lines = response.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + 4  # header, year ends 2013-2015 and the day asked for
    assert lines[-1].split(",")[1] == "4"  # members


def test_unknown_export_is_404(client, sector):
    _orgs, solution = sector
    for chart, fmt in [("kurve", "gif"), ("x", "svg"), ("kontantstrom", "svg")]:
        assert client.get(reverse("solutions:chart_export",
                                  args=[solution.slug, chart, fmt])).status_code == 404


def test_member_profile_against_peers(client, sector):
    orgs, solution = sector
    other = SolutionFactory(name="Fiks Arkiv")
    response = _english(client).get(reverse("solutions:member_profile", args=[orgs[3].pk]))
    rows = {row["name"]: row for row in response.context["rows"]}
    assert rows[solution.name]["status"] == "not_started"
    assert rows[solution.name]["lagging"]  # 3 of 3 others in production
    assert (rows[solution.name]["county"], rows[solution.name]["sector"]) == ("100%", "100%")
    assert rows[other.name]["sector"] == "0%"
    assert rows[solution.name]["url"] == reverse("solutions:adoption_detail",
                                                 args=[solution.slug, orgs[3].pk])
    agency = OrganisationFactory(kind="state_agency", number="")
    assert client.get(reverse("solutions:member_profile", args=[agency.pk])).status_code == 404


def test_adoption_page_shows_periods_and_change_log(client, sector):
    orgs, solution = sector
    response = _english(client).get(reverse("solutions:adoption_detail",
                                            args=[solution.slug, orgs[0].pk]))
    assert [p.status for p in response.context["periods"]] == ["production", "planned"]
    assert len(response.context["log"]) == 3  # planned added, planned closed, production added
    assert "Record a new status" not in response.content.decode()


def test_contact_records_own_status_through_the_page(client, sector):
    orgs, solution = sector
    contact = user_with_role("org_contact", organisation=orgs[3])
    person = AffiliationFactory(organisation=orgs[3]).person
    client.force_login(contact)
    url = reverse("solutions_edit:adoption_update", args=[solution.slug, orgs[3].pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"status": "implementing", "valid_from": "2020-02-01",
                                 "contact": person.pk, "contact_role": "IKT-leder"})
    assert response.status_code == 302
    adoption = Adoption.objects.get(organisation=orgs[3])
    assert (adoption.status, adoption.contact, adoption.contact_role) == (
        "implementing", person, "IKT-leder")
    # someone else's organisation: refused, nothing written
    other = reverse("solutions_edit:adoption_update", args=[solution.slug, orgs[1].pk])
    assert client.post(other, {"status": "discontinued",
                               "valid_from": "2020-02-01"}).status_code == 403
    assert Adoption.objects.get(organisation=orgs[1], valid_to__isnull=True).status == \
        "production"


def test_adoption_form_errors_name_the_field(client, sector):
    orgs, solution = sector
    client.force_login(user_with_role("admin"))
    url = reverse("solutions_edit:adoption_update", args=[solution.slug, orgs[0].pk])
    response = _english(client).post(url, {"status": "discontinued", "valid_from": "2014-01-01"})
    assert response.status_code == 200
    assert "valid_from" in response.context["form"].errors
    assert Adoption.objects.filter(organisation=orgs[0]).count() == 2


@pytest.mark.parametrize("name", ["solution_create", "adoption_import"])
def test_secretariat_pages_refuse_others(client, sector, name):
    orgs, _solution = sector
    client.force_login(user_with_role("org_contact", organisation=orgs[0]))
    assert client.get(reverse(f"solutions_edit:{name}")).status_code == 403
    client.logout()
    assert client.get(reverse(f"solutions_edit:{name}")).status_code == 302  # to log in


def test_secretariat_creates_and_edits_a_solution(client, sector):
    _orgs, svarut = sector
    client.force_login(user_with_role("admin"))
    response = client.post(reverse("solutions_edit:solution_create"), {
        "name": "Fiks Plan", "kind": "standard", "lifecycle": "pilot",
        "depends_on": [svarut.pk], "description": "Planprotokoll."})
    assert response.status_code == 302
    plan = Solution.objects.get(name="Fiks Plan")
    assert list(plan.depends_on.all()) == [svarut]
    response = client.post(reverse("solutions_edit:solution_edit", args=[plan.slug]), {
        "name": "Fiks Plan", "kind": "standard", "lifecycle": "production",
        "depends_on": [plan.pk]})
    assert response.status_code == 200  # a solution cannot depend on itself
    plan.refresh_from_db()
    assert plan.lifecycle == "pilot"
    response = client.post(reverse("solutions_edit:link_add", args=[plan.slug]),
                           {"title": "Spesifikasjon", "url": "https://example.org/plan"})
    assert response.status_code == 302 and plan.links.count() == 1


def test_benefit_model_through_the_pages(client, sector):
    _orgs, solution = sector
    client.force_login(user_with_role("admin"))
    assert client.post(reverse("solutions_edit:benefit_model_edit", args=[solution.slug]),
                       {"discount_rate": "0.04", "base_year": "2020"}).status_code == 302
    url = reverse("solutions_edit:benefit_item_create", args=[solution.slug])
    client.post(url, {"title": "Utvikling", "direction": "cost", "actor_type": "municipality",
                      "first_year": 2020, "last_year": 2020, "driver": "fixed",
                      "amount": "1000000"})
    client.post(url, {"title": "Porto spart", "direction": "gain",
                      "actor_type": "municipality", "first_year": 2021, "last_year": 2023,
                      "driver": "fixed", "amount": "500000", "amount_low": "300000",
                      "amount_high": "600000"})
    assert BenefitItem.objects.count() == 2
    response = client.get(reverse("solutions:solution_benefits", args=[solution.slug]))
    # −1,000,000 + 480,769.23 + 462,278.11 + 444,498.18 = 387,545.52 → 387,546
    assert response.context["appraisal"].npv == Decimal("387546")
    assert response.context["appraisal"].payback_year == 2023
    for chart in ["kontantstrom", "sensitivitet"]:
        assert client.get(reverse("solutions:chart_export",
                                  args=[solution.slug, chart, "csv"])).status_code == 200
    bad = client.post(url, {"title": "Feil", "direction": "gain", "actor_type": "state",
                            "first_year": 2021, "last_year": 2020, "driver": "per_shipment",
                            "amount": "1"})
    assert bad.status_code == 200 and BenefitItem.objects.count() == 2
    errors = bad.context["form"].errors
    assert "last_year" in errors or "__all__" in errors
    assert "quantity_source" in errors


def _csv(rows):
    text = "organisation,solution,status,valid_from\n" + "\n".join(",".join(r) for r in rows)
    return SimpleUploadedFile("adopsjon.csv", text.encode(), content_type="text/csv")


def test_import_page_lists_both_errors_and_changes_nothing(client, sector):
    """Done-when: one unknown organisation number and one invalid status → both listed with
    line and column, the database unchanged; a valid file imports and the curve moves."""
    orgs, solution = sector
    client.force_login(user_with_role("admin"))
    before = (Adoption.objects.count(), Adoption.history.count())
    url = reverse("solutions_edit:adoption_import")
    response = _english(client).post(url, {"file": _csv([
        ("999999999", "svarut", "production", "2020-01-01"),
        (orgs[3].org_number, "svarut", "live", "2020-01-01")]), "dry_run": ""})
    assert response.status_code == 422
    found = {(e.line, e.column) for e in response.context["errors"].errors}
    assert found == {(2, "organisation"), (3, "status")}
    assert (Adoption.objects.count(), Adoption.history.count()) == before
    curve = reverse("solutions:solution_detail", args=[solution.slug])
    before_share = client.get(curve).context["points"][-1].production
    response = client.post(url, {"file": _csv([
        (orgs[3].org_number, "svarut", "production", "2020-01-01")]), "dry_run": ""})
    assert response.status_code == 200 and response.context["result"].created == 1
    assert client.get(curve).context["points"][-1].production == before_share + 1


def test_import_dry_run_writes_nothing(client, sector):
    orgs, _solution = sector
    client.force_login(user_with_role("admin"))
    before = Adoption.history.count()
    response = client.post(reverse("solutions_edit:adoption_import"), {"file": _csv([
        (orgs[3].org_number, "svarut", "production", "2020-01-01")]), "dry_run": "on"})
    assert response.context["result"].dry_run and response.context["result"].created == 1
    assert Adoption.history.count() == before


def test_pages_run_a_fixed_number_of_queries(client):
    def measure(n):
        county = CountyFactory()
        solution = SolutionFactory()
        model = BenefitModel.objects.create(solution=solution, base_year=2015)
        orgs = []
        for i in range(n):
            org = OrganisationFactory(county=county)
            NetworkMembershipFactory(organisation=org)
            orgs.append(org)
            record(org, solution, "planned", D(2012 + i % 3, 1, 1))
            record(org, solution, "production", D(2016 + i % 5, 1, 1))
            SolutionFactory()
            BenefitItem.objects.create(model=model, title=f"Post {i}", direction="gain",
                                       actor_type="municipality", first_year=2015,
                                       last_year=2030, amount=100 + i)
        detail = reverse("solutions:solution_detail", args=[solution.slug])
        member = f"?medlem={orgs[0].pk}"
        spread = reverse("solutions:solution_spread", args=[solution.slug])
        urls = [reverse("solutions:solution_list"), detail, spread + member,
                spread + "?fordeling=nettverk",
                reverse("solutions:solution_members", args=[solution.slug]),
                reverse("solutions:solution_benefits", args=[solution.slug]) + member,
                reverse("solutions:member_profile", args=[orgs[0].pk]),
                reverse("solutions:adoption_detail", args=[solution.slug, orgs[0].pk])]
        counts = []
        for url in urls:
            counts.append(count_queries(lambda url=url: client.get(url)))
        return counts

    assert measure(3) == measure(30)


def test_members_table_escapes_what_it_shows(client, sector):
    orgs, solution = sector
    orgs[0].name = '<script>alert("x")</script> & Co'
    orgs[0].save()
    services.adoption_correct(actor=SYSTEM, adoption=Adoption.objects.get(
        organisation=orgs[0], valid_to__isnull=True), data={"contact_role": "<b>Leder</b>"},
        reason="Test")
    body = client.get(reverse("solutions:solution_members", args=[solution.slug])).content
    body = body.decode()
    assert "<script>alert" not in body and "<b>Leder</b>" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in body
    assert "&lt;b&gt;Leder&lt;/b&gt;" in body


def _edit_routes(solution, orgs):
    """Every form under /rediger/losninger/ with a valid-looking POST, and who may use it."""
    model = BenefitModel.objects.create(solution=solution, base_year=2020)
    item = BenefitItem.objects.create(model=model, title="Drift", direction="cost",
                                      actor_type="municipality", first_year=2020,
                                      last_year=2021, amount=1)
    link = services.link_save(actor=SYSTEM, solution=solution,
                              data={"title": "Side", "url": "https://example.org"})
    period = Adoption.objects.filter(organisation=orgs[0]).first()
    secretariat = [
        ("solution_create", [], {"name": "Ny", "kind": "service"}),
        ("adoption_import", [], {}),
        ("solution_edit", [solution.slug], {"name": "SvarUt", "kind": "component"}),
        ("link_add", [solution.slug], {"title": "Ny", "url": "https://example.org/ny"}),
        ("link_delete", [link.pk], {}),
        ("benefit_model_edit", [solution.slug], {"discount_rate": "0.05", "base_year": 2020}),
        ("benefit_item_create", [solution.slug], {
            "title": "Ny", "direction": "gain", "actor_type": "state", "first_year": 2020,
            "last_year": 2020, "driver": "fixed", "amount": "5"}),
        ("benefit_item_edit", [solution.slug, item.pk], {
            "title": "Drift", "direction": "cost", "actor_type": "municipality",
            "first_year": 2020, "last_year": 2021, "driver": "fixed", "amount": "9"}),
        ("benefit_item_delete", [item.pk], {}),
        ("adoption_correct", [period.pk], {"status": "implementing",
                                           "valid_from": "2013-01-01", "reason": "x"}),
    ]
    own = ("adoption_update", [solution.slug, orgs[0].pk],
           {"status": "discontinued", "valid_from": "2020-01-01"})
    return secretariat, own


def _state():
    models = (Solution, Adoption, BenefitModel, BenefitItem, solutions_models.SolutionLink)
    return [list(m.objects.order_by("pk").values()) for m in models] + [
        m.history.count() for m in models]


def test_every_form_refuses_the_wrong_user_and_changes_nothing(client, sector):
    """The forms check again what the services check: a member's contact may record its own
    adoption only; the secretariat's forms refuse contacts, body secretaries and anonymous."""
    orgs, solution = sector
    secretariat, own = _edit_routes(solution, orgs)
    outsiders = {"contact": user_with_role("org_contact", organisation=orgs[0]),
                 "other contact": user_with_role("org_contact", organisation=orgs[1]),
                 "secretary": user_with_role("body_secretary", body=BodyFactory())}
    cases = [(name, route) for name in outsiders for route in secretariat]
    cases += [("other contact", own), ("secretary", own)]
    for who, (name, args, data) in [*cases, *((None, route) for route in secretariat + [own])]:
        client.logout()
        if who:
            client.force_login(outsiders[who])
        url = reverse(f"solutions_edit:{name}", args=args)
        before = _state()
        response = client.post(url, data)
        expected = 403 if who else 302
        assert response.status_code == expected, (who, name, response.status_code)
        if not who:
            assert "/login" in response["Location"] or "logg" in response["Location"], name
        assert _state() == before, (who, name)
    client.force_login(outsiders["contact"])
    name, args, data = own
    assert client.post(reverse(f"solutions_edit:{name}", args=args), data).status_code == 302
