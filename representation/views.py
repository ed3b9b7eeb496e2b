"""Pages of the representation capability: the public register of the sector's representatives,
vacancies and nominations, representativity rules, the slate optimiser and appointments.

Views are adapters: the permission for the page is checked first (GET included), a form checks
shape, one service writes (and checks the permission again), selectors read. Nominations are
shown only as ``nominations_visible_to`` allows (the secretariat, the nominating organisation);
recorded gender only on the optimiser page, which only the secretariat may open.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from core.access import has_perm, is_admin, require, scope_ids
from core.cache import public_page
from core.edit import call, edit_view, posted
from core.forms import add_service_errors
from core.models import valid_on_q
from core.views import history_context, history_page, paginate, period_label, url_maker
from register.models import Organisation, Person
from structure.models import Body, Membership, Seat

from . import forms, selectors, services
from .models import (
    Appointment,
    Nomination,
    ReportingSchedule,
    RepresentativityRule,
    RuleKind,
    SlateProposal,
    Vacancy,
    VacancyStatus,
)

MANAGE, NOMINATE = "representation.manage", "representation.nominate"


def _int_param(request, name: str) -> int | None:
    raw = request.GET.get(name, "")
    if raw == "":
        return None
    if not raw.isdigit() or len(raw) > 12:
        raise Http404(_("%(name)s must be a whole number.") % {"name": name})
    return int(raw)


def _nominating_ids(user) -> list[int] | None:
    """The organisations ``user`` nominates for: None means every one (the secretariat)."""
    ids = scope_ids(user, NOMINATE)
    return None if ids is None else [pk for pk in ids if pk]


def _crumbs(*pairs) -> list[tuple[str, str]]:
    return [(str(label), url) for label, url in pairs]


def _register_crumb():
    return (_("Representatives"), reverse("representation:public_register"))


def _vacancies_crumb():
    return (_("Vacancies"), reverse("representation:vacancy_list"))


def _vacancy_crumb(vacancy):
    return (vacancy.title, reverse("representation:vacancy_detail", args=[vacancy.pk]))


def _form_page(request, form, *, title, crumbs, cancel_url, submit=None, intro="",
               template="representation/form.html", **extra):
    return render(request, template, {
        "form": form, "title": title, "crumbs": _crumbs(*crumbs, (title, request.path)),
        "cancel_url": cancel_url, "submit_label": submit or _("Save"), "intro": intro, **extra})


# --- the public register ---------------------------------------------------------------------

@public_page
def public_register(request):
    """Who represents the sector where: person, organisation, body, role and term. Names only:
    never contact details, never gender."""
    form = forms.RegisterFilterForm(request.GET or None)
    on, body = None, None
    if form.is_bound and form.is_valid():
        on, body = form.cleaned_data["date"], form.cleaned_data["body"]
    rows = selectors.public_representatives(on=on)
    if body is not None:
        rows = rows.filter(seat__body=body)
    page, page_size = paginate(request, rows, default_size=100)
    person_url, organisation_url = (url_maker("register:person_detail"),
                                    url_maker("register:organisation_detail"))
    body_url, rules_url = url_maker("structure:body_detail"), url_maker(
        "representation:rule_list")
    groups: list[dict] = []
    for membership in page.object_list:
        seat_body = membership.seat.body
        if not groups or groups[-1]["body"].pk != seat_body.pk:
            groups.append({"body": seat_body, "url": body_url(seat_body.slug),
                           "rules_url": rules_url(seat_body.slug), "rows": []})
        membership.person_url = person_url(membership.person_id)
        membership.organisation_url = (organisation_url(membership.organisation_id)
                                       if membership.organisation_id else "")
        membership.period_label = period_label(membership)
        groups[-1]["rows"].append(membership)
    return render(request, "representation/public_register.html", {
        "form": form, "groups": groups, "page_obj": page, "page_size": page_size,
        "on": on or timezone.localdate(), "may_manage": has_perm(request.user, MANAGE),
        "crumbs": _crumbs(_register_crumb()),
    }, status=400 if form.errors else 200)


# --- vacancies -------------------------------------------------------------------------------

@public_page
def vacancy_list(request):
    """Vacancies are announced openly (who may be nominated, for what); nominations never."""
    form = forms.VacancyFilterForm(request.GET or None)
    status = form.status_filter()
    vacancies = selectors.vacancy_list()
    if status == form.ALL:
        vacancies = vacancies.order_by("-deadline", "-id")
    else:
        vacancies = vacancies.filter(status=status).order_by("deadline", "id")
    page, page_size = paginate(request, vacancies)
    detail_url, body_url = (url_maker("representation:vacancy_detail"),
                            url_maker("structure:body_detail"))
    rows = list(page.object_list)
    for vacancy in rows:
        vacancy.url, vacancy.body_url = detail_url(vacancy.pk), body_url(vacancy.body.slug)
        vacancy.term = period_label(_Term(vacancy.term_start, vacancy.term_end))
    return render(request, "representation/vacancy_list.html", {
        "form": form, "vacancies": rows, "page_obj": page, "status": status,
        "may_manage": has_perm(request.user, MANAGE),
        "crumbs": _crumbs(_register_crumb(), _vacancies_crumb()),
    }, status=400 if form.errors else 200)


class _Term:
    """A vacancy's term as a validity period, for ``period_label``."""

    def __init__(self, start, end):
        self.valid_from, self.valid_to = start, end


def _vacancy(pk: int):
    seats = forms.seats_with_holders(Seat.objects.all())
    return get_object_or_404(
        Vacancy.objects.select_related("body").prefetch_related(
            Prefetch("seats", queryset=seats), "required_competences", "desired_competences"),
        pk=pk)


@public_page
def vacancy_detail(request, vacancy_pk: int):
    vacancy = _vacancy(vacancy_pk)
    user = request.user
    may_manage = has_perm(user, MANAGE)
    nominating = _nominating_ids(user) if user.is_authenticated else []
    nominations = list(selectors.nominations_visible_to(user, vacancy)
                       .order_by("withdrawn", "person__name", "pk")) if user.is_authenticated \
        else []
    for nomination in nominations:
        nomination.may_withdraw = not nomination.withdrawn and (
            nominating is None or nomination.organisation_id in nominating)
    appointments = list(Appointment.objects.filter(vacancy=vacancy).select_related(
        "membership__person", "membership__organisation", "membership__seat", "decided_by")
        .order_by("membership__seat__sort_order", "membership__seat_id", "pk"))
    for appointment in appointments:
        appointment.term = period_label(appointment.membership)
    return render(request, "representation/vacancy_detail.html", {
        "vacancy": vacancy, "term": period_label(_Term(vacancy.term_start, vacancy.term_end)),
        "is_open": services.vacancy_is_open(vacancy), "may_manage": may_manage,
        "may_nominate": bool(nominating is None or nominating),
        "nominations": nominations, "appointments": appointments,
        "statuses": _status_actions(vacancy) if may_manage else [],
        "crumbs": _crumbs(_register_crumb(), _vacancies_crumb(), _vacancy_crumb(vacancy)),
        **history_context(vacancy, show_actors=is_admin(user), history_url=reverse(
            "representation:vacancy_history", args=[vacancy_pk])),
    })


STATUS_ACTIONS = {  # the status a button sets -> its label
    VacancyStatus.OPEN: gettext_lazy("Reopen for nominations"),
    VacancyStatus.CLOSED: gettext_lazy("Close for nominations"),
    VacancyStatus.DECIDED: gettext_lazy("Mark as decided"),
    VacancyStatus.CANCELLED: gettext_lazy("Cancel the vacancy"),
}


def _status_actions(vacancy) -> list[tuple[str, str]]:
    return [(status, label) for status, label in STATUS_ACTIONS.items()
            if status != vacancy.status]


@public_page
def vacancy_history(request, vacancy_pk: int):
    vacancy = get_object_or_404(Vacancy, pk=vacancy_pk)
    return history_page(request, vacancy, show_actors=is_admin(request.user), crumbs=_crumbs(
        _register_crumb(), _vacancies_crumb(), _vacancy_crumb(vacancy)))


@login_required
@edit_view
def vacancy_create(request):
    """Step one chooses the body (its seats are the choices of step two)."""
    require(request.user, MANAGE)
    crumbs = [_register_crumb(), _vacancies_crumb()]
    chooser = forms.BodyChoiceForm(request.GET or None)
    if not chooser.is_valid():
        title = _("Announce a vacancy")
        return render(request, "representation/choose.html", {
            "form": chooser, "title": title, "crumbs": _crumbs(*crumbs, (title, request.path)),
            "intro": _("Choose the body with seats to fill."), "submit_label": _("Continue"),
            "cancel_url": reverse("representation:vacancy_list")})
    body = chooser.cleaned_data["body"]
    form = forms.VacancyForm(posted(request), instance=Vacancy(body=body), body=body)
    if request.method == "POST" and form.is_valid():
        vacancy = call(form, services.vacancy_create, actor=request.user, body=body,
                        **form.service_kwargs())
        if vacancy is not None:
            messages.success(request, _("The vacancy was announced."))
            return redirect("representation:vacancy_detail", vacancy_pk=vacancy.pk)
    return _form_page(request, form, title=_("Announce a vacancy in %(body)s") % {
        "body": body.name}, crumbs=crumbs, cancel_url=reverse("representation:vacancy_list"),
        submit=_("Announce"))


@login_required
@edit_view
def vacancy_edit(request, vacancy_pk: int):
    vacancy = get_object_or_404(Vacancy.objects.select_related("body"), pk=vacancy_pk)
    require(request.user, MANAGE)
    form = forms.VacancyForm(posted(request), instance=vacancy, body=vacancy.body)
    if request.method == "POST" and form.is_valid() and call(
            form, services.vacancy_update, actor=request.user, vacancy=vacancy,
            **form.service_kwargs()):
        messages.success(request, _("The vacancy was saved."))
        return redirect("representation:vacancy_detail", vacancy_pk=vacancy.pk)
    return _form_page(request, form, title=_("Edit vacancy"), crumbs=[
        _register_crumb(), _vacancies_crumb(), _vacancy_crumb(vacancy)],
        cancel_url=reverse("representation:vacancy_detail", args=[vacancy_pk]))


@login_required
@require_POST
def vacancy_status(request, vacancy_pk: int):
    """Close, reopen, cancel or mark a vacancy decided (a button on its page)."""
    vacancy = get_object_or_404(Vacancy, pk=vacancy_pk)
    require(request.user, MANAGE)
    status = request.POST.get("status", "")
    if status not in VacancyStatus.values:
        return HttpResponseBadRequest(_("Unknown status."))
    services.vacancy_update(actor=request.user, vacancy=vacancy, data={"status": status})
    messages.success(request, _("The vacancy is now: %(status)s.") % {
        "status": vacancy.get_status_display()})
    return redirect("representation:vacancy_detail", vacancy_pk=vacancy_pk)


# --- nominations -----------------------------------------------------------------------------

@login_required
@edit_view
def nomination_create(request, vacancy_pk: int):
    """An organisation contact nominates one of the people acting for their organisation.

    Step one chooses the organisation (skipped when the user acts for one only); step two
    offers that organisation's people, never the whole register. Works without JavaScript."""
    vacancy = get_object_or_404(Vacancy.objects.select_related("body"), pk=vacancy_pk)
    ids = _nominating_ids(request.user)
    if ids == []:
        raise PermissionDenied("representation.nominate not granted")
    organisations = forms.current_organisations(ids)
    organisation_id = _int_param(request, "organisation")
    if organisation_id is None and ids is not None and len(ids) == 1:
        organisation_id = ids[0]  # nothing to choose
    organisation = None
    if organisation_id is not None:
        organisation = get_object_or_404(Organisation, pk=organisation_id)
        require(request.user, NOMINATE, organisation)  # another organisation's: 403
    chooser = None if ids is not None and len(ids) == 1 else forms.OrganisationChoiceForm(
        initial={"organisation": organisation_id}, organisations=organisations)
    form = None
    if organisation is not None and services.vacancy_is_open(vacancy):
        form = forms.NominationForm(posted(request), organisation=organisation)
        if request.method == "POST" and form.is_valid() and call(
                form, services.nomination_create, actor=request.user, vacancy=vacancy,
                organisation=organisation, **form.service_kwargs()):
            messages.success(request, _("The nomination was registered."))
            return redirect(reverse("representation:vacancy_detail", args=[vacancy_pk])
                            + "#nominations-heading")
    title = _("Nominate a candidate")
    return render(request, "representation/nomination_form.html", {
        "vacancy": vacancy, "form": form, "chooser": chooser, "organisation": organisation,
        "is_open": services.vacancy_is_open(vacancy), "title": title,
        "may_add_people": organisation is not None and has_perm(
            request.user, "register.change_affiliation", organisation),
        "crumbs": _crumbs(_register_crumb(), _vacancies_crumb(), _vacancy_crumb(vacancy),
                          (title, request.path)),
        "cancel_url": reverse("representation:vacancy_detail", args=[vacancy_pk]),
    })


@login_required
@require_POST
def nomination_withdraw(request, nomination_pk: int):
    nomination = get_object_or_404(Nomination.objects.select_related("organisation"),
                                   pk=nomination_pk)
    services.nomination_withdraw(actor=request.user, nomination=nomination)
    messages.success(request, _("The nomination of %(person)s was withdrawn.") % {
        "person": nomination.person.name})
    return redirect(reverse("representation:vacancy_detail", args=[nomination.vacancy_id])
                    + "#nominations-heading")


# --- representativity rules ------------------------------------------------------------------

def describe(rule: RepresentativityRule) -> str:
    """The rule in plain language, as the optimiser reads it."""
    try:
        return selectors._rule(rule).describe()
    except ValueError:  # a rule the optimiser cannot read yet (say, a county rule without counties)
        return rule.get_kind_display()


def _body(slug: str):
    return get_object_or_404(Body, slug=slug)


def _rule(pk: int) -> RepresentativityRule:
    return get_object_or_404(RepresentativityRule.objects.select_related("body"), pk=pk)


def _rules_crumbs(body):
    return [_register_crumb(), (_("Rules for %(body)s") % {"body": body.name},
                                reverse("representation:rule_list", args=[body.slug]))]


@public_page
def rule_list(request, body_slug: str):
    """A body's representativity rules with their plain-language meaning: open to everybody,
    since they explain how the sector's seats are filled."""
    body = _body(body_slug)
    rules = list(RepresentativityRule.objects.filter(body=body)
                 .prefetch_related("counties", "competences").order_by("-active", "kind", "pk"))
    for rule in rules:
        rule.description = describe(rule)
    return render(request, "representation/rule_list.html", {
        "body": body, "rules": rules, "may_manage": has_perm(request.user, MANAGE),
        "crumbs": _crumbs(*_rules_crumbs(body)),
    })


@login_required
@edit_view
def rule_create(request, body_slug: str):
    """Step one chooses the kind of rule; step two asks for that kind's fields only."""
    body = _body(body_slug)
    require(request.user, MANAGE)
    chooser = forms.KindChoiceForm(request.GET or None)
    cancel_url = reverse("representation:rule_list", args=[body.slug])
    if not chooser.is_valid():
        title = _("Add a rule")
        return render(request, "representation/choose.html", {
            "form": chooser, "title": title, "submit_label": _("Continue"),
            "crumbs": _crumbs(*_rules_crumbs(body), (title, request.path)),
            "intro": _("Choose the kind of rule for %(body)s.") % {"body": body.name},
            "cancel_url": cancel_url})
    kind = chooser.cleaned_data["kind"]
    form = forms.RuleForm(posted(request), kind=kind, editing=False,
                          instance=RepresentativityRule(body=body, kind=kind))
    if request.method == "POST" and form.is_valid():
        kwargs = form.service_kwargs()
        kwargs["data"]["kind"] = kind
        if call(form, services.rule_create, actor=request.user, body=body, **kwargs):
            messages.success(request, _("The rule was added."))
            return redirect(cancel_url)
    return _form_page(request, form, title=_("Add a rule: %(kind)s") % {
        "kind": RuleKind(kind).label}, crumbs=_rules_crumbs(body), cancel_url=cancel_url,
        submit=_("Add rule"))


@login_required
@edit_view
def rule_edit(request, representativityrule_pk: int):
    rule = _rule(representativityrule_pk)
    require(request.user, MANAGE)
    form = forms.RuleForm(posted(request), instance=rule, kind=rule.kind, editing=True)
    cancel_url = reverse("representation:rule_list", args=[rule.body.slug])
    if request.method == "POST" and form.is_valid() and call(
            form, services.rule_update, actor=request.user, rule=rule, **form.service_kwargs()):
        messages.success(request, _("The rule was saved."))
        return redirect(cancel_url)
    return _form_page(request, form, title=_("Edit rule: %(kind)s") % {
        "kind": rule.get_kind_display()}, crumbs=_rules_crumbs(rule.body),
        cancel_url=cancel_url, intro=describe(rule))


@login_required
@require_POST
def rule_active(request, representativityrule_pk: int):
    """Deactivate (or activate again) a rule: kept with its history, ignored by the optimiser."""
    rule = _rule(representativityrule_pk)
    require(request.user, MANAGE)
    active = request.POST.get("active") == "1"
    services.rule_update(actor=request.user, rule=rule, data={"active": active})
    messages.success(request, _("The rule is active.") if active
                     else _("The rule was deactivated."))
    return redirect("representation:rule_list", body_slug=rule.body.slug)


# --- the optimiser ---------------------------------------------------------------------------

@login_required
@edit_view
def vacancy_proposal(request, vacancy_pk: int):
    """Run the optimiser on a vacancy and read its proposal (the secretariat only: the page
    shows recorded gender). POST runs with the locks and exclusions chosen per candidate."""
    vacancy = get_object_or_404(Vacancy.objects.select_related("body"), pk=vacancy_pk)
    require(request.user, MANAGE)
    problem = selectors.vacancy_problem(vacancy)
    proposals = list(vacancy.proposals.select_related("created_by")[:20])
    shown = _shown_proposal(request, vacancy, proposals)
    form = forms.CandidateChoicesForm(
        posted(request), candidates=problem.candidates, roles=problem.roles,
        initial_locked=shown.locked if shown else None,
        initial_excluded=shown.excluded if shown else ())
    if request.method == "POST" and form.is_valid():
        locked, excluded = form.locks()
        try:
            services.proposal_run(actor=request.user, vacancy=vacancy, locked=locked,
                                  excluded=excluded)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except ValueError:  # a candidate withdrawn meanwhile: the page below is stale
            form.add_error(None, _("The candidates changed while you chose: try again."))
        else:
            messages.success(request, _("The optimiser has proposed a slate."))
            return redirect("representation:vacancy_proposal", vacancy_pk=vacancy_pk)
    gender_form = forms.GenderForm(candidates=problem.candidates)
    title = _("Slate proposal")
    return render(request, "representation/proposal.html", {
        "vacancy": vacancy, "problem": problem, "form": form, "title": title,
        "rows": [{"candidate": c, "lock": form[f"c-{c.key}"], "gender": gender_form[f"g-{c.key}"]}
                 for c in problem.candidates],
        "shown": shown, "proposals": proposals,
        **(_proposal_context(vacancy, shown, problem) if shown else {}),
        "crumbs": _crumbs(_register_crumb(), _vacancies_crumb(), _vacancy_crumb(vacancy),
                          (title, request.path)),
    })


def _shown_proposal(request, vacancy, proposals) -> SlateProposal | None:
    wanted = _int_param(request, "proposal")
    if wanted is None:
        return proposals[0] if proposals else None
    found = next((p for p in proposals if p.pk == wanted), None)
    return found or get_object_or_404(SlateProposal.objects.select_related("created_by"),
                                      pk=wanted, vacancy=vacancy)


STATUS_TEXT = {
    "optimal": gettext_lazy("The best possible slate under the rules (proven optimal)."),
    "feasible": gettext_lazy("A slate that satisfies every rule, but the optimiser ran out of "
                             "time before proving that no better slate exists."),
    "infeasible": gettext_lazy("No slate satisfies all the rules. The rules in conflict are "
                               "listed below: relax one of them."),
    "unknown": gettext_lazy("The optimiser ran out of time without finding a slate. Run it "
                            "again, or lock some candidates to help it."),
}
TERM_LABELS = {"competence": gettext_lazy("Competence"), "network": gettext_lazy("Network"),
               "continuity": gettext_lazy("Continuity"), "spread": gettext_lazy("Spread")}


def _proposal_context(vacancy, shown: SlateProposal, problem) -> dict:
    """The stored answer as the template reads it: appointees with links to record them, rule
    checks, binding rules, conflicts with a hint each, the greedy baseline."""
    result = shown.result or {}
    rules = {f"r{rule.pk}": rule for rule in RepresentativityRule.objects.filter(
        body_id=vacancy.body_id)}
    candidates = {c.key: c for c in problem.candidates}
    recorded = set(Appointment.objects.filter(vacancy=vacancy).values_list(
        "membership__person_id", flat=True))
    record_url = reverse("representation:appointment_create", args=[vacancy.pk])
    slate = []
    for role, appointees in (result.get("slate") or {}).items():
        rows = []
        for appointee in appointees:
            person_id = int(appointee["key"][1:])
            candidate = candidates.get(appointee["key"])
            organisation = candidate.organisation if candidate else ""
            organisation_id = int(organisation[1:]) if organisation.startswith("o") else 0
            rows.append({**appointee, "recorded": person_id in recorded,
                         "terms": [(TERM_LABELS.get(k, k), v)
                                   for k, v in appointee.get("terms", {}).items()],
                         "record_url": record_url + "?" + urlencode({
                             "proposal": shown.pk, "role": role,
                             "candidate": forms.candidate_value(person_id, organisation_id)})})
        slate.append({"role": role, "label": _role_label(role), "rows": rows})
    return {
        "status_text": STATUS_TEXT.get(shown.status, ""), "slate": slate,
        "checks": [{**check, "role_label": _role_label(check.get("role"))}
                   for check in result.get("checks", [])],
        "binding": result.get("binding", []),
        "conflicts": [{**c, **_hint(c["key"], vacancy, rules)}
                      for c in result.get("conflicts", [])],
        "summary": result.get("summary", ""),
        "conflicts_minimal": result.get("conflicts_minimal", True),
        "greedy_score": result.get("greedy_score"),
        "greedy_broken": sorted({_item_label(key, rules) for key in
                                 result.get("greedy_broken", [])}),
        "locked_names": [candidates[k].name if k in candidates else k for k in shown.locked],
        "excluded_names": [candidates[k].name if k in candidates else k
                           for k in shown.excluded],
    }


def _role_label(role) -> str:
    return {"member": _("Members"), "deputy": _("Deputies")}.get(role or "", _("All seats"))


def _item_label(key: str, rules: dict) -> str:
    if key in rules:
        return describe(rules[key])
    if key == "seats":
        return _("The number of seats to fill")
    return key


def _hint(key: str, vacancy, rules: dict) -> dict:
    """What the secretariat can relax to resolve a conflict, with a link where it is done."""
    if key in rules:
        return {"hint": _("Relax or deactivate this rule."),
                "hint_url": reverse("representation:rule_edit", args=[rules[key].pk])}
    if key == "seats":
        return {"hint": _("Change the seats of the vacancy, or get more nominations."),
                "hint_url": reverse("representation:vacancy_edit", args=[vacancy.pk])}
    return {"hint": _("Set this candidate to “Free choice” below and run again."),
            "hint_url": "#candidates-heading"}


@login_required
@require_POST
def gender_record(request, vacancy_pk: int):
    """Record the candidates' gender for the § 28 rule (the secretariat only; never public)."""
    vacancy = get_object_or_404(Vacancy, pk=vacancy_pk)
    require(request.user, MANAGE)
    problem = selectors.vacancy_problem(vacancy)
    form = forms.GenderForm(request.POST, candidates=problem.candidates)
    if form.is_valid():
        changes = form.changes()
        people = Person.objects.in_bulk([person_id for person_id, _gender in changes])
        for person_id, gender in changes:
            services.person_gender_set(actor=request.user, person=people[person_id],
                                       gender=gender)
        messages.success(request, _("Recorded gender saved for %(count)s candidate(s).")
                         % {"count": len(changes)})
    else:
        messages.error(request, _("Choose woman, man or not recorded for each candidate."))
    return redirect(reverse("representation:vacancy_proposal", args=[vacancy_pk])
                    + "#candidates-heading")


# --- appointments ----------------------------------------------------------------------------

def _appointment_candidates(vacancy, organisation) -> list[tuple[str, str, str]]:
    """(value, label, group): the live nominees, the seats' incumbents and, when chosen, the
    people acting for one more organisation (an appointment by hand)."""
    choices: dict[str, tuple[str, str, str]] = {}
    nominated = _("Nominated")
    for n in Nomination.objects.filter(vacancy=vacancy, withdrawn=False).select_related(
            "person", "organisation").order_by("person__name", "pk"):
        value = forms.candidate_value(n.person_id, n.organisation_id)
        choices.setdefault(value, (value, f"{n.person.name} – {n.organisation.name}", nominated))
    incumbent = _("Holding one of the seats")
    day_before = vacancy.term_start - datetime.timedelta(days=1)
    for m in Membership.objects.filter(valid_on_q(day_before), seat__in=vacancy.seats.all()) \
            .select_related("person", "organisation").order_by("person__name", "pk"):
        value = forms.candidate_value(m.person_id, m.organisation_id)
        label = m.person.name + (f" – {m.organisation.name}" if m.organisation else "")
        choices.setdefault(value, (value, label, incumbent))
    if organisation is not None:
        group = _("People of %(org)s") % {"org": organisation.name}
        for a in forms.affiliated_people(organisation):
            value = forms.candidate_value(a.person_id, organisation.pk)
            choices.setdefault(value, (value, f"{a.person.name} – {organisation.name}", group))
    return list(choices.values())


def _appointment_initial(request, vacancy, seats, values) -> dict:
    initial = {"valid_from": vacancy.term_start, "valid_to": vacancy.term_end,
               "decision_date": timezone.localdate(), "report_every_months": 6,
               "reporting": ReportingSchedule.MONTHLY}
    last = vacancy.appointments.select_related("membership").order_by("-pk").first()
    if last is not None:  # one decision usually appoints the whole slate: start from it
        initial.update(decision_ref=last.decision_ref, decision_date=last.decision_date,
                       decided_by=last.decided_by_id, reporting=last.reporting,
                       report_every_months=last.report_every_months,
                       valid_from=last.membership.valid_from, valid_to=last.membership.valid_to)
    if request.GET.get("candidate") in values:
        initial["candidate"] = request.GET["candidate"]
    taken = set(vacancy.appointments.values_list("membership__seat_id", flat=True))
    role = request.GET.get("role")
    wanted = _int_param(request, "seat")
    free = [seat for seat in seats if seat.pk not in taken and (
        role is None or ("deputy" if seat.role == "deputy" else "member") == role)]
    if wanted in {seat.pk for seat in seats}:
        initial["seat"] = wanted
    elif free:
        initial["seat"] = free[0].pk
    return initial


@login_required
@edit_view
def appointment_create(request, vacancy_pk: int):
    """Record KS' decision for one seat of a vacancy: from the optimiser's proposal (the link
    pre-fills person, organisation and seat) or by hand. Creates the membership in the
    structure and the appointment beside it, with the proposal kept."""
    vacancy = get_object_or_404(Vacancy.objects.select_related("body"), pk=vacancy_pk)
    require(request.user, MANAGE)
    proposal_id = _int_param(request, "proposal")
    shown = get_object_or_404(SlateProposal, pk=proposal_id, vacancy=vacancy) \
        if proposal_id is not None else None
    chooser = forms.OrganisationChoiceForm(
        request.GET if "organisation" in request.GET else None,
        organisations=forms.current_organisations(), label=_("Organisation"))
    organisation = chooser.cleaned_data["organisation"] if chooser.is_bound and \
        chooser.is_valid() else None
    seats = list(forms.seats_with_holders(vacancy.seats.all()))
    candidates = _appointment_candidates(vacancy, organisation)
    form = forms.AppointmentForm(
        posted(request), candidates=candidates, seats=seats,
        initial=_appointment_initial(request, vacancy, seats, {c[0] for c in candidates}))
    back = reverse("representation:vacancy_detail", args=[vacancy_pk])
    if shown is not None:
        back = reverse("representation:vacancy_proposal", args=[vacancy_pk]) + \
            f"?proposal={shown.pk}"
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person_id, organisation_id = data["candidate"]
        appointment = call(
            form, services.appointment_record, actor=request.user, vacancy=vacancy,
            proposal=shown, seat=form.seats[data["seat"]],
            person=get_object_or_404(Person, pk=person_id),
            organisation=Organisation.objects.filter(pk=organisation_id).first(),
            decision_ref=data["decision_ref"], decision_date=data["decision_date"],
            decided_by=data["decided_by"], valid_from=data["valid_from"],
            valid_to=data["valid_to"], reporting=data["reporting"],
            report_every_months=data["report_every_months"])
        if appointment is not None:
            messages.success(request, _("%(person)s was appointed.") % {
                "person": appointment.membership.person.name})
            return redirect(back)
    title = _("Record an appointment")
    return _form_page(
        request, form, title=title, submit=_("Record the appointment"),
        template="representation/appointment_form.html", cancel_url=back, crumbs=[
            _register_crumb(), _vacancies_crumb(), _vacancy_crumb(vacancy)],
        vacancy=vacancy, chooser=chooser, shown=shown,
        keep={k: v for k, v in request.GET.items() if k in {"proposal", "role", "seat"}})


def _appointment(pk: int) -> Appointment:
    return get_object_or_404(Appointment.objects.select_related(
        "membership__person", "membership__seat__body", "membership__organisation"), pk=pk)


def _appointments_crumb():
    return (_("Terms expiring"), reverse("representation:appointment_list"))


@login_required
@require_safe
def appointment_list(request):
    """Terms ending within 90 days that no re-appointment follows: the secretariat's to-do."""
    require(request.user, MANAGE)
    page, page_size = paginate(request, selectors.expiring_appointments())
    rows = list(page.object_list)
    for appointment in rows:
        appointment.term = period_label(appointment.membership)
    return render(request, "representation/appointment_list.html", {
        "appointments": rows, "page_obj": page, "days": selectors.EXPIRY_NOTICE_DAYS,
        "crumbs": _crumbs(_register_crumb(), _appointments_crumb()),
    })


@login_required
@edit_view
def appointment_end(request, appointment_pk: int):
    appointment = _appointment(appointment_pk)
    require(request.user, MANAGE)
    form = forms.EndAppointmentForm(posted(request))
    if request.method == "POST" and form.is_valid() and call(
            form, services.appointment_end, actor=request.user, appointment=appointment,
            end_date=form.cleaned_data["end_date"], reason=form.cleaned_data["reason"]):
        messages.success(request, _("The term was ended."))
        return redirect("representation:appointment_list")
    return _form_page(request, form, title=_("End the term of %(person)s") % {
        "person": appointment.membership.person.name}, submit=_("End the term"),
        crumbs=[_register_crumb(), _appointments_crumb()],
        cancel_url=reverse("representation:appointment_list"),
        intro=str(appointment.membership.seat))


@login_required
@edit_view
def appointment_renew(request, appointment_pk: int):
    appointment = _appointment(appointment_pk)
    require(request.user, MANAGE)
    form = forms.RenewAppointmentForm(posted(request), initial={
        "decision_date": timezone.localdate(), "decided_by": appointment.decided_by_id})
    if request.method == "POST" and form.is_valid() and call(
            form, services.appointment_renew, actor=request.user, appointment=appointment,
            **form.cleaned_data):
        messages.success(request, _("%(person)s was re-appointed.") % {
            "person": appointment.membership.person.name})
        return redirect("representation:appointment_list")
    return _form_page(request, form, title=_("Re-appoint %(person)s") % {
        "person": appointment.membership.person.name}, submit=_("Re-appoint"),
        crumbs=[_register_crumb(), _appointments_crumb()],
        cancel_url=reverse("representation:appointment_list"),
        intro=_("%(seat)s. The new term starts the day after the current one ends.") % {
            "seat": appointment.membership.seat})
