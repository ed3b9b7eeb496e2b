"""Every non-trivial read of common solutions: the catalogue, and diffusion on any date.

Adoption is business time (``Adoption`` periods), so every figure here takes a date ``on``
(default today) and means "as recorded for that day". Each function runs a fixed number of
queries, whatever the number of members, solutions or years: rows are fetched once and
counted in Python (a solution has at most a few periods per member, a member a few per
solution).
"""

from __future__ import annotations

import datetime
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import valid_on_q
from register.models import (
    MEMBER_KINDS,
    County,
    Network,
    NetworkMembership,
    Organisation,
    OrganisationKind,
)

from .models import Adoption, AdoptionStatus, Lifecycle, Solution

NOT_STARTED = AdoptionStatus.NOT_STARTED
PRODUCTION = AdoptionStatus.PRODUCTION
# Population size classes for peer comparison: Statistics Norway's usual grouping of
# municipalities by population. County municipalities are compared with each other.
SIZE_CLASSES: list[tuple[str, int, int | None, str]] = [
    ("under-2000", 0, 1_999, _("Under 2,000 inhabitants")),
    ("2000-4999", 2_000, 4_999, _("2,000–4,999 inhabitants")),
    ("5000-9999", 5_000, 9_999, _("5,000–9,999 inhabitants")),
    ("10000-19999", 10_000, 19_999, _("10,000–19,999 inhabitants")),
    ("20000-49999", 20_000, 49_999, _("20,000–49,999 inhabitants")),
    ("50000-", 50_000, None, _("50,000 inhabitants or more")),
]
COUNTY_CLASS = ("county-municipalities", _("County municipalities"))
UNKNOWN_CLASS = ("unknown", _("Population unknown"))
SIZE_LABELS = {key: label for key, _low, _high, label in SIZE_CLASSES} | dict(
    [COUNTY_CLASS, UNKNOWN_CLASS])
LAGGARD_SHARE = 0.5  # "most of their county or network": more than half in production


def size_class(organisation) -> str:
    return _size_key(organisation.kind, organisation.population)


def _size_key(kind: str, population: int | None) -> str:
    if kind == OrganisationKind.COUNTY_MUNICIPALITY:
        return COUNTY_CLASS[0]
    if population is None:
        return UNKNOWN_CLASS[0]
    for key, low, high, _label in SIZE_CLASSES:
        if population >= low and (high is None or population <= high):
            return key
    return UNKNOWN_CLASS[0]


# --- catalogue -------------------------------------------------------------------------------

def solution_list(*, q: str = "", kind: str = "", lifecycle: str = "",
                  on: datetime.date | None = None) -> QuerySet:
    """The catalogue with the number of members in production on ``on``."""
    on = on or timezone.localdate()
    # A subquery per listed row (after the page's LIMIT), on the covering index: a grouped
    # join counted every solution's periods before paging (300 ms at national scale).
    in_production = (Adoption.objects.filter(solution=OuterRef("pk"), status=PRODUCTION)
                     .filter(valid_on_q(on)).order_by().values("solution")
                     .annotate(n=Count("pk")).values("n"))
    queryset = Solution.objects.select_related("provider").annotate(
        production_count=Coalesce(Subquery(in_production), 0))
    if q:
        queryset = queryset.filter(Q(name__icontains=q) | Q(description__icontains=q))
    if kind:
        queryset = queryset.filter(kind=kind)
    if lifecycle:
        queryset = queryset.filter(lifecycle="" if lifecycle == "unstated" else lifecycle)
    return queryset.order_by("name")


def solution_detail(slug: str) -> Solution:
    return (Solution.objects.select_related("provider", "user_council")
            .prefetch_related("links", "depends_on", "dependants", "replaces", "replaced_by")
            .get(slug=slug))


LIFECYCLE_ORDER = [Lifecycle.PLANNED, Lifecycle.PILOT, Lifecycle.PRODUCTION,
                   Lifecycle.RETIRING, Lifecycle.RETIRED]


# --- members and their statuses on a day -----------------------------------------------------

@dataclass(slots=True)
class Member:
    """A member as the diffusion views need it: read as plain values, not as model instances
    (a day's 372 members with counties and statuses was a quarter of a page's time)."""

    pk: int
    kind: str
    number: str
    name: str
    county_id: int | None
    population: int | None
    county: object = None  # the County (one instance per county, shared)

    @property
    def id(self) -> int:
        return self.pk

    def get_absolute_url(self) -> str:
        return reverse("register:organisation_detail", args=[self.pk])


@dataclass(slots=True)
class Contact:
    pk: int
    name: str

    @property
    def id(self) -> int:
        return self.pk


@dataclass(slots=True)
class Status:
    """A member's recorded status on the day: its period's values."""

    pk: int
    status: str
    valid_from: datetime.date
    valid_to: datetime.date | None
    contact_role: str
    contact: Contact | None


@dataclass
class MemberStatus:
    """A member and its adoption of one solution on a day (``adoption`` None: not started)."""

    organisation: Member
    adoption: Status | None
    size: str = ""
    networks: list = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.adoption.status if self.adoption else NOT_STARTED

    @property
    def since(self) -> datetime.date | None:
        return self.adoption.valid_from if self.adoption else None


def members_on(on: datetime.date) -> list[Member]:
    """The members valid on ``on`` (municipalities, then county municipalities), with county
    (2 queries)."""
    counties = {c.pk: c for c in County.objects.all()}
    return [Member(pk=pk, kind=kind, number=number, name=name, county_id=county_id,
                   population=population, county=counties.get(county_id))
            for pk, kind, number, name, county_id, population in
            Organisation.objects.valid_on(on).filter(kind__in=MEMBER_KINDS)
            .order_by("-kind", "number", "name")
            .values_list("pk", "kind", "number", "name", "county_id", "population")]


def member_names(on: datetime.date) -> list[Member]:
    """The members valid on ``on`` by name, only their id and name (for a choice list)."""
    return [Member(pk=pk, kind="", number="", name=name, county_id=None, population=None)
            for pk, name in Organisation.objects.valid_on(on).filter(kind__in=MEMBER_KINDS)
            .order_by("name").values_list("pk", "name")]


def networks_on(on: datetime.date) -> dict[int, list]:
    """Organisation id → the networks it belongs to on ``on`` (two queries)."""
    networks = {n.pk: n for n in Network.objects.valid_on(on)}
    result: dict[int, list] = defaultdict(list)
    for organisation_id, network_id in (NetworkMembership.objects.valid_on(on)
                                        .filter(network_id__in=networks)
                                        .values_list("organisation_id", "network_id")):
        result[organisation_id].append(networks[network_id])
    for memberships in result.values():
        memberships.sort(key=lambda n: n.name)
    return result


def statuses(solution: Solution, on: datetime.date | None = None, *,
             networks: bool = True) -> list[MemberStatus]:
    """Every member valid on ``on`` with its status for ``solution`` that day (3 queries; 5
    with the members' networks)."""
    on = on or timezone.localdate()
    adoptions = {
        org_id: Status(pk=pk, status=status, valid_from=start, valid_to=end,
                       contact_role=role,
                       contact=Contact(contact_id, contact_name) if contact_id else None)
        for pk, org_id, status, start, end, role, contact_id, contact_name in
        Adoption.objects.valid_on(on).filter(solution=solution).order_by()
        .values_list("pk", "organisation_id", "status", "valid_from", "valid_to",
                     "contact_role", "contact_id", "contact__name")}
    by_org = networks_on(on) if networks else {}
    return [MemberStatus(organisation=o, adoption=adoptions.get(o.pk), size=size_class(o),
                         networks=by_org.get(o.pk, []))
            for o in members_on(on)]


def status_labels() -> dict[str, str]:
    """Every adoption status → its label in the active language, in the statuses' order."""
    return {value: str(label) for value, label in AdoptionStatus.choices}


def status_counts(rows: list[MemberStatus]) -> dict[str, int]:
    counts = Counter(row.status for row in rows)
    return {status: counts.get(status, 0) for status in AdoptionStatus.values}


# --- the adoption curve ----------------------------------------------------------------------

@dataclass
class CurvePoint:
    on: datetime.date
    members: int
    population: int
    counts: dict[str, int]
    production_population: int

    @property
    def production(self) -> int:
        return self.counts.get(PRODUCTION, 0)

    @property
    def share(self) -> float:
        return self.production / self.members if self.members else 0.0

    @property
    def population_share(self) -> float:
        return self.production_population / self.population if self.population else 0.0


def curve(solution: Solution, *, until: datetime.date | None = None) -> list[CurvePoint]:
    """The adoption curve: one point per year end from the first recorded adoption, plus
    ``until`` (default today). Members are those valid on each day, so mergers and splits are
    counted as they were. Two queries, whatever the span."""
    until = until or timezone.localdate()
    periods = list(Adoption.objects.filter(solution=solution, valid_from__lte=until)
                   .values_list("organisation_id", "status", "valid_from", "valid_to"))
    if not periods:
        return []
    first = min(p[2] for p in periods)
    days = [datetime.date(year, 12, 31) for year in range(first.year, until.year)] + [until]
    n = len(days)
    members, population = [0] * n, [0] * n
    valid: dict[int, tuple[int, int, int]] = {}  # organisation → (first day index, end, pop)
    for pk, pop, start, end in (Organisation.objects.filter(kind__in=MEMBER_KINDS)
                                .values_list("pk", "population", "valid_from", "valid_to")):
        lo, hi = _span(days, start, end)
        valid[pk] = (lo, hi, pop or 0)
        for i in range(lo, hi):
            members[i] += 1
            population[i] += pop or 0
    counts = {status: [0] * n for status in AdoptionStatus.values}
    covered = [0] * n
    for org_id, status, start, end in periods:  # each period adds to the days it spans
        if org_id not in valid:
            continue
        org_lo, org_hi, pop = valid[org_id]
        lo, hi = _span(days, start, end)
        for i in range(max(lo, org_lo), min(hi, org_hi)):
            counts[status][i] += 1
            if status == PRODUCTION:
                covered[i] += pop
    points = []
    for i, day in enumerate(days):
        day_counts = {status: counts[status][i] for status in AdoptionStatus.values}
        day_counts[NOT_STARTED] = members[i] - sum(
            v for status, v in day_counts.items() if status != NOT_STARTED)
        points.append(CurvePoint(on=day, members=members[i], population=population[i],
                                 counts=day_counts, production_population=covered[i]))
    return points


def _span(days: list[datetime.date], start, end) -> tuple[int, int]:
    """The indexes of ``days`` (sorted) within [start, end] (open ends allowed), as a range."""
    lo = 0 if start is None else bisect_left(days, start)
    hi = len(days) if end is None else bisect_right(days, end)
    return lo, hi


# --- breakdowns, laggards, near me -----------------------------------------------------------

@dataclass
class Group:
    """Members of one county, network or size class. Figures are read once the group is full
    (``breakdown`` builds it), so they are computed on first use and kept."""

    key: str
    label: str
    url: str = ""
    rows: list[MemberStatus] = field(default_factory=list)

    @property
    def members(self) -> int:
        return len(self.rows)

    @cached_property
    def counts(self) -> dict[str, int]:
        return status_counts(self.rows)

    @property
    def production(self) -> int:
        return self.counts[PRODUCTION]

    @property
    def share(self) -> float:
        return self.production / self.members if self.members else 0.0

    @cached_property
    def population_share(self) -> float:
        total = sum(row.organisation.population or 0 for row in self.rows)
        covered = sum(row.organisation.population or 0 for row in self.rows
                      if row.status == PRODUCTION)
        return covered / total if total else 0.0


def breakdown(rows: list[MemberStatus], by: str) -> list[Group]:
    """Members grouped by ``county``, ``network`` or ``size`` (a member may be in several
    networks, or in none)."""
    groups: dict[str, Group] = {}
    for row in rows:
        for key in _keys(row, by):
            group = groups.get(key)
            if group is None:
                group = groups[key] = _group(row, by, key)
            group.rows.append(row)
    if by == "size":
        order = [key for key, *_rest in SIZE_CLASSES] + [COUNTY_CLASS[0], UNKNOWN_CLASS[0]]
        return [groups[key] for key in order if key in groups]
    return sorted(groups.values(), key=lambda g: g.label)


def _keys(row: MemberStatus, by: str) -> list[str]:
    """The keys of the groups ``row`` belongs to (cheap: called for every member)."""
    if by == "county":
        county = row.organisation.county
        return [county.number] if county else []
    if by == "network":
        return [n.slug for n in row.networks]
    if by == "size":
        return [row.size]
    raise ValueError(f"unknown breakdown {by!r}")


def _group(row: MemberStatus, by: str, key: str) -> Group:
    """A new group named after its first member's county, network or size class."""
    if by == "county":
        county = row.organisation.county
        return Group(key=key, label=county.short_name, url=county.get_absolute_url())
    if by == "network":
        network = next(n for n in row.networks if n.slug == key)
        return Group(key=key, label=network.name, url=network.get_absolute_url())
    return Group(key=key, label=str(SIZE_LABELS[key]))


@dataclass
class Laggard:
    row: MemberStatus
    group: Group
    kind: str  # "county" or "network"


def laggards(rows: list[MemberStatus]) -> list[Laggard]:
    """Members not started while more than half of the other members of their county or of
    one of their networks are in production (the first such group named)."""
    result = []
    groups = {by: {g.key: g for g in breakdown(rows, by)} for by in ("county", "network")}
    for row in rows:
        if row.status != NOT_STARTED:
            continue
        for by in ("county", "network"):
            for key in _keys(row, by):
                group = groups[by][key]
                others = group.members - 1
                if others and group.production / others > LAGGARD_SHARE:
                    result.append(Laggard(row=row, group=group, kind=by))
                    break
            else:
                continue
            break
    return result


def near(rows: list[MemberStatus], organisation: Organisation) -> dict[str, list[MemberStatus]]:
    """Members in production in the same county, network or size class as ``organisation``."""
    me = next((row for row in rows if row.organisation.pk == organisation.pk), None)
    if me is None:
        return {}
    network_ids = {n.pk for n in me.networks}
    in_production = [row for row in rows
                     if row.status == PRODUCTION and row.organisation.pk != organisation.pk]
    return {
        "county": [r for r in in_production
                   if r.organisation.county_id and
                   r.organisation.county_id == organisation.county_id],
        "network": [r for r in in_production if network_ids & {n.pk for n in r.networks}],
        "size": [r for r in in_production if r.size == me.size],
    }


# --- a member's profile ----------------------------------------------------------------------

@dataclass(slots=True)
class SolutionItem:
    pk: int
    name: str
    slug: str


@dataclass
class ProfileRow:
    solution: SolutionItem
    adoption: Status | None
    peers: dict[str, float]  # "county" / "size" / "sector" → share of those peers in production

    @property
    def status(self) -> str:
        return self.adoption.status if self.adoption else NOT_STARTED


def catalogue_items() -> list[SolutionItem]:
    """Every solution in the catalogue by name, as plain values."""
    return [SolutionItem(*values) for values in
            Solution.objects.order_by("name").values_list("pk", "name", "slug")]


def production_count(organisation: Organisation, on: datetime.date) -> int:
    """How many solutions ``organisation`` has in production on ``on``."""
    return Adoption.objects.valid_on(on).filter(organisation=organisation,
                                                status=PRODUCTION).count()


def member_profile(organisation: Organisation, on: datetime.date | None = None,
                   solutions: list[SolutionItem] | None = None) -> list[ProfileRow]:
    """The member's status for every solution in the catalogue (or for ``solutions``, e.g. a
    page of it) on ``on``, against the share in production among the other members of its
    county, its size class and the whole sector (7 queries; the peers are counted in the
    database, only for the solutions asked for)."""
    on = on or timezone.localdate()
    valid = valid_on_q(on)
    members = list(Organisation.objects.filter(kind__in=MEMBER_KINDS)
                   .exclude(pk=organisation.pk).annotate(valid=Q(valid))
                   .values_list("pk", "kind", "county_id", "population", "valid"))
    mine = size_class(organisation)
    current = [(pk, county, _size_key(kind, population))
               for pk, kind, county, population, is_valid in members if is_valid]
    peer_sets = {
        "county": [pk for pk, county, _size in current
                   if organisation.county_id and county == organisation.county_id],
        "size": [pk for pk, _county, size in current if size == mine],
        "sector": [pk for pk, *_rest in current],
    }
    solutions = catalogue_items() if solutions is None else list(solutions)
    production = (Adoption.objects.valid_on(on)
                  .filter(status=PRODUCTION, solution_id__in=[s.pk for s in solutions])
                  .order_by().values("solution_id").annotate(n=Count("pk")))
    # One count per peer group, each a seek on the (status, organisation) covering index (one
    # query with three conditional counts was twice as slow); the sector is every period in
    # production less the member's own and those of members not valid that day.
    counts = {name: dict(production.filter(organisation_id__in=peer_sets[name])
                         .values_list("solution_id", "n")) if peer_sets[name] else {}
              for name in ("county", "size")}
    sector = Counter(dict(production.values_list("solution_id", "n")))
    sector.subtract(dict(production.filter(organisation_id__in=[organisation.pk] + [
        pk for pk, *_rest, is_valid in members if not is_valid]).values_list("solution_id", "n")))
    counts["sector"] = sector
    adoptions = {
        solution_id: Status(pk=pk, status=status, valid_from=start, valid_to=end,
                            contact_role=role, contact=None)
        for pk, solution_id, status, start, end, role in
        Adoption.objects.valid_on(on).filter(organisation=organisation).order_by()
        .values_list("pk", "solution_id", "status", "valid_from", "valid_to", "contact_role")}
    rows = []
    for solution in solutions:
        peers = {name: (counts[name].get(solution.pk, 0) / len(ids) if ids else 0.0)
                 for name, ids in peer_sets.items()}
        rows.append(ProfileRow(solution=solution, adoption=adoptions.get(solution.pk),
                               peers=peers))
    return rows


def adoption_history(solution: Solution, organisation: Organisation) -> QuerySet:
    """The recorded status periods of one member for one solution, newest first."""
    return (Adoption.objects.filter(solution=solution, organisation=organisation)
            .select_related("contact").order_by("-valid_from"))
