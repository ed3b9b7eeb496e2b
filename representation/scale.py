"""National-scale representation data for the benchmarks (a ``generate-scale`` hook).

On the generated bodies: representativity rules, vacancies over the years with nominations of
generated people, appointments beside generated memberships, and their reports back. Every
row is fictional and marked (``(generert`` in titles and names, generated bodies and people),
so ``--replace`` removes exactly these.
"""

from __future__ import annotations

import datetime

from dateutil.relativedelta import relativedelta

from core.scale import MARK, SLUG_PREFIX, ScaleContext, day_between, purge, scale_hook

from .models import (
    Appointment,
    Nomination,
    Report,
    RepresentativityRule,
    RuleKind,
    Vacancy,
    VacancyStatus,
)


def representation_clear() -> dict[str, int]:
    generated = {"membership__seat__body__slug__startswith": SLUG_PREFIX}
    reports = purge(Report.objects.filter(**{f"appointment__{k}": v
                                             for k, v in generated.items()}))
    appointments = purge(Appointment.objects.filter(**generated))
    nominations = purge(Nomination.objects.filter(vacancy__title__contains=MARK))
    vacancies = Vacancy.objects.filter(title__contains=MARK)
    Vacancy.seats.through.objects.filter(vacancy__in=vacancies).delete()
    return {"reports": reports, "appointments": appointments, "nominations": nominations,
            "vacancies": purge(vacancies),
            "rules": purge(RepresentativityRule.objects.filter(name__contains=MARK))}


@scale_hook("representation", order=40, clear=representation_clear)
def representation_generate(ctx: ScaleContext) -> dict[str, int]:
    """Rules on every generated body, vacancies spread over the years with about ten
    nominations each, an appointment beside a share of the generated memberships and a report
    every six months of each appointment's term (some left overdue)."""
    rng = ctx.rng("representation")
    bodies, seats, people = ctx.shared["bodies"], ctx.shared["seats"], ctx.shared["people"]
    orgs_of: dict[int, list[int]] = {}
    for affiliation in ctx.shared["affiliations"]:
        orgs_of.setdefault(affiliation.person_id, []).append(affiliation.organisation_id)
    rules = ctx.bulk(RepresentativityRule, [
        RepresentativityRule(body=body, kind=kind, name=f"{kind} {MARK})", **extra)
        for body in bodies for kind, extra in [
            (RuleKind.GENDER_BALANCE, {}), (RuleKind.ONE_PER_ORGANISATION, {}),
            (RuleKind.MAX_LOAD, {"limit": 3}), (RuleKind.CONTINUITY, {"limit": 1})]])
    seats_of: dict[int, list] = {}
    for seat in seats:
        seats_of.setdefault(seat.body_id, []).append(seat)
    n_vacancies = ctx.volume("vacancies", full=400, small=20)
    vacancies = []
    for i in range(n_vacancies):
        body = rng.choice(bodies)
        start = day_between(rng, ctx.start, ctx.until)
        vacancies.append(Vacancy(
            body=body, title=f"Verv i {body.name} {start.year} {MARK} {i + 1})",
            term_start=start, term_end=start + relativedelta(years=4, days=-1),
            deadline=start - datetime.timedelta(days=60),
            status=VacancyStatus.DECIDED if start < ctx.until else VacancyStatus.OPEN))
    vacancies = ctx.bulk(Vacancy, vacancies)
    Vacancy.seats.through.objects.bulk_create([
        Vacancy.seats.through(vacancy_id=vacancy.pk, seat_id=seat.pk)
        for vacancy in vacancies
        for seat in rng.sample(seats_of[vacancy.body_id],
                               min(len(seats_of[vacancy.body_id]), rng.randint(2, 6)))])
    n_nominations = ctx.volume("nominations", full=4000, small=100)
    nominations, taken = [], set()
    while len(nominations) < n_nominations:
        vacancy, person = rng.choice(vacancies), rng.choice(people)
        if (vacancy.pk, person.pk) in taken:
            continue
        taken.add((vacancy.pk, person.pk))
        nominations.append(Nomination(vacancy=vacancy, person=person,
                                      organisation_id=rng.choice(orgs_of[person.pk]),
                                      motivation=f"Generert nominasjon {MARK})", consent=True))
    ctx.bulk(Nomination, nominations)
    memberships = [m for m in ctx.shared.get("memberships", []) if m.valid_from]
    n_appointments = min(len(memberships), ctx.volume("appointments", full=2000, small=100))
    appointments = ctx.bulk(Appointment, [
        Appointment(membership=m, decision_ref=m.decision_ref or "Generert vedtak",
                    decision_date=m.valid_from - datetime.timedelta(days=30),
                    report_every_months=6)
        for m in rng.sample(memberships, n_appointments)])
    reports = []
    for appointment in appointments:
        membership = appointment.membership
        end = min(membership.valid_to or ctx.until, ctx.until)
        due = membership.valid_from + relativedelta(months=6)
        while due <= end:
            if rng.random() < 0.8:  # a fifth left overdue
                reports.append(Report(appointment=appointment, due_date=due,
                                      discussed=f"Generert rapport {MARK})",
                                      summary=f"Generert sammendrag {MARK})",
                                      summary_public=rng.random() < 0.5))
            due += relativedelta(months=6)
    ctx.bulk(Report, reports)
    return {"rules": len(rules), "vacancies": len(vacancies), "nominations": len(nominations),
            "appointments": len(appointments), "reports": len(reports)}
