"""Every write of the representation capability: one function per operation, whoever calls it.

Each checks permission first (``representation.manage`` for the secretariat's work,
``representation.nominate`` on the organisation for nominations, the representative themself
for reports), validates, writes in one transaction with history.
"""

from __future__ import annotations

import dataclasses
import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.access import has_perm, is_admin, require
from core.services import assign, history_delete, history_save
from register.models import Affiliation, Organisation, Person
from structure import services as structure_services
from structure.models import Body, Membership, Seat

from .models import (
    Appointment,
    Competence,
    Nomination,
    PersonGender,
    Report,
    RepresentativityRule,
    RepresentedMeeting,
    SlateProposal,
    Vacancy,
    VacancyStatus,
)

VACANCY_FIELDS = {"title", "description", "term_start", "term_end", "deadline"}
RULE_FIELDS = {"kind", "name", "organisation_kind", "population_from", "population_to", "role",
               "minimum", "maximum", "limit", "preferred", "explanation", "active"}
REPORT_FIELDS = {"discussed", "status", "needs_position", "position_matter", "summary",
                 "summary_public"}


def competences_named(names) -> list[Competence]:
    """The competences with these names, created when new (names are trimmed, case kept)."""
    result = []
    for name in dict.fromkeys(n.strip() for n in names if n and n.strip()):
        if len(name) > 100:
            raise ValidationError({"competences": _("A competence name is at most 100 "
                                                    "characters.")})
        competence = Competence.objects.filter(name__iexact=name).first()
        result.append(competence or Competence.objects.create(name=name))
    return result


# --- vacancies -------------------------------------------------------------------------------

@transaction.atomic
def vacancy_create(*, actor, body: Body, data: dict, seats: list[Seat],
                   required_competences=(), desired_competences=()) -> Vacancy:
    """Announce seats of ``body`` for a term. The seats must be the body's own."""
    require(actor, "representation.manage")
    vacancy = Vacancy(body=body)
    assign(vacancy, data, VACANCY_FIELDS)
    _check_seats(body, seats)
    history_save(vacancy, actor=actor, reason="announced")
    vacancy.seats.set(seats)
    vacancy.required_competences.set(competences_named(required_competences))
    vacancy.desired_competences.set(competences_named(desired_competences))
    return vacancy


@transaction.atomic
def vacancy_update(*, actor, vacancy: Vacancy, data: dict, seats: list[Seat] | None = None,
                   required_competences=None, desired_competences=None) -> Vacancy:
    require(actor, "representation.manage")
    assign(vacancy, data, VACANCY_FIELDS | {"status"})
    if seats is not None:
        _check_seats(vacancy.body, seats)
    history_save(vacancy, actor=actor, reason="updated")
    if seats is not None:
        vacancy.seats.set(seats)
    if required_competences is not None:
        vacancy.required_competences.set(competences_named(required_competences))
    if desired_competences is not None:
        vacancy.desired_competences.set(competences_named(desired_competences))
    return vacancy


def _check_seats(body: Body, seats: list[Seat]) -> None:
    if not seats:
        raise ValidationError({"seats": _("Choose at least one seat.")})
    if any(seat.body_id != body.pk for seat in seats):
        raise ValidationError({"seats": _("Every seat must belong to %(body)s.")
                               % {"body": body.name}})


def vacancy_is_open(vacancy: Vacancy, today: datetime.date | None = None) -> bool:
    today = today or timezone.localdate()
    return vacancy.status == VacancyStatus.OPEN and today <= vacancy.deadline


# --- nominations -----------------------------------------------------------------------------

@transaction.atomic
def nomination_create(*, actor, vacancy: Vacancy, organisation: Organisation, person: Person,
                      motivation: str, competences=(), consent: bool) -> Nomination:
    """An organisation nominates one of its own people, who has consented."""
    require(actor, "representation.nominate", organisation)
    errors = {}
    if not vacancy_is_open(vacancy):
        errors["vacancy"] = _("The vacancy is not open for nominations.")
    if not Affiliation.objects.current().filter(person=person,
                                                organisation=organisation).exists():
        errors["person"] = _("%(person)s is not affiliated with %(organisation)s.") % {
            "person": person.name, "organisation": organisation.name}
    if not consent:
        errors["consent"] = _("The person must consent to the nomination.")
    if not (motivation or "").strip():
        errors["motivation"] = _("Say why this person is nominated.")
    if errors:
        raise ValidationError(errors)
    Vacancy.objects.select_for_update().filter(pk=vacancy.pk).first()  # serialise duplicates
    if Nomination.objects.filter(vacancy=vacancy, person=person, withdrawn=False).exists():
        raise ValidationError({"person": _("%(person)s is already nominated for this vacancy.")
                               % {"person": person.name}})
    nomination = Nomination(vacancy=vacancy, organisation=organisation, person=person,
                            motivation=motivation.strip(), consent=True)
    history_save(nomination, actor=actor, reason="nominated")
    nomination.competences.set(competences_named(competences))
    return nomination


@transaction.atomic
def nomination_withdraw(*, actor, nomination: Nomination) -> Nomination:
    require(actor, "representation.nominate", nomination.organisation)
    if not nomination.withdrawn:
        nomination.withdrawn = True
        history_save(nomination, actor=actor, reason="withdrawn")
    return nomination


def can_see_nomination(user, nomination: Nomination) -> bool:
    """The secretariat and contacts of the nominating organisation: nobody else."""
    if not getattr(user, "is_authenticated", False):
        return False
    return has_perm(user, "representation.manage") or has_perm(
        user, "representation.nominate", nomination.organisation)


# --- rules and recorded gender ---------------------------------------------------------------

@transaction.atomic
def rule_create(*, actor, body: Body, data: dict, counties=(), competences=()) -> \
        RepresentativityRule:
    require(actor, "representation.manage")
    rule = RepresentativityRule(body=body)
    assign(rule, data, RULE_FIELDS)
    competences = competences_named(competences)
    _check_rule_lists(rule, counties, competences)
    history_save(rule, actor=actor, reason="created")
    rule.counties.set(counties)
    rule.competences.set(competences)
    return rule


@transaction.atomic
def rule_update(*, actor, rule: RepresentativityRule, data: dict, counties=None,
                competences=None) -> RepresentativityRule:
    require(actor, "representation.manage")
    assign(rule, data, RULE_FIELDS)
    competences = None if competences is None else competences_named(competences)
    _check_rule_lists(rule, list(rule.counties.all()) if counties is None else counties,
                      list(rule.competences.all()) if competences is None else competences)
    history_save(rule, actor=actor, reason="updated")
    if counties is not None:
        rule.counties.set(counties)
    if competences is not None:
        rule.competences.set(competences)
    return rule


def _check_rule_lists(rule: RepresentativityRule, counties, competences) -> None:
    """The lists a kind of rule cannot do without (the optimiser refuses an empty one)."""
    if rule.kind == "county_seats" and not counties:
        raise ValidationError({"counties": _("Choose the county or counties of the rule.")})
    if rule.kind == "competences" and not competences:
        raise ValidationError({"competences": _("Name at least one required competence.")})


@transaction.atomic
def rule_delete(*, actor, rule: RepresentativityRule) -> None:
    require(actor, "representation.manage")
    history_delete(rule, actor=actor, reason="deleted")


@transaction.atomic
def person_gender_set(*, actor, person: Person, gender: str) -> PersonGender | None:
    """Record (or with an empty ``gender``, remove) a person's gender for the § 28 rule."""
    require(actor, "representation.manage")
    record = PersonGender.objects.filter(person=person).first()
    if not gender:
        if record is not None:
            history_delete(record, actor=actor, reason="removed")
        return None
    record = record or PersonGender(person=person)
    if record.pk is None or record.gender != gender:
        record.gender = gender
        history_save(record, actor=actor, reason="recorded")
    return record


# --- appointments ----------------------------------------------------------------------------

@transaction.atomic
def appointment_record(*, actor, seat: Seat, person: Person, organisation: Organisation | None,
                       decision_ref: str, decision_date: datetime.date,
                       valid_from: datetime.date, valid_to: datetime.date | None,
                       decided_by: Body | None = None, vacancy: Vacancy | None = None,
                       proposal: SlateProposal | None = None, reporting: str = "months",
                       report_every_months: int = 6, renews: Appointment | None = None) \
        -> Appointment:
    """Record KS' decision: the membership in the structure and the appointment beside it."""
    require(actor, "representation.manage")
    if not (decision_ref or "").strip():
        raise ValidationError({"decision_ref": _("Give the reference of the decision.")})
    if vacancy is not None and not vacancy.seats.filter(pk=seat.pk).exists():
        raise ValidationError({"seat": _("The seat is not part of the vacancy.")})
    if proposal is not None and proposal.vacancy_id != getattr(vacancy, "pk", None):
        raise ValidationError({"proposal": _("The proposal belongs to another vacancy.")})
    membership = structure_services.membership_create(actor=actor, seat=seat, data={
        "person": person, "organisation": organisation, "decision_ref": decision_ref.strip(),
        "valid_from": valid_from, "valid_to": valid_to})
    appointment = Appointment(
        membership=membership, vacancy=vacancy, decision_ref=decision_ref.strip(),
        decision_date=decision_date, decided_by=decided_by, proposal=proposal,
        reporting=reporting, report_every_months=report_every_months, renews=renews)
    return history_save(appointment, actor=actor, reason="appointed")


@transaction.atomic
def appointment_end(*, actor, appointment: Appointment, end_date: datetime.date,
                    reason: str) -> Appointment:
    """End a term early (or confirm its end): the membership ends on ``end_date``."""
    require(actor, "representation.manage")
    membership = appointment.membership
    if membership.valid_from and end_date < membership.valid_from:
        raise ValidationError({"end_date": _("The term cannot end before it starts.")})
    structure_services.membership_update(actor=actor, membership=membership,
                                         data={"valid_to": end_date})
    appointment.end_reason = (reason or "").strip()[:300]
    return history_save(appointment, actor=actor, reason="ended")


def appointment_renew(*, actor, appointment: Appointment, decision_ref: str,
                      decision_date: datetime.date, valid_to: datetime.date | None,
                      decided_by: Body | None = None) -> Appointment:
    """Re-appoint the same person to the same seat for the next term, from the day after the
    current term ends."""
    membership = appointment.membership
    if membership.valid_to is None or membership.valid_to >= datetime.date.max:
        raise ValidationError({"valid_to": _("The current term has no end: end it first.")})
    return appointment_record(
        actor=actor, seat=membership.seat, person=membership.person,
        organisation=membership.organisation, decision_ref=decision_ref,
        decision_date=decision_date, decided_by=decided_by,
        valid_from=membership.valid_to + datetime.timedelta(days=1), valid_to=valid_to,
        reporting=appointment.reporting, report_every_months=appointment.report_every_months,
        renews=appointment)


@transaction.atomic
def meeting_record(*, actor, body: Body, date: datetime.date, title: str = "") -> \
        RepresentedMeeting:
    require(actor, "representation.manage")
    existing = RepresentedMeeting.objects.filter(body=body, date=date).first()
    if existing is not None:
        return existing
    return history_save(RepresentedMeeting(body=body, date=date, title=title), actor=actor,
                        reason="recorded")


# --- reports back ----------------------------------------------------------------------------

def is_representative(user, appointment: Appointment) -> bool:
    person_id = getattr(user, "person_id", None)
    return bool(getattr(user, "is_authenticated", False) and person_id
                and person_id == appointment.membership.person_id)


def can_read_reports(user, appointment: Appointment) -> bool:
    """The secretariat, the representative, and the body's current members."""
    if is_admin(user) or is_representative(user, appointment):
        return True
    person_id = getattr(user, "person_id", None)
    if not (getattr(user, "is_authenticated", False) and person_id):
        return False
    return Membership.objects.current().filter(
        person_id=person_id, seat__body_id=appointment.membership.seat.body_id).exists()


@transaction.atomic
def report_submit(*, actor, appointment: Appointment, due_date: datetime.date,
                  data: dict) -> Report:
    """The representative (or the secretariat on their behalf) files the report for a due
    date. A second submission for the same due date is refused (edit through the history)."""
    if not (is_representative(actor, appointment) or is_admin(actor)):
        raise PermissionDenied("only the representative or the secretariat reports")
    if Report.objects.filter(appointment=appointment, due_date=due_date).exists():
        raise ValidationError({"due_date": _("A report for this due date is already filed.")})
    report = Report(appointment=appointment, due_date=due_date)
    assign(report, data, REPORT_FIELDS)
    if not (report.discussed or "").strip():
        raise ValidationError({"discussed": _("Say what was discussed.")})
    if report.needs_position and not (report.position_matter or "").strip():
        raise ValidationError({"position_matter": _(
            "Describe the matter on which the sector needs a position.")})
    if report.summary_public and not (report.summary or "").strip():
        raise ValidationError({"summary": _("Write the summary line to publish.")})
    try:
        with transaction.atomic():
            return history_save(report, actor=actor, reason="reported")
    except IntegrityError as error:
        raise ValidationError({"due_date": _("A report for this due date is already filed.")}) \
            from error


# --- the optimiser's proposal ----------------------------------------------------------------

PROPOSAL_TIME_LIMIT = 10.0  # seconds for the solve; explanations take at most as long again


def proposal_run(*, actor, vacancy: Vacancy, locked: dict | None = None,
                 excluded=()) -> SlateProposal:
    """Run the optimiser on the vacancy (with the secretariat's locks and exclusions) and keep
    its input and answer. The proposal only advises: appointments are recorded separately."""
    from . import optimiser
    from .selectors import vacancy_problem

    require(actor, "representation.manage")
    if not vacancy.seats.exists():
        raise ValidationError({"seats": _("The vacancy has no seats to fill.")})
    locked = {str(k): (v or None) for k, v in (locked or {}).items()}
    excluded = sorted({str(k) for k in excluded})
    problem = vacancy_problem(vacancy)  # checked before locks: the Problem refuses bad ones
    unknown = (set(locked) | set(excluded)) - {c.key for c in problem.candidates}
    if unknown:
        raise ValidationError({"locked": _("Unknown candidates: %(keys)s.")
                               % {"keys": ", ".join(sorted(unknown))}})
    if set(locked) & set(excluded):
        raise ValidationError({"locked": _("A candidate cannot be both locked and excluded.")})
    if any(role and role not in problem.roles for role in locked.values()):
        raise ValidationError({"locked": _("A candidate is locked into a role with no open "
                                           "seats.")})
    problem = dataclasses.replace(problem, locked=locked, excluded=frozenset(excluded))
    result = optimiser.solve(problem, time_limit=PROPOSAL_TIME_LIMIT)
    greedy = optimiser.greedy(problem)
    proposal = SlateProposal(
        vacancy=vacancy, created_by=actor if getattr(actor, "is_authenticated", False) else None,
        locked=locked, excluded=excluded, status=result.status,
        proven_optimal=result.proven_optimal, score=result.score,
        result=result_data(result, greedy_score=greedy.score,
                           greedy_broken=[c.key for c in greedy.broken]))
    proposal.save()
    return proposal


def result_data(result, **extra) -> dict:
    """An optimiser result as JSON-ready data (kept with the proposal, served by the API)."""
    return {
        "status": result.status, "proven_optimal": result.proven_optimal,
        "score": result.score, "objective_bound": result.objective_bound,
        "solve_seconds": round(result.solve_seconds, 3), "summary": result.summary,
        "slate": {role: [{"key": a.candidate.key, "name": a.candidate.name,
                          "organisation": a.candidate.organisation_name,
                          "county": a.candidate.county_name, "score": a.score,
                          "terms": dict(a.terms)} for a in appointees]
                  for role, appointees in result.slate.items()},
        "checks": [{"key": c.key, "kind": str(c.kind), "held": c.held, "actual": c.actual,
                    "min": c.min, "max": c.max, "role": c.role, "message": c.message}
                   for c in result.checks],
        "binding": [{"key": b.key, "kind": str(b.kind), "improvement": b.improvement,
                     "proven": b.proven, "message": b.message} for b in result.binding],
        "conflicts": [{"key": c.key, "kind": str(c.kind), "message": c.message}
                      for c in result.conflicts],
        "conflicts_minimal": result.conflicts_minimal,
        **extra,
    }
