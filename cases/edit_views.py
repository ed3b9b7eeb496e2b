"""The forms of cases and anchoring, under /rediger/saker/ (namespace cases_edit).

Who may: those who run a case (``cases.manage`` on its owning body or a step's body: the
secretariat and the body's secretary) edit it, its path, documents, rounds, synthesis,
positions and meetings; organisation contacts give input for the organisations they act for;
any logged-in user follows cases. Each view checks the permission first (GET included), a form
checks shape, one service writes and checks again; a service's ValidationError shows on the
form, PermissionDenied is a 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.views.decorators.http import require_POST

from core.access import is_admin
from core.edit import call, edit_view, form_page, posted
from core.forms import add_service_errors

from . import forms, selectors, services
from .models import (
    AnchoringStep,
    Case,
    CaseDocument,
    CaseStatus,
    InputRound,
    Meeting,
    SynthesisPoint,
)
from .views import (
    case_crumb,
    cases_crumb,
    meeting_crumb,
    meetings_crumb,
    round_crumb,
    visible_case_or_404,
)


def _managed(user, obj):
    if not selectors.can_manage(user, obj):
        raise PermissionDenied("cases.manage not granted")
    return obj


def _may_create(user) -> None:
    managed = selectors.managed_bodies(user)
    if managed is not None and not managed:
        raise PermissionDenied("cases.manage not granted on any body")


def _case(user, pk: int) -> Case:
    return _managed(user, visible_case_or_404(user, pk))


def _step(user, pk: int) -> AnchoringStep:
    return _managed(user, get_object_or_404(AnchoringStep.objects.select_related(
        "case__owner", "body"), pk=pk))


def _round(user, pk: int) -> InputRound:
    return get_object_or_404(InputRound.objects.select_related("step__case__owner", "step__body"),
                             pk=pk)


def _case_url(case, anchor: str = "") -> str:
    return reverse("cases:case_detail", args=[case.pk]) + (f"#{anchor}" if anchor else "")


def _round_url(round_, anchor: str = "") -> str:
    return reverse("cases:round_detail", args=[round_.pk]) + (f"#{anchor}" if anchor else "")


def _int_param(raw: str) -> int | None:
    if raw in ("", None):
        return None
    if not raw.isdigit() or len(raw) > 12:
        raise Http404(_("Not a valid number."))
    return int(raw)


# --- cases -----------------------------------------------------------------------------------

@login_required
@edit_view
def case_create(request):
    _may_create(request.user)
    form = forms.CaseForm(posted(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        case = call(form, services.case_create, actor=request.user, **form.service_kwargs())
        if case is not None:
            messages.success(request, _("Case %(number)s was created as a draft. Announce it "
                                        "when it is ready.") % {"number": case.number})
            return redirect(_case_url(case))
    return form_page(request, form, title=_("New case"), trail=[cases_crumb()],
                      cancel_url=reverse("cases:case_list"), submit=_("Create the case"),
                      intro=_("The case starts as a draft, seen only by those who run it."))


@login_required
@edit_view
def case_edit(request, case_pk: int):
    case = _case(request.user, case_pk)
    form = forms.CaseForm(posted(request), instance=case, user=request.user)
    if request.method == "POST" and form.is_valid() and call(
            form, services.case_update, actor=request.user, case=case, **form.service_kwargs()):
        messages.success(request, _("The case was saved."))
        return redirect(_case_url(case))
    return form_page(request, form, title=_("Edit case %(number)s") % {"number": case.number},
                      trail=[cases_crumb(), case_crumb(case)], cancel_url=_case_url(case))


def status_choices(user, case) -> list[tuple[str, str]]:
    """The statuses a case may move to: the usual next ones; the secretariat may choose any
    (an override, with a reason)."""
    allowed = set(CaseStatus.values) if is_admin(user) else services.TRANSITIONS[case.status]
    return [(value, label) for value, label in CaseStatus.choices
            if value in allowed and value != case.status]


@login_required
@edit_view
def case_status(request, case_pk: int):
    case = _case(request.user, case_pk)
    form = forms.CaseStatusForm(posted(request), choices=status_choices(request.user, case))
    if request.method == "POST" and form.is_valid() and call(
            form, services.case_transition, actor=request.user, case=case,
            to=form.cleaned_data["status"], reason=form.cleaned_data["reason"]):
        messages.success(request, _("The case is now: %(status)s.") % {
            "status": case.get_status_display()})
        return redirect(_case_url(case))
    usual = ", ".join(str(CaseStatus(s).label) for s in services.TRANSITIONS[case.status]) \
        or _("none")
    return form_page(
        request, form, title=_("Change the status of %(number)s") % {"number": case.number},
        trail=[cases_crumb(), case_crumb(case)], cancel_url=_case_url(case),
        submit=_("Change status"),
        intro=_("Now: %(status)s. Usual next statuses: %(next)s.") % {
            "status": case.get_status_display(), "next": usual})


@login_required
@require_POST
def case_follow(request, case_pk: int):
    case = visible_case_or_404(request.user, case_pk)
    return _follow_toggle(request, case, back=_case_url(case))


@login_required
@require_POST
def case_from_report(request, report_pk: int):
    """"Make this a case": a report back flagged as needing a position becomes a draft case."""
    from representation.models import Report

    _may_create(request.user)
    report = get_object_or_404(Report, pk=report_pk)
    back = reverse("representation_reports:report_detail", args=[report.pk])
    form = forms.CaseFromReportForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _("Choose the body that will own the case."))
        return redirect(back)
    try:
        case = services.case_from_report(actor=request.user, report=report,
                                         owner=form.cleaned_data["owner"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    messages.success(request, _("Case %(number)s was made from the report.") % {
        "number": case.number})
    return redirect(_case_url(case))


# --- the anchoring path ----------------------------------------------------------------------

@login_required
@edit_view
def step_create(request, case_pk: int):
    case = _case(request.user, case_pk)
    form = forms.StepForm(posted(request), instance=AnchoringStep(case=case))
    if request.method == "POST" and form.is_valid() and call(
            form, services.step_create, actor=request.user, case=case, **form.service_kwargs()):
        messages.success(request, _("The step was added to the path."))
        return redirect(_case_url(case, "path-heading"))
    return form_page(request, form, title=_("Add a step to the path"),
                      trail=[cases_crumb(), case_crumb(case)], cancel_url=_case_url(case))


@login_required
@edit_view
def step_edit(request, anchoringstep_pk: int):
    step = _step(request.user, anchoringstep_pk)
    case = step.case
    form = forms.StepForm(posted(request), instance=step)
    if request.method == "POST" and form.is_valid() and call(
            form, services.step_update, actor=request.user, step=step, **form.service_kwargs()):
        messages.success(request, _("The step was saved."))
        return redirect(_case_url(case, "path-heading"))
    return form_page(request, form, title=_("Edit step %(order)s") % {"order": step.order},
                      trail=[cases_crumb(), case_crumb(case)], cancel_url=_case_url(case),
                      delete_url=reverse("cases_edit:step_delete", args=[step.pk]),
                      delete_label=_("Remove the step"))


@login_required
@require_POST
def step_delete(request, anchoringstep_pk: int):
    step = _step(request.user, anchoringstep_pk)
    try:
        services.step_delete(actor=request.user, step=step)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("cases_edit:step_edit", anchoringstep_pk=step.pk)
    messages.success(request, _("The step was removed."))
    return redirect(_case_url(step.case, "path-heading"))


# --- documents -------------------------------------------------------------------------------

@login_required
@edit_view
def document_add(request, case_pk: int):
    case = _case(request.user, case_pk)
    form = forms.DocumentForm(posted(request), request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        document = call(form, services.document_add, actor=request.user, case=case,
                         upload=data["file"], title=data["title"], exempt=data["exempt"],
                         exemption_basis=data["exemption_basis"])
        if document is not None:
            messages.success(request, _("“%(title)s” was uploaded.") % {"title": document.title})
            return redirect(_case_url(case, "documents-heading"))
    return form_page(request, form, title=_("Upload a document"),
                      trail=[cases_crumb(), case_crumb(case)], cancel_url=_case_url(case),
                      submit=_("Upload"))


@login_required
@edit_view
def document_edit(request, casedocument_pk: int):
    document = get_object_or_404(CaseDocument.objects.select_related("case__owner"),
                                 pk=casedocument_pk)
    case = _managed(request.user, document.case)
    form = forms.DocumentEditForm(posted(request), instance=document)
    if request.method == "POST" and form.is_valid() and call(
            form, services.document_update, actor=request.user, document=document,
            data=form.cleaned_data):
        messages.success(request, _("The document was saved."))
        return redirect(_case_url(case, "documents-heading"))
    return form_page(request, form, title=_("Edit document"),
                      trail=[cases_crumb(), case_crumb(case)], cancel_url=_case_url(case),
                      intro=document.filename)


# --- input rounds ----------------------------------------------------------------------------

@login_required
@edit_view
def round_create(request, anchoringstep_pk: int):
    step = _step(request.user, anchoringstep_pk)
    case = step.case
    form = forms.RoundForm(posted(request), instance=InputRound(step=step))
    if request.method == "POST" and form.is_valid():
        round_ = call(form, services.round_create, actor=request.user, step=step,
                       **form.service_kwargs())
        if round_ is not None:
            count = round_.invitations.count()
            messages.success(request, ngettext(
                "The input round was set up: %(count)s organisation invited.",
                "The input round was set up: %(count)s organisations invited.", count)
                % {"count": count})
            return redirect(_round_url(round_))
    return form_page(request, form, title=_("New input round"),
                      trail=[cases_crumb(), case_crumb(case)], cancel_url=_case_url(case),
                      intro=str(step))


@login_required
@edit_view
def round_edit(request, inputround_pk: int):
    round_ = _managed(request.user, _round(request.user, inputround_pk))
    form = forms.RoundForm(posted(request), instance=round_)
    if request.method == "POST" and form.is_valid() and call(
            form, services.round_update, actor=request.user, round_=round_,
            **form.service_kwargs()):
        messages.success(request, _("The input round was saved."))
        return redirect(_round_url(round_))
    case = round_.step.case
    locked = "questions" not in form.fields
    return form_page(request, form, title=_("Edit input round"),
                      trail=[cases_crumb(), case_crumb(case), round_crumb(round_)],
                      cancel_url=_round_url(round_), intro=_(
                          "Input has been submitted: the questions can no longer change.")
                      if locked else "")


@login_required
@require_POST
def round_themes(request, inputround_pk: int):
    round_ = _managed(request.user, _round(request.user, inputround_pk))
    services.round_themes_compute(actor=request.user, round_=round_)
    messages.success(request, _("The inputs were grouped by theme."))
    return redirect(_round_url(round_, "themes-heading"))


def _input_errors(form, exc: ValidationError) -> None:
    """A service's errors on the answers ("answers.12") belong to the question's field."""
    if hasattr(exc, "error_dict"):
        renamed = {(f"q-{key.partition('.')[2]}" if key.startswith("answers.") else key): value
                   for key, value in exc.error_dict.items()}
        exc = ValidationError(renamed)
    add_service_errors(form, exc)


@login_required
@edit_view
def input_edit(request, inputround_pk: int):
    """An organisation's input: save a draft or submit. The form carries the idempotency key
    made when it was rendered, so a double click or a retried POST stores one version."""
    user = request.user
    round_ = _round(user, inputround_pk)
    visible_case_or_404(user, round_.step.case_id)
    organisations = selectors.submitting_organisations(user, round_)
    wanted = _int_param(request.POST.get("organisation") or request.GET.get("organisasjon", ""))
    organisation = (organisations.filter(pk=wanted) if wanted else organisations).first()
    if organisation is None:
        raise PermissionDenied("not acting for an invited organisation")
    item = selectors.own_input(user, round_, organisation)
    answers = (item.draft or (item.current.answers if item.current else {})) if item else {}
    questions = list(round_.questions.all())
    form = forms.InputForm(posted(request), questions=questions, answers=answers)
    anchor = f"own-{organisation.pk}"
    if request.method == "POST" and form.is_valid():
        kwargs = {"actor": user, "round_": round_, "organisation": organisation,
                  "answers": form.answers()}
        try:
            if request.POST.get("action") == "submit":
                version, _created = services.input_submit(
                    idempotency_key=form.cleaned_data["idempotency_key"], **kwargs)
                messages.success(request, _(
                    "The input of %(organisation)s was submitted: version %(version)s, "
                    "%(time)s.") % {"organisation": organisation.name, "version": version.number,
                                    "time": date_format(version.submitted_at,
                                                        "SHORT_DATETIME_FORMAT")})
            else:
                services.input_save_draft(**kwargs)
                messages.success(request, _("The draft was saved. It is not submitted until "
                                            "you submit it."))
            return redirect(_round_url(round_, anchor))
        except ValidationError as exc:
            _input_errors(form, exc)
    case = round_.step.case
    return form_page(
        request, form, title=_("Input from %(organisation)s") % {
            "organisation": organisation.name},
        trail=[cases_crumb(), case_crumb(case), round_crumb(round_)],
        cancel_url=_round_url(round_, anchor), template="cases/input_form.html",
        round=round_, organisation=organisation, input=item,
        is_open=services.round_is_open(round_), not_yet_open=timezone.now() < round_.opens_at,
        choices=organisations if is_admin(user) else None)


# --- synthesis -------------------------------------------------------------------------------

@login_required
@edit_view
def synthesis_point(request, inputround_pk: int):
    """Add a point to the round's synthesis, or change one (``?punkt=<id>``)."""
    round_ = _managed(request.user, _round(request.user, inputround_pk))
    point_id = _int_param(request.GET.get("punkt", ""))
    point = get_object_or_404(SynthesisPoint, pk=point_id, round=round_) if point_id else None
    initial = {"text": point.text, "cited": list(point.cited.all())} if point else None
    form = forms.SynthesisPointForm(posted(request), round_=round_, initial=initial)
    if request.method == "POST" and form.is_valid() and call(
            form, services.synthesis_point_save, actor=request.user, round_=round_,
            text=form.cleaned_data["text"], cited=form.cleaned_data["cited"], point=point):
        messages.success(request, _("The synthesis was saved."))
        return redirect(_round_url(round_, "synthesis-heading"))
    case = round_.step.case
    extra = {"delete_url": reverse("cases_edit:synthesis_point_delete", args=[round_.pk]),
             "delete_label": _("Remove the point"), "delete_value": point.pk} if point else {}
    return form_page(request, form, title=_("Edit a point of the synthesis") if point
                      else _("Add a point to the synthesis"),
                      trail=[cases_crumb(), case_crumb(case), round_crumb(round_)],
                      cancel_url=_round_url(round_, "synthesis-heading"), **extra)


@login_required
@require_POST
def synthesis_point_delete(request, inputround_pk: int):
    round_ = _managed(request.user, _round(request.user, inputround_pk))
    point = get_object_or_404(SynthesisPoint, pk=_int_param(request.POST.get("id", "")) or 0,
                              round=round_)
    services.synthesis_point_delete(actor=request.user, point=point)
    messages.success(request, _("The point was removed from the synthesis."))
    return redirect(_round_url(round_, "synthesis-heading"))


# --- positions and decisions -----------------------------------------------------------------

@login_required
@edit_view
def resolution_create(request, anchoringstep_pk: int):
    step = _step(request.user, anchoringstep_pk)
    case = step.case
    form = forms.ResolutionForm(posted(request), step=step, initial={
        "kind": "decision" if step.purpose == "decision" else "position",
        "decided_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid() and call(
            form, services.resolution_record, actor=request.user, step=step,
            **form.service_kwargs()):
        messages.success(request, _("The position or decision was recorded."))
        return redirect(_case_url(case, f"step-{step.pk}"))
    return form_page(request, form, title=_("Record a position or decision"),
                      trail=[cases_crumb(), case_crumb(case)], cancel_url=_case_url(case),
                      intro=str(step), submit=pgettext("button", "Record"))


# --- meetings --------------------------------------------------------------------------------

@login_required
@edit_view
def meeting_create(request):
    _may_create(request.user)
    form = forms.MeetingForm(posted(request), instance=Meeting(), user=request.user,
                             creating=True)
    if request.method == "POST" and form.is_valid():
        meeting = call(form, services.meeting_create, actor=request.user,
                        body=form.cleaned_data["body"], **form.service_kwargs())
        if meeting is not None:
            messages.success(request, _("The meeting was created. Add its agenda."))
            return redirect("cases:meeting_detail", meeting_pk=meeting.pk)
    return form_page(request, form, title=_("New meeting"), trail=[cases_crumb(),
                                                                    meetings_crumb()],
                      cancel_url=reverse("cases:meeting_list"))


def _meeting(user, pk: int) -> Meeting:
    return _managed(user, get_object_or_404(Meeting.objects.select_related("body"), pk=pk))


@login_required
@edit_view
def meeting_edit(request, meeting_pk: int):
    meeting = _meeting(request.user, meeting_pk)
    form = forms.MeetingForm(posted(request), instance=meeting, user=request.user,
                             creating=False)
    if request.method == "POST" and form.is_valid() and call(
            form, services.meeting_update, actor=request.user, meeting=meeting,
            **form.service_kwargs()):
        messages.success(request, _("The meeting was saved."))
        return redirect("cases:meeting_detail", meeting_pk=meeting.pk)
    return form_page(request, form, title=_("Edit meeting"),
                      trail=[cases_crumb(), meetings_crumb(), meeting_crumb(meeting)],
                      cancel_url=reverse("cases:meeting_detail", args=[meeting.pk]))


@login_required
@edit_view
def agenda_item(request, meeting_pk: int):
    """Add an item to the agenda, or change one and write its minutes (``?punkt=<id>``)."""
    meeting = _meeting(request.user, meeting_pk)
    item_id = _int_param(request.GET.get("punkt", ""))
    item = get_object_or_404(meeting.items.select_related("case"), pk=item_id) if item_id \
        else None
    form = forms.AgendaItemForm(posted(request), instance=item, user=request.user)
    if request.method == "POST" and form.is_valid() and call(
            form, services.agenda_item_save, actor=request.user, meeting=meeting, item=item,
            **form.service_kwargs()):
        messages.success(request, _("The agenda was saved."))
        return redirect(reverse("cases:meeting_detail", args=[meeting.pk]) + "#agenda-heading")
    return form_page(request, form, title=_("Edit agenda item") if item
                      else _("Add an agenda item"),
                      trail=[cases_crumb(), meetings_crumb(), meeting_crumb(meeting)],
                      cancel_url=reverse("cases:meeting_detail", args=[meeting.pk]))


# --- following bodies, counties and topics --------------------------------------------------

def _follow_toggle(request, target, back: str = ""):
    """Follow or stop following ``target``, then go back to the page the button was on."""
    form = forms.FollowForm(request.POST)
    if not form.is_valid():
        raise Http404(_("Unknown action."))
    if form.cleaned_data["action"] == "follow":
        services.follow(actor=request.user, target=target)
        messages.success(request, _("You follow %(name)s. You get an e-mail when a round opens "
                                    "or a position is recorded.") % {"name": str(target)})
    else:
        services.unfollow(actor=request.user, target=target)
        messages.success(request, _("You no longer follow %(name)s.") % {"name": str(target)})
    given = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(given, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        back = given
    return redirect(back or reverse("cases:follows"))


@login_required
@require_POST
def follow_body(request, body_pk: int):
    from structure.models import Body

    return _follow_toggle(request, get_object_or_404(Body, pk=body_pk))


@login_required
@require_POST
def follow_county(request, county_pk: int):
    from register.models import County

    return _follow_toggle(request, get_object_or_404(County, pk=county_pk))


@login_required
@require_POST
def follow_topic(request, topic_pk: int):
    from .models import Topic

    return _follow_toggle(request, get_object_or_404(Topic, pk=topic_pk))
