"""Input and output schemas of the cases API (``cases.api``).

Openness is decided by ``cases.selectors`` alone: an output field holding content (a summary,
documents, a round's description and questions, inputs, themes, synthesis, position and
decision texts, minutes) is null unless the selector lets the reader of this request see it;
metadata (number, title, type, owner, status, dates, steps, the legal basis) is always given.
Inputs refuse unknown fields (``InputSchema``: no mass assignment).
"""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema
from pydantic import AfterValidator

from core.api import Id, InputSchema, Slug, actor, reader

from . import selectors, services
from .models import (
    CaseStatus,
    CaseType,
    ExemptionBasis,
    Meeting,
    Resolution,
    StepPurpose,
    StepStatus,
)

# Dates and times a person could mean (the selectors do date arithmetic that would overflow
# near year 9999).
Day = Annotated[datetime.date, Field(ge=datetime.date(1900, 1, 1), le=datetime.date(2199, 12, 31),
                                     description="A date between 1900-01-01 and 2199-12-31")]


def _aware(value: datetime.datetime) -> datetime.datetime:
    """A time without a zone is local time (Europe/Oslo); years 1900–2199 only."""
    if not 1900 <= value.year <= 2199:
        raise ValueError("A time between the years 1900 and 2199.")
    return timezone.make_aware(value) if timezone.is_naive(value) else value


Moment = Annotated[datetime.datetime, AfterValidator(_aware),
                   Field(description="ISO 8601; without a zone, Norwegian local time")]
Title = Annotated[str, Field(min_length=1, max_length=300)]
LongText = Annotated[str, Field(max_length=20_000)]
Question = Annotated[str, Field(min_length=1, max_length=2_000)]
TopicName = Annotated[str, Field(min_length=1, max_length=100)]
CountyNumber = Annotated[str, Field(pattern=r"^[0-9]{2}$")]
QuestionKey = Annotated[str, Field(pattern=r"^[0-9]{1,18}$", description="A question's id")]
Basis = ExemptionBasis | Literal[""]
Order = Annotated[int, Field(ge=1, le=32767)]


def viewer(request):
    """Who reads this request's answer: the writer of a write, else the optional reader
    (authenticated once per request; anonymous without credentials)."""
    user = getattr(request, "_cases_viewer", None)
    if user is None:
        user = actor(request) if getattr(request, "auth", None) else reader(request)
        request._cases_viewer = user
    return user


def _user(context):
    return viewer(context["request"])


def _basis_label(obj) -> str | None:
    return str(ExemptionBasis(obj.exemption_basis).label) if obj.exemption_basis else None


# --- References ---------------------------------------------------------------------------------


class BodyRef(Schema):
    slug: str
    name: str


class TopicRef(Schema):
    slug: str
    name: str


class OrganisationRef(Schema):
    id: int
    kind: str
    number: str
    name: str


class CaseRef(Schema):
    id: int
    number: str = Field(description="Year and sequence, e.g. 26/00042")
    title: str
    url: str = Field(description="The case's page")

    @staticmethod
    def resolve_url(obj):
        return reverse("cases:case_detail", kwargs={"case_pk": obj.pk})


class Exemption(Schema):
    exempt: bool = Field(description="Exempt from public access (offentleglova)")
    exemption_basis: Basis = Field(description="The legal basis of the exemption ('' if none)")
    exemption_basis_label: str | None

    @staticmethod
    def resolve_exemption_basis_label(obj):
        return _basis_label(obj)


# --- Cases --------------------------------------------------------------------------------------


class CaseOut(CaseRef, Exemption):
    case_type: CaseType
    status: CaseStatus
    owner: BodyRef = Field(description="The owning body")
    topics: list[TopicRef]
    created_at: datetime.datetime
    announced_at: datetime.datetime | None
    decided_at: datetime.datetime | None
    content_readable: bool = Field(description="Whether the content below is given to you")
    summary: str | None = Field(description="null: exempt, and not for you")

    @staticmethod
    def resolve_topics(obj):
        return obj.topics.all()

    @staticmethod
    def resolve_content_readable(obj, context):
        return selectors.can_read_content(_user(context), obj)

    @staticmethod
    def resolve_summary(obj, context):
        return obj.summary if selectors.can_read_content(_user(context), obj) else None


class DocumentOut(Exemption):
    id: int
    title: str
    filename: str
    content_type: str
    size: int = Field(description="Bytes")
    sha256: str
    uploaded_at: datetime.datetime
    download_url: str

    @staticmethod
    def resolve_download_url(obj):
        return reverse("cases:document_download", kwargs={"casedocument_pk": obj.pk})


class CaseDetailOut(CaseOut):
    related: list[CaseRef] = Field(description="Related cases you may see")
    documents: list[DocumentOut] | None = Field(
        description="The documents you may read; null: the case is exempt, and not for you")

    @staticmethod
    def resolve_related(obj, context):
        user = _user(context)
        return [case for case in obj.related.all() if selectors.case_listed(user, case)]

    @staticmethod
    def resolve_documents(obj, context):
        user = _user(context)
        if not selectors.can_read_content(user, obj):
            return None
        return list(selectors.documents_visible(user, obj))


class CaseFilters(Schema):
    status: CaseStatus | None = None
    body: Slug | None = Field(None, description="Slug of the owning body")
    topic: Slug | None = Field(None, description="Topic slug")
    case_type: CaseType | None = None
    q: str | None = Field(None, max_length=100,
                          description="Words of the title (and of the summary where you may read "
                          "it), or a case number such as 26/42")


class CasePatchIn(InputSchema):
    title: Title = None
    summary: LongText = None
    case_type: CaseType = None
    owner: Slug = Field(None, description="Slug of the owning body (you must run both)")
    exempt: bool = None
    exemption_basis: Basis = None
    topics: list[TopicName] = Field(None, max_length=30, description="Topic names (new ones are "
                                    "created)")
    related: list[Id] = Field(None, max_length=100, description="Ids of related cases")


class CaseIn(CasePatchIn):
    title: Title
    summary: LongText = ""
    case_type: CaseType
    owner: Slug = Field(description="Slug of the owning body (one you run)")
    exempt: bool = False
    exemption_basis: Basis = ""
    topics: list[TopicName] = Field([], max_length=30)
    related: list[Id] = Field([], max_length=100)


class TransitionIn(InputSchema):
    to: CaseStatus
    reason: str = Field("", max_length=500, description="Needed when an administrator overrides "
                        "the valid transitions")


# --- The anchoring path -------------------------------------------------------------------------


class RoundSummaryOut(Exemption):
    id: int
    title: str
    opens_at: datetime.datetime
    closes_at: datetime.datetime
    open: bool = Field(description="Accepting input now")
    url: str

    @staticmethod
    def resolve_open(obj):
        return services.round_is_open(obj)

    @staticmethod
    def resolve_url(obj):
        return reverse("cases:round_detail", kwargs={"inputround_pk": obj.pk})


class ResolutionOut(Schema):
    id: int
    kind: Resolution.Kind
    decided_on: datetime.date
    published_at: datetime.datetime
    agenda_item: int | None
    text: str | None = Field(description="null: the case is exempt, and not for you")
    override_reason: str | None = Field(description="Why it was decided before input closed")
    considered: list[int] | None = Field(description="Ids of the inputs considered")

    @staticmethod
    def resolve_agenda_item(obj):
        return obj.agenda_item_id

    @staticmethod
    def resolve_text(obj, context):
        return obj.text if selectors.can_read_content(_user(context), obj.step.case) else None

    @staticmethod
    def resolve_override_reason(obj, context):
        readable = selectors.can_read_content(_user(context), obj.step.case)
        return obj.override_reason if readable else None

    @staticmethod
    def resolve_considered(obj, context):
        if not selectors.can_read_content(_user(context), obj.step.case):
            return None
        return [item.pk for item in obj.considered.all()]


class StepOut(Schema):
    id: int
    case: int
    order: int
    body: BodyRef
    purpose: StepPurpose
    description: str
    planned_date: datetime.date | None
    status: StepStatus
    completed_on: datetime.date | None
    rounds: list[RoundSummaryOut]
    resolutions: list[ResolutionOut]

    @staticmethod
    def resolve_case(obj):
        return obj.case_id

    @staticmethod
    def resolve_rounds(obj):
        return obj.rounds.all()

    @staticmethod
    def resolve_resolutions(obj):
        return obj.resolutions.all()


class StepPatchIn(InputSchema):
    order: Order = None
    body: Slug = Field(None, description="Slug of the body")
    purpose: StepPurpose = None
    description: str = Field(None, max_length=300)
    planned_date: Day | None = None
    status: StepStatus = None
    completed_on: Day | None = None


class StepIn(StepPatchIn):
    order: Order | None = Field(None, description="Default: after the last step")
    body: Slug = Field(description="Slug of the body")
    purpose: StepPurpose
    description: str = Field("", max_length=300)
    status: StepStatus = StepStatus.PLANNED


class ResolutionIn(InputSchema):
    kind: Resolution.Kind
    text: LongText
    decided_on: Day
    considered: list[Id] = Field([], max_length=2000, description="Ids of submitted inputs of "
                                 "this case")
    agenda_item: Id | None = None
    override_reason: str = Field("", max_length=500)


# --- Input rounds -------------------------------------------------------------------------------


class QuestionOut(Schema):
    id: int
    order: int
    text: str


class AudienceOut(Schema):
    all_members: bool
    counties: list[str] = Field(description="County numbers")
    networks: list[str] = Field(description="Network slugs")
    bodies: list[str] = Field(description="Body slugs")


class ThemeOut(Schema):
    terms: list[str]
    inputs: list[int] = Field(description="Ids of the inputs in the theme")


class SynthesisPointOut(Schema):
    id: int
    order: int
    text: str
    cited: list[int] = Field(description="Ids of the inputs behind the point")

    @staticmethod
    def resolve_cited(obj):
        return [item.pk for item in obj.cited.all()]


class RoundOut(RoundSummaryOut):
    case: CaseRef
    step: int
    body: BodyRef = Field(description="The body of the step")
    allow_late: bool

    @staticmethod
    def resolve_case(obj):
        return obj.step.case

    @staticmethod
    def resolve_step(obj):
        return obj.step_id

    @staticmethod
    def resolve_body(obj):
        return obj.step.body


class RoundDetailOut(RoundOut):
    audience: AudienceOut
    description: str | None = Field(description="null: exempt, and not for you")
    questions: list[QuestionOut] | None = Field(description="null: exempt, and not for you")
    themes: list[ThemeOut] | None = Field(description="Themes of the inputs; null until the "
                                          "inputs are public to you")
    themes_computed_at: datetime.datetime | None
    synthesis: list[SynthesisPointOut] | None = Field(description="The secretariat's synthesis; "
                                                      "null until the inputs are public to you")

    @staticmethod
    def resolve_audience(obj):
        return {"all_members": obj.all_members,
                "counties": [county.number for county in obj.counties.all()],
                "networks": [network.slug for network in obj.networks.all()],
                "bodies": [body.slug for body in obj.bodies.all()]}

    @staticmethod
    def resolve_description(obj, context):
        return obj.description if selectors.round_text_visible(_user(context), obj) else None

    @staticmethod
    def resolve_questions(obj, context):
        return obj.questions.all() if selectors.round_text_visible(_user(context), obj) else None

    @staticmethod
    def resolve_themes(obj, context):
        return obj.themes if selectors.round_content_visible(_user(context), obj) else None

    @staticmethod
    def resolve_synthesis(obj, context):
        return obj.synthesis.all() if selectors.round_content_visible(_user(context), obj) else None


class RoundFilters(Schema):
    open: bool | None = Field(None, description="true: accepting input now; false: not open "
                              "(closed or not yet open)")
    case: Id | None = Field(None, description="Case id")
    body: Slug | None = Field(None, description="Slug of the step's body")


class RoundPatchIn(InputSchema):
    title: Title = None
    description: LongText = None
    all_members: bool = None
    opens_at: Moment = None
    closes_at: Moment = None
    allow_late: bool = None
    exempt: bool = None
    exemption_basis: Basis = None
    questions: list[Question] = Field(None, min_length=1, max_length=50,
                                      description="Replace the questions (before any input)")
    counties: list[CountyNumber] = Field(None, max_length=100)
    networks: list[Slug] = Field(None, max_length=200)
    bodies: list[Slug] = Field(None, max_length=200)


class RoundIn(RoundPatchIn):
    title: Title
    description: LongText = ""
    all_members: bool = True
    opens_at: Moment
    closes_at: Moment
    allow_late: bool = False
    exempt: bool = False
    exemption_basis: Basis = ""
    questions: list[Question] = Field(min_length=1, max_length=50)
    counties: list[CountyNumber] = Field([], max_length=100)
    networks: list[Slug] = Field([], max_length=200)
    bodies: list[Slug] = Field([], max_length=200)


class InputOut(Schema):
    id: int
    organisation: OrganisationRef
    version: int = Field(description="The number of the current submitted version")
    submitted_at: datetime.datetime
    late: bool
    checksum: str = Field(description="SHA-256 of the answers (the receipt's)")
    answers: dict[str, str] = Field(description="Question id → answer")

    @staticmethod
    def resolve_version(obj):
        return obj.current.number

    @staticmethod
    def resolve_submitted_at(obj):
        return obj.current.submitted_at

    @staticmethod
    def resolve_late(obj):
        return obj.current.late

    @staticmethod
    def resolve_checksum(obj):
        return obj.current.checksum

    @staticmethod
    def resolve_answers(obj):
        return obj.current.answers


class AnswersIn(InputSchema):
    answers: dict[QuestionKey, LongText] = Field(max_length=50, description="Question id → answer")


class DraftOut(Schema):
    round: int
    organisation: int
    answers: dict[str, str]
    saved_at: datetime.datetime | None

    @staticmethod
    def resolve_round(obj):
        return obj.round_id

    @staticmethod
    def resolve_organisation(obj):
        return obj.organisation_id

    @staticmethod
    def resolve_answers(obj):
        return obj.draft

    @staticmethod
    def resolve_saved_at(obj):
        return obj.draft_saved_at


class ReceiptOut(Schema):
    """The receipt of a submitted input: the same for a replay of the same submission."""

    round: int
    organisation: int
    input: int
    version: int
    submitted_at: datetime.datetime
    checksum: str = Field(description="SHA-256 of the answers in canonical JSON")
    late: bool

    @staticmethod
    def resolve_round(obj):
        return obj.input.round_id

    @staticmethod
    def resolve_organisation(obj):
        return obj.input.organisation_id

    @staticmethod
    def resolve_input(obj):
        return obj.input_id

    @staticmethod
    def resolve_version(obj):
        return obj.number


class RateRow(Schema):
    name: str = Field(description="County name, or organisation kind")
    invited: int
    answered: int
    rate: float | None = Field(description="Per cent answered")


class TrailOut(Schema):
    invited: int
    answered: int
    late: int
    rate: float | None
    by_county: list[RateRow]
    by_kind: list[RateRow]

    @staticmethod
    def resolve_by_county(obj):
        return [dict(zip(("name", "invited", "answered", "rate"), row, strict=True))
                for row in obj["by_county"]]

    @staticmethod
    def resolve_by_kind(obj):
        return [dict(zip(("name", "invited", "answered", "rate"), row, strict=True))
                for row in obj["by_kind"]]


class ThemesOut(Schema):
    round: int
    themes: list[ThemeOut]
    themes_computed_at: datetime.datetime | None

    @staticmethod
    def resolve_round(obj):
        return obj.pk


class SynthesisPointIn(InputSchema):
    text: LongText
    cited: list[Id] = Field(max_length=2000, description="Ids of submitted inputs of the round")


# --- Meetings -----------------------------------------------------------------------------------


class MeetingOut(Schema):
    id: int
    body: BodyRef
    title: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    place: str
    video_url: str
    status: Meeting.Status
    minutes_approved: bool
    url: str

    @staticmethod
    def resolve_url(obj):
        return reverse("cases:meeting_detail", kwargs={"meeting_pk": obj.pk})


class PaperOut(Schema):
    id: int
    title: str
    download_url: str

    @staticmethod
    def resolve_download_url(obj):
        return reverse("cases:document_download", kwargs={"casedocument_pk": obj.pk})


class AgendaItemOut(Schema):
    id: int
    order: int
    title: str
    case: CaseRef | None = Field(description="null: no case, or one not published")
    minutes: str | None = Field(description="null: the case is exempt, and not for you")
    papers: list[PaperOut] = Field(description="The papers you may read")

    @staticmethod
    def resolve_title(obj, context):
        if obj.case_id and not selectors.case_listed(_user(context), obj.case):
            return str(_("Case not yet published"))
        return obj.title

    @staticmethod
    def resolve_case(obj, context):
        return obj.case if obj.case_id and selectors.case_listed(_user(context), obj.case) else None

    @staticmethod
    def resolve_minutes(obj, context):
        user = _user(context)
        if obj.case_id and not (selectors.case_listed(user, obj.case)
                                and selectors.can_read_content(user, obj.case)):
            return None
        return obj.minutes

    @staticmethod
    def resolve_papers(obj, context):
        user = _user(context)
        return [paper for paper in obj.papers.all() if selectors.document_visible(user, paper)]


class MeetingDetailOut(MeetingOut):
    items: list[AgendaItemOut]

    @staticmethod
    def resolve_items(obj):
        return obj.items.all()


class MeetingFilters(Schema):
    body: Slug | None = Field(None, description="Body slug")
    status: Meeting.Status | None = None
    after: Day | None = Field(None, description="Meetings starting on or after this date")
    before: Day | None = Field(None, description="Meetings starting before this date")


class MeetingPatchIn(InputSchema):
    title: str = Field(None, min_length=1, max_length=200)
    starts_at: Moment = None
    ends_at: Moment = None
    place: str = Field(None, max_length=200)
    video_url: str = Field(None, max_length=200)
    status: Meeting.Status = None
    minutes_approved: bool = None


class MeetingIn(MeetingPatchIn):
    body: Slug = Field(description="Slug of the body that meets (one you run)")
    title: str = Field(min_length=1, max_length=200)
    starts_at: Moment
    ends_at: Moment
    place: str = Field("", max_length=200)
    video_url: str = Field("", max_length=200)
    status: Meeting.Status = Meeting.Status.PLANNED
    minutes_approved: bool = False


class AgendaItemIn(InputSchema):
    order: Order | None = Field(None, description="Default: after the last item")
    title: str = Field("", max_length=300, description="Default: the case's title")
    case: Id | None = None
    minutes: LongText = ""
    papers: list[Id] = Field([], max_length=200, description="Ids of documents of the case")


# --- Upcoming and following ---------------------------------------------------------------------


class UpcomingStepOut(Schema):
    id: int
    case: CaseRef
    order: int
    body: BodyRef
    purpose: StepPurpose
    description: str
    planned_date: datetime.date
    status: StepStatus


class UpcomingOut(Schema):
    start: datetime.date
    end: datetime.date
    steps: list[UpcomingStepOut]
    meetings: list[MeetingOut]


class UpcomingFilters(Schema):
    days: int = Field(90, ge=1, le=366, description="How far ahead, from today")


FollowTarget = Literal["body", "case", "county", "topic"]
FollowKey = Annotated[int, Field(ge=1, le=2**63 - 1)] | Slug


class FollowIn(InputSchema):
    target: FollowTarget
    id: FollowKey = Field(description="Case id, body slug, county number or topic slug")


class FollowOut(Schema):
    target: FollowTarget
    id: str
    created_at: datetime.datetime


class FollowQuery(Schema):
    target: FollowTarget
    id: FollowKey = Field(description="Case id, body slug, county number or topic slug")
