"""The demo: SvarUt spreading to nearly every member of the real register within a few years,
smaller demo adoptions of other Fiks services, SvarUt's illustrative benefit model, and
loading twice changing nothing."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from register.models import Organisation
from solutions import demo, selectors
from solutions.models import Adoption, BenefitItem, Solution

pytestmark = pytest.mark.django_db
D = datetime.date


def test_svarut_spreads_to_nearly_every_member_with_a_few_laggards():
    call_command("load_register", stdout=StringIO(), stderr=StringIO())
    svarut = Solution.objects.get(slug="svarut")
    today = D(2026, 6, 1)

    counts = demo.load(today=today)

    members_today = set(Organisation.objects.valid_on(today).members()
                        .values_list("pk", flat=True))
    adopters = set(svarut.adoptions.values_list("organisation_id", flat=True))
    assert len(members_today) == 372
    assert adopters - members_today == {Organisation.objects.get(number="1507").pk}  # 2020–23
    assert members_today <= adopters
    assert counts["svarut"] == svarut.adoptions.count()
    assert not Adoption.objects.exclude(note=demo.NOTE).exists()
    assert Adoption.history.filter(history_type="+").count() == Adoption.objects.count()

    shares = {point.on.year: point.share for point in selectors.curve(svarut, until=today)}
    assert shares[2012] < 0.10 and shares[2018] > 0.90
    assert shares[2014] < shares[2015] < shares[2016]
    rows = selectors.statuses(svarut, on=today)
    counts_today = selectors.status_counts(rows)
    assert counts_today["not_started"] and counts_today["implementing"]
    assert selectors.laggards(rows)

    for slug in ("fiks-digisos", "fiks-innsyn", "fiks-arkiv"):
        assert Adoption.objects.filter(solution__slug=slug).exists()
    assert not Adoption.objects.filter(solution__slug="fiks-arkiv", status="production").exists()

    model = svarut.benefit_model
    assert (model.base_year, model.discount_rate) == (2012, Decimal("0.0400"))
    assert "Demodata" in model.description and "19/03109-1" in model.source
    items = list(model.items.all())
    assert len(items) == counts["svarut benefit items"] >= 5
    assert all(item.note.startswith("Demotall") for item in items)
    for item in items:
        item.full_clean()
    gains_2019 = sum(item.amount * item.quantity for item in items
                     if item.direction == BenefitItem.Direction.GAIN
                     and item.first_year <= 2019 <= item.last_year)
    assert Decimal(500_000_000) < gains_2019 < Decimal(600_000_000)  # "over en halv milliard"

    before = (Adoption.objects.count(), BenefitItem.objects.count())
    assert not any(demo.load(today=today).values())
    assert (Adoption.objects.count(), BenefitItem.objects.count()) == before


def test_without_the_catalogue_the_demo_adds_nothing():
    assert demo.load() == {}


def test_svarut_demo_npv_matches_a_hand_calculation():
    """Done-when: the SvarUt entry's benefit model, checked against a calculation by hand.

    Yearly net (NOK), 372 members, 52 kr gained per shipment (35 municipalities + 17 inhabitants):
      2012: −15 M development                                       =     −15,000,000
      2013: −15 M development − 372 × 40,000 onboarding + 1.5 M × 52 =      48,120,000
      2014: −20 M operation − 14.88 M onboarding + 1.5 M × 52          =      43,120,000
      2015: −20 M − 14.88 M + 5 M × 52                                 =     225,120,000
      2016: −20 M + 5 M × 52                                           =     240,000,000
      2017–2018: −20 M + 8 M × 52                                      =     396,000,000
      2019–2030: −20 M + 10 M × 52                                     =     500,000,000
    NPV = Σ net / 1.04^(year − 2012) = 4,823,447,706.24 → 4,823,447,706 kr; the discounted
    cumulative net is positive from 2013 on, so it pays back in 2013.
    """
    from solutions import benefits
    from solutions.models import BenefitModel

    call_command("load_register", stdout=StringIO(), stderr=StringIO())
    demo.load(today=D(2026, 6, 1))
    model = BenefitModel.objects.get(solution__slug="svarut")
    items = list(model.items.all())
    sector = benefits.sector_drivers(on=datetime.date(2026, 1, 1))
    assert sector.members == 372
    appraisal = benefits.appraise(model, items, sector)
    assert appraisal.npv == 4_823_447_706
    assert appraisal.payback_year == 2013
    assert appraisal.net[2015] == 225_120_000
