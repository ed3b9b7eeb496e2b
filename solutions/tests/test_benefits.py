"""Benefits realisation: NPV, drivers, R-109 discounting, payback, sensitivity, coverage by
year and realised gains, each against a hand calculation written out beside it."""

import datetime
from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import testing as t
from solutions.benefits import (
    Drivers,
    appraise,
    coverage_by_year,
    discount_factor,
    item_amount,
    member_actor_types,
    member_drivers,
    realised_gains,
    sector_drivers,
    sensitivity,
)
from solutions.models import Adoption, BenefitItem, BenefitModel, Solution

D = Decimal
SECTOR = Drivers(members=357, population=5_550_000, share=D(1))
TINY = D("1e-20")


def make_model(name="SvarUt", base_year=2020, rate="0.04") -> BenefitModel:
    solution = Solution.objects.create(name=name, slug=name.lower(), kind="service")
    return BenefitModel.objects.create(solution=solution, base_year=base_year,
                                       discount_rate=D(rate))


def add(model, **fields) -> BenefitItem:
    """A benefit item row; a fixed municipal gain unless told otherwise."""
    values = {"title": "item", "direction": "gain", "actor_type": "municipality",
              "driver": "fixed", "quantity_source": "", **fields}
    return BenefitItem.objects.create(model=model, **values)


def unsaved(**fields) -> BenefitItem:
    values = {"title": "item", "direction": "gain", "actor_type": "municipality",
              "driver": "fixed", "quantity_source": "", "first_year": 2020,
              "last_year": 2020, **fields}
    return BenefitItem(**values)


def items_of(model) -> list[BenefitItem]:
    return list(model.items.all())


# --- 1. a hand-calculated NPV ----------------------------------------------------------------

@pytest.mark.django_db
def test_npv_payback_and_who_pays_by_hand():
    model = make_model(base_year=2020, rate="0.04")
    add(model, title="Introduction", direction="cost", actor_type="municipality",
        first_year=2020, last_year=2020, amount=D("1000000"))
    add(model, title="Fewer letters", direction="gain", actor_type="inhabitants",
        first_year=2021, last_year=2023, amount=D("500000"))

    result = appraise(model, items_of(model), SECTOR)

    # 2020: -1,000,000 / 1.04^0                 = -1,000,000.00  cumulative -1,000,000.00
    # 2021:    500,000 / 1.04   = 500,000/1.04     =    480,769.23  cumulative   -519,230.77
    # 2022:    500,000 / 1.04^2 = 500,000/1.0816   =    462,278.11  cumulative    -56,952.66
    # 2023:    500,000 / 1.04^3 = 500,000/1.124864 =    444,498.18  cumulative    387,545.52
    # NPV = 387,545.5166... -> 387,546 (whole kroner); the cumulative turns positive in 2023.
    assert result.years == [2020, 2021, 2022, 2023]
    assert result.npv == 387_546
    assert abs(result.npv_exact - D("387545.5166135639508")) < D("1e-12")
    assert result.present_value[2021].quantize(D("0.01")) == D("480769.23")
    assert result.net == {2020: -1_000_000, 2021: 500_000, 2022: 500_000, 2023: 500_000}
    assert result.payback_year == 2023
    assert (result.rate, result.base_year) == (D("0.04"), 2020)
    # Who pays: the municipalities, 1,000,000 in the base year (factor 1).
    # Who gains: inhabitants, 480,769.23 + 462,278.11 + 444,498.18 = 1,387,545.52 -> 1,387,546.
    assert result.cost_pv_by_actor == {"municipality": 1_000_000, "inhabitants": 0}
    assert result.gain_pv_by_actor == {"municipality": 0, "inhabitants": 1_387_546}
    assert result.npv_by_actor == {"municipality": -1_000_000, "inhabitants": 1_387_546}
    assert result.costs["municipality"] == {2020: 1_000_000, 2021: 0, 2022: 0, 2023: 0}
    assert result.gains["inhabitants"][2022] == 500_000


def test_no_items_is_an_empty_appraisal():
    result = appraise(BenefitModel(base_year=2020), [], SECTOR)
    assert (result.years, result.npv, result.payback_year) == ([], 0, None)


# --- 2. drivers and levels -------------------------------------------------------------------

def test_item_amount_by_driver_and_level():
    drivers = Drivers(members=10, population=50_000, share=D("0.01"))
    per_inhabitant = unsaved(driver="per_inhabitant", quantity_source="register",
                             amount=D("12.50"), amount_low=D("10.00"), amount_high=D("15.00"))
    per_member = unsaved(driver="per_member", quantity_source="register", amount=D("20000"))
    stated = unsaved(driver="per_shipment", quantity_source="stated", amount=D("9.00"),
                     quantity=D("2000000"))
    stated_member = unsaved(driver="per_member", quantity_source="stated", amount=D("100"),
                            quantity=D("356"))
    fixed = unsaved(amount=D("300000"), amount_low=D("250000"))

    # 12.50 a head x 50,000 inhabitants = 625,000; low 10 x 50,000; high 15 x 50,000
    assert item_amount(per_inhabitant, drivers) == D("625000")
    assert item_amount(per_inhabitant, drivers, "low") == D("500000")
    assert item_amount(per_inhabitant, drivers, "high") == D("750000")
    # 20,000 a member x 10 members
    assert item_amount(per_member, drivers) == D("200000")
    # a stated sector quantity: 9.00 x 2,000,000 shipments x 1 % = 180,000
    assert item_amount(stated, drivers) == D("180000")
    # any unit driver with a stated quantity: 100 x 356 x 1 % = 356
    assert item_amount(stated_member, drivers) == D("356")
    # fixed: 300,000 x 1 % = 3,000; low 250,000 x 1 %; no high amount -> as expected
    assert item_amount(fixed, drivers) == D("3000")
    assert item_amount(fixed, drivers, "low") == D("2500")
    assert item_amount(fixed, drivers, "high") == D("3000")


def test_item_amount_refuses_what_it_cannot_compute():
    with pytest.raises(ValueError, match="level"):
        item_amount(unsaved(amount=D(1)), SECTOR, "worst")
    shipments_from_register = unsaved(driver="per_case", quantity_source="register",
                                      amount=D(1))
    with pytest.raises(ValueError, match="per_case"):
        item_amount(shipments_from_register, SECTOR)


@pytest.mark.django_db
def test_appraise_with_unit_drivers_levels_and_years_of_drivers():
    model = make_model(base_year=2020, rate="0")
    head = add(model, driver="per_inhabitant", quantity_source="register", amount=D("2.00"),
               amount_high=D("3.00"), first_year=2020, last_year=2021)
    add(model, direction="cost", driver="per_member", quantity_source="register",
        amount=D("1000"), first_year=2020, last_year=2021)
    drivers = {2020: Drivers(members=2, population=10_000, share=D("0.5"))}  # 2021 missing

    expected = appraise(model, items_of(model), drivers)
    high = appraise(model, items_of(model), drivers, levels={head.pk: "high"})

    # 2020: 2.00 x 10,000 - 1,000 x 2 = 18,000; 2021 has no drivers, so nothing
    assert expected.net == {2020: 18_000, 2021: 0}
    # high: 3.00 x 10,000 - 2,000 = 28,000
    assert high.npv == 28_000


# --- 3. the R-109 declining rate -------------------------------------------------------------

def test_discount_factor_follows_r109_beyond_40_and_75_years():
    rate = D("0.04")
    # t = 40 is still at 4 %: 1.04^-40 = 0.20828904466...
    assert abs(discount_factor(2060, 2020, rate) - D(1) / D("1.04") ** 40) < TINY
    # t = 50: 40 years at 4 %, 10 at 3 %: 1.04^-40 x 1.03^-10 = 0.15498661067...
    year_50 = discount_factor(2070, 2020, rate)
    assert abs(year_50 - D("0.1549866106733469074497")) < TINY
    assert year_50 > D(1) / D("1.04") ** 50  # a flat 4 % would give 0.1407
    # t = 80: 1.04^-40 x 1.03^-35 x 1.02^-5 = 0.06704443026...
    assert abs(discount_factor(2100, 2020, rate) - D("0.06704443026636896281973")) < TINY
    # before the base year the amount is compounded forward: 2018 -> 1.04^2 = 1.0816
    assert discount_factor(2018, 2020, rate) == D("1.0816")
    # a model rate below 3 % is not raised by the steps: 2.5 % throughout
    assert abs(discount_factor(2070, 2020, D("0.025")) - D(1) / D("1.025") ** 50) < TINY
    assert discount_factor(2200, 2020, D(0)) == 1


def test_a_single_flow_in_year_50_is_discounted_by_the_declining_schedule():
    model = BenefitModel(base_year=2020, discount_rate=D("0.04"))
    gain = unsaved(amount=D("1000000"), first_year=2070, last_year=2070)
    # 1,000,000 x 1.04^-40 x 1.03^-10 = 154,986.61 -> 154,987
    assert appraise(model, [gain], SECTOR).npv == 154_987


# --- 4. payback ------------------------------------------------------------------------------

def test_payback_is_none_when_never_positive():
    model = BenefitModel(base_year=2020, discount_rate=D("0.04"))
    items = [unsaved(direction="cost", amount=D("1000"), first_year=2020, last_year=2025),
             unsaved(direction="gain", amount=D("100"), first_year=2020, last_year=2025)]
    assert appraise(model, items, SECTOR).payback_year is None


def test_payback_is_the_year_after_the_last_dip():
    model = BenefitModel(base_year=2020, discount_rate=D(0))  # undiscounted: easy to follow
    items = [unsaved(direction="cost", amount=D("100"), first_year=2020, last_year=2020),
             unsaved(direction="gain", amount=D("300"), first_year=2021, last_year=2021),
             unsaved(direction="cost", amount=D("500"), first_year=2022, last_year=2022),
             unsaved(direction="gain", amount=D("400"), first_year=2023, last_year=2024)]
    # cumulative: 2020 -100, 2021 +200, 2022 -300, 2023 +100, 2024 +500
    # 2021 is positive but dips again in 2022, so payback is 2023
    assert appraise(model, items, SECTOR).payback_year == 2023


def test_payback_counts_exactly_zero_as_paid_back():
    model = BenefitModel(base_year=2020, discount_rate=D(0))
    items = [unsaved(direction="cost", amount=D("100"), first_year=2020, last_year=2020),
             unsaved(direction="gain", amount=D("100"), first_year=2021, last_year=2021)]
    assert appraise(model, items, SECTOR).payback_year == 2021  # cumulative -100, then 0


# --- 5. sensitivity --------------------------------------------------------------------------

@pytest.mark.django_db
def test_sensitivity_rows_by_swing_and_in_the_right_direction():
    model = make_model(base_year=2020, rate="0")
    users = add(model, title="Users", amount=D("1000"), amount_low=D("800"),
                amount_high=D("1500"), first_year=2020, last_year=2024)
    setup = add(model, title="Setup", direction="cost", amount=D("2000"), amount_low=D("1000"),
                amount_high=D("4000"), first_year=2020, last_year=2020)
    small = add(model, title="Small", amount=D("100"), first_year=2020, last_year=2020)
    items = items_of(model)

    rows = sensitivity(model, items, SECTOR)

    # expected: 5 x 1,000 - 2,000 + 100 = 3,100
    # Users (gain): low 3,100 - 5,000 + 5 x 800 = 2,100; high 3,100 - 5,000 + 5 x 1,500 = 5,600
    # Setup (cost): low 3,100 + 2,000 - 1,000 = 4,100; high 3,100 + 2,000 - 4,000 = 1,100
    # Small: no bounds, 3,100 both; swings 3,500 > 3,000 > 0
    assert [row.item for row in rows] == [users, setup, small]
    assert [(r.npv_low, r.npv_expected, r.npv_high) for r in rows] == [
        (2_100, 3_100, 5_600), (4_100, 3_100, 1_100), (3_100, 3_100, 3_100)]
    assert [row.swing for row in rows] == [3_500, 3_000, 0]
    assert rows[0].npv_low <= rows[0].npv_expected <= rows[0].npv_high  # a gain
    assert rows[1].npv_low >= rows[1].npv_expected >= rows[1].npv_high  # a cost

    # discounted, each row equals a full appraisal with that one item moved
    model.discount_rate = D("0.04")
    for row in sensitivity(model, items, SECTOR):
        for level, npv in (("low", row.npv_low), ("high", row.npv_high)):
            assert appraise(model, items, SECTOR, levels={row.item.pk: level}).npv == npv
        assert row.npv_expected == appraise(model, items, SECTOR).npv


# --- 6. coverage by year ---------------------------------------------------------------------

@pytest.fixture
def adoption_history(db):
    """Four members and a non-member; production periods of SvarUt around them.

    a 10,000: production from 2017-03-01
    b 30,000: implementing 2016-01-01..2018-08-31, production from 2018-09-01
    c 60,000: production 2016-01-01..2019-06-30, discontinued from 2019-07-01
    f 20,000: production from 2015-01-01, open, but the municipality ends 2019-12-31 (merged)
    d: population unknown, never adopts; vendor: not a member, never counts
    """
    orgs = {key: t.OrganisationFactory(population=population) for key, population in
            (("a", 10_000), ("b", 30_000), ("c", 60_000), ("d", None))}
    orgs["f"] = t.OrganisationFactory(population=20_000, valid_to=datetime.date(2019, 12, 31))
    orgs["vendor"] = t.OrganisationFactory(kind="vendor", population=1_000_000)
    solution = Solution.objects.create(name="SvarUt", slug="svarut", kind="service")
    other = Solution.objects.create(name="SvarInn", slug="svarinn", kind="service")
    day = datetime.date
    for key, status, start, end in (
            ("a", "production", day(2017, 3, 1), None),
            ("b", "implementing", day(2016, 1, 1), day(2018, 8, 31)),
            ("b", "production", day(2018, 9, 1), None),
            ("c", "production", day(2016, 1, 1), day(2019, 6, 30)),
            ("c", "discontinued", day(2019, 7, 1), None),
            ("f", "production", day(2015, 1, 1), None)):
        Adoption.objects.create(solution=solution, organisation=orgs[key], status=status,
                                valid_from=start, valid_to=end)
    Adoption.objects.create(solution=other, organisation=orgs["d"], status="production",
                            valid_from=day(2015, 1, 1))
    return solution, orgs


def test_coverage_by_year_on_1_july(adoption_history):
    solution, _ = adoption_history
    coverage = coverage_by_year(solution, range(2016, 2021))
    # 2016: sector a+b+c+f = 120,000; in production c, f = 80,000 -> 2/3
    assert coverage[2016] == Drivers(members=2, population=80_000, share=D(80_000) / 120_000)
    # 2017: a started in March: a, c, f = 90,000 / 120,000
    assert coverage[2017] == Drivers(members=3, population=90_000, share=D("0.75"))
    # 2018: b is still implementing on 1 July (production from September)
    assert coverage[2018] == Drivers(members=3, population=90_000, share=D("0.75"))
    # 2019: c discontinued on 1 July; a, b, f = 60,000 / 120,000
    assert coverage[2019] == Drivers(members=3, population=60_000, share=D("0.5"))
    # 2020: f has merged away (sector a+b+c = 100,000); a, b = 40,000
    assert coverage[2020] == Drivers(members=2, population=40_000, share=D("0.4"))


def test_coverage_by_year_runs_the_same_queries_for_3_and_30_years(adoption_history):
    solution, _ = adoption_history
    few = t.count_queries(lambda: coverage_by_year(solution, range(2016, 2019)))
    many = t.count_queries(lambda: coverage_by_year(solution, range(1995, 2025)))
    assert few == many == 2


def test_coverage_before_any_member_is_zero(db):
    solution = Solution.objects.create(name="Ny", slug="ny", kind="service")
    assert coverage_by_year(solution, [2000]) == {2000: Drivers(0, 0, D(0))}


# --- 7. realised gains -----------------------------------------------------------------------

def test_realised_gains_by_hand():
    model = BenefitModel(base_year=2016, discount_rate=D("0.04"))
    items = [
        unsaved(title="Postage", driver="per_inhabitant", quantity_source="register",
                amount=D("2.00"), first_year=2016, last_year=2030),
        unsaved(title="Time saved", actor_type="inhabitants", amount=D("100000"),
                first_year=2018, last_year=2030),
        unsaved(title="Licence", direction="cost", amount=D("999999"), first_year=2016,
                last_year=2030),
    ]
    coverage = {2016: Drivers(members=2, population=80_000, share=D("0.5")),
                2017: Drivers(members=3, population=90_000, share=D("0.75")),
                2018: Drivers(members=3, population=90_000, share=D("0.75"))}

    result = realised_gains(model, items, coverage, until_year=2018)

    # Postage (municipalities): 2.00 x 80,000 = 160,000; 2.00 x 90,000 = 180,000 twice
    # Time saved (inhabitants): from 2018, 100,000 x 0.75 = 75,000; the cost is not a gain
    # by year: 160,000, 180,000, 255,000; total 595,000
    # present value at 4 % to 2016: 160,000 + 180,000/1.04 + 255,000/1.0816
    #   = 160,000 + 173,076.92 + 235,761.83 = 568,838.76 -> 568,839
    assert result.years == [2016, 2017, 2018]
    assert result.by_year == {2016: 160_000, 2017: 180_000, 2018: 255_000}
    assert result.total == 595_000
    assert result.total_by_actor == {"municipality": 520_000, "inhabitants": 75_000}
    assert result.gains["inhabitants"] == {2016: 0, 2017: 0, 2018: 75_000}
    assert result.present_value == 568_839


def test_realised_gains_before_the_first_gain_are_empty():
    model = BenefitModel(base_year=2016, discount_rate=D("0.04"))
    result = realised_gains(model, [unsaved(amount=D(1), first_year=2020, last_year=2021)],
                            {}, until_year=2019)
    assert (result.years, result.total, result.present_value) == ([], 0, 0)


# --- 8. a member's own estimate --------------------------------------------------------------

@pytest.mark.django_db
def test_member_estimate_by_hand():
    t.OrganisationFactory(population=10_000)
    member = t.OrganisationFactory(population=30_000)
    t.OrganisationFactory(population=60_000)
    t.OrganisationFactory(population=None)
    t.OrganisationFactory(population=5_000, valid_to=datetime.date(2019, 12, 31))  # merged
    t.OrganisationFactory(kind="vendor", population=1_000_000)  # not a member
    model = make_model(base_year=2021, rate="0")
    add(model, title="Archive", amount=D("1000000"), first_year=2021, last_year=2021)
    add(model, title="Letters", actor_type="inhabitants", driver="per_inhabitant",
        quantity_source="register", amount=D("3.00"), first_year=2021, last_year=2021)
    add(model, title="Licence", direction="cost", driver="per_member",
        quantity_source="register", amount=D("50000"), first_year=2021, last_year=2021)
    add(model, title="Shipments", driver="per_shipment", quantity_source="stated",
        amount=D("10.00"), quantity=D("1000000"), first_year=2021, last_year=2021)
    add(model, title="Operation", direction="cost", actor_type="state",
        amount=D("2000000"), first_year=2021, last_year=2021)

    sector = sector_drivers(on=datetime.date(2021, 1, 1))
    # members valid on the day: 10,000 + 30,000 + 60,000 + unknown (0) = 100,000
    assert sector == Drivers(members=4, population=100_000, share=D(1))
    drivers = member_drivers(member, sector)
    assert drivers == Drivers(members=1, population=30_000, share=D("0.3"))
    actors = member_actor_types(member)
    assert actors == {"municipality", "inhabitants"}

    result = appraise(model, items_of(model), drivers, actor_types=actors)

    # Archive    1,000,000 x 0.3          = 300,000 gain (municipality)
    # Letters    3.00 x 30,000            =  90,000 gain (inhabitants)
    # Licence    50,000 x 1 member        =  50,000 cost (municipality)
    # Shipments  10.00 x 1,000,000 x 0.3  = 3,000,000 gain (municipality)
    # Operation: the state's, not in the member's view
    assert result.npv_by_actor == {"municipality": 3_250_000, "inhabitants": 90_000}
    assert result.npv == 3_340_000
    assert "state" not in result.costs


def test_member_drivers_and_actors_of_other_organisations():
    unknown = t.OrganisationFactory.build(population=None)
    assert member_drivers(unknown, SECTOR) == Drivers(members=1, population=0, share=D(0))
    empty_sector = Drivers(members=0, population=0, share=D(1))
    assert member_drivers(t.OrganisationFactory.build(), empty_sector).share == 0
    county = t.OrganisationFactory.build(kind="county_municipality")
    assert member_actor_types(county) == {"county_municipality", "inhabitants"}
    assert member_actor_types(t.OrganisationFactory.build(kind="vendor")) == set()


# --- properties ------------------------------------------------------------------------------

DRIVER_SOURCES = [("fixed", ""), ("per_member", "register"), ("per_inhabitant", "register"),
                  ("per_case", "stated"), ("per_inhabitant", "stated")]
money = st.decimals(min_value=0, max_value=10_000_000, places=2)


@st.composite
def benefit_items(draw):
    driver, source = draw(st.sampled_from(DRIVER_SOURCES))
    first_year = draw(st.integers(2000, 2120))
    return BenefitItem(
        title="item", direction=draw(st.sampled_from(["cost", "gain"])),
        actor_type=draw(st.sampled_from(["municipality", "county_municipality", "state",
                                         "inhabitants"])),
        first_year=first_year, last_year=first_year + draw(st.integers(0, 30)),
        driver=driver, quantity_source=source, amount=draw(money),
        quantity=draw(money) if source == "stated" else None)


drivers_strategy = st.builds(
    Drivers, members=st.integers(0, 400), population=st.integers(0, 6_000_000),
    share=st.decimals(min_value=0, max_value=1, places=4))


def scaled(item: BenefitItem, k: Decimal) -> BenefitItem:
    return BenefitItem(title=item.title, direction=item.direction, actor_type=item.actor_type,
                       first_year=item.first_year, last_year=item.last_year,
                       driver=item.driver, quantity_source=item.quantity_source,
                       amount=item.amount * k, quantity=item.quantity)


@settings(deadline=None, max_examples=60)
@given(items=st.lists(benefit_items(), min_size=1, max_size=6), drivers=drivers_strategy,
       k=st.decimals(min_value=0, max_value=1000, places=2),
       base_year=st.integers(2000, 2060))
def test_npv_is_linear_in_the_amounts(items, drivers, k, base_year):
    model = BenefitModel(base_year=base_year, discount_rate=D("0.04"))
    base = appraise(model, items, drivers)
    result = appraise(model, [scaled(item, k) for item in items], drivers)
    gross = sum(amount for flows in (base.costs, base.gains)
                for by_year in flows.values() for amount in by_year.values())
    # equal up to the rounding of 28 significant digits, relative to the flows' size
    assert abs(result.npv_exact - k * base.npv_exact) <= TINY * (1 + k * gross)


@settings(deadline=None, max_examples=60)
@given(items=st.lists(benefit_items(), min_size=1, max_size=6), drivers=drivers_strategy,
       base_year=st.integers(2000, 2060))
def test_zero_rate_npv_is_the_plain_sum_of_net_flows(items, drivers, base_year):
    model = BenefitModel(base_year=base_year, discount_rate=D(0))
    result = appraise(model, items, drivers)
    plain = sum(result.net.values(), D(0))
    assert result.npv_exact == plain
    assert result.npv == plain.quantize(D(1), rounding=ROUND_HALF_EVEN)
