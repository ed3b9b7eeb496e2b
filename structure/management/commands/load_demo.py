"""Fictional demo people, seats, memberships and logins. Never part of the real register."""

import datetime
import random

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import Role, RoleGrant, User
from cases import demo as cases_demo
from core.access import SYSTEM
from core.services import history_save
from register.models import Affiliation, Organisation, OrganisationKind, Person
from representation import demo as representation_demo
from solutions import demo as solutions_demo
from structure import services
from structure.models import Body, SeatRole

FIRST = ["Ingrid", "Ola", "Kari", "Per", "Sigrid", "Lars", "Marit", "Anders", "Hilde", "Jon",
         "Siri", "Erik", "Ragnhild", "Nils", "Tone", "Bjørn", "Liv", "Knut", "Astrid", "Trond",
         "Aino", "Mikkel", "Elle", "Johan", "Synnøve", "Håkon", "Randi", "Even"]
LAST = ["Berg", "Hansen", "Johansen", "Lund", "Nilsen", "Haugen", "Dahl", "Solberg", "Bakke",
        "Eriksen", "Strand", "Moen", "Sara", "Gaup", "Aas", "Vik", "Lie", "Nygård", "Holm"]
REGIONS = ["Nord-Norge", "Midt-Norge", "Vestlandet", "Sørlandet", "Østlandet", "Oslo",
           "Fylkeskommunene"]
SEATS = {  # body slug -> (chair?, members, deputies, secretary?)
    "kommit-radet": (True, 8, 2, True),
    "digitaliseringsutvalget": (True, 6, 0, True),
    "fagrad-arkitektur": (True, 5, 0, True),
    "fagrad-informasjonssikkerhet-personvern": (True, 5, 0, True),
    "faggruppe-e-helse": (True, 4, 0, False),
    "faggruppe-arkiv": (True, 4, 0, False),
    "faggruppe-plan-bygg-geodata": (True, 4, 0, False),
}
DEMO_PASSWORD = "samstyring-demo"
TERM_START = datetime.date(2024, 1, 1)
TERM_END = datetime.date(2027, 12, 31)


def _mark_demo(membership) -> None:
    """Demo marking is not a field the services let anyone set; the loader sets it openly, in
    the history, so the record says it is demo data from its second version on."""
    membership.is_demo = True
    history_save(membership, actor=SYSTEM, reason="demo")


class Command(BaseCommand):
    help = "Load fictional demo people, seats, memberships and demo logins (development only)."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("Demo data is never loaded in production.")
        if Person.objects.filter(is_demo=True).exists():
            self.stdout.write("Demo data already loaded.")
            self._print_logins()
            return
        with transaction.atomic():
            self._load()
        self._print_logins()

    def _load(self):
        rng = random.Random(2024)
        members = list(Organisation.objects.members().order_by("number"))
        ks = Organisation.objects.get(kind=OrganisationKind.KS)
        people = []
        for i in range(80):
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)} (demo {i + 1})"
            org = rng.choice(members)
            person = history_save(Person(name=name, is_demo=True,
                                         email=f"demo{i + 1}@example.invalid",
                                         phone=f"+47 400 00 {i + 1:03d}"), actor=SYSTEM,
                                  reason="demo")
            history_save(Affiliation(person=person, organisation=org,
                                     title=rng.choice(["Kommunedirektør", "Digitaliseringsleder",
                                                       "IKT-sjef", "Rådgiver", "Arkivleder"]),
                                     valid_from=datetime.date(2020, 1, 1)),
                         actor=SYSTEM, reason="demo")
            people.append((person, org))
        pool = iter(people)
        for slug, (chair, n_members, n_deputies, secretary) in SEATS.items():
            body = Body.objects.get(slug=slug)
            layout = ([(SeatRole.CHAIR, "")] if chair else []) + [
                (SeatRole.MEMBER, REGIONS[i % len(REGIONS)]) for i in range(n_members)
            ] + [(SeatRole.DEPUTY, "") for _ in range(n_deputies)]
            for order, (role, constituency) in enumerate(layout):
                seat = services.seat_create(actor=SYSTEM, body=body, data={
                    "role": role, "constituency": constituency, "sort_order": order})
                person, org = next(pool)
                membership = services.membership_create(actor=SYSTEM, seat=seat, data={
                    "person": person, "organisation": org, "valid_from": TERM_START,
                    "valid_to": TERM_END, "decision_ref": "Demo: KS-vedtak 2023/1"})
                _mark_demo(membership)
            if secretary:
                seat = services.seat_create(actor=SYSTEM, body=body, data={
                    "role": SeatRole.SECRETARY, "sort_order": 99})
                name = f"{rng.choice(FIRST)} {rng.choice(LAST)} (demo KS)"
                person = history_save(Person(name=name, is_demo=True), actor=SYSTEM,
                                      reason="demo")
                history_save(Affiliation(person=person, organisation=ks, title="Seniorrådgiver"),
                             actor=SYSTEM, reason="demo")
                membership = services.membership_create(actor=SYSTEM, seat=seat, data={
                    "person": person, "organisation": ks, "valid_from": TERM_START})
                _mark_demo(membership)
        self._users()
        representation_demo.load(rng=rng, people=list(pool))  # the people not yet seated
        cases_demo.load()
        solutions_demo.load()

    def _users(self):
        oslo = Organisation.objects.get(kind=OrganisationKind.MUNICIPALITY, number="0301")
        bergen = Organisation.objects.get(kind=OrganisationKind.MUNICIPALITY, number="4601")
        kommit = Body.objects.get(slug="kommit-radet")
        for username, role, scope in [
            ("admin", Role.ADMIN, {}),
            ("kontakt-oslo", Role.ORG_CONTACT, {"organisation": oslo}),
            ("kontakt-bergen", Role.ORG_CONTACT, {"organisation": bergen}),
            ("sekretar-kommit", Role.BODY_SECRETARY, {"body": kommit}),
        ]:
            user = User.objects.create_user(username=username, password=DEMO_PASSWORD,
                                            is_staff=role == Role.ADMIN)
            history_save(RoleGrant(user=user, role=role, **scope), actor=SYSTEM, reason="demo")

    def _print_logins(self):
        self.stdout.write(
            f"Demo logins (password for all: {DEMO_PASSWORD}): admin (KS secretariat), "
            "kontakt-oslo (contact, Oslo), kontakt-bergen (contact, Bergen), sekretar-kommit "
            "(secretary, KommIT-rådet), representant (a representative in Nasjonalt "
            "e-helsestyre with overdue reports)"
        )
