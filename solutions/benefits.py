"""Benefits realisation: costs and gains per actor and year, net present value, payback, who
pays and who gains, sensitivity, and the gains realised so far.

Pure computation on a benefit model and its items; the callers fetch the items (one query) and
pass them in. Only ``sector_drivers`` and ``coverage_by_year`` read the database, each with a
bounded number of queries.

Money is ``Decimal`` throughout and kept at full precision; only the reported totals (NPVs,
present values by actor, realised totals) are rounded, to whole kroner with ROUND_HALF_EVEN.
Each total is rounded on its own, so totals by actor may differ from the overall total by a
krone.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from django.db.models import Count, Sum
from django.utils import timezone

from register.models import Organisation, OrganisationKind

from .models import (
    ActorType,
    Adoption,
    AdoptionStatus,
    BenefitItem,
    BenefitModel,
    Driver,
    QuantitySource,
    Solution,
)

LEVELS = ("low", "expected", "high")
# R-109/2021: the model's rate for the first 40 years after the base year, then at most 3 %
# up to year 75, then at most 2 %: (years after base from which a step applies, its cap).
LONG_TERM_RATES = ((40, Decimal("0.03")), (75, Decimal("0.02")))
MID_YEAR = (7, 1)  # coverage of a year is read on 1 July
ZERO = Decimal(0)


@dataclass(frozen=True)
class Drivers:
    """The register's quantities a benefit item's amount scales with.

    ``share`` is the part of the sector's stated quantities and fixed amounts that applies:
    1 for the whole sector, a member's population / the sector's population for one member.
    """

    members: int
    population: int
    share: Decimal


NO_DRIVERS = Drivers(members=0, population=0, share=ZERO)


@dataclass(frozen=True)
class Appraisal:
    """A benefit model's cash flows and their present values.

    ``costs``/``gains``: actor → year → amount (positive), every actor among the items and
    every year in ``years``; ``net`` and ``present_value``: year → gains − costs of all actors,
    undiscounted and discounted. ``npv`` and the ``*_by_actor`` present values are rounded to
    whole kroner; ``npv_exact`` is the unrounded NPV.
    """

    years: list[int]
    costs: dict[str, dict[int, Decimal]]
    gains: dict[str, dict[int, Decimal]]
    net: dict[int, Decimal]
    net_by_actor: dict[str, dict[int, Decimal]]
    present_value: dict[int, Decimal]
    npv: Decimal
    npv_exact: Decimal
    npv_by_actor: dict[str, Decimal]
    cost_pv_by_actor: dict[str, Decimal]
    gain_pv_by_actor: dict[str, Decimal]
    payback_year: int | None
    rate: Decimal
    base_year: int


@dataclass(frozen=True)
class SensitivityRow:
    """One bar of a tornado chart: the NPV with ``item`` at its low and high amount."""

    item: BenefitItem
    npv_low: Decimal
    npv_expected: Decimal
    npv_high: Decimal

    @property
    def swing(self) -> Decimal:
        return abs(self.npv_high - self.npv_low)


@dataclass(frozen=True)
class RealisedGains:
    """Gains realised up to and including ``until_year`` by the members in production.

    ``gains``: actor → year → amount; ``by_year``: year → all actors. ``total`` and
    ``total_by_actor`` are undiscounted, ``present_value`` is discounted to the model's base
    year at its rate; all three rounded to whole kroner.
    """

    years: list[int]
    gains: dict[str, dict[int, Decimal]]
    by_year: dict[int, Decimal]
    total: Decimal
    total_by_actor: dict[str, Decimal]
    present_value: Decimal
    until_year: int
    rate: Decimal
    base_year: int


# --- discounting and one item's amount -------------------------------------------------------

def discount_factor(year: int, base_year: int, rate) -> Decimal:
    """The factor that brings an amount in ``year`` to ``base_year``: 1 / (1 + r)^t with
    t = year − base_year.

    Declining long-term rate as in the Ministry of Finance's circular R-109/2021: ``rate`` for
    the first 40 years after the base year, then 3 % from year 40 to 75, then 2 % beyond 75
    (a flow in year 50 has 1.04^-40 × 1.03^-10). A lower model rate is never raised by the
    steps (each step is min(rate, 3 %) and min(rate, 2 %)), so a zero rate means no
    discounting at all. Years before the base year are compounded forward at ``rate``.
    """
    rate = _decimal(rate)
    t = year - base_year
    if t <= 0:
        return (1 + rate) ** -t
    factor, start, current = Decimal(1), 0, rate
    for threshold, cap in LONG_TERM_RATES:
        if t <= threshold:
            break
        factor /= (1 + current) ** (threshold - start)
        start, current = threshold, min(current, cap)
    return factor / (1 + current) ** (t - start)


def item_amount(item: BenefitItem, drivers: Drivers, level: str = "expected") -> Decimal:
    """The item's amount in a year with ``drivers``: a fixed amount × share; per member or per
    inhabitant from the register × members or population; a stated sector quantity × the unit
    amount × share. ``level`` "low"/"high" uses ``amount_low``/``amount_high`` when given."""
    amount = _level_amount(item, level)
    if item.driver == Driver.FIXED:
        return amount * drivers.share
    if item.quantity_source == QuantitySource.STATED:
        return amount * _decimal(item.quantity) * drivers.share
    if item.quantity_source == QuantitySource.REGISTER:
        if item.driver == Driver.PER_MEMBER:
            return amount * drivers.members
        if item.driver == Driver.PER_INHABITANT:
            return amount * drivers.population
    raise ValueError(f"Benefit item {item.pk}: driver {item.driver!r} has no quantity from "
                     f"source {item.quantity_source!r}")


def _level_amount(item: BenefitItem, level: str) -> Decimal:
    if level not in LEVELS:
        raise ValueError(f"Unknown level {level!r}; use one of {', '.join(LEVELS)}")
    bound = {"low": item.amount_low, "high": item.amount_high}.get(level)
    return _decimal(item.amount if bound is None else bound)


def _decimal(value) -> Decimal:
    """Unsaved items may hold ints or strings; floats go through str to avoid binary noise."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _kroner(value: Decimal) -> Decimal:
    return value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)


def _drivers_for(drivers: Drivers | Mapping[int, Drivers]):
    if isinstance(drivers, Drivers):
        return lambda year: drivers
    return lambda year: drivers.get(year, NO_DRIVERS)


def _item_flows(item: BenefitItem, drivers_for, level: str,
                until_year: int | None = None) -> Iterable[tuple[int, Decimal]]:
    last = item.last_year if until_year is None else min(item.last_year, until_year)
    for year in range(item.first_year, last + 1):
        yield year, item_amount(item, drivers_for(year), level)


# --- appraisal -------------------------------------------------------------------------------

def appraise(model: BenefitModel, items: list[BenefitItem],
             drivers: Drivers | Mapping[int, Drivers], *,
             levels: Mapping[int, str] | None = None,
             actor_types: set[str] | None = None) -> Appraisal:
    """Cash flows by actor and year of ``items`` (of ``model``) with ``drivers`` (the same every
    year, or year → drivers with missing years as zero), discounted to the model's base year.

    ``levels`` sets items (by pk) to "low" or "high"; ``actor_types`` keeps only the items of
    those actors (a member's own view). The payback year is the first year from which the
    cumulative discounted net stays at or above zero; None if it never does.
    """
    levels = levels or {}
    if actor_types is not None:
        items = [item for item in items if item.actor_type in actor_types]
    rate, base_year = _decimal(model.discount_rate), model.base_year
    years, actors, drivers_for = _span(items), _actors(items), _drivers_for(drivers)
    costs = {actor: dict.fromkeys(years, ZERO) for actor in actors}
    gains = {actor: dict.fromkeys(years, ZERO) for actor in actors}
    for item in items:
        _tally(gains if item.direction == BenefitItem.Direction.GAIN else costs, item,
               drivers_for, levels.get(item.pk, "expected"))
    factors = {year: discount_factor(year, base_year, rate) for year in years}
    net_by_actor = {actor: {year: gains[actor][year] - costs[actor][year] for year in years}
                    for actor in actors}
    net = {year: sum((net_by_actor[actor][year] for actor in actors), ZERO) for year in years}
    present_value = {year: net[year] * factors[year] for year in years}
    npv_exact = sum(present_value.values(), ZERO)
    return Appraisal(
        years=years, costs=costs, gains=gains, net=net, net_by_actor=net_by_actor,
        present_value=present_value, npv=_kroner(npv_exact), npv_exact=npv_exact,
        npv_by_actor={actor: _kroner(_pv(net_by_actor[actor], factors)) for actor in actors},
        cost_pv_by_actor={actor: _kroner(_pv(costs[actor], factors)) for actor in actors},
        gain_pv_by_actor={actor: _kroner(_pv(gains[actor], factors)) for actor in actors},
        payback_year=_payback_year(present_value), rate=rate, base_year=base_year)


def _actors(items: list[BenefitItem]) -> list[str]:
    return [actor for actor in ActorType.values if any(i.actor_type == actor for i in items)]


def _tally(totals: dict[str, dict[int, Decimal]], item: BenefitItem, drivers_for, level: str,
           until_year: int | None = None) -> None:
    """Add the item's yearly amounts to ``totals`` (actor → year → amount)."""
    for year, amount in _item_flows(item, drivers_for, level, until_year):
        totals[item.actor_type][year] += amount


def _span(items: list[BenefitItem]) -> list[int]:
    if not items:
        return []
    return list(range(min(i.first_year for i in items), max(i.last_year for i in items) + 1))


def _pv(flows: Mapping[int, Decimal], factors: Mapping[int, Decimal]) -> Decimal:
    return sum((amount * factors[year] for year, amount in flows.items()), ZERO)


def _payback_year(present_value: Mapping[int, Decimal]) -> int | None:
    """The first year whose cumulative discounted net is ≥ 0 and never dips below later."""
    cumulative, payback = ZERO, None
    for year in sorted(present_value):
        cumulative += present_value[year]
        if cumulative < 0:
            payback = None
        elif payback is None:
            payback = year
    return payback


def sensitivity(model: BenefitModel, items: list[BenefitItem],
                drivers: Drivers | Mapping[int, Drivers]) -> list[SensitivityRow]:
    """For each item, the NPV with that item at its low and at its high amount (the others as
    expected), largest swing first, as a tornado chart draws them.

    The NPV is a sum over items, so each row replaces one item's present value in the expected
    total instead of appraising the whole model twice per item.
    """
    rate, base_year = _decimal(model.discount_rate), model.base_year
    drivers_for = _drivers_for(drivers)
    factors = {year: discount_factor(year, base_year, rate) for year in _span(items)}

    def item_pv(item, level):
        return sum((amount * factors[year]
                    for year, amount in _item_flows(item, drivers_for, level)), ZERO)

    expected = [_sign(item) * item_pv(item, "expected") for item in items]
    total = sum(expected, ZERO)
    rows = []
    for item, item_expected in zip(items, expected, strict=True):
        others = total - item_expected
        low, high = (others + _sign(item) * item_pv(item, level) for level in ("low", "high"))
        rows.append((abs(high - low), SensitivityRow(
            item=item, npv_low=_kroner(low), npv_expected=_kroner(total),
            npv_high=_kroner(high))))
    rows.sort(key=lambda row: row[0], reverse=True)  # stable: ties keep the items' order
    return [row for _, row in rows]


def _sign(item: BenefitItem) -> int:
    return -1 if item.direction == BenefitItem.Direction.COST else 1


# --- drivers from the register ---------------------------------------------------------------

def sector_drivers(solution: Solution | None = None,
                   on: datetime.date | None = None) -> Drivers:
    """The whole sector on ``on`` (default today): every member valid that day, their
    population (unknown counts as 0), share 1. One query.

    ``solution`` does not narrow the sector: a model is estimated for the whole sector.
    """
    totals = Organisation.objects.valid_on(on).members().aggregate(
        members=Count("pk"), population=Sum("population"))
    return Drivers(members=totals["members"], population=totals["population"] or 0,
                   share=Decimal(1))


def member_drivers(organisation: Organisation, sector: Drivers) -> Drivers:
    """One member's drivers: itself, its population (unknown is 0) and its population's share
    of the sector's (0 when either is unknown)."""
    population = organisation.population or 0
    share = (Decimal(population) / Decimal(sector.population)
             if population and sector.population else ZERO)
    return Drivers(members=1, population=population, share=share)


def member_actor_types(organisation: Organisation) -> set[str]:
    """The actors a member's own view shows: itself and its inhabitants and businesses.
    Organisations that are not members have none."""
    own = {OrganisationKind.MUNICIPALITY: ActorType.MUNICIPALITY,
           OrganisationKind.COUNTY_MUNICIPALITY: ActorType.COUNTY_MUNICIPALITY}
    if organisation.kind not in own:
        return set()
    return {own[organisation.kind].value, ActorType.INHABITANTS.value}


def coverage_by_year(solution: Solution, years: Iterable[int]) -> dict[int, Drivers]:
    """For each year, the members in production with ``solution`` and their share of the
    sector's population.

    Mid-year convention: a year counts the members in production on 1 July, so a member that
    starts in spring counts for that year and one that starts in autumn from the next. Only
    organisations that are members valid that day count (a merged-away municipality's open
    adoption does not), and the sector is the members valid that day. Populations are the
    register's current figures. Two queries, whatever the number of years.
    """
    members = list(Organisation.objects.members()
                   .values_list("pk", "valid_from", "valid_to", "population"))
    periods = list(Adoption.objects.filter(solution=solution, status=AdoptionStatus.PRODUCTION)
                   .values_list("organisation_id", "valid_from", "valid_to"))
    coverage = {}
    for year in sorted(set(years)):
        day = datetime.date(year, *MID_YEAR)
        sector = {pk: population or 0 for pk, start, end, population in members
                  if _valid_on(start, end, day)}
        adopters = {pk for pk, start, end in periods if pk in sector and _valid_on(start, end, day)}
        population, total = sum(sector[pk] for pk in adopters), sum(sector.values())
        coverage[year] = Drivers(
            members=len(adopters), population=population,
            share=Decimal(population) / Decimal(total) if total else ZERO)
    return coverage


def _valid_on(start: datetime.date | None, end: datetime.date | None,
              day: datetime.date) -> bool:
    """``core.models.valid_on_q`` in Python: both ends inclusive, empty ends open."""
    return (start is None or start <= day) and (end is None or end >= day)


# --- realised gains --------------------------------------------------------------------------

def realised_gains(model: BenefitModel, items: list[BenefitItem],
                   coverage: Drivers | Mapping[int, Drivers], until_year: int) -> RealisedGains:
    """The gains (gain items only) realised from their first year up to and including
    ``until_year`` with ``coverage`` (year → drivers, usually ``coverage_by_year``)."""
    items = [item for item in items
             if item.direction == BenefitItem.Direction.GAIN and item.first_year <= until_year]
    years = [year for year in _span(items) if year <= until_year]
    actors, drivers_for = _actors(items), _drivers_for(coverage)
    gains = {actor: dict.fromkeys(years, ZERO) for actor in actors}
    for item in items:
        _tally(gains, item, drivers_for, "expected", until_year)
    by_year = {year: sum((gains[actor][year] for actor in actors), ZERO) for year in years}
    rate, base_year = _decimal(model.discount_rate), model.base_year
    present_value = sum((amount * discount_factor(year, base_year, rate)
                         for year, amount in by_year.items()), ZERO)
    return RealisedGains(
        years=years, gains=gains, by_year=by_year, total=_kroner(sum(by_year.values(), ZERO)),
        total_by_actor={actor: _kroner(sum(gains[actor].values(), ZERO)) for actor in actors},
        present_value=_kroner(present_value), until_year=until_year, rate=rate,
        base_year=base_year)


@dataclass(frozen=True)
class Report:
    """What the benefits page, its chart exports and the API show of one model."""

    sector: Drivers
    appraisal: Appraisal | None  # None while the model has no items
    sensitivity: list[SensitivityRow]
    realised: RealisedGains | None  # None before the model's first year
    estimate: Appraisal | None  # for ``member``


def report(solution: Solution, model: BenefitModel, items: list[BenefitItem], *,
           member: Organisation | None = None, realised: bool = True,
           today: datetime.date | None = None) -> Report:
    """The appraisal of the sector, its sensitivity, the gains realised up to this year
    (``realised``: 2 queries more) and, for ``member``, its own estimate."""
    sector = sector_drivers()
    if not items:
        return Report(sector=sector, appraisal=None, sensitivity=[], realised=None,
                      estimate=None)
    appraisal = appraise(model, items, sector)
    this_year = (today or timezone.localdate()).year
    years = [year for year in appraisal.years if year <= this_year]
    gains = (realised_gains(model, items, coverage_by_year(solution, years), this_year)
             if realised and years else None)
    estimate = (appraise(model, items, member_drivers(member, sector),
                         actor_types=member_actor_types(member))
                if member is not None else None)
    return Report(sector=sector, appraisal=appraisal,
                  sensitivity=sensitivity(model, items, sector), realised=gains,
                  estimate=estimate)
