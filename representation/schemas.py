"""Input and output schemas of the representation API (``representation.api``).

Outputs name people by id and name only: never e-mail, phone or recorded gender, except the
gender endpoint itself (secretariat only). Inputs refuse unknown fields (``InputSchema``).
"""

import datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from core.api import Id, InputSchema, Slug
from register.api import CountyNumber, CountyRef, OrganisationRef
from structure.api import PersonRef
from structure.models import SeatRole

from . import services
from .models import Gender, ReportingSchedule, RuleKind, VacancyStatus
from .selectors import EXPIRY_NOTICE_DAYS

# Dates a person could mean: the selectors do date arithmetic (terms, due dates) that would
# overflow near year 9999.
Day = Annotated[datetime.date, Field(ge=datetime.date(1900, 1, 1),
                                     le=datetime.date(2199, 12, 31),
                                     description="A date between 1900-01-01 and 2199-12-31")]
CompetenceName = Annotated[str, Field(min_length=1, max_length=100)]
Competences = Annotated[list[CompetenceName], Field(max_length=50)]
CandidateKey = Annotated[str, Field(pattern=r"^p[1-9][0-9]{0,18}$",
                                    description="'p' and the person's id, e.g. p42")]
Role = Literal["member", "deputy"]
SmallCount = Annotated[int, Field(ge=0, le=32767)]
Population = Annotated[int, Field(ge=0, le=2147483647)]


# --- Shared references --------------------------------------------------------------------------


class BodyRef(Schema):
    slug: str
    name: str


class SeatRef(Schema):
    id: int
    role: SeatRole
    constituency: str


def _names(manager) -> list[str]:
    return [competence.name for competence in manager.all()]


# --- The public register ------------------------------------------------------------------------


class RepresentativeOut(Schema):
    """Who represents the sector where: never contact details or gender."""

    id: int = Field(description="Id of the membership")
    person: PersonRef
    organisation: OrganisationRef | None = Field(description="The organisation represented")
    body: BodyRef
    role: SeatRole
    constituency: str
    valid_from: datetime.date | None = Field(description="Start of the term")
    valid_to: datetime.date | None = Field(description="End of the term (null: open)")

    @staticmethod
    def resolve_body(obj):
        return obj.seat.body

    @staticmethod
    def resolve_role(obj):
        return obj.seat.role

    @staticmethod
    def resolve_constituency(obj):
        return obj.seat.constituency


class RepresentativeFilters(Schema):
    on: Day | None = Field(None, description="Who represented the sector on this date "
                           "(default: today)")
    body: Slug | None = Field(None, description="Body slug")


class ReportSummaryOut(Schema):
    due_date: datetime.date
    summary: str
    body: BodyRef
    representative: str = Field(description="Name of the representative")

    @staticmethod
    def resolve_body(obj):
        return obj.appointment.membership.seat.body

    @staticmethod
    def resolve_representative(obj):
        return obj.appointment.membership.person.name


# --- Vacancies and nominations ------------------------------------------------------------------


class VacancyOut(Schema):
    id: int
    body: BodyRef
    title: str
    description: str
    seats: list[SeatRef]
    term_start: datetime.date
    term_end: datetime.date | None
    deadline: datetime.date
    status: VacancyStatus
    open: bool = Field(description="Open for nominations today (status open, deadline not past)")
    required_competences: list[str]
    desired_competences: list[str]
    created_at: datetime.datetime

    @staticmethod
    def resolve_seats(obj):
        return obj.seats.all()

    @staticmethod
    def resolve_open(obj):
        return services.vacancy_is_open(obj)

    @staticmethod
    def resolve_required_competences(obj):
        return _names(obj.required_competences)

    @staticmethod
    def resolve_desired_competences(obj):
        return _names(obj.desired_competences)


class VacancyFilters(Schema):
    status: VacancyStatus | None = None
    body: Slug | None = Field(None, description="Body slug")


class VacancyIn(InputSchema):
    body: Slug = Field(description="Slug of the body whose seats are to be filled")
    title: str = Field(max_length=200)
    description: str = ""
    seats: list[Id] = Field(max_length=500, description="Ids of the body's seats to fill")
    term_start: Day
    term_end: Day | None = None
    deadline: Day = Field(description="Last day for nominations")
    required_competences: Competences = []
    desired_competences: Competences = []


class VacancyPatchIn(InputSchema):
    title: str = Field(None, max_length=200)
    description: str = None
    seats: list[Id] = Field(None, max_length=500)
    term_start: Day = None
    term_end: Day | None = None
    deadline: Day = None
    status: VacancyStatus = None
    required_competences: Competences = None
    desired_competences: Competences = None


class NominationOut(Schema):
    id: int
    vacancy: int
    person: PersonRef
    organisation: OrganisationRef = Field(description="The nominating organisation")
    motivation: str
    competences: list[str]
    consent: bool
    withdrawn: bool
    created_at: datetime.datetime

    @staticmethod
    def resolve_vacancy(obj):
        return obj.vacancy_id

    @staticmethod
    def resolve_competences(obj):
        return _names(obj.competences)


class NominationIn(InputSchema):
    organisation: Id = Field(description="The nominating organisation (one you act for)")
    person: Id = Field(description="A person affiliated with that organisation")
    motivation: str = Field(max_length=5000)
    competences: Competences = []
    consent: bool = Field(description="The person has agreed to be nominated")


# --- Rules, recorded gender, proposals ----------------------------------------------------------


class RuleOut(Schema):
    id: int
    body: str = Field(description="Slug of the body")
    kind: RuleKind
    name: str
    counties: list[CountyRef]
    organisation_kind: str
    population_from: int | None
    population_to: int | None = Field(description="Population below this number")
    role: str = Field(description="'member', 'deputy', or '' for both together")
    minimum: int | None
    maximum: int | None
    limit: int | None
    competences: list[str]
    preferred: bool
    explanation: str
    active: bool

    @staticmethod
    def resolve_body(obj):
        return obj.body.slug

    @staticmethod
    def resolve_counties(obj):
        return obj.counties.all()

    @staticmethod
    def resolve_competences(obj):
        return _names(obj.competences)


class RulePatchIn(InputSchema):
    kind: RuleKind = None
    name: str = Field(None, max_length=200)
    counties: list[CountyNumber] = Field(None, max_length=100)
    organisation_kind: Literal["", "municipality", "county_municipality"] = None
    population_from: Population | None = None
    population_to: Population | None = None
    role: Literal["", "member", "deputy"] = None
    minimum: SmallCount | None = None
    maximum: SmallCount | None = None
    limit: SmallCount | None = None
    competences: Competences = None
    preferred: bool = None
    explanation: str = None
    active: bool = None


class RuleIn(RulePatchIn):
    kind: RuleKind
    counties: list[CountyNumber] = Field([], max_length=100)
    competences: Competences = []


class GenderOut(Schema):
    person: int
    gender: Gender | None = Field(description="null: not recorded")


class GenderIn(InputSchema):
    gender: Gender | None = Field(description="null removes the record")


class ProposalIn(InputSchema):
    locked: dict[CandidateKey, Role | None] = Field(
        {}, max_length=500,
        description="Candidates who must be in the slate: key → role, or null for either role")
    excluded: list[CandidateKey] = Field([], max_length=2000,
                                         description="Candidates who must not be in the slate")


class ProposalOut(Schema):
    id: int
    vacancy: int
    created_at: datetime.datetime
    locked: dict[str, str | None]
    excluded: list[str]
    status: str = Field(description="optimal, feasible, infeasible, …")
    proven_optimal: bool
    score: int | None
    result: dict[str, Any] = Field(
        description="The slate, each rule's check, the binding rules and, when infeasible, "
        "the smallest set of conflicting rules (docs/optimiser.md)")

    @staticmethod
    def resolve_vacancy(obj):
        return obj.vacancy_id

    @staticmethod
    def resolve_locked(obj):
        # The model's default is a list (of keys, either role): the optimiser reads both forms.
        locked = obj.locked or {}
        return dict(locked) if isinstance(locked, dict) else dict.fromkeys(locked)


# --- Appointments, meetings, reports ------------------------------------------------------------


class AppointmentOut(Schema):
    id: int
    membership: int
    seat: SeatRef
    body: BodyRef
    person: PersonRef
    organisation: OrganisationRef | None
    valid_from: datetime.date | None
    valid_to: datetime.date | None
    decision_ref: str
    decision_date: datetime.date
    decided_by: str | None = Field(description="Slug of the deciding body")
    vacancy: int | None
    proposal: int | None = Field(description="The optimiser's proposal kept beside it")
    reporting: ReportingSchedule
    report_every_months: int
    end_reason: str
    renews: int | None = Field(description="The appointment this one re-appoints")

    @staticmethod
    def resolve_membership(obj):
        return obj.membership_id

    @staticmethod
    def resolve_seat(obj):
        return obj.membership.seat

    @staticmethod
    def resolve_body(obj):
        return obj.membership.seat.body

    @staticmethod
    def resolve_person(obj):
        return obj.membership.person

    @staticmethod
    def resolve_organisation(obj):
        return obj.membership.organisation

    @staticmethod
    def resolve_valid_from(obj):
        return obj.membership.valid_from

    @staticmethod
    def resolve_valid_to(obj):
        return obj.membership.valid_to

    @staticmethod
    def resolve_decided_by(obj):
        return obj.decided_by.slug if obj.decided_by_id else None

    @staticmethod
    def resolve_vacancy(obj):
        return obj.vacancy_id

    @staticmethod
    def resolve_proposal(obj):
        return obj.proposal_id

    @staticmethod
    def resolve_renews(obj):
        return obj.renews_id


class ExpiringFilters(Schema):
    days: int = Field(EXPIRY_NOTICE_DAYS, ge=1, le=366,
                      description="Terms ending within this many days")


class MyAppointmentOut(AppointmentOut):
    outstanding: list[datetime.date] = Field(
        description="Due dates of reports not yet filed, oldest first")


class OverdueReportOut(Schema):
    appointment: AppointmentOut
    due_date: datetime.date


class AppointmentIn(InputSchema):
    seat: Id
    person: Id
    organisation: Id | None = Field(None, description="The organisation represented")
    decision_ref: str = Field(max_length=200)
    decision_date: Day
    decided_by: Slug | None = Field(None, description="Slug of the deciding body")
    valid_from: Day
    valid_to: Day | None = None
    vacancy: Id | None = None
    proposal: Id | None = Field(None, description="The proposal the decision followed")
    reporting: ReportingSchedule = ReportingSchedule.MONTHLY
    report_every_months: int = Field(6, ge=1, le=60)


class AppointmentEndIn(InputSchema):
    end_date: Day
    reason: str = Field("", max_length=300)


class AppointmentRenewIn(InputSchema):
    decision_ref: str = Field(max_length=200)
    decision_date: Day
    valid_to: Day | None = None
    decided_by: Slug | None = None


class MeetingIn(InputSchema):
    date: Day
    title: str = Field("", max_length=200)


class MeetingOut(Schema):
    id: int
    body: str = Field(description="Slug of the body")
    date: datetime.date
    title: str

    @staticmethod
    def resolve_body(obj):
        return obj.body.slug


class ReportIn(InputSchema):
    due_date: Day = Field(description="The due date the report answers")
    discussed: str = Field(max_length=20000)
    status: str = Field("", max_length=20000)
    needs_position: bool = False
    position_matter: str = Field("", max_length=20000)
    summary: str = Field("", max_length=300)
    summary_public: bool = False


class ReportOut(Schema):
    id: int
    appointment: int
    due_date: datetime.date
    discussed: str
    status: str
    needs_position: bool
    position_matter: str
    summary: str
    summary_public: bool
    submitted_at: datetime.datetime

    @staticmethod
    def resolve_appointment(obj):
        return obj.appointment_id
