"""Every write of cases and anchoring: one function per operation, whoever calls it.

Each checks permission first (``cases.manage`` on the case's owning body or the step's body for
the secretariat's and body secretaries' work, ``cases.submit_input`` on the organisation for
input), validates, writes in one transaction with history; e-mails go to the task worker after
commit, never from the request.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from core.access import has_perm, is_admin, require
from core.models import has_control_characters
from core.services import assign, history_delete, history_save
from register.models import Organisation

from . import selectors
from .documents import check_upload
from .models import (
    AgendaItem,
    AnchoringStep,
    Case,
    CaseDocument,
    CaseSequence,
    CaseStatus,
    Follow,
    Input,
    InputRound,
    InputVersion,
    Invitation,
    Meeting,
    Question,
    Resolution,
    RoundResponse,
    StepPurpose,
    StepStatus,
    SynthesisPoint,
    Topic,
)

CASE_FIELDS = {"title", "summary", "case_type", "owner", "exempt", "exemption_basis"}
STEP_FIELDS = {"order", "body", "purpose", "description", "planned_date", "status",
               "completed_on"}
ROUND_FIELDS = {"title", "description", "all_members", "opens_at", "closes_at", "allow_late",
                "exempt", "exemption_basis"}
MEETING_FIELDS = {"title", "starts_at", "ends_at", "place", "video_url", "status",
                  "minutes_approved"}
ITEM_FIELDS = {"order", "title", "case", "minutes"}

# The valid moves of a case's status; anything else needs an administrator and a reason.
TRANSITIONS: dict[str, set[str]] = {
    CaseStatus.DRAFT: {CaseStatus.ANNOUNCED, CaseStatus.WITHDRAWN},
    CaseStatus.ANNOUNCED: {CaseStatus.IN_PROGRESS, CaseStatus.WITHDRAWN},
    CaseStatus.IN_PROGRESS: {CaseStatus.DECIDED, CaseStatus.WITHDRAWN},
    CaseStatus.DECIDED: {CaseStatus.CLOSED},
    CaseStatus.CLOSED: set(),
    CaseStatus.WITHDRAWN: set(),
}
MAX_ANSWER_LENGTH = 20_000


# --- cases -----------------------------------------------------------------------------------

def _next_number(year: int) -> int:
    """Take the next sequence number of ``year``, holding the year's row until commit.

    The counter row is created if missing (ignoring a concurrent creator's row) and then
    locked; a second creator waits for the first to commit or roll back, so numbers are unique
    and gap-free. SQLite runs one writer at a time (immediate transactions).
    """
    CaseSequence.objects.bulk_create([CaseSequence(year=year)], ignore_conflicts=True)
    counter = CaseSequence.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


@transaction.atomic
def case_create(*, actor, data: dict, topics=(), related=(), source_report=None) -> Case:
    """Open a case (a draft until announced) owned by a body the actor runs, numbered now."""
    owner = data.get("owner")
    if owner is None:
        raise ValidationError({"owner": _("Choose the body that owns the case.")})
    require(actor, "cases.manage", owner)
    case = Case(source_report=source_report)
    assign(case, data, CASE_FIELDS)
    case.year = timezone.localdate().year
    case.sequence = 0
    case.full_clean(exclude=["sequence"])
    case.sequence = _next_number(case.year)
    history_save(case, actor=actor, reason="created")
    case.topics.set(topics_named(topics))
    _set_related(case, related)
    return case


@transaction.atomic
def case_update(*, actor, case: Case, data: dict, topics=None, related=None) -> Case:
    require(actor, "cases.manage", case)
    if "owner" in data and data["owner"] != case.owner:
        require(actor, "cases.manage", data["owner"])
    assign(case, data, CASE_FIELDS)
    history_save(case, actor=actor, reason="updated")
    _responses_follow_case(case)
    if topics is not None:
        case.topics.set(topics_named(topics))
    if related is not None:
        _set_related(case, related)
    return case


def _set_related(case: Case, related) -> None:
    related = list(related)
    if any(other.pk == case.pk for other in related):
        raise ValidationError({"related": _("A case cannot be related to itself.")})
    case.related.set(related)


def topics_named(names) -> list[Topic]:
    """The topics with these names, created when new."""
    result = []
    for name in dict.fromkeys(n.strip() for n in names if n and n.strip()):
        if len(name) > 100:
            raise ValidationError({"topics": _("A topic name is at most 100 characters.")})
        topic = Topic.objects.filter(name__iexact=name).first()
        if topic is None:
            slug = slugify(name)[:90] or "emne"
            if Topic.objects.filter(slug=slug).exists():
                slug = f"{slug}-{Topic.objects.count() + 1}"
            topic = history_save(Topic(name=name, slug=slug), actor=None, reason="created")
        result.append(topic)
    return result


@transaction.atomic
def case_transition(*, actor, case: Case, to: str, reason: str = "") -> Case:
    """Move a case to ``to`` along a valid transition; an administrator may override any
    transition, giving a reason that is kept in the history."""
    require(actor, "cases.manage", case)
    if to not in CaseStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    if to == case.status:
        return case
    if to not in TRANSITIONS[case.status]:
        if not is_admin(actor):
            raise ValidationError({"status": _(
                "A case cannot go from %(from)s to %(to)s.") % {
                "from": CaseStatus(case.status).label, "to": CaseStatus(to).label}})
        if not reason.strip():
            raise ValidationError({"reason": _("Give the reason for overriding the case's "
                                               "status.")})
    now = timezone.now()
    if to != CaseStatus.DRAFT and case.announced_at is None:
        case.announced_at = now
    if to == CaseStatus.DECIDED:
        case.decided_at = now
        case.notice_days = (timezone.localdate(now)
                            - timezone.localdate(case.announced_at)).days
    case.status = to
    history_save(case, actor=actor, reason=(f"override: {reason.strip()}" if reason.strip()
                                            else f"status {to}"))
    _responses_follow_case(case)
    return case


# --- the anchoring path -----------------------------------------------------------------------

@transaction.atomic
def step_create(*, actor, case: Case, data: dict) -> AnchoringStep:
    require(actor, "cases.manage", case)
    data = dict(data)
    if data.get("order") is None:
        data["order"] = (case.steps.aggregate(m=Max("order"))["m"] or 0) + 1
    step = AnchoringStep(case=case)
    assign(step, data, STEP_FIELDS)
    _check_step(step)
    return history_save(step, actor=actor, reason="added")


@transaction.atomic
def step_update(*, actor, step: AnchoringStep, data: dict) -> AnchoringStep:
    require(actor, "cases.manage", step)
    assign(step, data, STEP_FIELDS)
    _check_step(step)
    return history_save(step, actor=actor, reason="updated")


def _check_step(step: AnchoringStep) -> None:
    if step.status == StepStatus.DONE and step.completed_on is None:
        step.completed_on = timezone.localdate()
    if step.status != StepStatus.DONE:
        step.completed_on = None
    if (step.pk is None and step.order is not None
            and AnchoringStep.objects.filter(case=step.case, order=step.order).exists()):
        raise ValidationError({"order": _("The path already has a step %(order)s.")
                               % {"order": step.order}})


@transaction.atomic
def step_delete(*, actor, step: AnchoringStep) -> None:
    require(actor, "cases.manage", step)
    if step.rounds.exists() or step.resolutions.exists():
        raise ValidationError({"step": _("A step with input rounds or positions cannot be "
                                         "removed; mark it skipped instead.")})
    history_delete(step, actor=actor, reason="removed")


# --- documents --------------------------------------------------------------------------------

@transaction.atomic
def document_add(*, actor, case: Case, upload, title: str = "", exempt: bool = False,
                 exemption_basis: str = "") -> CaseDocument:
    """Store an uploaded file of a case after checking its content, size and name."""
    require(actor, "cases.manage", case)
    checked = check_upload(upload)
    document = CaseDocument(case=case, title=(title or checked.filename)[:300],
                            filename=checked.filename, content_type=checked.content_type,
                            size=checked.size, sha256=checked.sha256, exempt=exempt,
                            exemption_basis=exemption_basis)
    document.full_clean(exclude=["file"])
    document.file.save(checked.filename, checked.file, save=False)
    return history_save(document, actor=actor, reason="uploaded")


@transaction.atomic
def document_update(*, actor, document: CaseDocument, data: dict) -> CaseDocument:
    require(actor, "cases.manage", document.case)
    assign(document, data, {"title", "exempt", "exemption_basis"})
    return history_save(document, actor=actor, reason="updated")


# --- input rounds -----------------------------------------------------------------------------

@transaction.atomic
def round_create(*, actor, step: AnchoringStep, data: dict, questions: list[str],
                 counties=(), networks=(), bodies=()) -> InputRound:
    require(actor, "cases.manage", step)
    round_ = InputRound(step=step)
    assign(round_, data, ROUND_FIELDS)
    _check_audience(round_, counties, networks, bodies)
    history_save(round_, actor=actor, reason="created")
    _set_audience(round_, counties, networks, bodies)
    _set_questions(round_, questions, actor)
    return round_


@transaction.atomic
def round_update(*, actor, round_: InputRound, data: dict, questions: list[str] | None = None,
                 counties=None, networks=None, bodies=None) -> InputRound:
    require(actor, "cases.manage", round_)
    audience = (counties, networks, bodies)
    changed = "all_members" in data or any(part is not None for part in audience)
    counties, networks, bodies = (
        list(current.all()) if part is None else list(part)
        for part, current in zip(audience, (round_.counties, round_.networks, round_.bodies),
                                 strict=True))
    assign(round_, data, ROUND_FIELDS)
    _check_audience(round_, counties, networks, bodies)
    history_save(round_, actor=actor, reason="updated")
    if changed:
        _set_audience(round_, counties, networks, bodies)
    else:
        round_response_refresh(round_)  # the closing year may have moved
    if questions is not None:
        if round_.inputs.exclude(current=None).exists():
            raise ValidationError({"questions": _("Input has been submitted: the questions "
                                                  "can no longer change.")})
        _set_questions(round_, questions, actor)
    return round_


def _check_audience(round_, counties, networks, bodies) -> None:
    if not round_.all_members and not (list(counties) or list(networks) or list(bodies)):
        raise ValidationError({"all_members": _(
            "Choose the audience: all members, or counties, networks or bodies.")})


def _set_audience(round_, counties, networks, bodies) -> None:
    """Keep the audience and who it invites now; those who have answered stay invited."""
    round_.counties.set(counties)
    round_.networks.set(networks)
    round_.bodies.set(bodies)
    invited = set(selectors.round_audience(round_).values_list("pk", flat=True))
    invited |= set(round_.inputs.values_list("organisation_id", flat=True))
    round_.invitations.exclude(organisation_id__in=invited).delete()
    Invitation.objects.bulk_create([Invitation(round=round_, organisation_id=pk)
                                    for pk in sorted(invited)], ignore_conflicts=True)
    round_response_refresh(round_)


def _case_is_public(case: Case) -> bool:
    return not case.exempt and case.status != CaseStatus.DRAFT


def _responses_follow_case(case: Case) -> None:
    """Keep the response counts' copy of whether the case is public."""
    RoundResponse.objects.filter(round__step__case=case).update(public=_case_is_public(case))


def round_response_refresh(round_: InputRound) -> None:
    """Recount the round's invited and answering organisations by county and kind."""
    answered = Input.objects.filter(round=round_, organisation=OuterRef("organisation"),
                                    current__isnull=False)
    rows = (round_.invitations.annotate(has_answered=Exists(answered))
            .values("organisation__county_id", "organisation__kind")
            .annotate(invited=Count("pk"), answered=Count("pk", filter=Q(has_answered=True))))
    round_.responses.all().delete()
    year = timezone.localtime(round_.closes_at).year
    public = _case_is_public(round_.step.case)
    RoundResponse.objects.bulk_create([
        RoundResponse(round=round_, county_id=row["organisation__county_id"], year=year,
                      closes_at=round_.closes_at, public=public,
                      organisation_kind=row["organisation__kind"], invited=row["invited"],
                      answered=row["answered"]) for row in rows])


def _set_questions(round_: InputRound, questions: list[str], actor) -> None:
    texts = [q.strip() for q in questions if q and q.strip()]
    if not texts:
        raise ValidationError({"questions": _("Ask at least one question.")})
    for question in round_.questions.all():
        history_delete(question, actor=actor, reason="questions replaced")
    for order, text in enumerate(texts, start=1):
        history_save(Question(round=round_, order=order, text=text), actor=actor,
                     reason="asked")


def round_is_open(round_: InputRound, now: datetime.datetime | None = None) -> bool:
    now = now or timezone.now()
    return round_.opens_at <= now < round_.closes_at


def round_accepts(round_: InputRound, now: datetime.datetime | None = None) -> tuple[bool, bool]:
    """(accepted, late) for an input arriving ``now``."""
    now = now or timezone.now()
    if now < round_.opens_at:
        return False, False
    if now < round_.closes_at:
        return True, False
    return round_.allow_late, True


def _clean_answers(round_: InputRound, answers: dict) -> dict[str, str]:
    """Answers keyed by question id (as strings), each stripped; unknown questions refused."""
    known = {str(pk) for pk in round_.questions.values_list("pk", flat=True)}
    cleaned, errors = {}, {}
    for key, text in (answers or {}).items():
        key = str(key)
        if key not in known:
            errors[f"answers.{key}"] = _("No such question in this round.")
            continue
        if not isinstance(text, str):
            errors[f"answers.{key}"] = _("An answer is text.")
            continue
        if len(text) > MAX_ANSWER_LENGTH:
            errors[f"answers.{key}"] = _("An answer is at most %(max)s characters.") % {
                "max": MAX_ANSWER_LENGTH}
            continue
        if has_control_characters(text):
            errors[f"answers.{key}"] = _("The answer contains a character that is not allowed.")
            continue
        cleaned[key] = text.strip()
    if errors:
        raise ValidationError(errors)
    return {key: cleaned[key] for key in sorted(cleaned, key=int)}


def _check_submitter(actor, round_: InputRound, organisation: Organisation) -> None:
    require(actor, "cases.submit_input", organisation)
    if not round_.invitations.filter(organisation=organisation).exists():
        raise ValidationError({"organisation": _(
            "%(organisation)s is not among those invited to this round.") % {
            "organisation": organisation.name}})


def _locked_input(round_: InputRound, organisation: Organisation) -> Input:
    """The organisation's input row for the round, created if missing, locked until commit."""
    Input.objects.bulk_create([Input(round=round_, organisation=organisation)],
                              ignore_conflicts=True)
    return Input.objects.select_for_update().get(round=round_, organisation=organisation)


@transaction.atomic
def input_save_draft(*, actor, round_: InputRound, organisation: Organisation,
                     answers: dict) -> Input:
    """Keep the organisation's working draft; drafts are never public."""
    _check_submitter(actor, round_, organisation)
    accepted, _late = round_accepts(round_)
    if not accepted:
        raise ValidationError({"round": _("The round is not open for input.")})
    cleaned = _clean_answers(round_, answers)
    item = _locked_input(round_, organisation)
    item.draft = cleaned
    item.draft_saved_at = timezone.now()
    item.save(update_fields=["draft", "draft_saved_at"])
    return item


def answers_checksum(answers: dict[str, str]) -> str:
    """SHA-256 over the answers in a canonical JSON form (keys sorted, UTF-8)."""
    canonical = json.dumps(answers, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@transaction.atomic
def input_submit(*, actor, round_: InputRound, organisation: Organisation, answers: dict,
                 idempotency_key: str = "") -> tuple[InputVersion, bool]:
    """Submit the organisation's input; returns (the version that is the receipt, created).

    A retry with the same idempotency key, or a repeat of the current version's exact
    answers, returns the existing version and creates nothing. Otherwise a new version
    supersedes the current one (earlier versions are kept). Late input is accepted only if the
    round allows it, and is marked late. The receipt e-mail is queued after commit.
    """
    _check_submitter(actor, round_, organisation)
    key = (idempotency_key or "").strip()
    if len(key) > 64 or any(not 33 <= ord(ch) < 127 for ch in key):
        raise ValidationError({"idempotency_key": _(
            "An idempotency key is at most 64 visible ASCII characters.")})
    key = key or uuid.uuid4().hex
    cleaned = _clean_answers(round_, answers)
    if not any(cleaned.values()):
        raise ValidationError({"answers": _("Answer at least one question.")})
    item = _locked_input(round_, organisation)
    existing = item.versions.filter(idempotency_key=key).first()
    if existing is not None:
        return existing, False
    checksum = answers_checksum(cleaned)
    if item.current_id and item.current.checksum == checksum:
        return item.current, False
    now = timezone.now()
    accepted, late = round_accepts(round_, now)
    if not accepted:
        raise ValidationError({"round": _("The round closed at %(time)s and does not accept "
                                          "late input.") % {"time": _local(round_.closes_at)}
                               if now >= round_.closes_at else
                               _("The round is not open for input yet.")})
    version = InputVersion.objects.create(
        input=item, number=item.versions.count() + 1, answers=cleaned, submitted_at=now,
        submitted_by=actor if getattr(actor, "is_authenticated", False) else None,
        checksum=checksum, late=late, idempotency_key=key,
        receipt_email=getattr(actor, "email", "") or "")
    item.current = version
    item.draft, item.draft_saved_at = {}, None
    item._history_user = version.submitted_by
    item._change_reason = f"submitted version {version.number}"
    item.save()
    if version.number == 1:
        round_response_refresh(round_)
    if version.receipt_email:
        from .tasks import send_input_receipt

        transaction.on_commit(lambda: send_input_receipt.enqueue(version.pk))
    return version, True


def _local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


# --- meetings and minutes ---------------------------------------------------------------------

@transaction.atomic
def meeting_create(*, actor, body, data: dict) -> Meeting:
    require(actor, "cases.manage", body)
    meeting = Meeting(body=body)
    assign(meeting, data, MEETING_FIELDS)
    return history_save(meeting, actor=actor, reason="created")


@transaction.atomic
def meeting_update(*, actor, meeting: Meeting, data: dict) -> Meeting:
    require(actor, "cases.manage", meeting)
    assign(meeting, data, MEETING_FIELDS)
    return history_save(meeting, actor=actor, reason="updated")


@transaction.atomic
def agenda_item_save(*, actor, meeting: Meeting, data: dict, item: AgendaItem | None = None,
                     papers=None) -> AgendaItem:
    """Add or change an agenda item; papers must be documents of the item's case."""
    require(actor, "cases.manage", meeting)
    item = item or AgendaItem(meeting=meeting)
    if item.meeting_id != meeting.pk:
        raise PermissionDenied("agenda item of another meeting")
    data = dict(data)
    if item.pk is None and data.get("order") is None:
        data["order"] = (meeting.items.aggregate(m=Max("order"))["m"] or 0) + 1
    assign(item, data, ITEM_FIELDS)
    if not item.title and item.case_id:
        item.title = item.case.title
    history_save(item, actor=actor, reason="agenda")
    if papers is not None:
        papers = list(papers)
        if any(paper.case_id != item.case_id for paper in papers):
            raise ValidationError({"papers": _("Papers must be documents of the item's case.")})
        item.papers.set(papers)
    return item


# --- positions and decisions ------------------------------------------------------------------

@transaction.atomic
def resolution_record(*, actor, step: AnchoringStep, kind: str, text: str,
                      decided_on: datetime.date, considered=(), agenda_item=None,
                      override_reason: str = "") -> Resolution:
    """Record a position or decision on a step, with the inputs it considered.

    Refused while an input round of the case is still open (or not yet open), unless an
    ``override_reason`` is given; considered inputs must be submitted inputs of this case.
    """
    require(actor, "cases.manage", step)
    errors = {}
    if kind not in Resolution.Kind.values:
        errors["kind"] = _("Choose position or decision.")
    if not (text or "").strip():
        errors["text"] = _("Write the position or decision.")
    open_rounds = InputRound.objects.filter(step__case=step.case,
                                            closes_at__gt=timezone.now())
    if open_rounds.exists() and not override_reason.strip():
        errors["override_reason"] = _(
            "An input round of this case has not closed yet. Wait until it closes, or give "
            "the reason for deciding now.")
    considered = list(considered)
    if any(i.round.step.case_id != step.case_id or i.current_id is None for i in considered):
        errors["considered"] = _("Only submitted input to this case can be considered.")
    if agenda_item is not None and agenda_item.case_id != step.case_id:
        errors["agenda_item"] = _("The agenda item is about another case.")
    if errors:
        raise ValidationError(errors)
    resolution = Resolution(step=step, kind=kind, text=text.strip(), decided_on=decided_on,
                            agenda_item=agenda_item, override_reason=override_reason.strip())
    history_save(resolution, actor=actor, reason="recorded")
    resolution.considered.set(considered)
    if step.status != StepStatus.DONE:
        step_update(actor=actor, step=step, data={"status": StepStatus.DONE,
                                                  "completed_on": decided_on})
    if kind == Resolution.Kind.DECISION and step.purpose == StepPurpose.DECISION:
        case = step.case
        if case.status == CaseStatus.IN_PROGRESS:
            case_transition(actor=actor, case=case, to=CaseStatus.DECIDED)
    from .tasks import notify_resolution

    transaction.on_commit(lambda: notify_resolution.enqueue(resolution.pk))
    return resolution


# --- synthesis --------------------------------------------------------------------------------

@transaction.atomic
def round_themes_compute(*, actor, round_: InputRound) -> InputRound:
    """Group the round's submitted inputs by theme (cases.synthesis) and keep the groups."""
    from .synthesis import group_inputs

    require(actor, "cases.manage", round_)
    items = [(item.pk, input_text(item.current.answers))
             for item in round_.inputs.exclude(current=None).select_related("current")]
    round_.themes = [{"terms": list(theme.terms), "inputs": list(theme.input_ids)}
                     for theme in group_inputs(items)]
    round_.themes_computed_at = timezone.now()
    round_.save(update_fields=["themes", "themes_computed_at"])
    return round_


def input_text(answers: dict[str, str]) -> str:
    return "\n\n".join(text for _key, text in sorted(answers.items(), key=lambda kv: int(kv[0])))


@transaction.atomic
def synthesis_point_save(*, actor, round_: InputRound, text: str, cited,
                         point: SynthesisPoint | None = None) -> SynthesisPoint:
    """Add or change a point of the synthesis; each point cites at least one input."""
    require(actor, "cases.manage", round_)
    cited = list(cited)
    errors = {}
    if not (text or "").strip():
        errors["text"] = _("Write the point.")
    if not cited:
        errors["cited"] = _("Cite at least one input behind the point.")
    elif any(i.round_id != round_.pk or i.current_id is None for i in cited):
        errors["cited"] = _("Cite submitted inputs of this round only.")
    if errors:
        raise ValidationError(errors)
    if point is None:
        order = (round_.synthesis.aggregate(m=Max("order"))["m"] or 0) + 1
        point = SynthesisPoint(round=round_, order=order)
    elif point.round_id != round_.pk:
        raise PermissionDenied("point of another round")
    point.text = text.strip()
    history_save(point, actor=actor, reason="synthesis")
    point.cited.set(cited)
    return point


@transaction.atomic
def synthesis_point_delete(*, actor, point: SynthesisPoint) -> None:
    require(actor, "cases.manage", point.round)
    history_delete(point, actor=actor, reason="synthesis")


# --- following --------------------------------------------------------------------------------

def follow(*, actor, target) -> Follow:
    """Follow a body, case, county or topic (idempotent). Only one's own follows."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("log in to follow")
    field = _follow_field(target)
    if field == "case" and not selectors.cases_visible(actor).filter(pk=target.pk).exists():
        raise PermissionDenied("case not visible")
    existing = Follow.objects.filter(user=actor, **{field: target}).first()
    return existing or Follow.objects.create(user=actor, **{field: target})


def unfollow(*, actor, target) -> None:
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("log in to follow")
    Follow.objects.filter(user=actor, **{_follow_field(target): target}).delete()


def _follow_field(target) -> str:
    from register.models import County
    from structure.models import Body

    for field, model in (("body", Body), ("case", Case), ("county", County), ("topic", Topic)):
        if isinstance(target, model):
            return field
    raise ValidationError({"target": _("Only bodies, cases, counties and topics can be "
                                       "followed.")})


# --- from a report back -----------------------------------------------------------------------

@transaction.atomic
def case_from_report(*, actor, report, owner) -> Case:
    """Turn a report back flagged "the sector needs a position" into a draft case, in one step.

    The case carries the matter as its summary and points back to the report; one case per
    report (a second call returns the first).
    """
    if not report.needs_position:
        raise ValidationError({"report": _("The report does not ask for a sector position.")})
    existing = report.cases.first()
    if existing is not None:
        if not has_perm(actor, "cases.manage", existing):
            raise PermissionDenied("case of another body")
        return existing
    membership = report.appointment.membership
    title = _("Position needed: %(body)s") % {"body": membership.seat.body.name}
    summary = "\n\n".join(filter(None, [
        report.position_matter,
        _("Raised by %(person)s in a report back from %(body)s (%(due)s).") % {
            "person": membership.person.name, "body": membership.seat.body.name,
            "due": report.due_date.isoformat()}]))
    from .models import CaseType

    return case_create(actor=actor, data={"title": title[:300], "summary": summary,
                                          "case_type": CaseType.POSITION, "owner": owner},
                       source_report=report)
