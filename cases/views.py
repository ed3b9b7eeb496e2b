"""Pages of cases and anchoring, open to everyone: the case list, a case with its anchoring
path and trail, input rounds, documents, upcoming cases, meetings and the sector dashboard.

Views are adapters: ``cases.selectors`` decides what a reader may see (drafts, exempt content,
inputs before a round closes), a view only asks. The forms of those who run cases and of
organisations giving input are in ``edit_views`` (under /rediger/saker/).

Anonymous pages are cached (``core.cache.public_page``); the cache's data version also moves
when a round opens or closes and when a meeting starts, so a page never outlives those moments.
"""

from __future__ import annotations

import datetime
import math
from collections import OrderedDict

from django.contrib.auth.decorators import login_required
from django.db.models import BooleanField, ExpressionWrapper, Prefetch, Value
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_safe

from core.access import is_admin
from core.cache import public_page
from core.views import (
    crumbs,
    history_context,
    history_page,
    paginate,
    url_maker,
)
from register.models import Organisation, OrganisationKind

from . import forms, selectors, services
from .models import (
    AgendaItem,
    Case,
    CaseDocument,
    CaseStatus,
    Follow,
    Input,
    InputRound,
    Meeting,
    Resolution,
)

UPCOMING_DAYS = 90  # "Kommende saker": three months ahead, the nearest 100 of each kind
UPCOMING_LIMIT = 100
DASHBOARD_SPANS = ["5", "10", "20"]  # years the dashboard looks back (?ar=); the first is default


def cases_crumb():
    return (_("Cases"), reverse("cases:case_list"))


def case_crumb(case):
    return (f"{case.number} {case.title}", reverse("cases:case_detail", args=[case.pk]))


def round_crumb(round_):
    return (round_.title, reverse("cases:round_detail", args=[round_.pk]))


def meetings_crumb():
    return (_("Meetings"), reverse("cases:meeting_list"))


def meeting_crumb(meeting):
    return (meeting.title, reverse("cases:meeting_detail", args=[meeting.pk]))


def exemption_section(obj) -> str:
    """"14" for an object exempted under offentleglova § 14; "" when it is public."""
    return obj.exemption_basis.partition("-")[2] if obj.exempt else ""


def exemption_text(obj) -> str:
    if not obj.exempt:
        return ""
    return _("Exempt from public access (offentleglova § %(section)s)") % {
        "section": exemption_section(obj)}


def visible_case_or_404(user, pk: int) -> Case:
    case = selectors.cases_visible(user).select_related("owner").filter(pk=pk).first()
    if case is None:
        raise Http404(_("No such case."))
    return case


# --- the list ------------------------------------------------------------------------------

@public_page
@require_safe
def case_list(request):
    form = forms.CaseFilterForm(request.GET or None)
    cases = selectors.case_list(request.user, **form.selector_kwargs())
    if form.is_bound and not form.is_valid():
        cases = cases.none()
    page, page_size = paginate(request, cases)
    detail_url = url_maker("cases:case_detail")
    rows = list(page.object_list)
    for case in rows:
        case.url = detail_url(case.pk)
        case.exemption = exemption_text(case)
    managed = selectors.managed_bodies(request.user) if request.user.is_authenticated else []
    return render(request, "cases/case_list.html", {
        "form": form, "cases": rows, "page_obj": page, "page_size": page_size,
        "may_create": managed is None or bool(managed), "crumbs": crumbs(cases_crumb()),
        "topic": form.cleaned_data.get("topic") if form.is_bound and form.is_valid() else None,
    }, status=400 if form.errors else 200)


# --- a case --------------------------------------------------------------------------------

@public_page
@require_safe
def case_detail(request, case_pk: int):
    user = request.user
    case = selectors.case_detail(user, case_pk)
    if case is None:
        raise Http404(_("No such case."))
    readable = selectors.can_read_content(user, case)
    steps = list(case.steps.all())
    rounds = [round_ for step in steps for round_ in step.rounds.all()]
    trails = selectors.round_trails(rounds)
    now = timezone.now()
    round_url = url_maker("cases:round_detail")
    for round_ in rounds:
        round_.url = round_url(round_.pk)
        round_.trail = trails[round_.pk]
        round_.is_open = round_.opens_at <= now < round_.closes_at
        round_.has_closed = round_.closes_at <= now
        round_.exemption = exemption_text(round_)
        _label_kinds(round_.trail)
    _label_considered(steps, round_url)
    documents, hidden_documents = [], 0
    if readable:
        documents = list(selectors.documents_visible(user, case))
        hidden_documents = case.documents.count() - len(documents)
    may_manage = selectors.can_manage(user, case)
    context = {
        "case": case, "readable": readable, "steps": steps, "rounds": rounds,
        "documents": documents, "hidden_documents": hidden_documents,
        "exemption": exemption_text(case), "exemption_section": exemption_section(case),
        "basis_label": case.get_exemption_basis_display() if case.exempt else "",
        "related": list(selectors.cases_visible(user).filter(related=case)
                        .select_related("owner").order_by("-year", "-sequence")),
        "agenda_items": list(AgendaItem.objects.filter(case=case)
                             .select_related("meeting__body").order_by("meeting__starts_at")),
        "notice_days": selectors.case_notice_days(case),
        "following": user.is_authenticated and Follow.objects.filter(user=user,
                                                                     case=case).exists(),
        "source_report_readable": _report_readable(user, case),
        "may_manage": may_manage,
        "crumbs": crumbs(cases_crumb(), case_crumb(case)),
        **case_history_context(user, case),
    }
    return render(request, "cases/case_detail.html", context)


def _label_kinds(trail: dict) -> None:
    labels = dict(OrganisationKind.choices)
    trail["by_kind"] = [(labels.get(kind, kind), *rest) for kind, *rest in trail["by_kind"]]


def _label_considered(steps, round_url) -> None:
    """Each resolution's considered inputs as (organisation name, link to the input)."""
    resolutions = [r for step in steps for r in step.resolutions.all()]
    considered = [i for r in resolutions for i in r.considered.all()]
    names = dict(Organisation.objects.filter(pk__in={i.organisation_id for i in considered})
                 .values_list("pk", "name"))
    for resolution in resolutions:
        resolution.inputs = [(names.get(i.organisation_id, ""),
                              f"{round_url(i.round_id)}#input-{i.pk}")
                             for i in resolution.considered.all()]


def _report_readable(user, case) -> bool:
    if case.source_report_id is None or not user.is_authenticated:
        return False
    from representation.services import can_read_reports

    return can_read_reports(user, case.source_report.appointment)


def case_history_context(user, case) -> dict:
    """The case's newest changes; where its content is exempt, its metadata fields only."""
    return history_context(case, show_actors=is_admin(user),
                           history_url=reverse("cases:case_history", args=[case.pk]),
                           fields=selectors.case_history_fields(user, case))


@public_page
@require_safe
def case_history(request, case_pk: int):
    user = request.user
    case = visible_case_or_404(user, case_pk)
    return history_page(request, case, crumbs=crumbs(cases_crumb(), case_crumb(case)),
                        show_actors=is_admin(user),
                        fields=selectors.case_history_fields(user, case))


# --- documents -------------------------------------------------------------------------------

@require_safe
def document_download(request, casedocument_pk: int):
    """A case document, checked against the reader on every request (never a public URL)."""
    user = request.user
    document = get_object_or_404(CaseDocument.objects.select_related("case"),
                                 pk=casedocument_pk)
    case = document.case
    if not selectors.document_visible(user, document):
        raise Http404(_("No such document."))
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as error:
        raise Http404(_("No such document.")) from error
    response = FileResponse(handle, as_attachment=True, filename=document.filename,
                            content_type=document.content_type)
    if document.exempt or case.exempt or case.status == CaseStatus.DRAFT:
        response["Cache-Control"] = "private, no-store"
    else:
        patch_cache_control(response, private=True, no_cache=True)
    return response


# --- input rounds ----------------------------------------------------------------------------

@public_page
@require_safe
def round_detail(request, inputround_pk: int):
    user = request.user
    round_ = get_object_or_404(InputRound.objects.select_related("step__case__owner",
                                                                 "step__body"),
                               pk=inputround_pk)
    case = round_.step.case
    if not selectors.cases_visible(user).filter(pk=case.pk).exists():
        raise Http404(_("No such input round."))
    content_visible = selectors.round_content_visible(user, round_)
    organisations = list(selectors.submitting_organisations(user, round_)) \
        if user.is_authenticated and not is_admin(user) else []
    questions = list(round_.questions.all())
    questions_visible = bool(organisations) or selectors.round_text_visible(user, round_)
    inputs = list(selectors.inputs_visible(user, round_).order_by("organisation__name"))
    for item in inputs:
        answers = item.current.answers
        item.answer_rows = [(q, answers.get(str(q.pk), "")) for q in questions]
    accepts, late = services.round_accepts(round_)
    context = {
        "round": round_, "case": case, "step": round_.step, "questions": questions,
        "questions_visible": questions_visible, "content_visible": content_visible,
        "inputs": inputs, "accepts": accepts, "late": late,
        "is_open": services.round_is_open(round_),
        "not_yet_open": timezone.now() < round_.opens_at,
        "exemption": exemption_text(round_) or exemption_text(case),
        "trail": _labelled(selectors.round_trail(round_)),
        "audience": _audience(round_),
        "own": [_own(user, round_, organisation, questions, accepts)
                for organisation in organisations],
        "may_act_for_any": user.is_authenticated and is_admin(user),
        "may_manage": selectors.can_manage(user, round_),
        "crumbs": crumbs(cases_crumb(), case_crumb(case), round_crumb(round_)),
    }
    if content_visible:
        context.update(_synthesis(round_, inputs))
    return render(request, "cases/round_detail.html", context)


def _labelled(trail: dict) -> dict:
    _label_kinds(trail)
    return trail


def _audience(round_: InputRound) -> dict:
    if round_.all_members:
        return {"all": True}
    return {"all": False, "counties": list(round_.counties.order_by("number")),
            "networks": list(round_.networks.order_by("name")),
            "bodies": list(round_.bodies.order_by("name"))}


def _own(user, round_, organisation, questions, accepts: bool) -> dict:
    """An organisation contact's part of the round page: their input, receipt and form."""
    item = selectors.own_input(user, round_, organisation)
    answers = {}
    if item is not None:
        answers = item.draft or (item.current.answers if item.current else {})
    form = forms.InputForm(questions=questions, answers=answers,
                           auto_id=f"id_o{organisation.pk}_%s") if accepts else None
    return {"organisation": organisation, "input": item, "form": form,
            "current": item.current if item else None,
            "versions": list(item.versions.all())[::-1] if item else []}


def _synthesis(round_: InputRound, inputs: list[Input]) -> dict:
    """The automatic themes and the secretariat's synthesis, each citing inputs on the page."""
    by_id = {item.pk: item for item in inputs}
    themes = [{"terms": theme.get("terms", []),
               "inputs": [by_id[pk] for pk in theme.get("inputs", []) if pk in by_id]}
              for theme in round_.themes or []]
    points = list(round_.synthesis.prefetch_related(
        Prefetch("cited", queryset=Input.objects.select_related("organisation")
                 .order_by("organisation__name"))))
    return {"themes": themes, "synthesis": points}


# --- upcoming --------------------------------------------------------------------------------

@public_page
@require_safe
def upcoming(request):
    """"Kommende saker": planned steps of cases and meetings of the coming year, by month."""
    today = timezone.localdate()
    horizon = today + datetime.timedelta(days=UPCOMING_DAYS)
    found = selectors.upcoming(request.user, today=today)
    steps = list(found["steps"].filter(planned_date__lt=horizon)[:UPCOMING_LIMIT])
    meetings = list(found["meetings"].filter(starts_at__lt=selectors.day_start(horizon))
                    [:UPCOMING_LIMIT])
    case_url, meeting_url = url_maker("cases:case_detail"), url_maker("cases:meeting_detail")
    events = [(step.planned_date, 1, step.pk, {"step": step, "url": case_url(step.case_id)})
              for step in steps]
    events += [(timezone.localtime(m.starts_at).date(), 0, m.pk,
                {"meeting": m, "url": meeting_url(m.pk)}) for m in meetings]
    months: OrderedDict = OrderedDict()
    for day, _kind, _pk, event in sorted(events, key=lambda e: e[:3]):
        event["date"] = day
        months.setdefault((day.year, day.month), []).append(event)
    return render(request, "cases/upcoming.html", {
        "months": [{"label": date_format(datetime.date(y, m, 1), "YEAR_MONTH_FORMAT"),
                    "id": f"month-{y}-{m:02d}", "events": events}
                   for (y, m), events in months.items()],
        "horizon": horizon, "crumbs": crumbs(cases_crumb(), (_("Upcoming"),
                                                             reverse("cases:upcoming"))),
    })


# --- meetings --------------------------------------------------------------------------------

@public_page
@require_safe
def meeting_list(request):
    form = forms.MeetingFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    meetings = selectors.meetings_of(data.get("body"))
    today = timezone.localdate()
    when = data.get("when", "")
    if when == "past":
        meetings = (meetings.filter(starts_at__lt=selectors.day_start(today))
                    .order_by("-starts_at", "pk"))
    elif when == "all":
        meetings = meetings.order_by("-starts_at", "pk")
    else:
        meetings = (meetings.filter(starts_at__gte=selectors.day_start(today))
                    .order_by("starts_at", "pk"))
    if form.errors:
        meetings = meetings.none()
    page, page_size = paginate(request, meetings)
    detail_url = url_maker("cases:meeting_detail")
    rows = list(page.object_list)
    for meeting in rows:
        meeting.url = detail_url(meeting.pk)
    managed = selectors.managed_bodies(request.user) if request.user.is_authenticated else []
    return render(request, "cases/meeting_list.html", {
        "form": form, "meetings": rows, "page_obj": page, "when": when,
        "may_create": managed is None or bool(managed),
        "crumbs": crumbs(cases_crumb(), meetings_crumb()),
    }, status=400 if form.errors else 200)


@public_page
@require_safe
def meeting_detail(request, meeting_pk: int):
    user = request.user
    meeting = get_object_or_404(Meeting.objects.select_related("body"), pk=meeting_pk)
    items = list(meeting.items.select_related("case__owner").prefetch_related(
        Prefetch("papers", queryset=CaseDocument.objects.select_related("case")
                 .order_by("uploaded_at", "pk")),
        Prefetch("resolutions", queryset=Resolution.objects.select_related("step__body")))
        .order_by("order"))
    case_ids = {item.case_id for item in items if item.case_id}
    visible, readable = set(), set()
    if case_ids:  # one query for the whole agenda, not one per item
        content_q = selectors.content_q(user)
        readable_q = ExpressionWrapper(content_q, output_field=BooleanField()) if content_q \
            else Value(True)
        for pk, content in (selectors.cases_visible(user).filter(pk__in=case_ids)
                            .annotate(content=readable_q).values_list("pk", "content")):
            visible.add(pk)
            if content:
                readable.add(pk)
    papers = set(selectors.readable_documents(user, [
        paper for item in items if item.case_id in visible for paper in item.papers.all()]))
    case_url = url_maker("cases:case_detail")
    for item in items:
        item.visible_case = item.case if item.case_id in visible else None
        item.case_url = case_url(item.case_id) if item.visible_case else ""
        item.readable = item.case_id is None or item.case_id in readable
        item.readable_papers = [paper for paper in item.papers.all() if paper in papers]
        item.exemption = exemption_text(item.case) if item.visible_case else ""
    return render(request, "cases/meeting_detail.html", {
        "meeting": meeting, "items": items, "may_manage": selectors.can_manage(user, meeting),
        "crumbs": crumbs(cases_crumb(), meetings_crumb(), meeting_crumb(meeting)),
    })


def _days_label(days) -> str:
    """"12 days", "12,5 days": a median may fall between two whole days."""
    if days is None:
        return ""
    return ngettext("%(days)s day", "%(days)s days", math.ceil(days)) % {
        "days": number_format(days, decimal_pos=0 if days == int(days) else 1)}


# --- the sector dashboard --------------------------------------------------------------------

@public_page
@require_safe
def dashboard(request):
    """Where anchoring is weak: response rates by county and year, notice before decisions,
    decided cases without any input round (public cases only)."""
    span = int(request.GET.get("ar") if request.GET.get("ar") in DASHBOARD_SPANS
               else DASHBOARD_SPANS[0])
    data = selectors.sector_dashboard(years=span)
    years = data["years"]
    rows = [{"county": county, "cells": [by_year.get(year) for year in years]}
            for county, by_year in data["rates"].items()]
    page, page_size = paginate(request, data["without_input"], default_size=20)
    detail_url = url_maker("cases:case_detail")
    without = list(page.object_list)
    for case in without:
        case.url = detail_url(case.pk)
    return render(request, "cases/dashboard.html", {
        "years": years, "rows": rows, "median_notice": _days_label(data["median_notice"]),
        "decided_count": data["decided_count"], "without": without, "page_obj": page,
        "span": span, "spans": [int(choice) for choice in DASHBOARD_SPANS],
        "crumbs": crumbs(cases_crumb(), (_("Anchoring"), reverse("cases:dashboard"))),
    })


# --- what I follow -------------------------------------------------------------------------

@login_required
@require_safe
def follows(request):
    """The bodies, cases, counties and topics the user follows, each with a button to stop."""
    rows = (Follow.objects.filter(user=request.user)
            .select_related("body", "case", "county", "topic").order_by("created_at", "pk"))
    items = []
    for follow in rows:
        target = follow.target
        if follow.case_id and not selectors.case_listed(request.user, target):
            continue
        items.append({"follow": follow, "target": target, "kind": FOLLOW_KINDS[_kind(follow)],
                      "url": _follow_url(follow),
                      "action": reverse(FOLLOW_ACTIONS[_kind(follow)], args=[target.pk])})
    return render(request, "cases/follows.html", {
        "items": items, "crumbs": crumbs(cases_crumb())})


FOLLOW_KINDS = {"body": gettext_lazy("Body"), "case": gettext_lazy("Case"),
                "county": gettext_lazy("County"), "topic": gettext_lazy("Topic")}
FOLLOW_ACTIONS = {"body": "cases_edit:follow_body", "case": "cases_edit:case_follow",
                  "county": "cases_edit:follow_county", "topic": "cases_edit:follow_topic"}


def _kind(follow) -> str:
    return next(name for name in Follow.TARGETS if getattr(follow, f"{name}_id"))


def _follow_url(follow) -> str:
    if follow.case_id:
        return reverse("cases:case_detail", args=[follow.case_id])
    if follow.body_id:
        return reverse("structure:body_detail", args=[follow.body.slug])
    if follow.county_id:
        return reverse("register:county_detail", args=[follow.county.number])
    return f"{reverse('cases:case_list')}?topic={follow.topic.slug}"
