"""Fictional demo adoption and a demo benefit model, loaded by ``samstyring load-demo``.

SvarUt (the real catalogue entry) spreads from a few pilots in 2012 to nearly every member
within a few years, as KS' case paper 19/03109-1 says ("Så godt som alle kommuner og alle
fylkeskommuner har tatt i bruk løsningen i løpet av få år"), bigger members earlier; a few
small ones have still not started or are implementing, so the laggards list has names. Fiks
Digisos, Fiks Innsyn and Fiks Arkiv get smaller demo adoptions. Who did what when is invented
(a fixed seed), every period's note says "Demodata", and everything is recorded through the
services as SYSTEM, so the history shows it. SvarUt's benefit model holds illustrative figures
built from the paper's statement that over 10 million shipments in 2019 save society over half
a billion kroner a year.

Loading twice changes nothing: a member that already has adoptions of a solution is left alone,
and an existing benefit model is kept.
"""

from __future__ import annotations

import datetime
import math
import random
from decimal import Decimal

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from core.access import SYSTEM
from core.scale import day_between
from register.models import Organisation

from . import services
from .models import (
    ActorType,
    Adoption,
    AdoptionStatus,
    BenefitItem,
    BenefitModel,
    Driver,
    QuantitySource,
    Solution,
)
from .scale import Member, clip_events, members_between

NOTE = "Demodata: fiktiv innføringshistorikk."
REASON = "demo"
SEED = 2012
D = datetime.date
PLANNED, IMPLEMENTING, PRODUCTION, NOT_STARTED = (
    AdoptionStatus.PLANNED, AdoptionStatus.IMPLEMENTING, AdoptionStatus.PRODUCTION,
    AdoptionStatus.NOT_STARTED)
FIRST_DAY = D(2012, 1, 1)  # SvarUt's pilots begin
MIDPOINT = D(2015, 3, 1)  # half the members in production
SPREAD_YEARS = 0.45  # the S-curve's logistic scale
PILOTS, NOT_STARTING, STILL_IMPLEMENTING = 6, 5, 4
CONTACT_ROLES = ["Arkivleder", "Leder for dokumentsenteret", "IKT-rådgiver",
                 "Digitaliseringsrådgiver"]
# Smaller demo adoptions: slug → number of members and (status, earliest, latest day) in order.
OTHERS = {
    "fiks-digisos": (40, [(PLANNED, D(2019, 1, 1), D(2019, 6, 30)),
                          (IMPLEMENTING, D(2019, 7, 1), D(2019, 12, 31)),
                          (PRODUCTION, D(2020, 1, 1), D(2021, 6, 30))]),
    "fiks-innsyn": (15, [(PLANNED, D(2020, 9, 1), D(2021, 3, 31)),
                         (PRODUCTION, D(2021, 4, 1), D(2023, 6, 30))]),
    "fiks-arkiv": (5, [(PLANNED, D(2023, 1, 1), D(2023, 6, 30)),
                       (IMPLEMENTING, D(2023, 9, 1), D(2024, 6, 30))]),
}
SVARUT_SOURCE = ("KS saksframlegg 19/03109-1 «KS' oppgaver på digitaliseringsområdet» (2020), "
                 "punkt 3: over 10 millioner forsendelser i 2019, sparer samfunnet over en halv "
                 "milliard kroner i året. Demotall avledet av dette utsagnet.")
SVARUT_ASSUMPTIONS = (
    "Demodata: illustrative tall, ikke en faktisk gevinstanalyse. Bygd på saksframleggets "
    "utsagn om at det i løpet av 2019 trolig blir sendt over 10 millioner forsendelser gjennom "
    "SvarUt, og at det sparer samfunnet over en halv milliard kroner i året (om lag 52 kroner "
    "per forsendelse, her delt på kommunenes porto og utsendelse og mottakernes tid). "
    "Volumene før 2019, kostnadene og lav/høy-verdiene er anslag laget for demonstrasjon.")
GAIN_PER_SHIPMENT = {  # actor → (title, amount, low, high) per shipment, NOK
    ActorType.MUNICIPALITY: ("Spart porto, trykk og konvolutter", 35, 25, 45),
    ActorType.INHABITANTS: ("Raskere og enklere mottak av post", 17, 8, 25),
}
SHIPMENTS = [(2013, 2014, 1_500_000), (2015, 2016, 5_000_000), (2017, 2018, 8_000_000),
             (2019, 2030, 10_000_000)]  # yearly shipments through SvarUt (illustrative)


def load(*, today: datetime.date | None = None) -> dict[str, int]:
    """Record the demo adoptions and SvarUt's benefit model; returns what was added."""
    today = today or timezone.localdate()
    counts: dict[str, int] = {}
    members = members_between(FIRST_DAY, today)
    founding = [m for m in members if m.first == FIRST_DAY.toordinal()]
    for slug in ["svarut", *OTHERS]:
        solution = Solution.objects.filter(slug=slug).first()  # loaded by load-register
        if solution is None or solution.adoptions.filter(note=NOTE).exists():
            continue
        rng = random.Random(f"{SEED}:{slug}")
        if slug == "svarut":
            timelines = svarut_timelines(rng, members)
        else:
            count, windows = OTHERS[slug]
            timelines = {m.pk: clip_events(_dated(rng, windows), m.first, m.last)
                         for m in rng.sample(founding, count)}
        counts[slug] = _record(rng, solution, timelines, today)
    svarut = Solution.objects.filter(slug="svarut").first()
    if svarut is not None:
        counts["svarut benefit items"] = _svarut_benefits(svarut)
    return counts


def svarut_timelines(rng: random.Random,
                     members: list[Member]) -> dict[int, list[tuple[str, datetime.date]]]:
    """Member → its SvarUt status changes: pilots among the biggest in 2012, the rest going live
    on a logistic S-curve around spring 2015 (bigger ones earlier), and a few small laggards."""
    founding = [m for m in members if m.first == FIRST_DAY.toordinal()]
    by_size = sorted(founding, key=lambda m: (-m.size, m.pk))
    pilots = {m.pk for m in rng.sample(by_size[:40], PILOTS)}
    small = [m for m in by_size if m.size < 0.3]
    laggards = rng.sample(small, NOT_STARTING + STILL_IMPLEMENTING)
    not_starting = {m.pk for m in laggards[:NOT_STARTING]}
    implementing = {m.pk for m in laggards[NOT_STARTING:]}
    timelines = {}
    for member in members:
        if member.pk in pilots:
            events = _dated(rng, [(PLANNED, D(2012, 1, 15), D(2012, 3, 31)),
                                  (IMPLEMENTING, D(2012, 4, 1), D(2012, 8, 31)),
                                  (PRODUCTION, D(2012, 9, 1), D(2013, 2, 28))])
        elif member.pk in not_starting:
            events = _dated(rng, [(PLANNED, D(2014, 1, 1), D(2014, 12, 31)),
                                  (NOT_STARTED, D(2016, 1, 1), D(2017, 12, 31))])
        elif member.pk in implementing:
            events = _dated(rng, [(PLANNED, D(2019, 1, 1), D(2020, 12, 31)),
                                  (IMPLEMENTING, D(2022, 1, 1), D(2024, 12, 31))])
        else:
            events = _spread(rng, member.size)
        timelines[member.pk] = clip_events(events, member.first, member.last)
    return timelines


def _dated(rng: random.Random, windows) -> list[tuple[str, int]]:
    return [(status, day_between(rng, earliest, latest).toordinal())
            for status, earliest, latest in windows]


def _spread(rng: random.Random, size: float) -> list[tuple[str, int]]:
    u = min(max(rng.random(), 1e-6), 1 - 1e-6)
    years = SPREAD_YEARS * (math.log(u / (1 - u)) - 1.5 * (size - 0.5))
    live = max(MIDPOINT.toordinal() + round(years * 365.25),
               D(2013, 3, 1).toordinal() + rng.randint(0, 120))
    implementing = live - rng.randint(45, 240)
    return [(PLANNED, implementing - rng.randint(30, 240)), (IMPLEMENTING, implementing),
            (PRODUCTION, live)]


def _record(rng: random.Random, solution: Solution,
            timelines: dict[int, list[tuple[str, datetime.date]]], today: datetime.date) -> int:
    """Each member's changes as ``plan_adoption`` lays them out (the rules of the single update
    and the import), written in bulk with a "+" history record each: a thousand
    ``adoption_record`` calls take 25 queries each. Members with adoptions are skipped."""
    known = set(Adoption.objects.filter(solution=solution)
                .values_list("organisation_id", flat=True))
    organisations = Organisation.objects.in_bulk([pk for pk in timelines if pk not in known])
    rows = []
    for pk, events in timelines.items():
        if pk not in organisations:
            continue
        services.check_adopter(organisations[pk])
        role = rng.choice(CONTACT_ROLES)
        rows += services.plan_adoption(
            solution=solution, organisation=organisations[pk], current=None, today=today,
            changes=[services.AdoptionChange(status=status, valid_from=day, contact_role=role,
                                             note=NOTE) for status, day in events]).create
    return len(bulk_create_with_history(rows, Adoption, batch_size=1000,
                                        default_change_reason=REASON))


def _svarut_benefits(svarut: Solution) -> int:
    if BenefitModel.objects.filter(solution=svarut).exists():
        return 0
    model = services.benefit_model_save(actor=SYSTEM, solution=svarut, data={
        "base_year": 2012, "discount_rate": Decimal("0.04"),
        "description": SVARUT_ASSUMPTIONS, "source": SVARUT_SOURCE})
    items = svarut_items()
    for data in items:
        services.benefit_item_save(actor=SYSTEM, model=model, data=data)
    return len(items)


def svarut_items() -> list[dict]:
    cost, gain = BenefitItem.Direction.COST, BenefitItem.Direction.GAIN
    fixed = {"driver": Driver.FIXED, "quantity_source": QuantitySource.NONE}
    items = [
        _item("Utvikling av SvarUt (KS på vegne av kommunene)", cost, ActorType.MUNICIPALITY,
              2012, 2013, 15_000_000, 10_000_000, 25_000_000, fixed,
              "Demotall: to års utvikling i samarbeid mellom KS og kommunene."),
        _item("Drift og forvaltning av SvarUt", cost, ActorType.MUNICIPALITY, 2014, 2030,
              20_000_000, 15_000_000, 30_000_000, fixed,
              "Demotall: drift, forvaltning og brukerstøtte per år."),
        _item("Innføring per kommune og fylkeskommune", cost, ActorType.MUNICIPALITY, 2013,
              2015, 40_000, 20_000, 80_000,
              {"driver": Driver.PER_MEMBER, "quantity_source": QuantitySource.REGISTER},
              "Demotall: oppsett, integrasjon mot sak/arkiv og opplæring, per medlem og år i "
              "innføringsårene."),
    ]
    for actor, (title, amount, low, high) in GAIN_PER_SHIPMENT.items():
        for first, last, shipments in SHIPMENTS:
            items.append(_item(
                f"{title} {first}–{last}", gain, actor, first, last, amount, low, high,
                {"driver": Driver.PER_SHIPMENT, "quantity_source": QuantitySource.STATED,
                 "quantity": Decimal(shipments)},
                f"Demotall: {amount} kr per forsendelse, {shipments:,} forsendelser i året"
                .replace(",", " ") + " (over 10 millioner i 2019 ifølge saksframlegget)."))
    return items


def _item(title, direction, actor, first, last, amount, low, high, driver, note) -> dict:
    return {"title": title, "direction": direction, "actor_type": actor, "first_year": first,
            "last_year": last, "amount": Decimal(amount), "amount_low": Decimal(low),
            "amount_high": Decimal(high), "note": note, **driver}
