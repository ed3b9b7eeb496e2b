"""Reads of the representation capability, restricted to what the reader may see.

Every list here runs a fixed number of queries whatever the number of rows.
"""

from __future__ import annotations

import datetime

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from core.access import has_perm, is_admin, scope_ids
from core.models import valid_on_q
from register.models import MEMBER_KINDS, NetworkMembership
from structure.models import BodyKind, Membership

from . import optimiser
from .models import (
    Appointment,
    Nomination,
    PersonGender,
    Report,
    ReportingSchedule,
    RepresentativityRule,
    RepresentedMeeting,
    RuleKind,
    Vacancy,
)

REPORT_GRACE_DAYS = 14  # a report after a meeting is due two weeks after it
EXPIRY_NOTICE_DAYS = 90


# --- the public register of representatives -------------------------------------------------

def public_representatives(*, on: datetime.date | None = None) -> QuerySet:
    """Who represents the sector where on a date: current memberships in external bodies and
    every appointment KS has recorded. Names, organisations, bodies, roles and terms only."""
    return (Membership.objects.filter(valid_on_q(on))
            .filter(Q(seat__body__kind=BodyKind.EXTERNAL_BODY) | Q(appointment__isnull=False))
            .exclude(seat__role="secretary")
            .select_related("person", "organisation", "seat__body", "seat__body__owner")
            .order_by("seat__body__name", "seat__sort_order", "seat_id", "person__name"))


# --- vacancies and nominations -------------------------------------------------------------

def vacancy_list() -> QuerySet:
    return (Vacancy.objects.select_related("body")
            .annotate(seat_count=Count("seats", distinct=True),
                      nomination_count=Count("nominations", distinct=True,
                                             filter=Q(nominations__withdrawn=False))))


def nominations_visible_to(user, vacancy: Vacancy | None = None) -> QuerySet:
    """The secretariat sees every nomination; an organisation contact those of the
    organisations they act for; anybody else none."""
    nominations = Nomination.objects.select_related("person", "organisation", "vacancy__body")
    nominations = nominations.prefetch_related("competences")
    if vacancy is not None:
        nominations = nominations.filter(vacancy=vacancy)
    if not getattr(user, "is_authenticated", False):
        return nominations.none()
    if has_perm(user, "representation.manage"):
        return nominations
    organisations = scope_ids(user, "representation.nominate")
    return nominations.filter(organisation_id__in=list(organisations or []))


# --- the optimiser's view of a vacancy -----------------------------------------------------

def _org_kind(organisation) -> str:
    return organisation.kind if organisation is not None and organisation.kind in MEMBER_KINDS \
        else "other"


def vacancy_problem(vacancy: Vacancy, *, locked: dict | None = None,
                    excluded=()) -> optimiser.Problem:
    """The vacancy as an optimiser problem: the live nominations and the incumbents of its
    seats as candidates (one per person), its body's active rules, the body's other members as
    fixed composition for the gender rule, load counted at the start of the term."""
    start = vacancy.term_start
    seats = list(vacancy.seats.all())
    seat_ids = {seat.pk for seat in seats}
    nominations = list(Nomination.objects.filter(vacancy=vacancy, withdrawn=False)
                       .select_related("person", "organisation__county")
                       .prefetch_related("competences"))
    day_before = start - datetime.timedelta(days=1)
    incumbents = list(Membership.objects.filter(valid_on_q(day_before), seat_id__in=seat_ids)
                      .select_related("person", "organisation__county"))
    people = {n.person_id for n in nominations} | {m.person_id for m in incumbents}
    genders = dict(PersonGender.objects.filter(person_id__in=people)
                   .values_list("person_id", "gender"))
    loads = dict(Membership.objects.filter(valid_on_q(start), person_id__in=people)
                 .exclude(seat_id__in=seat_ids).values_list("person_id")
                 .annotate(n=Count("id")).values_list("person_id", "n"))
    organisations = {n.organisation_id for n in nominations} | {
        m.organisation_id for m in incumbents if m.organisation_id}
    in_network = set(NetworkMembership.objects.filter(valid_on_q(start),
                                                      organisation_id__in=organisations)
                     .values_list("organisation_id", flat=True))
    incumbent_people = {m.person_id for m in incumbents}
    candidates: dict[int, optimiser.Candidate] = {}
    for source in [*nominations, *incumbents]:
        if source.person_id in candidates:
            continue
        competences = frozenset(c.name for c in source.competences.all()) \
            if isinstance(source, Nomination) else frozenset()
        candidates[source.person_id] = candidate(
            source.person, source.organisation, networked=in_network,
            gender=genders.get(source.person_id, ""), competences=competences,
            incumbent=source.person_id in incumbent_people,
            load=loads.get(source.person_id, 0))
    roles = {"member": 0, "deputy": 0}
    for seat in seats:
        roles["deputy" if seat.role == "deputy" else "member"] += 1
    return optimiser.Problem(
        candidates=tuple(candidates.values()),
        groups=tuple(optimiser.SeatGroup(role, n) for role, n in roles.items() if n),
        rules=tuple(_rule(rule) for rule in RepresentativityRule.objects.filter(
            body_id=vacancy.body_id, active=True).prefetch_related("counties", "competences")),
        fixed=_fixed_members(vacancy, seat_ids, start),
        desired_competences=frozenset(c.name for c in vacancy.desired_competences.all()),
        locked=locked or {}, excluded=frozenset(excluded))


def candidate(person, organisation, *, networked: set[int], gender: str, competences,
              incumbent: bool, load: int) -> optimiser.Candidate:
    """A person as the optimiser sees them, acting for ``organisation`` (one mapping for the
    vacancy's candidates and the representativity report's sitting members)."""
    county = organisation.county if organisation else None
    return optimiser.Candidate(
        key=f"p{person.pk}", name=person.name,
        organisation=f"o{organisation.pk}" if organisation else f"none{person.pk}",
        organisation_name=organisation.name if organisation else "",
        county=county.number if county else "", county_name=county.name if county else "",
        org_kind=_org_kind(organisation),
        population=organisation.population if organisation else None,
        network_member=bool(organisation and organisation.pk in networked),
        gender=gender, competences=frozenset(competences), incumbent=incumbent,
        current_load=load)


def _fixed_members(vacancy, seat_ids: set[int], on) -> tuple:
    rows = (Membership.objects.filter(valid_on_q(on), seat__body_id=vacancy.body_id,
                                      seat__role__in=["member", "deputy", "chair",
                                                      "deputy_chair"])
            .exclude(seat_id__in=seat_ids)
            .values_list("seat__role", "person__gender_record__gender"))
    counts = {"member": {"female": 0, "male": 0, "unknown": 0},
              "deputy": {"female": 0, "male": 0, "unknown": 0}}
    for role, gender in rows:
        counts["deputy" if role == "deputy" else "member"][gender or "unknown"] += 1
    return tuple(optimiser.FixedMembers(role, **c) for role, c in counts.items())


def _rule(rule: RepresentativityRule) -> optimiser.Rule:
    """A stored rule as the optimiser's rule (key "r<id>")."""
    bounds = {"min": rule.minimum or 0, "max": rule.maximum, "role": rule.role or None}
    params: dict = {}
    if rule.kind == RuleKind.COUNTY_SEATS:
        params = {"counties": {c.number for c in rule.counties.all()},
                  "name": rule.name or ", ".join(c.name for c in rule.counties.all()), **bounds}
    elif rule.kind == RuleKind.KIND_SEATS:
        params = {"org_kind": rule.organisation_kind, **bounds}
    elif rule.kind == RuleKind.SIZE_CLASS_SEATS:
        params = {"lower": rule.population_from or 0, "upper": rule.population_to,
                  "name": rule.name, **bounds}
    elif rule.kind == RuleKind.MAX_LOAD:
        params = {"max": rule.limit or 0}
    elif rule.kind == RuleKind.CONTINUITY:
        params = {"min": rule.limit or 0}
    elif rule.kind == RuleKind.COMPETENCES:
        params = {"required": {c.name for c in rule.competences.all()}}
    return optimiser.Rule(key=f"r{rule.pk}", kind=rule.kind, params=params,
                          hard=not (rule.kind == RuleKind.NETWORK and rule.preferred),
                          explanation=rule.explanation)


# --- reports back --------------------------------------------------------------------------

def due_dates(appointment: Appointment, *, until: datetime.date,
              meetings: list[datetime.date] = ()) -> list[datetime.date]:
    """The dates a report is due for an appointment, up to ``until`` and within the term:
    every N months from the start of the term, or two weeks after each meeting of the body."""
    membership = appointment.membership
    start, end = membership.valid_from, membership.valid_to
    grace = datetime.timedelta(days=REPORT_GRACE_DAYS)
    last = until if end is None or end >= until else min(until, end + grace)
    if appointment.reporting == ReportingSchedule.AFTER_MEETINGS:
        return [day + datetime.timedelta(days=REPORT_GRACE_DAYS) for day in sorted(meetings)
                if (start is None or day >= start) and (end is None or day <= end)
                and day + datetime.timedelta(days=REPORT_GRACE_DAYS) <= last]
    if start is None:
        return []
    dates, n = [], 1
    while (due := start + relativedelta(months=appointment.report_every_months * n)) <= last:
        dates.append(due)
        n += 1
    return dates


def outstanding_reports(appointments: QuerySet, *, today: datetime.date | None = None) -> list:
    """(appointment, due date) for every report due by ``today`` and not filed, oldest first.

    Three queries for any number of appointments: appointments, their reports, the meetings.
    """
    today = today or timezone.localdate()
    appointments = list(appointments.select_related(
        "membership__person", "membership__seat__body", "membership__organisation")
        .prefetch_related(Prefetch("reports", queryset=Report.objects.only(
            "appointment_id", "due_date"))))
    bodies = {a.membership.seat.body_id for a in appointments}
    meetings: dict[int, list] = {}
    for body_id, day in RepresentedMeeting.objects.filter(
            body_id__in=bodies, date__lte=today).values_list("body_id", "date"):
        meetings.setdefault(body_id, []).append(day)
    result = []
    for appointment in appointments:
        filed = {report.due_date for report in appointment.reports.all()}
        for due in due_dates(appointment, until=today,
                             meetings=meetings.get(appointment.membership.seat.body_id, [])):
            if due not in filed:
                result.append((appointment, due))
    result.sort(key=lambda pair: (pair[1], pair[0].pk))
    return result


def appointments_of(user) -> QuerySet:
    """The appointments of the person a login belongs to (none without one)."""
    person_id = getattr(user, "person_id", None)
    if not (getattr(user, "is_authenticated", False) and person_id):
        return Appointment.objects.none()
    return Appointment.objects.filter(membership__person_id=person_id)


def expiring_appointments(*, today: datetime.date | None = None,
                          days: int = EXPIRY_NOTICE_DAYS) -> QuerySet:
    """Appointments whose term ends within ``days`` and that no re-appointment follows."""
    today = today or timezone.localdate()
    return (Appointment.objects.filter(
        membership__valid_to__gte=today,
        membership__valid_to__lte=today + datetime.timedelta(days=days), renewals__isnull=True)
        .select_related("membership__person", "membership__seat__body",
                        "membership__organisation")
        .order_by("membership__valid_to", "pk"))


def reports_visible_to(user) -> QuerySet:
    """Reports the reader may read: all for the secretariat, their own, and those of bodies
    where the reader's person sits today."""
    reports = Report.objects.select_related(
        "appointment__membership__person", "appointment__membership__seat__body")
    if is_admin(user):
        return reports
    person_id = getattr(user, "person_id", None)
    if not (getattr(user, "is_authenticated", False) and person_id):
        return reports.none()
    bodies = Membership.objects.current().filter(person_id=person_id).values("seat__body_id")
    return reports.filter(Q(appointment__membership__person_id=person_id)
                          | Q(appointment__membership__seat__body_id__in=bodies))


def public_report_summaries() -> QuerySet:
    return (Report.objects.filter(summary_public=True).exclude(summary="")
            .select_related("appointment__membership__person",
                            "appointment__membership__seat__body")
            .only("due_date", "summary", "appointment__membership__person__name",
                  "appointment__membership__seat__body__name",
                  "appointment__membership__seat__body__slug"))
