"""Fictional demo data for representation, loaded by ``samstyring load-demo`` after the people.

Nasjonalt e-helsestyre gets fictional sector seats held since 2024 (their terms end this year,
so they show as expiring), rules for its next term, an open vacancy with nominations from
several counties, recorded genders, and a representative login ("representant") whose reports
are partly overdue. Everything goes through the services, so the history shows it.
"""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from accounts.models import User
from core.access import SYSTEM
from core.services import history_save
from register.models import County, Organisation, Person
from structure import services as structure_services
from structure.models import Body, SeatRole

from . import selectors, services
from .models import Gender, RuleKind

DEMO_PASSWORD = "samstyring-demo"
NORTH = ["18", "55", "56"]  # Nordland, Troms, Finnmark


def load(*, rng: random.Random, people: list[tuple[Person, Organisation]]) -> None:
    body = Body.objects.filter(slug="nasjonalt-e-helsestyre").first()
    if body is None:  # the external bodies are loaded by load-register
        return
    today = timezone.localdate()
    term_end = datetime.date(today.year, 12, 31)
    seats = [structure_services.seat_create(actor=SYSTEM, body=body, data={
        "role": role, "constituency": "Kommunal sektor (demo)", "sort_order": order})
        for order, role in enumerate([SeatRole.MEMBER] * 4 + [SeatRole.DEPUTY] * 2)]
    pool = list(people)
    rng.shuffle(pool)
    incumbents = pool[:6]
    for (person, organisation), seat in zip(incumbents, seats, strict=True):
        appointment = services.appointment_record(
            actor=SYSTEM, seat=seat, person=person, organisation=organisation,
            decision_ref="Demo: KS-vedtak 2023/14", decision_date=datetime.date(2023, 11, 20),
            valid_from=datetime.date(today.year - 2, 1, 1), valid_to=term_end,
            report_every_months=3)
        appointment.membership.is_demo = True
        history_save(appointment.membership, actor=SYSTEM, reason="demo")
    for person, _organisation in pool:
        services.person_gender_set(actor=SYSTEM, person=person,
                                   gender=rng.choice([Gender.FEMALE, Gender.MALE]))
    _rules(body)
    vacancy = services.vacancy_create(
        actor=SYSTEM, body=body, seats=seats,
        data={"title": f"Nasjonalt e-helsestyre {today.year + 1}–{today.year + 4} (demo)",
              "description": "Fiktiv utlysning: kommunesektorens plasser i neste periode.",
              "term_start": datetime.date(today.year + 1, 1, 1),
              "term_end": datetime.date(today.year + 4, 12, 31),
              "deadline": today + datetime.timedelta(days=14)},
        required_competences=["e-helse"],
        desired_competences=["e-helse", "informasjonssikkerhet", "arkitektur"])
    competences = [["e-helse"], ["e-helse", "arkitektur"], ["informasjonssikkerhet"],
                   ["arkitektur"], ["e-helse", "informasjonssikkerhet"], []]
    for i, (person, organisation) in enumerate(pool[3:17]):
        services.nomination_create(
            actor=SYSTEM, vacancy=vacancy, organisation=organisation, person=person,
            motivation="Fiktiv nominasjon (demo).", competences=competences[i % 6],
            consent=True)
    _representative(incumbents[0][0])


def _rules(body: Body) -> None:
    north = list(County.objects.filter(number__in=NORTH))
    for data, counties, competences in [
        ({"kind": RuleKind.GENDER_BALANCE, "explanation": "Likestillings- og "
          "diskrimineringsloven § 28 gjelder for statlige råd og utvalg."}, [], []),
        ({"kind": RuleKind.ONE_PER_ORGANISATION, "explanation": "Plassene skal spres på "
          "flere medlemmer."}, [], []),
        ({"kind": RuleKind.COUNTY_SEATS, "name": "Nord-Norge", "minimum": 1,
          "explanation": "Hele landet skal være representert."}, north, []),
        ({"kind": RuleKind.KIND_SEATS, "organisation_kind": "county_municipality", "maximum": 2,
          "explanation": "Kommunene har flest tjenester på e-helseområdet."}, [], []),
        ({"kind": RuleKind.NETWORK, "preferred": True, "explanation": "Kandidater som inngår "
          "i regionale nettverk prioriteres (KS 19/03109)."}, [], []),
        ({"kind": RuleKind.MAX_LOAD, "limit": 2,
          "explanation": "Ingen skal ha for mange verv samtidig."}, [], []),
        ({"kind": RuleKind.CONTINUITY, "limit": 1,
          "explanation": "Minst én fra forrige periode gir kontinuitet."}, [], []),
        ({"kind": RuleKind.COMPETENCES, "explanation": "Styret trenger faglig e-helsekompetanse."},
         [], ["e-helse"]),
    ]:
        services.rule_create(actor=SYSTEM, body=body, data=data, counties=counties,
                             competences=competences)


def _representative(person: Person) -> None:
    """A login for a representative whose quarterly reports are partly overdue."""
    user = User.objects.create_user(username="representant", password=DEMO_PASSWORD)
    user.person = person
    user.save(update_fields=["person"])
    appointment = person.memberships.get().appointment
    due = selectors.due_dates(appointment, until=timezone.localdate())
    for day in due[:2]:  # the first two filed; the rest are overdue
        services.report_submit(actor=SYSTEM, appointment=appointment, due_date=day, data={
            "discussed": "Fiktiv rapport (demo): nasjonal e-helsestrategi og finansiering.",
            "status": "Arbeidet går etter planen.", "summary": "Strategi og finansiering "
            "drøftet (demo).", "summary_public": True})
