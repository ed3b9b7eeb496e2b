"""Pages of reports back and of the representativity report (issue 4, items 4 and 7).

Who may see what:

- a representative's own page (``my_appointments``): any logged-in user, about themself;
- filing a report: the representative of the appointment and the secretariat
  (``services.report_submit`` decides);
- a report: the secretariat, the representative and the body's current members
  (``services.can_read_reports``); anybody else 403;
- the secretariat's overview (overdue reports, reports needing a position) and recording a
  body's meetings: the secretariat (``representation.manage``);
- published summary lines and the representativity reports: everyone, without logging in. The
  gender-balance rule and the gender share are shown to the secretariat only: gender is recorded
  for that rule alone and never public (issue 4, item 3).
"""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_safe

from core.access import has_perm, is_admin, require
from core.cache import public_page
from core.edit import edit_view
from core.forms import DateInput, call_service
from core.views import paginate
from structure.models import Body, Membership

from . import reports, selectors, services
from .models import Appointment, Report, ReportingSchedule, RepresentedMeeting

MANAGE = "representation.manage"


def _may_manage(user) -> bool:
    return has_perm(user, MANAGE)


def _report_label(name: str) -> str:
    return capfirst(Report._meta.get_field(name).verbose_name)


def schedule_label(appointment) -> str:
    if appointment.reporting == ReportingSchedule.AFTER_MEETINGS:
        return _("After each meeting (due two weeks after it)")
    return ngettext("Every month", "Every %(count)s months",
                    appointment.report_every_months) % {"count": appointment.report_every_months}


def _overdue_label(days: int) -> str:
    if days == 0:
        return _("due today")
    return ngettext("%(count)s day overdue", "%(count)s days overdue", days) % {"count": days}


# --- the representative's own page -----------------------------------------------------------

@login_required
@require_safe
def my_appointments(request):
    """"Mine verv": the appointments of the person the login belongs to, with their reports."""
    today = timezone.localdate()
    rows = reports.schedules(selectors.appointments_of(request.user)
                             .order_by("-membership__valid_from", "-pk"), today=today)
    for row in rows:
        row.schedule_label = schedule_label(row.appointment)
        row.current = row.appointment.membership.is_valid_on(today)
        row.outstanding_labels = [(due, _overdue_label(days)) for due, days in row.outstanding]
    person_id = request.user.person_id
    from_bodies = []
    if person_id:
        from_bodies = list(selectors.reports_visible_to(request.user)
                           .exclude(appointment__membership__person_id=person_id)
                           .filter(appointment__membership__seat__body_id__in=_my_bodies(
                               person_id)).order_by("-submitted_at", "-id")[:20])
    return render(request, "representation/reports/my_appointments.html", {
        "has_person": bool(person_id), "rows": rows, "from_bodies": from_bodies,
        "overdue_count": sum(len(r.outstanding) for r in rows),
    })


def _my_bodies(person_id: int):
    return Membership.objects.current().filter(person_id=person_id).values("seat__body_id")


class ReportForm(forms.Form):
    """The shape of a report; ``services.report_submit`` checks its meaning."""

    due_date = forms.TypedChoiceField(label=gettext_lazy("Report for"),
                                      coerce=datetime.date.fromisoformat)
    discussed = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}))
    status = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    needs_position = forms.BooleanField(required=False)
    position_matter = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    summary = forms.CharField(max_length=300, required=False)
    summary_public = forms.BooleanField(required=False)

    def __init__(self, *args, schedule: reports.Schedule, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict.fromkeys(schedule.choices, "")
        for due, days in schedule.outstanding:
            labels[due] = _overdue_label(days)
        if schedule.next_due:
            labels[schedule.next_due] = _("next")
        self.fields["due_date"].choices = [
            (due.isoformat(), f"{date_format(due, 'DATE_FORMAT')} ({note})")
            for due, note in labels.items()]
        for name in ("discussed", "status", "needs_position", "position_matter", "summary",
                     "summary_public"):
            self.fields[name].label = _report_label(name)
        self.fields["status"].help_text = _("Where the work stands and what happens next.")
        self.fields["position_matter"].help_text = _(
            "Required when the sector needs a position: the matter, and by when.")
        self.fields["summary"].help_text = _(
            "One line about the report. Published on the open pages only if you tick the box "
            "below.")
        self.fields["summary_public"].label = _("Publish the summary line on the open pages")


@login_required
@edit_view
def appointment_report_create(request, pk):
    """File a report for one of the appointment's due dates (the representative or the
    secretariat on their behalf)."""
    rows = reports.schedules(Appointment.objects.filter(pk=pk))
    if not rows:
        raise Http404
    schedule = rows[0]
    appointment = schedule.appointment
    if not (services.is_representative(request.user, appointment) or is_admin(request.user)):
        raise PermissionDenied
    requested = request.GET.get("frist", "")
    form = ReportForm(request.POST or None, schedule=schedule,
                      initial={"due_date": requested} if requested else None)
    filed = {}

    def submit(**kwargs):
        filed["report"] = services.report_submit(**kwargs)

    if schedule.choices and form.is_valid() and call_service(
            form, submit, actor=request.user, appointment=appointment,
            due_date=form.cleaned_data["due_date"],
            data={k: v for k, v in form.cleaned_data.items() if k != "due_date"}):
        messages.success(request, _("The report was filed. Thank you."))
        return redirect("representation_reports:report_detail", filed["report"].pk)
    return render(request, "representation/reports/report_form.html", {
        "form": form, "appointment": appointment, "schedule": schedule,
        "schedule_label": schedule_label(appointment),
        "cancel_url": reverse("representation_reports:my_appointments"),
    })


# --- reading reports -------------------------------------------------------------------------

@login_required
@require_safe
def report_detail(request, pk):
    report = get_object_or_404(Report.objects.select_related(
        "appointment__membership__person", "appointment__membership__organisation",
        "appointment__membership__seat__body"), pk=pk)
    if not services.can_read_reports(request.user, report.appointment):
        raise PermissionDenied
    return render(request, "representation/reports/report_detail.html", {
        "report": report, "membership": report.appointment.membership,
        "may_manage": _may_manage(request.user), **_case_from_report(request.user, report),
    })


def _case_from_report(user, report) -> dict:
    """"Make this a case" for a report needing a position, for those who may create cases."""
    from cases.forms import CaseFromReportForm
    from cases.selectors import managed_bodies

    if not report.needs_position:
        return {}
    existing, managed = report.cases.first(), managed_bodies(user)
    may_create = managed is None or bool(managed)
    return {"report_case": existing, "case_form": CaseFromReportForm(user=user)
            if may_create and existing is None else None}


@login_required
@require_safe
def overview(request):
    """The secretariat's follow-up: every overdue report, and the filed reports (optionally only
    those where the sector needs a position), newest first."""
    require(request.user, MANAGE)
    today = timezone.localdate()
    overdue = [(appointment, due, (today - due).days, _overdue_label((today - due).days))
               for appointment, due in selectors.outstanding_reports(
                   reports.reporting_appointments(today), today=today)]
    only_flagged = request.GET.get("posisjon") == "1"
    filed = Report.objects.select_related(
        "appointment__membership__person", "appointment__membership__seat__body"
    ).order_by("-submitted_at", "-id")
    if only_flagged:
        filed = filed.filter(needs_position=True)
    page, _size = paginate(request, filed)
    meeting_bodies = (Body.objects.filter(
        seats__memberships__appointment__reporting=ReportingSchedule.AFTER_MEETINGS)
        .distinct().order_by("name"))
    return render(request, "representation/reports/overview.html", {
        "overdue": overdue, "page_obj": page, "only_flagged": only_flagged,
        "flagged_count": Report.objects.filter(needs_position=True).count(),
        "meeting_bodies": meeting_bodies, "today": today,
    })


@public_page
@require_safe
def public_summaries(request):
    """The published summary lines, grouped by body: open to everyone."""
    summaries = selectors.public_report_summaries().order_by(
        "appointment__membership__seat__body__name", "-due_date", "-id")
    page, _size = paginate(request, summaries)
    return render(request, "representation/reports/public_summaries.html", {"page_obj": page})


# --- meetings --------------------------------------------------------------------------------

class MeetingForm(forms.Form):
    date = forms.DateField(label=gettext_lazy("Date"), widget=DateInput)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200, required=False,
                            help_text=gettext_lazy("For example 'Meeting 4/2026'."))


@login_required
@edit_view
def body_meetings(request, slug):
    """The secretariat records the meetings of a body: reports fall due two weeks after each
    meeting for the appointments that report after meetings."""
    body = get_object_or_404(Body, slug=slug)
    require(request.user, MANAGE)
    form = MeetingForm(request.POST or None)
    if form.is_valid() and call_service(form, services.meeting_record, actor=request.user,
                                        body=body, **form.cleaned_data):
        messages.success(request, _("The meeting on %(date)s was recorded.") % {
            "date": date_format(form.cleaned_data["date"], "DATE_FORMAT")})
        return redirect("representation_reports:body_meetings", body.slug)
    page, _size = paginate(request, RepresentedMeeting.objects.filter(body=body)
                           .order_by("-date"))
    reporting = (reports.reporting_appointments()
                 .filter(membership__seat__body=body, reporting=ReportingSchedule.AFTER_MEETINGS)
                 .select_related("membership__person").order_by("membership__person__name"))
    return render(request, "representation/reports/body_meetings.html", {
        "body": body, "form": form, "page_obj": page, "reporting": reporting,
    })


# --- representativity ------------------------------------------------------------------------

def _bounds_label(check) -> str:
    low, high = check.min, check.max
    if low is not None and high is not None:
        return str(low) if low == high else f"{low}–{high}"
    if low is not None:
        return _("at least %(count)s") % {"count": low}
    if high is not None:
        return _("at most %(count)s") % {"count": high}
    return "–"


def _check_rows(composition: reports.Composition, checks) -> list[dict]:
    return [{"check": c, "bounds": _bounds_label(c),
             "explanation": getattr(composition.rules.get(c.key), "explanation", "")}
            for c in checks]


def _member_rows(composition: reports.Composition) -> list[dict]:
    return [{"name": s.membership.person.name, "role": s.membership.seat.get_role_display(),
             "organisation": s.membership.organisation, "county": s.candidate.county_name,
             "load": s.load, "person_id": s.membership.person_id}
            for s in composition.by_load()]


@public_page
@require_safe
def body_representativity(request, slug):
    """A body's composition today against its rules. Everyone sees it; the gender-balance rule
    and the gender share only the secretariat."""
    body = get_object_or_404(Body.objects.select_related("owner"), slug=slug)
    composition = reports.compositions([body])[body.pk]
    with_gender = _may_manage(request.user)
    checks = composition.visible_checks(with_gender=with_gender)
    return render(request, "representation/reports/body_representativity.html", {
        "body": body, "composition": composition, "with_gender": with_gender,
        "checks": _check_rows(composition, checks),
        "hidden_checks": len(composition.checks) - len(checks),
        "members": _member_rows(composition),
        "gender_share": composition.gender_share() if with_gender else None,
        "may_manage": with_gender,
    })


@public_page
@require_safe
def sector_representativity(request):
    """The sector's representation across the external bodies."""
    report = reports.sector_report()
    with_gender = _may_manage(request.user)
    bodies = [{"body": c.body, "members": len(c.seated), "seats": sum(c.seats.values()),
               "rules": len(c.visible_checks(with_gender=with_gender)),
               "broken": c.broken(with_gender=with_gender),
               "gender_share": c.gender_share() if with_gender else None}
              for c in report.compositions]
    return render(request, "representation/reports/sector_representativity.html", {
        "report": report, "bodies": bodies, "with_gender": with_gender,
        "breaking": [row for row in bodies if row["broken"]],
    })
