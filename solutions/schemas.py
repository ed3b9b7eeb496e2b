"""Input and output schemas of the solutions API (``solutions.api``).

Everything here is public: the catalogue, and adoption as recorded for any day. A contact person
appears by id and name only, as the register shows people to everyone (``register.api``
``PersonOut``); never e-mail or phone. Shares are fractions from 0 to 1, rounded to four decimals.
Inputs refuse unknown fields (``InputSchema``: no mass assignment).

Benefit models have schemas of their own (a model under its solution's slug, ``SolutionRef``
naming the solution); amounts are decimal kroner, NPVs whole kroner.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema

from core.api import MAX_ID, PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX, Id, InputSchema, Slug
from register.api import OrganisationRef
from structure.api import PersonRef

from .models import (
    ActorType,
    AdoptionStatus,
    BenefitItem,
    Driver,
    Lifecycle,
    QuantitySource,
    SolutionKind,
)
from .selectors import SIZE_LABELS

# Dates a person could mean: the selectors count years and subtract days, which would overflow
# near year 1 or 9999.
Day = Annotated[datetime.date, Field(ge=datetime.date(1900, 1, 1), le=datetime.date(2199, 12, 31),
                                     description="A date between 1900-01-01 and 2199-12-31")]
LifecycleOut = Lifecycle | Literal[""]
Breakdown = Literal["county", "network", "size"]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(max_length=20_000)]
SHARE_DIGITS = 4


def share(value: float) -> float:
    return round(value, SHARE_DIGITS)


# --- References ---------------------------------------------------------------------------------


class SolutionRef(Schema):
    slug: str
    name: str


class BodyRef(Schema):
    slug: str
    name: str


class MemberRef(Schema):
    """A member organisation, with its county's number."""

    id: int
    kind: str
    number: str
    name: str
    county: str | None = Field(description="County number")

    @staticmethod
    def resolve_county(obj):
        return obj.county.number if obj.county_id else None


class StatusCountsOut(Schema):
    """Members per adoption status (no recorded status counts as not started)."""

    not_started: int
    planned: int
    implementing: int
    production: int
    discontinued: int


# --- The catalogue ------------------------------------------------------------------------------


class LinkOut(Schema):
    id: int
    title: str
    url: str


class SolutionBase(Schema):
    id: int
    slug: str
    name: str
    kind: SolutionKind
    lifecycle: LifecycleOut = Field(description="'' when the source does not say")
    provider: OrganisationRef | None
    interfaces: str


class SolutionOut(SolutionBase):
    production_count: int = Field(description="Members in production today")


class SolutionDetailOut(SolutionBase):
    description: str
    note: str
    source: str
    user_council: BodyRef | None
    links: list[LinkOut]
    depends_on: list[str] = Field(description="Slugs of the solutions this one depends on")
    dependants: list[str] = Field(description="Slugs of the solutions depending on this one")
    replaces: list[str] = Field(description="Slugs of the solutions this one replaces")
    replaced_by: list[str] = Field(description="Slugs of the solutions replacing this one")

    @staticmethod
    def resolve_links(obj):
        return obj.links.all()

    @staticmethod
    def resolve_depends_on(obj):
        return [solution.slug for solution in obj.depends_on.all()]

    @staticmethod
    def resolve_dependants(obj):
        return [solution.slug for solution in obj.dependants.all()]

    @staticmethod
    def resolve_replaces(obj):
        return [solution.slug for solution in obj.replaces.all()]

    @staticmethod
    def resolve_replaced_by(obj):
        return [solution.slug for solution in obj.replaced_by.all()]


class SolutionFilters(Schema):
    q: str | None = Field(None, max_length=100, pattern=r"^[^\x00]*$",
                          description="Words of the name or the description")
    kind: SolutionKind | None = None
    lifecycle: Lifecycle | Literal["unstated"] | None = Field(
        None, description="'unstated': the source does not say")


class SolutionPatchIn(InputSchema):
    name: Name = None
    slug: Slug = None
    kind: SolutionKind = None
    lifecycle: LifecycleOut = None
    provider: Id | None = Field(None, description="Id of the providing organisation")
    description: Text = None
    interfaces: str = Field(None, max_length=300)
    user_council: Slug | None = Field(None, description="Slug of the user council (a body)")
    note: Text = None
    source: str = Field(None, max_length=500)
    depends_on: list[Slug] = Field(None, max_length=100, description="Solution slugs")
    replaces: list[Slug] = Field(None, max_length=100, description="Solution slugs")
    reason: str = Field("", max_length=100, description="Kept in the change history")


class SolutionIn(SolutionPatchIn):
    name: Name
    slug: Slug = Field(None, description="Default: from the name")
    kind: SolutionKind
    lifecycle: LifecycleOut = Lifecycle.PRODUCTION
    description: Text = ""
    interfaces: str = Field("", max_length=300)
    note: Text = ""
    source: str = Field("", max_length=500)
    depends_on: list[Slug] = Field([], max_length=100, description="Solution slugs")
    replaces: list[Slug] = Field([], max_length=100, description="Solution slugs")


class LinkIn(InputSchema):
    title: Name
    url: str = Field(max_length=500, description="An http(s) address")


# --- Adoption on a day --------------------------------------------------------------------------


class DayFilter(Schema):
    on: Day | None = Field(None, description="As recorded for this day (default: today)")


class BreakdownFilters(DayFilter):
    by: Breakdown = Field("county", description="Group members by county, regional network "
                          "or population size class")


class ProfileFilters(DayFilter):
    page: int = Field(1, ge=1, le=MAX_ID, description="Page of the catalogue, from 1")
    page_size: int = Field(PAGE_SIZE_DEFAULT, ge=1, le=PAGE_SIZE_MAX)


class CurveFilters(Schema):
    until: Day | None = Field(None, description="The last point (default: today)")


class MemberStatusOut(Schema):
    """A member's status on a day; ``contact_role`` is whom to ask (a role, not a person)."""

    organisation: MemberRef
    status: AdoptionStatus
    since: datetime.date | None = Field(description="The day the status began (null: no "
                                        "status recorded)")
    contact_role: str
    contact: PersonRef | None = Field(description="The contact person, by name only")

    @staticmethod
    def resolve_contact_role(obj):
        return obj.adoption.contact_role if obj.adoption else ""

    @staticmethod
    def resolve_contact(obj):
        return obj.adoption.contact if obj.adoption else None


class AdoptionOnOut(Schema):
    on: datetime.date
    solution: SolutionRef
    counts: StatusCountsOut
    organisations: list[MemberStatusOut] = Field(description="Every member valid that day")


class CurvePointOut(Schema):
    date: datetime.date
    members: int = Field(description="Members valid that day")
    counts: StatusCountsOut
    production: int
    share: float = Field(description="Share of the members in production")
    population_share: float = Field(description="Share of the members' population covered")

    @staticmethod
    def resolve_date(obj):
        return obj.on

    @staticmethod
    def resolve_share(obj):
        return share(obj.share)

    @staticmethod
    def resolve_population_share(obj):
        return share(obj.population_share)


class CurveOut(Schema):
    solution: SolutionRef
    points: list[CurvePointOut] = Field(description="Each year's end from the first recorded "
                                        "adoption, and the last day asked for")


class GroupOut(Schema):
    key: str = Field(description="County number, network slug or size class")
    label: str
    members: int
    counts: StatusCountsOut
    production: int
    share: float
    population_share: float

    @staticmethod
    def resolve_share(obj):
        return share(obj.share)

    @staticmethod
    def resolve_population_share(obj):
        return share(obj.population_share)


class BreakdownOut(Schema):
    on: datetime.date
    by: Breakdown
    solution: SolutionRef
    groups: list[GroupOut] = Field(description="A member may be in several networks, or none")


class LaggardOut(Schema):
    organisation: MemberRef
    kind: Literal["county", "network"] = Field(description="What kind of group is ahead")
    group: GroupOut = Field(description="Its county or network, most of which is in production")

    @staticmethod
    def resolve_organisation(obj):
        return obj.row.organisation


class LaggardsOut(Schema):
    on: datetime.date
    solution: SolutionRef
    laggards: list[LaggardOut] = Field(description="Members not started while more than half "
                                       "of the others in their county or a network of theirs "
                                       "are in production")


class NearOut(Schema):
    on: datetime.date
    solution: SolutionRef
    organisation: MemberRef
    status: AdoptionStatus
    county: list[MemberStatusOut] = Field(description="In production in the same county")
    network: list[MemberStatusOut] = Field(description="In production in a shared network")
    size: list[MemberStatusOut] = Field(description="In production in the same size class")


class PeersOut(Schema):
    county: float = Field(description="Share in production among the other members of its "
                          "county")
    size: float = Field(description="... of its population size class")
    sector: float = Field(description="... of all members")


class ProfileRowOut(Schema):
    solution: SolutionRef
    status: AdoptionStatus
    since: datetime.date | None
    peers: PeersOut

    @staticmethod
    def resolve_since(obj):
        return obj.adoption.valid_from if obj.adoption else None

    @staticmethod
    def resolve_peers(obj):
        return {name: share(value) for name, value in obj.peers.items()}


class SizeClassOut(Schema):
    key: str
    label: str


class ProfileOut(Schema):
    on: datetime.date
    organisation: MemberRef
    size_class: SizeClassOut
    count: int = Field(description="Solutions in the catalogue")
    page: int
    page_size: int
    pages: int
    solutions: list[ProfileRowOut] = Field(description="A page of the catalogue, by name")


def size_class_out(key: str) -> dict:
    return {"key": key, "label": str(SIZE_LABELS[key])}


# --- Recorded adoption --------------------------------------------------------------------------


class PeriodOut(Schema):
    """One recorded status period of a member (``valid_to`` null: the current one)."""

    id: int
    status: AdoptionStatus
    valid_from: datetime.date
    valid_to: datetime.date | None
    contact_role: str
    contact: PersonRef | None = Field(description="The contact person, by name only")
    note: str


class AdoptionOut(PeriodOut):
    solution: str = Field(description="Slug of the solution")
    organisation: MemberRef

    @staticmethod
    def resolve_solution(obj):
        return obj.solution.slug


class AdoptionIn(InputSchema):
    status: AdoptionStatus
    valid_from: Day = Field(description="The day the status began (today at the latest)")
    contact_role: str = Field("", max_length=200, description="Public: the role others can ask")
    note: Text = ""
    contact_person_id: Id | None = Field(None, description="A person affiliated with the "
                                         "organisation today")


class AdoptionCorrectIn(InputSchema):
    status: AdoptionStatus = None
    valid_from: Day = None
    valid_to: Day | None = Field(None, description="null: the current status")
    contact_role: str = Field(None, max_length=200)
    note: Text = None
    contact_person_id: Id | None = Field(None, description="A person affiliated with the "
                                         "organisation today; null: none")
    reason: str = Field(min_length=1, max_length=100, description="Why the record is corrected "
                        "(kept in the change history)")


# --- Benefit models -----------------------------------------------------------------------------


class BenefitItemOut(Schema):
    id: int
    title: str
    direction: BenefitItem.Direction
    actor_type: ActorType
    first_year: int
    last_year: int
    driver: Driver
    amount: Decimal = Field(description="A year's amount, or the amount per unit (NOK)")
    amount_low: Decimal | None
    amount_high: Decimal | None
    quantity_source: str = Field(description='"" (fixed), "register" or "stated"')
    quantity: Decimal | None = Field(description="Stated yearly quantity for the sector")
    note: str


class BenefitModelOut(Schema):
    discount_rate: Decimal = Field(description="Real discount rate (0.04 = 4 %, R-109/2021)")
    base_year: int
    description: str
    source: str


class YearFlowOut(Schema):
    year: int
    costs: dict[str, Decimal] = Field(description="Per actor type")
    gains: dict[str, Decimal] = Field(description="Per actor type")
    net: Decimal
    present_value: Decimal


class ActorOut(Schema):
    actor_type: ActorType
    cost_present_value: Decimal
    gain_present_value: Decimal
    net_present_value: Decimal


class AppraisalOut(Schema):
    npv: Decimal = Field(description="Net present value, whole kroner")
    payback_year: int | None
    years: list[YearFlowOut]
    actors: list[ActorOut] = Field(description="Who pays, who gains")


class SensitivityOut(Schema):
    item: int
    title: str
    npv_low: Decimal
    npv_expected: Decimal
    npv_high: Decimal


class RealisedOut(Schema):
    until_year: int
    total: Decimal
    present_value: Decimal
    by_year: dict[int, Decimal]


class MemberEstimateOut(Schema):
    organisation: MemberRef
    npv: Decimal
    payback_year: int | None


class BenefitsOut(Schema):
    solution: SolutionRef
    model: BenefitModelOut
    items: list[BenefitItemOut]
    sector: dict[str, float] = Field(description="The register's drivers: members, population")
    appraisal: AppraisalOut | None = Field(description="Null while the model has no items")
    sensitivity: list[SensitivityOut]
    realised: RealisedOut | None
    member: MemberEstimateOut | None = Field(description="With ?member=<id>")


class BenefitsFilters(Schema):
    member: Id | None = Field(None, description="A member for its own estimate")


class BenefitModelIn(InputSchema):
    discount_rate: Decimal = Field(Decimal("0.04"), ge=0, lt=1, max_digits=5, decimal_places=4)
    base_year: int = Field(ge=1900, le=2200)
    description: Text = ""
    source: Annotated[str, Field(max_length=500)] = ""


class BenefitItemIn(InputSchema):
    title: Name
    direction: BenefitItem.Direction
    actor_type: ActorType
    first_year: int = Field(ge=1900, le=2200)
    last_year: int = Field(ge=1900, le=2200)
    driver: Driver = Driver.FIXED
    amount: Decimal = Field(ge=0, max_digits=16, decimal_places=2)
    amount_low: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    amount_high: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    quantity_source: QuantitySource = QuantitySource.NONE
    quantity: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    note: Text = ""


class BenefitItemPatchIn(InputSchema):
    title: Name | None = None
    direction: BenefitItem.Direction | None = None
    actor_type: ActorType | None = None
    first_year: int | None = Field(None, ge=1900, le=2200)
    last_year: int | None = Field(None, ge=1900, le=2200)
    driver: Driver | None = None
    amount: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    amount_low: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    amount_high: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    quantity_source: QuantitySource | None = None
    quantity: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    note: Text | None = None
