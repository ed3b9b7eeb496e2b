"""The cases API: cases and their anchoring paths, documents, input rounds and inputs, meetings,
positions and decisions, upcoming work, following.

Reads are open and answer what the reader may see (``cases.selectors`` decide, as for the
pages): drafts only to those who run them, an exempt case's metadata and legal basis to
everyone and its content (``schemas``: null fields) only to those ``can_read_content`` allows.
Writes call ``cases.services`` alone, which check permissions.

A case's change history shows content fields (the summary) only to readers of the content; others
get the metadata fields of each change (``selectors.CASE_METADATA_FIELDS``), never the text.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Header, Query, Router
from ninja.decorators import decorate_view
from ninja.pagination import paginate
from ninja.responses import Status

from core.api import (
    WRITE_AUTH,
    ChangeLog,
    ChangeOut,
    Id,
    PagePagination,
    actor,
    read,
    write,
)
from core.cache import public_read
from register.models import County, Network, Organisation
from structure.models import Body

from . import selectors, services
from .models import (
    AgendaItem,
    AnchoringStep,
    Case,
    CaseDocument,
    Input,
    InputRound,
    InputVersion,
    SynthesisPoint,
    Topic,
)
from .schemas import (
    AgendaItemIn,
    AgendaItemOut,
    AnswersIn,
    CaseDetailOut,
    CaseFilters,
    CaseIn,
    CaseOut,
    CasePatchIn,
    DocumentOut,
    DraftOut,
    FollowIn,
    FollowOut,
    FollowQuery,
    InputOut,
    MeetingDetailOut,
    MeetingFilters,
    MeetingIn,
    MeetingOut,
    MeetingPatchIn,
    ReceiptOut,
    ResolutionIn,
    ResolutionOut,
    RoundDetailOut,
    RoundFilters,
    RoundIn,
    RoundOut,
    RoundPatchIn,
    StepIn,
    StepOut,
    StepPatchIn,
    SynthesisPointIn,
    SynthesisPointOut,
    ThemesOut,
    TrailOut,
    TransitionIn,
    UpcomingFilters,
    UpcomingOut,
    viewer,
)

router = Router(tags=["cases"])

IdempotencyKey = Header(None, alias="Idempotency-Key", max_length=64,
                        description="Send the same key again to retry a submission safely: "
                        "the first receipt is answered (200) and nothing new is stored")


# --- Helpers ------------------------------------------------------------------------------------


def _one(queryset, field: str, **lookup):
    """An object referenced in a request body: a missing one is a 422 on ``field``."""
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise ValidationError({field: f"No {queryset.model._meta.model_name} with this "
                                      "identifier."})
    return obj


def _many(queryset, field: str, values, key: str = "pk") -> list:
    """Objects referenced by a list in a request body, in its order; any missing one is a 422."""
    found = queryset.in_bulk(list(values), field_name=key)
    missing = [str(value) for value in values if value not in found]
    if missing:
        raise ValidationError({field: f"No {queryset.model._meta.model_name} with identifier "
                                      f"{', '.join(missing)}."})
    return [found[value] for value in dict.fromkeys(values)]


def _body(field: str, slug: str) -> Body:
    return _one(Body.objects.all(), field, slug=slug)


def _case(request, pk: int):
    case = selectors.case_detail(viewer(request), pk)
    if case is None:
        raise Case.DoesNotExist
    return case


def _steps(user):
    return AnchoringStep.objects.filter(case__in=selectors.cases_visible(user)).select_related(
        "case", "body")


def _step(request, pk: int) -> AnchoringStep:
    return get_object_or_404(_steps(viewer(request)), pk=pk)


def _round(request, pk: int) -> InputRound:
    rounds = selectors.rounds_visible(viewer(request)).prefetch_related(
        "counties", "networks", "bodies", "questions",
        Prefetch("synthesis", queryset=SynthesisPoint.objects.prefetch_related("cited")))
    return get_object_or_404(rounds, pk=pk)


def _meeting(pk: int):
    meetings = selectors.meetings_of().prefetch_related(
        Prefetch("items__papers", queryset=CaseDocument.objects.select_related("case")))
    return get_object_or_404(meetings, pk=pk)


def _inputs(round_: InputRound, field: str, ids) -> list[Input]:
    return _many(Input.objects.filter(round__step__case=round_.step.case_id)
                 .select_related("round__step"), field, ids)


class CaseChangeLog(ChangeLog):
    """A case's change log; without ``content``, each change keeps its metadata fields only."""

    def __init__(self, case, *, viewer, content: bool):
        super().__init__(case, viewer=viewer)
        self.content = content

    def __getitem__(self, page: slice):
        entries = super().__getitem__(page)
        if not self.content:
            for entry in entries:
                entry.changes = [change for change in entry.changes
                                 if change.field in selectors.CASE_METADATA_FIELDS]
        return entries


# --- Cases --------------------------------------------------------------------------------------


@decorate_view(public_read)
@router.get("/cases", response=read(list[CaseOut]),
            summary="Cases, newest first (drafts only for those who run them)")
@paginate(PagePagination)
def case_list(request, filters: Query[CaseFilters]):
    body = _body("body", filters.body).pk if filters.body else None
    return selectors.case_list(viewer(request), status=filters.status or "", body=body,
                               topic=filters.topic or "", case_type=filters.case_type or "",
                               q=filters.q or "")


@decorate_view(public_read)
@router.get("/cases/{id}", response=read(CaseDetailOut),
            summary="A case: metadata for everyone, its content where you may read it")
def case_detail(request, id: Id):
    return _case(request, id)


@decorate_view(public_read)
@router.get("/cases/{id}/steps", response=read(list[StepOut]),
            summary="The anchoring path of a case, with its rounds and positions or decisions")
@paginate(PagePagination)
def step_list(request, id: Id):
    return list(_case(request, id).steps.all())


@decorate_view(public_read)
@router.get("/cases/{id}/documents", response=read(list[DocumentOut]),
            summary="The documents of a case you may read, with their download addresses")
@paginate(PagePagination)
def document_list(request, id: Id):
    user = viewer(request)
    case = get_object_or_404(selectors.cases_visible(user), pk=id)
    return selectors.documents_visible(user, case)


@decorate_view(public_read)
@router.get("/cases/{id}/history", response=read(list[ChangeOut]),
            summary="Change history of a case (its content only where you may read it)")
@paginate(PagePagination)
def case_history(request, id: Id):
    user = viewer(request)
    case = get_object_or_404(selectors.cases_visible(user), pk=id)
    return CaseChangeLog(case, viewer=user, content=selectors.can_read_content(user, case))


def _case_lists(request, data: dict) -> dict:
    """Topics and related cases of a case body as the service's keyword arguments."""
    lists = {}
    if data.get("topics") is not None:
        lists["topics"] = data["topics"]
    if data.get("related") is not None:
        lists["related"] = _many(selectors.cases_visible(actor(request)), "related",
                                 data["related"])
    data.pop("topics", None)
    data.pop("related", None)
    if data.get("owner") is not None:
        data["owner"] = _body("owner", data["owner"])
    return lists


@router.post("/cases", response=write(CaseDetailOut, 201), auth=WRITE_AUTH,
             summary="Open a case as a draft, owned by a body you run")
def case_create(request, payload: CaseIn):
    data = payload.dict()
    lists = _case_lists(request, data)
    case = services.case_create(actor=actor(request), data=data, **lists)
    return Status(201, _case(request, case.pk))


@router.patch("/cases/{id}", response=write(CaseDetailOut), auth=WRITE_AUTH,
              summary="Change a case (those who run it)")
def case_update(request, id: Id, payload: CasePatchIn):
    case = get_object_or_404(selectors.cases_visible(actor(request)), pk=id)
    data = payload.dict(exclude_unset=True)
    lists = _case_lists(request, data)
    services.case_update(actor=actor(request), case=case, data=data, **lists)
    return _case(request, id)


@router.post("/cases/{id}/transition", response=write(CaseDetailOut), auth=WRITE_AUTH,
             summary="Move a case along its statuses (announce, withdraw, …)")
def case_transition(request, id: Id, payload: TransitionIn):
    case = get_object_or_404(selectors.cases_visible(actor(request)), pk=id)
    services.case_transition(actor=actor(request), case=case, to=payload.to,
                             reason=payload.reason)
    return _case(request, id)


# --- The anchoring path -------------------------------------------------------------------------


def _step_out(request, step: AnchoringStep) -> AnchoringStep:
    """A step as the path lists it (its rounds and resolutions loaded)."""
    return next(s for s in _case(request, step.case_id).steps.all() if s.pk == step.pk)


@router.post("/cases/{id}/steps", response=write(StepOut, 201), auth=WRITE_AUTH,
             summary="Add a step to a case's anchoring path")
def step_create(request, id: Id, payload: StepIn):
    case = get_object_or_404(selectors.cases_visible(actor(request)), pk=id)
    data = payload.dict()
    data["body"] = _body("body", data["body"])
    step = services.step_create(actor=actor(request), case=case, data=data)
    return Status(201, _step_out(request, step))


@router.patch("/steps/{id}", response=write(StepOut), auth=WRITE_AUTH,
              summary="Change a step (date, status, body, …)")
def step_update(request, id: Id, payload: StepPatchIn):
    step = _step(request, id)
    data = payload.dict(exclude_unset=True)
    if data.get("body") is not None:
        data["body"] = _body("body", data["body"])
    services.step_update(actor=actor(request), step=step, data=data)
    return _step_out(request, step)


@router.post("/steps/{id}/resolutions", response=write(ResolutionOut, 201), auth=WRITE_AUTH,
             summary="Record a position or decision on a step, with the inputs it considered")
def resolution_create(request, id: Id, payload: ResolutionIn):
    step = _step(request, id)
    agenda_item = (None if payload.agenda_item is None else
                   _one(AgendaItem.objects.all(), "agenda_item", pk=payload.agenda_item))
    resolution = services.resolution_record(
        actor=actor(request), step=step, kind=payload.kind, text=payload.text,
        decided_on=payload.decided_on, agenda_item=agenda_item,
        considered=_many(Input.objects.select_related("round__step"), "considered",
                         payload.considered),
        override_reason=payload.override_reason)
    return Status(201, resolution)


# --- Input rounds -------------------------------------------------------------------------------


@decorate_view(public_read)
@router.get("/rounds", response=read(list[RoundOut]),
            summary="Input rounds, latest deadline first")
@paginate(PagePagination)
def round_list(request, filters: Query[RoundFilters]):
    rounds = selectors.rounds_visible(viewer(request))
    now = timezone.now()
    if filters.open is not None:
        is_open = {"opens_at__lte": now, "closes_at__gt": now}
        rounds = rounds.filter(**is_open) if filters.open else rounds.exclude(**is_open)
    if filters.case:
        rounds = rounds.filter(step__case_id=filters.case)
    if filters.body:
        rounds = rounds.filter(step__body=_body("body", filters.body))
    return rounds.order_by("-closes_at", "pk")


@decorate_view(public_read)
@router.get("/rounds/{id}", response=read(RoundDetailOut),
            summary="An input round: its questions, audience, themes and synthesis where public")
def round_detail(request, id: Id):
    return _round(request, id)


@decorate_view(public_read)
@router.get("/rounds/{id}/inputs", response=read(list[InputOut]),
            summary="Submitted inputs: public once the round has closed (unless exempted); "
            "before that, your organisations' own")
@paginate(PagePagination)
def input_list(request, id: Id):
    return selectors.inputs_visible(viewer(request), _round(request, id))


@decorate_view(public_read)
@router.get("/rounds/{id}/trail", response=read(TrailOut),
            summary="Who was invited and who answered: response rates by county and kind")
def round_trail(request, id: Id):
    return selectors.round_trail(_round(request, id))


def _audience(data: dict) -> dict:
    """Counties, networks and bodies of a round body as the service's keyword arguments."""
    audience = {}
    for name, model, key in (("counties", County, "number"), ("networks", Network, "slug"),
                             ("bodies", Body, "slug")):
        values = data.pop(name, None)
        if values is not None:
            audience[name] = _many(model.objects.all(), name, values, key=key)
    return audience


@router.post("/steps/{id}/rounds", response=write(RoundDetailOut, 201), auth=WRITE_AUTH,
             summary="Call for input on a step: questions, audience, open period")
def round_create(request, id: Id, payload: RoundIn):
    step = _step(request, id)
    data = payload.dict()
    questions = data.pop("questions")
    audience = _audience(data)
    round_ = services.round_create(actor=actor(request), step=step, data=data,
                                   questions=questions, **audience)
    return Status(201, _round(request, round_.pk))


@router.patch("/rounds/{id}", response=write(RoundDetailOut), auth=WRITE_AUTH,
              summary="Change an input round (its questions only before any input)")
def round_update(request, id: Id, payload: RoundPatchIn):
    round_ = _round(request, id)
    data = payload.dict(exclude_unset=True)
    questions = data.pop("questions", None)
    audience = _audience(data)
    services.round_update(actor=actor(request), round_=round_, data=data, questions=questions,
                          **audience)
    return _round(request, id)


@router.put("/rounds/{id}/inputs/{organisation_id}/draft", response=write(DraftOut),
            auth=WRITE_AUTH, summary="Keep your organisation's working draft (never public)")
def input_draft(request, id: Id, organisation_id: Id, payload: AnswersIn):
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    return services.input_save_draft(actor=actor(request), round_=_round(request, id),
                                     organisation=organisation, answers=payload.answers)


@router.post("/rounds/{id}/inputs/{organisation_id}",
             response={**write(ReceiptOut, 201), 200: ReceiptOut}, auth=WRITE_AUTH,
             summary="Submit your organisation's input; 201 with the receipt, or 200 with the "
             "first receipt when the Idempotency-Key (or the same answers) was seen before")
def input_submit(request, id: Id, organisation_id: Id, payload: AnswersIn,
                 idempotency_key: str | None = IdempotencyKey):
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    version, created = services.input_submit(
        actor=actor(request), round_=_round(request, id), organisation=organisation,
        answers=payload.answers, idempotency_key=idempotency_key or "")
    version = InputVersion.objects.select_related("input").get(pk=version.pk)
    return Status(201 if created else 200, version)


@router.post("/rounds/{id}/themes", response=write(ThemesOut), auth=WRITE_AUTH,
             summary="Group the round's submitted inputs by theme (kept on the round)")
def round_themes(request, id: Id):
    return services.round_themes_compute(actor=actor(request), round_=_round(request, id))


@router.post("/rounds/{id}/synthesis", response=write(SynthesisPointOut, 201), auth=WRITE_AUTH,
             summary="Add a point to the round's synthesis, citing the inputs behind it")
def synthesis_create(request, id: Id, payload: SynthesisPointIn):
    round_ = _round(request, id)
    point = services.synthesis_point_save(actor=actor(request), round_=round_, text=payload.text,
                                          cited=_inputs(round_, "cited", payload.cited))
    return Status(201, point)


# --- Meetings -----------------------------------------------------------------------------------


@decorate_view(public_read)
@router.get("/meetings", response=read(list[MeetingOut]), summary="Meetings, latest first")
@paginate(PagePagination)
def meeting_list(request, filters: Query[MeetingFilters]):
    body = _body("body", filters.body) if filters.body else None
    meetings = selectors.meetings_of(body)
    if filters.status:
        meetings = meetings.filter(status=filters.status)
    if filters.after:
        meetings = meetings.filter(starts_at__gte=selectors.day_start(filters.after))
    if filters.before:
        meetings = meetings.filter(starts_at__lt=selectors.day_start(filters.before))
    return meetings


@decorate_view(public_read)
@router.get("/meetings/{id}", response=read(MeetingDetailOut),
            summary="A meeting and its agenda (minutes and papers where you may read them)")
def meeting_detail(request, id: Id):
    return _meeting(id)


@router.post("/meetings", response=write(MeetingDetailOut, 201), auth=WRITE_AUTH,
             summary="Plan a meeting of a body you run")
def meeting_create(request, payload: MeetingIn):
    data = payload.dict()
    body = _body("body", data.pop("body"))
    meeting = services.meeting_create(actor=actor(request), body=body, data=data)
    return Status(201, _meeting(meeting.pk))


@router.patch("/meetings/{id}", response=write(MeetingDetailOut), auth=WRITE_AUTH,
              summary="Change a meeting (time, place, status, minutes approved)")
def meeting_update(request, id: Id, payload: MeetingPatchIn):
    services.meeting_update(actor=actor(request), meeting=_meeting(id),
                            data=payload.dict(exclude_unset=True))
    return _meeting(id)


@router.post("/meetings/{id}/items", response=write(AgendaItemOut, 201), auth=WRITE_AUTH,
             summary="Put an item (usually a case) on a meeting's agenda")
def agenda_item_create(request, id: Id, payload: AgendaItemIn):
    meeting = _meeting(id)
    data = payload.dict()
    papers = data.pop("papers")
    if data["case"] is not None:
        data["case"] = _one(selectors.cases_visible(actor(request)), "case", pk=data["case"])
    item = services.agenda_item_save(
        actor=actor(request), meeting=meeting, data=data,
        papers=_many(CaseDocument.objects.select_related("case"), "papers", papers))
    return Status(201, _meeting(id).items.get(pk=item.pk))


# --- Upcoming -----------------------------------------------------------------------------------

UPCOMING_LIMIT = 100  # of each kind: the nearest first; a narrower window shows the rest


@decorate_view(public_read)
@router.get("/upcoming", response=read(UpcomingOut),
            summary="Planned steps and meetings from today on (\"kommende saker\")")
def upcoming(request, filters: Query[UpcomingFilters]):
    start = timezone.localdate()
    end = start + datetime.timedelta(days=filters.days)
    found = selectors.upcoming(viewer(request), today=start)
    after_end = selectors.day_start(end + datetime.timedelta(days=1))
    return {"start": start, "end": end,
            "steps": found["steps"].filter(planned_date__lte=end)[:UPCOMING_LIMIT],
            "meetings": found["meetings"].filter(starts_at__lt=after_end)[:UPCOMING_LIMIT]}


# --- Following ----------------------------------------------------------------------------------


def _follow_target(request, target: str, key):
    """The body, case, county or topic a follow names; a missing one is a 422 on ``id``."""
    key = str(key)
    if target == "case":
        if not key.isdigit():
            raise ValidationError({"id": "A case is named by its id."})
        return _one(selectors.cases_visible(actor(request)), "id", pk=int(key))
    model, field = {"body": (Body, "slug"), "county": (County, "number"),
                    "topic": (Topic, "slug")}[target]
    return _one(model.objects.all(), "id", **{field: key})


@router.post("/follows", response=write(FollowOut, 201), auth=WRITE_AUTH,
             summary="Follow a body, case, county or topic (e-mail when something happens)")
def follow_create(request, payload: FollowIn):
    target = _follow_target(request, payload.target, payload.id)
    follow = services.follow(actor=actor(request), target=target)
    return Status(201, {"target": payload.target, "id": str(payload.id),
                        "created_at": follow.created_at})


@router.delete("/follows", response=write(None, 204), auth=WRITE_AUTH,
               summary="Stop following a body, case, county or topic")
def follow_delete(request, query: Query[FollowQuery]):
    services.unfollow(actor=actor(request),
                      target=_follow_target(request, query.target, query.id))
    return Status(204, None)

