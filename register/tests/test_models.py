"""Register models: database constraints, validation and business-time queries."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core import testing as t
from register.models import County, NetworkMembership, Organisation, validate_org_number

D = datetime.date


def integrity_error(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_org_number_validator():
    validate_org_number("958935420")
    validate_org_number("")  # empty means unknown
    for bad in ("958935421", "95893542", "9589354200", "abcdefghi"):
        with pytest.raises(ValidationError) as info:
            validate_org_number(bad)
        assert info.value.code == "invalid_org_number"


def test_org_number_is_unique_per_kind(db):
    org = t.OrganisationFactory(org_number="958935420")
    integrity_error(lambda: t.OrganisationFactory(org_number="958935420"))
    # Oslo is both municipality and county municipality under one number.
    t.OrganisationFactory(org_number=org.org_number, kind="county_municipality", number="03")


def test_empty_org_numbers_do_not_clash(db):
    t.OrganisationFactory(org_number="")
    t.OrganisationFactory(org_number="")
    assert Organisation.objects.filter(org_number="").count() == 2


@pytest.mark.parametrize("value", ["12345678", "12345678x", " 95893542"])
def test_org_number_must_be_nine_digits_in_the_database(db, value):
    org = t.OrganisationFactory()
    integrity_error(lambda: Organisation.objects.filter(pk=org.pk).update(org_number=value))


def test_municipality_number_unique_per_period(db):
    county = t.CountyFactory()
    t.OrganisationFactory(number="9901", county=county, valid_from=D(2020, 1, 1))
    integrity_error(lambda: t.OrganisationFactory(number="9901", valid_from=D(2020, 1, 1)))
    # A re-established municipality is a new period under the same number.
    t.OrganisationFactory(number="9901", valid_from=D(2024, 1, 1))


def test_municipality_number_unique_with_open_start(db):
    t.OrganisationFactory(number="9902", valid_from=None)
    integrity_error(lambda: t.OrganisationFactory(number="9902", valid_from=None))


def test_validity_period_cannot_end_before_it_starts(db):
    integrity_error(lambda: t.OrganisationFactory(valid_from=D(2024, 1, 2),
                                                  valid_to=D(2024, 1, 1)))
    org = t.OrganisationFactory.build(valid_from=D(2024, 1, 2), valid_to=D(2024, 1, 1),
                                      county=t.CountyFactory())
    with pytest.raises(ValidationError):
        org.full_clean()


def test_one_day_period_is_allowed(db):
    org = t.OrganisationFactory(valid_from=D(2024, 1, 1), valid_to=D(2024, 1, 1))
    assert org.is_valid_on(D(2024, 1, 1))


@pytest.mark.parametrize(("on", "expected"), [
    (D(2019, 12, 31), False), (D(2020, 1, 1), True), (D(2023, 12, 31), True),
    (D(2024, 1, 1), False),
])
def test_valid_on_is_inclusive_at_both_ends(db, on, expected):
    org = t.OrganisationFactory(valid_from=D(2020, 1, 1), valid_to=D(2023, 12, 31))
    assert org.is_valid_on(on) is expected
    assert Organisation.objects.valid_on(on).filter(pk=org.pk).exists() is expected


def test_open_periods_are_always_valid(db):
    org = t.OrganisationFactory(valid_from=None, valid_to=None)
    assert Organisation.objects.valid_on(D(1900, 1, 1)).filter(pk=org.pk).exists()
    assert org.is_current


def test_members_are_municipalities_and_county_municipalities(db):
    kinds = ["municipality", "county_municipality", "ks", "vendor"]
    orgs = {kind: t.OrganisationFactory(kind=kind, number="") for kind in kinds}
    assert set(Organisation.objects.members()) == {orgs["municipality"],
                                                   orgs["county_municipality"]}
    assert orgs["municipality"].is_member and not orgs["ks"].is_member


def test_name_variants_split_parallel_names():
    org = Organisation(name="Guovdageaidnu - Kautokeino")
    assert org.name_variants == ["Guovdageaidnu", "Kautokeino"]
    assert Organisation(name="Herøy (Nordland)").name_variants == ["Herøy (Nordland)"]


def test_county_number_is_unique(db):
    County.objects.create(number="98", name="A", short_name="A")
    integrity_error(lambda: County.objects.create(number="98", name="B", short_name="B"))


def test_network_membership_unique_per_start(db):
    membership = t.NetworkMembershipFactory(valid_from=None)
    integrity_error(lambda: NetworkMembership.objects.create(
        network=membership.network, organisation=membership.organisation))


def test_organisation_with_members_cannot_be_deleted(db):
    affiliation = t.AffiliationFactory()
    with pytest.raises(Exception) as info, transaction.atomic():
        affiliation.organisation.delete()
    assert type(info.value).__name__ == "ProtectedError"


def test_population_unknown_is_null_not_zero(db):
    org = t.OrganisationFactory(population=None)
    assert Organisation.objects.get(pk=org.pk).population is None
    integrity_error(lambda: Organisation.objects.filter(pk=org.pk).update(population=-1))
