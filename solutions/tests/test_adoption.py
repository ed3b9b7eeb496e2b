"""Recording adoption: the rules of a status change, permissions, and the past on any date."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from core.access import SYSTEM
from core.testing import (
    AffiliationFactory,
    BodyFactory,
    OrganisationFactory,
    PersonFactory,
    count_queries,
    user_with_role,
)
from solutions import selectors, services
from solutions.models import Adoption

from .factories import SolutionFactory

pytestmark = pytest.mark.django_db
D = datetime.date


def record(org, solution, status, day, actor=SYSTEM, **extra):
    return services.adoption_record(actor=actor, solution=solution, organisation=org,
                                    status=status, valid_from=day, **extra)


def status_on(solution, org, day):
    adoption = Adoption.objects.valid_on(day).filter(solution=solution, organisation=org).first()
    return adoption.status if adoption else "not_started"


def test_a_new_status_closes_the_current_period_the_day_before():
    org, solution = OrganisationFactory(), SolutionFactory()
    record(org, solution, "planned", D(2015, 3, 1))
    record(org, solution, "implementing", D(2016, 1, 10))
    record(org, solution, "production", D(2016, 9, 1))
    periods = list(Adoption.objects.filter(solution=solution, organisation=org)
                   .order_by("valid_from").values_list("status", "valid_from", "valid_to"))
    assert periods == [("planned", D(2015, 3, 1), D(2016, 1, 9)),
                       ("implementing", D(2016, 1, 10), D(2016, 8, 31)),
                       ("production", D(2016, 9, 1), None)]


def test_same_status_again_updates_contact_and_note_without_a_new_period():
    org, solution = OrganisationFactory(), SolutionFactory()
    record(org, solution, "production", D(2018, 1, 1))
    record(org, solution, "production", D(2020, 1, 1), contact_role="Arkivleder", note="Alt")
    (only,) = Adoption.objects.filter(solution=solution, organisation=org)
    assert (only.valid_from, only.contact_role, only.note) == (D(2018, 1, 1), "Arkivleder", "Alt")


def test_same_day_corrects_the_current_period():
    org, solution = OrganisationFactory(), SolutionFactory()
    record(org, solution, "planned", D(2018, 1, 1))
    record(org, solution, "implementing", D(2018, 1, 1))
    assert list(Adoption.objects.filter(organisation=org).values_list("status", flat=True)) == [
        "implementing"]


def test_identical_report_writes_no_history():
    org, solution = OrganisationFactory(), SolutionFactory()
    record(org, solution, "production", D(2018, 1, 1))
    before = Adoption.history.count()
    record(org, solution, "production", D(2018, 1, 1))
    assert Adoption.history.count() == before


@pytest.mark.parametrize("day, field", [(D(2017, 12, 31), "valid_from"),  # before current
                                        (D(1989, 1, 1), "valid_from")])
def test_a_change_before_the_current_status_is_refused(day, field):
    org, solution = OrganisationFactory(), SolutionFactory()
    record(org, solution, "production", D(2018, 1, 1))
    with pytest.raises(ValidationError) as error:
        record(org, solution, "discontinued", day)
    assert field in error.value.message_dict
    assert Adoption.objects.count() == 1


def test_future_dates_and_unknown_statuses_are_refused():
    org, solution = OrganisationFactory(), SolutionFactory()
    with time_machine.travel(D(2026, 6, 1)):
        with pytest.raises(ValidationError) as error:
            record(org, solution, "production", D(2026, 6, 2))
        assert "valid_from" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            record(org, solution, "live", D(2026, 6, 1))
        assert "status" in error.value.message_dict
    assert not Adoption.objects.exists()


def test_only_members_adopt():
    agency, solution = OrganisationFactory(kind="state_agency", number=""), SolutionFactory()
    with pytest.raises(ValidationError) as error:
        record(agency, solution, "production", D(2020, 1, 1))
    assert "organisation" in error.value.message_dict


def test_contacts_update_their_own_organisation_only():
    mine, other, solution = OrganisationFactory(), OrganisationFactory(), SolutionFactory()
    contact = user_with_role("org_contact", organisation=mine)
    record(mine, solution, "planned", D(2020, 1, 1), actor=contact)
    with pytest.raises(PermissionDenied):
        record(other, solution, "planned", D(2020, 1, 1), actor=contact)
    with pytest.raises(PermissionDenied):
        record(mine, solution, "planned", D(2020, 1, 1),
               actor=user_with_role("body_secretary", body=BodyFactory()))
    assert Adoption.objects.filter(organisation=other).count() == 0
    assert Adoption.history.filter(history_user=contact).count() == 1


def test_adoption_at_any_past_date_matches_what_was_recorded_then():
    """Done-when: record a member's changes as they happened (each on its own day, told then);
    afterwards, the status on every day of the span is what was recorded on that day — from
    the business-time periods and from the change log (simple-history ``as_of``) alike."""
    org, solution = OrganisationFactory(), SolutionFactory()
    told = {}  # the day a status was recorded → the status recorded that day
    timeline = [(D(2014, 5, 2), "planned"), (D(2015, 2, 1), "implementing"),
                (D(2015, 11, 16), "production"), (D(2021, 8, 31), "discontinued"),
                (D(2022, 3, 1), "production")]
    for day, status in timeline:
        with time_machine.travel(datetime.datetime(day.year, day.month, day.day, 12),
                                 tick=False):
            record(org, solution, status, day)
            told[day] = status_on(solution, org, day)
    day, expected = D(2014, 1, 1), "not_started"
    changes = dict(timeline)
    while day <= D(2023, 1, 1):
        expected = changes.get(day, expected)
        assert status_on(solution, org, day) == expected, day
        day += datetime.timedelta(days=1)
    assert told == changes
    # The change log answers "what did the register say then" for each recording day.
    for day, status in timeline:
        moment = datetime.datetime(day.year, day.month, day.day, 23, 59,
                                   tzinfo=datetime.UTC)
        recorded = Adoption.history.as_of(moment).filter(
            solution=solution, organisation=org, valid_to__isnull=True).get()
        assert (recorded.status, recorded.valid_from) == (status, day)


def test_corrections_of_the_past_keep_the_reason_and_refuse_overlaps():
    org, solution = OrganisationFactory(), SolutionFactory()
    record(org, solution, "planned", D(2015, 1, 1))
    record(org, solution, "production", D(2016, 1, 1))
    planned = Adoption.objects.get(status="planned")
    with pytest.raises(ValidationError):
        services.adoption_correct(actor=SYSTEM, adoption=planned,
                                  data={"valid_to": D(2016, 6, 1)}, reason="Feil dato")
    planned.refresh_from_db()
    assert planned.valid_to == D(2015, 12, 31)
    with pytest.raises(ValidationError):
        services.adoption_correct(actor=SYSTEM, adoption=planned,
                                  data={"status": "implementing"}, reason=" ")
    services.adoption_correct(actor=SYSTEM, adoption=planned,
                              data={"status": "implementing"}, reason="Feil status")
    assert status_on(solution, org, D(2015, 6, 1)) == "implementing"
    assert Adoption.history.filter(history_change_reason="Feil status").count() == 1
    with pytest.raises(PermissionDenied):
        services.adoption_correct(actor=user_with_role("org_contact", organisation=org),
                                  adoption=planned, data={"status": "planned"}, reason="x")


def test_contact_person_is_recorded():
    org, solution = OrganisationFactory(), SolutionFactory()
    person = PersonFactory()
    AffiliationFactory(person=person, organisation=org)
    adoption = record(org, solution, "production", D(2020, 1, 1), contact=person,
                      contact_role="Digitaliseringsleder")
    assert adoption.contact == person


# --- diffusion -------------------------------------------------------------------------------

def _sector(n=6):
    from core.testing import CountyFactory

    east, west = CountyFactory(number="71"), CountyFactory(number="72")
    orgs = [OrganisationFactory(county=east if i < n // 2 else west, population=1000 * (i + 1))
            for i in range(n)]
    return orgs, SolutionFactory()


def test_curve_counts_members_and_population_per_year_end():
    orgs, solution = _sector()
    record(orgs[0], solution, "production", D(2015, 6, 1))
    record(orgs[1], solution, "implementing", D(2015, 1, 1))
    record(orgs[1], solution, "production", D(2016, 3, 1))
    record(orgs[5], solution, "production", D(2016, 12, 31))
    points = selectors.curve(solution, until=D(2017, 5, 1))
    assert [p.on for p in points] == [D(2015, 12, 31), D(2016, 12, 31), D(2017, 5, 1)]
    first, second = points[0], points[1]
    assert first.members == 6 and first.production == 1
    assert first.counts["implementing"] == 1 and first.counts["not_started"] == 4
    assert second.production == 3
    assert second.share == pytest.approx(3 / 6)
    # population 1000+2000+6000 of 21000
    assert second.population_share == pytest.approx(9000 / 21000)


def test_breakdowns_laggards_and_near_me():
    orgs, solution = _sector()
    for org in orgs[:2]:  # two of three in the first county
        record(org, solution, "production", D(2016, 1, 1))
    rows = selectors.statuses(solution, D(2020, 1, 1))
    groups = {g.key: g for g in selectors.breakdown(rows, "county")}
    assert (groups["71"].production, groups["71"].members) == (2, 3)
    assert groups["72"].production == 0
    lagging = selectors.laggards(rows)
    assert [lag.row.organisation.pk for lag in lagging] == [orgs[2].pk]
    near = selectors.near(rows, orgs[2])
    assert {r.organisation.pk for r in near["county"]} == {orgs[0].pk, orgs[1].pk}
    sizes = selectors.breakdown(rows, "size")
    assert sum(g.members for g in sizes) == 6


def test_member_profile_against_peers():
    orgs, solution = _sector()
    other = SolutionFactory()
    record(orgs[0], solution, "production", D(2016, 1, 1))
    record(orgs[1], solution, "production", D(2016, 1, 1))
    record(orgs[2], other, "planned", D(2016, 1, 1))
    profile = {row.solution.pk: row for row in selectors.member_profile(orgs[2], D(2020, 1, 1))}
    assert profile[other.pk].status == "planned"
    assert profile[solution.pk].status == "not_started"
    assert profile[solution.pk].peers["county"] == pytest.approx(2 / 2)
    assert profile[solution.pk].peers["sector"] == pytest.approx(2 / 5)


def test_diffusion_reads_run_a_fixed_number_of_queries():
    def measure(n):
        orgs, solution = _sector(n)
        for i, org in enumerate(orgs):
            record(org, solution, "planned", D(2010 + i % 5, 1, 1))
            record(org, solution, "production", D(2016 + i % 5, 1, 1))

        def read():
            rows = selectors.statuses(solution, D(2024, 1, 1))
            for by in ("county", "network", "size"):
                selectors.breakdown(rows, by)
            selectors.laggards(rows)
            selectors.near(rows, orgs[-1])
            selectors.curve(solution, until=D(2024, 1, 1))
            selectors.member_profile(orgs[-1], D(2024, 1, 1))
        return count_queries(read)

    assert measure(3) == measure(30)


def test_a_contact_person_must_work_for_the_organisation():
    org, solution = OrganisationFactory(), SolutionFactory()
    stranger = PersonFactory()
    with pytest.raises(ValidationError) as error:
        record(org, solution, "production", D(2020, 1, 1), contact=stranger)
    assert "contact" in error.value.message_dict
    assert not Adoption.objects.exists()


def test_corrections_keep_to_the_same_days_as_reports():
    org, solution = OrganisationFactory(), SolutionFactory()
    adoption = record(org, solution, "production", D(2020, 1, 1))
    with time_machine.travel(D(2026, 6, 1)):
        for data in ({"valid_from": D(1980, 1, 1)}, {"valid_to": D(2026, 6, 2)}):
            with pytest.raises(ValidationError) as error:
                services.adoption_correct(actor=SYSTEM, adoption=adoption, data=data,
                                          reason="Retting")
            assert set(data) <= set(error.value.message_dict)
            adoption.refresh_from_db()
    assert (adoption.valid_from, adoption.valid_to) == (D(2020, 1, 1), None)


def test_a_new_status_after_an_ended_period_leaves_it_alone():
    org, solution = OrganisationFactory(), SolutionFactory()
    adoption = record(org, solution, "production", D(2018, 1, 1))
    services.adoption_correct(actor=SYSTEM, adoption=adoption,
                              data={"valid_to": D(2019, 12, 31)}, reason="Sluttet")
    with pytest.raises(ValidationError) as error:
        record(org, solution, "planned", D(2019, 6, 1))
    assert "valid_from" in error.value.message_dict
    record(org, solution, "planned", D(2021, 1, 1))
    periods = list(Adoption.objects.filter(organisation=org).order_by("valid_from")
                   .values_list("status", "valid_from", "valid_to"))
    assert periods == [("production", D(2018, 1, 1), D(2019, 12, 31)),
                       ("planned", D(2021, 1, 1), None)]


def test_addresses_keep_norwegian_letters_readable():
    solution = services.solution_save(actor=SYSTEM, data={"name": "Fiks Matrikkelføring",
                                                          "kind": "standard"})
    assert solution.slug == "fiks-matrikkelforing"
    assert services.solution_slug("Søknad om Æ og Å") == "soknad-om-ae-og-a"


def test_the_catalogue_loads_again_over_an_entry_with_an_older_address():
    from solutions.catalogue import load_fiks_catalogue
    from solutions.models import Solution

    SolutionFactory(name="Fiks Matrikkelføring", slug="fiks-matrikkelfring")
    load_fiks_catalogue(actor=SYSTEM)
    assert Solution.objects.filter(name="Fiks Matrikkelføring").count() == 1
    assert load_fiks_catalogue(actor=SYSTEM) == {"created": 0, "updated": 0, "unchanged": 25}
