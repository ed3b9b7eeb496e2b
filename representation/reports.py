"""Reads behind the report pages of representation, in a fixed number of queries each.

Representativity (issue 4, item 4): a body's current composition checked against its active
rules with ``optimiser.check`` (the same rule semantics the slate optimiser uses), the counties
without any seat, the load per person (concurrent memberships in any body) and the gender share
per role. Gender is in the returned data; the pages show it to the secretariat only.

Reports back (item 7): the schedule of a representative's appointments (due, overdue, next),
the due dates a report may be filed for, and the appointments the daily reminders look at.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from core.models import valid_on_q
from register.models import County, NetworkMembership
from structure.models import Body, BodyKind, Membership, Seat

from . import optimiser, selectors
from .models import (
    Appointment,
    Nomination,
    PersonGender,
    Report,
    RepresentativityRule,
    RepresentedMeeting,
)
from .selectors import REPORT_GRACE_DAYS, _rule, due_dates

# Seats that count in a composition, as the optimiser's two roles (as selectors._fixed_members).
MEMBER_ROLES = {"chair": "member", "deputy_chair": "member", "member": "member",
                "deputy": "deputy"}


# --- representativity ------------------------------------------------------------------------

@dataclass
class Seated:
    """One person in a body's composition: their membership, role and load."""

    membership: Membership
    role: str  # "member" or "deputy"
    candidate: optimiser.Candidate
    load: int  # concurrent memberships in any body on the date, this one included


@dataclass
class Composition:
    """A body's composition on a date, checked against the body's active rules."""

    body: Body
    on: datetime.date
    seated: list[Seated]
    seats: dict[str, int]  # role -> seats of the body
    problem: optimiser.Problem | None  # None: the body has no member or deputy seats
    checks: list[optimiser.RuleCheck]
    counties_without_seat: list[County]
    rules: dict[str, RepresentativityRule] = field(default_factory=dict)  # "r<id>" -> rule

    @property
    def slate(self) -> dict[str, list[str]]:
        return {role: [s.candidate.key for s in self.seated if s.role == role]
                for role in optimiser.ROLES}

    def visible_checks(self, *, with_gender: bool) -> list[optimiser.RuleCheck]:
        """The checks a reader may see: the gender-balance rule only with ``with_gender``."""
        return [c for c in self.checks
                if with_gender or c.kind != optimiser.RuleKind.GENDER_BALANCE]

    def broken(self, *, with_gender: bool) -> list[optimiser.RuleCheck]:
        return [c for c in self.visible_checks(with_gender=with_gender) if not c.held]

    def gender_share(self) -> list[dict]:
        """Per role: women, men and unknown, with the women's and men's share in per cent."""
        rows = []
        for role in optimiser.ROLES:
            genders = Counter(s.candidate.gender for s in self.seated if s.role == role)
            total = sum(genders.values())
            if total:
                rows.append({"role": role, "total": total, "women": genders["female"],
                             "men": genders["male"], "unknown": genders[""],
                             "women_percent": round(100 * genders["female"] / total),
                             "men_percent": round(100 * genders["male"] / total)})
        return rows

    def by_load(self) -> list[Seated]:
        return sorted(self.seated, key=lambda s: (-s.load, s.membership.person.name))


def body_composition_problem(body: Body, on: datetime.date | None = None) \
        -> tuple[optimiser.Problem | None, dict[str, list[str]]]:
    """The body's composition on ``on`` as an optimiser problem and the slate to check with
    ``optimiser.check(problem, slate)``: its current members and deputies as candidates (as
    ``selectors.vacancy_problem`` maps nominees), its seats as seat groups, its active rules.
    The problem is None when the body has no member or deputy seats."""
    composition = compositions([body], on)[body.pk]
    return composition.problem, composition.slate


def compositions(bodies, on: datetime.date | None = None) -> dict[int, Composition]:
    """Every body's composition on ``on`` (today by default), checked; eleven queries for any
    number of bodies and members."""
    on = on or timezone.localdate()
    bodies = list(bodies)
    ids = [body.pk for body in bodies]
    memberships = list(
        Membership.objects.filter(valid_on_q(on), seat__body_id__in=ids,
                                  seat__role__in=list(MEMBER_ROLES))
        .select_related("person", "organisation__county", "seat")
        .order_by("seat__body_id", "seat__sort_order", "seat_id", "person__name", "pk"))
    people = {m.person_id for m in memberships}
    facts = _facts(memberships, ids, people, on)
    rules = _rules(ids)
    counties = list(County.objects.filter(valid_on_q(on)).order_by("number"))
    seat_counts = Counter(Seat.objects.filter(body_id__in=ids, role__in=list(MEMBER_ROLES))
                          .values_list("body_id", "role"))
    by_body: dict[int, list[Membership]] = defaultdict(list)
    for membership in memberships:
        by_body[membership.seat.body_id].append(membership)
    result = {}
    for body in bodies:
        seats = Counter()
        for (body_id, role), n in seat_counts.items():
            if body_id == body.pk:
                seats[MEMBER_ROLES[role]] += n
        result[body.pk] = _composition(body, on, by_body[body.pk], dict(seats),
                                       rules.get(body.pk, []), facts, counties)
    return result


@dataclass
class _Facts:
    genders: dict[int, str]
    loads: Counter  # person -> memberships in any body
    loads_here: Counter  # (person, body) -> memberships
    networked: set[int]  # organisations in a regional network
    competences: dict[int, set[str]]  # person -> competences from their nominations
    earlier: set[tuple[int, int]]  # (body, person) who sat in the body in an earlier term


def _facts(memberships, body_ids, people, on) -> _Facts:
    loads, loads_here = Counter(), Counter()
    for person_id, body_id in Membership.objects.filter(
            valid_on_q(on), person_id__in=people).values_list("person_id", "seat__body_id"):
        loads[person_id] += 1
        loads_here[person_id, body_id] += 1
    organisations = {m.organisation_id for m in memberships if m.organisation_id}
    competences: dict[int, set[str]] = defaultdict(set)
    for person_id, name in Nomination.competences.through.objects.filter(
            nomination__person_id__in=people, nomination__withdrawn=False).values_list(
            "nomination__person_id", "competence__name"):
        competences[person_id].add(name)
    return _Facts(
        genders=dict(PersonGender.objects.filter(person_id__in=people)
                     .values_list("person_id", "gender")),
        loads=loads, loads_here=loads_here,
        networked=set(NetworkMembership.objects.filter(valid_on_q(on),
                                                       organisation_id__in=organisations)
                      .values_list("organisation_id", flat=True)),
        competences=competences,
        earlier=set(Membership.objects.filter(seat__body_id__in=body_ids, person_id__in=people,
                                              valid_to__lt=on)
                    .values_list("seat__body_id", "person_id")))


def _rules(body_ids) -> dict[int, list[RepresentativityRule]]:
    rules: dict[int, list] = defaultdict(list)
    for rule in (RepresentativityRule.objects.filter(body_id__in=body_ids, active=True)
                 .prefetch_related("counties", "competences")):
        rules[rule.body_id].append(rule)
    return rules


def _candidate(membership: Membership, body: Body, facts: _Facts) -> optimiser.Candidate:
    person_id = membership.person_id
    return selectors.candidate(
        membership.person, membership.organisation, networked=facts.networked,
        gender=facts.genders.get(person_id, ""), competences=facts.competences.get(person_id, ()),
        incumbent=(body.pk, person_id) in facts.earlier,
        load=facts.loads[person_id] - facts.loads_here[person_id, body.pk])


def _composition(body, on, memberships, seats, rules, facts, counties) -> Composition:
    seated, seen = [], set()
    # Members before deputies: a person in both kinds of seat counts once, as a member.
    for membership in sorted(memberships, key=lambda m: MEMBER_ROLES[m.seat.role] != "member"):
        if membership.person_id in seen:
            continue
        seen.add(membership.person_id)
        seated.append(Seated(membership, MEMBER_ROLES[membership.seat.role],
                             _candidate(membership, body, facts),
                             facts.loads[membership.person_id]))
    groups = tuple(optimiser.SeatGroup(role, n) for role, n in seats.items() if n)
    problem, checks = None, []
    if groups:
        problem = optimiser.Problem(candidates=tuple(s.candidate for s in seated), groups=groups,
                                    rules=tuple(_rule(rule) for rule in rules))
        slate = {role: [s.candidate.key for s in seated if s.role == role]
                 for role in optimiser.ROLES}
        checks = [c for c in optimiser.check(problem, slate) if c.kind != optimiser.SEATS]
    with_seat = {s.membership.organisation.county_id for s in seated
                 if s.membership.organisation}
    return Composition(body=body, on=on, seated=seated, seats=seats, problem=problem,
                       checks=checks,
                       counties_without_seat=[c for c in counties if c.pk not in with_seat],
                       rules={f"r{rule.pk}": rule for rule in rules})


def sector_bodies(on: datetime.date | None = None) -> QuerySet:
    """The bodies of the sector report: the external bodies (state councils, committees,
    national projects) where KS appoints the sector's representatives, current on ``on``."""
    return (Body.objects.filter(valid_on_q(on), kind=BodyKind.EXTERNAL_BODY)
            .select_related("owner").order_by("name"))


@dataclass
class PersonLoad:
    person_id: int
    name: str
    load: int  # concurrent memberships in any body
    bodies: list[str]  # the sector bodies the person sits in


@dataclass
class SectorReport:
    on: datetime.date
    compositions: list[Composition]
    counties_without_seat: list[County]
    loads: list[PersonLoad]  # highest first


def sector_report(on: datetime.date | None = None) -> SectorReport:
    """Across the external bodies: each body checked, the counties with no seat in any of them
    and the load of every person sitting in one, highest first."""
    on = on or timezone.localdate()
    found = list(compositions(sector_bodies(on), on).values())
    people: dict[int, PersonLoad] = {}
    for comp in found:
        for s in comp.seated:
            person = s.membership.person
            row = people.setdefault(person.pk, PersonLoad(person.pk, person.name, s.load, []))
            row.bodies.append(comp.body.name)
    # A county without a seat in the sector is without one in every body.
    if found:
        everywhere = set.intersection(*({c.pk for c in comp.counties_without_seat}
                                        for comp in found))
        missing = [c for c in found[0].counties_without_seat if c.pk in everywhere]
    else:
        missing = list(County.objects.filter(valid_on_q(on)).order_by("number"))
    return SectorReport(on=on, compositions=found, counties_without_seat=missing,
                        loads=sorted(people.values(), key=lambda p: (-p.load, p.name)))


# --- reports back ----------------------------------------------------------------------------

@dataclass
class Schedule:
    """An appointment's reporting: the reports due and not filed, the next due date, the
    reports filed (newest first)."""

    appointment: Appointment
    outstanding: list[tuple[datetime.date, int]]  # (due date, days overdue), oldest first
    next_due: datetime.date | None
    filed: list[Report]

    @property
    def choices(self) -> list[datetime.date]:
        """The due dates a report can be filed for now: the outstanding ones, then the next."""
        return [due for due, _days in self.outstanding] + ([self.next_due] if self.next_due
                                                           else [])


def schedules(appointments: QuerySet, *, today: datetime.date | None = None) -> list[Schedule]:
    """The reporting schedule of each appointment; three queries for any number of them."""
    today = today or timezone.localdate()
    appointments = list(appointments.select_related(
        "membership__person", "membership__seat__body", "membership__organisation")
        .prefetch_related(Prefetch("reports", queryset=Report.objects.order_by("-due_date"))))
    meetings: dict[int, list] = defaultdict(list)
    for body_id, day in RepresentedMeeting.objects.filter(
            body_id__in={a.membership.seat.body_id for a in appointments}).values_list(
            "body_id", "date"):
        meetings[body_id].append(day)
    return [_schedule(a, today, meetings[a.membership.seat.body_id]) for a in appointments]


def _schedule(appointment: Appointment, today: datetime.date, meetings: list) -> Schedule:
    filed = list(appointment.reports.all())
    done = {report.due_date for report in filed}
    horizon = today + datetime.timedelta(days=max(31 * appointment.report_every_months, 366))
    dates = [d for d in due_dates(appointment, until=horizon, meetings=meetings)
             if d not in done]
    return Schedule(appointment=appointment,
                    outstanding=[(d, (today - d).days) for d in dates if d <= today],
                    next_due=next((d for d in dates if d > today), None), filed=filed)


def reporting_appointments(today: datetime.date | None = None) -> QuerySet:
    """Appointments whose reports are followed up: begun by ``today`` and current, or ended
    within the grace period (the last report of a term falls due after it ends)."""
    today = today or timezone.localdate()
    ended_since = today - datetime.timedelta(days=REPORT_GRACE_DAYS)
    return Appointment.objects.filter(
        Q(membership__valid_from__isnull=True) | Q(membership__valid_from__lte=today),
        Q(membership__valid_to__isnull=True) | Q(membership__valid_to__gte=ended_since))
