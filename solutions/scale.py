"""National-scale common solutions and their adoption for the benchmarks (a ``generate-scale``
hook).

Generated solutions (``(generert)`` names, ``gen-`` slugs) beside the real Fiks services, and
twenty years of adoption by every member: each solution has a launch date and an S-curve (the
members' go-live dates spread logistically around a midpoint some years after launch); a member
that starts goes planned → implementing → production, bigger ones earlier; some never start, a
few stall or discontinue. A pair's periods are contiguous and never overlap (the last one open),
and start no earlier than the member exists and no later than ``until`` or today, whichever
comes first (the services never date a status ahead either). A pair that already has adoptions
(real or demo) is left alone. Every generated period's note carries ``(generert)``, so
``--replace`` removes exactly these; about one generated solution in ten gets a benefit model.
"""

from __future__ import annotations

import datetime
import math
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from core.scale import GENERATED, MARK, SLUG_PREFIX, ScaleContext, purge, scale_hook
from register.models import MEMBER_KINDS, Organisation, OrganisationKind

from .models import (
    ActorType,
    Adoption,
    AdoptionStatus,
    BenefitItem,
    BenefitModel,
    Driver,
    Lifecycle,
    QuantitySource,
    Solution,
    SolutionKind,
)
from .services import solution_slug

NOTE = f"Generert statusperiode {GENERATED}"
SEQUENCE = [AdoptionStatus.PLANNED, AdoptionStatus.IMPLEMENTING, AdoptionStatus.PRODUCTION,
            AdoptionStatus.DISCONTINUED]
YEAR = 365.25
AREAS = ["byggesak", "barnehageopptak", "skoleskyss", "sosialhjelp", "eiendomsskatt",
         "arkivuttrekk", "innsyn", "timebestilling", "fakturering", "varsling", "tilskudd",
         "planinnsyn", "vannmåler", "renovasjon", "politiske møter", "helsejournal",
         "velferdsteknologi", "kartdata", "digital post", "skjema", "identitet", "samtykke",
         "folkeregister", "meldinger", "statistikk"]
FORMS = ["Felles {}", "Digital {}", "Fiks-tjeneste for {}", "Nasjonal komponent for {}",
         "Standard for {}"]
KINDS = [SolutionKind.SERVICE, SolutionKind.SERVICE, SolutionKind.COMPONENT,
         SolutionKind.NATIONAL_COMPONENT, SolutionKind.STANDARD]


@dataclass(frozen=True)
class Diffusion:
    """How one solution spreads: launch day (ordinal), years from launch to the midpoint of the
    S-curve, its logistic scale in years, the share of members that ever start, and the last
    status anyone reaches (a solution still being planned has nobody in production)."""

    launch: int
    lag: float
    spread: float
    reach: float
    ceiling: str = AdoptionStatus.DISCONTINUED


@dataclass(frozen=True)
class Member:
    pk: int
    size: float  # population rank among the members, 0 smallest … 1 biggest
    first: int  # ordinal of the first and last day it exists (its validity within the span)
    last: int


def solutions_clear() -> dict[str, int]:
    generated = Solution.objects.filter(slug__startswith=SLUG_PREFIX)
    items = purge(BenefitItem.objects.filter(model__solution__in=generated))
    benefit_models = purge(BenefitModel.objects.filter(solution__in=generated))
    adoptions = purge(Adoption.objects.filter(Q(solution__in=generated) | Q(note__contains=MARK)))
    return {"benefit items": items, "benefit models": benefit_models, "adoptions": adoptions,
            "solutions": purge(generated)}


@scale_hook("solutions", order=60, clear=solutions_clear)
def solutions_generate(ctx: ScaleContext) -> dict[str, int]:
    rng = ctx.rng("solutions")
    last = min(ctx.until, timezone.localdate())
    members = members_between(ctx.start, last)
    real = list(Solution.objects.exclude(slug__startswith=SLUG_PREFIX).order_by("slug"))
    n = ctx.volume("solutions", full=200, small=10)
    launches = [_launch(rng, ctx.start, last) for _ in range(n)]
    generated = ctx.bulk(Solution, [_solution(rng, i, launch, last)
                                    for i, launch in enumerate(launches)])
    taken = set(Adoption.objects.filter(solution__in=real)
                .values_list("solution_id", "organisation_id"))
    diffusions = [(s, _diffusion(rng, ctx.start, last, s.lifecycle)) for s in real]
    diffusions += [(s, _diffusion(rng, ctx.start, last, s.lifecycle, launch))
                   for s, launch in zip(generated, launches, strict=True)]
    rows = []
    for solution, diffusion in diffusions:
        for member in members:
            if (solution.pk, member.pk) in taken:
                continue
            events = clip_events(timeline(rng, diffusion, member.size), member.first,
                                 member.last)
            rows += adoptions_from(events, solution_id=solution.pk, organisation_id=member.pk)
    ctx.bulk(Adoption, rows, batch_size=5000)
    n_models = min(ctx.volume("benefit models", full=20, small=2), n)
    chosen = sorted(rng.sample(range(n), n_models))
    items = _benefit_models(ctx, rng, [(generated[i], launches[i]) for i in chosen])
    ctx.shared["solutions"] = generated
    return {"solutions": n, "adoptions": len(rows), "benefit models": n_models,
            "benefit items": items}


def members_between(start: datetime.date, last: datetime.date) -> list[Member]:
    """Every member that exists at some time in start..last, with its size rank."""
    rows = list(Organisation.objects.filter(kind__in=MEMBER_KINDS)
                .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=last))
                .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=start))
                .order_by("kind", "number", "pk")
                .values_list("pk", "kind", "population", "valid_from", "valid_to"))
    ranked = sorted((population or 0, pk) for pk, kind, population, *_ in rows
                    if kind == OrganisationKind.MUNICIPALITY)
    rank = {pk: i / max(1, len(ranked) - 1) for i, (_pop, pk) in enumerate(ranked)}
    return [Member(pk=pk, size=rank.get(pk, 0.75),  # county municipalities: big, early
                   first=max(start, valid_from or start).toordinal(),
                   last=min(last, valid_to or last).toordinal())
            for pk, _kind, _pop, valid_from, valid_to in rows]


def _launch(rng: random.Random, start: datetime.date, last: datetime.date) -> int:
    return rng.randint(start.toordinal(), last.toordinal() - 60)


def _solution(rng: random.Random, i: int, launch: int, last: datetime.date) -> Solution:
    area = rng.choice(AREAS)
    recent = last.toordinal() - launch < 1.5 * YEAR
    return Solution(name=f"{rng.choice(FORMS).format(area)} {i + 1} {GENERATED}",
                    slug=f"{SLUG_PREFIX}{i + 1:03d}-{solution_slug(area)}", kind=rng.choice(KINDS),
                    lifecycle=Lifecycle.PILOT if recent else Lifecycle.PRODUCTION,
                    description=f"Generert felles løsning for {area}.",
                    interfaces=rng.choice(["Webportal", "Maskin-til-maskin (API)",
                                           "Integrasjon i fagsystem"]),
                    source=f"Generert {GENERATED}")


def _diffusion(rng: random.Random, start: datetime.date, last: datetime.date, lifecycle: str,
               launch: int | None = None) -> Diffusion:
    """A solution's S-curve; the lifecycle keeps it plausible (nobody in production with a
    solution still being planned, few with one in pilot)."""
    end = last.toordinal()
    if lifecycle == Lifecycle.PLANNED:
        launch = max(start.toordinal(), end - rng.randint(60, 540))
        return Diffusion(launch, lag=2.0, spread=0.8, reach=rng.uniform(0.05, 0.2),
                         ceiling=AdoptionStatus.PLANNED)
    if lifecycle == Lifecycle.PILOT:
        launch = launch or max(start.toordinal(), end - rng.randint(180, 1100))
        return Diffusion(launch, lag=rng.uniform(3, 6), spread=rng.uniform(0.6, 1.2),
                         reach=rng.uniform(0.05, 0.3))
    launch = launch or _launch(rng, start, last - datetime.timedelta(days=365))
    return Diffusion(launch, lag=rng.uniform(1.5, 6), spread=rng.uniform(0.3, 1.4),
                     reach=rng.uniform(0.55, 0.98))


def timeline(rng: random.Random, diffusion: Diffusion, size: float) -> list[tuple[str, int]]:
    """One member's (status, day ordinal) changes for a solution, before clipping: a go-live
    day drawn from the logistic S-curve (bigger members earlier), planning and implementation
    before it, sometimes a stall before production or a discontinuation after it."""
    if rng.random() < (1 - diffusion.reach) * (1.5 - size):
        return []  # never starts
    u = min(max(rng.random(), 1e-6), 1 - 1e-6)
    years = diffusion.lag + diffusion.spread * (math.log(u / (1 - u)) - 1.5 * (size - 0.5))
    live = max(diffusion.launch + rng.randint(60, 240), diffusion.launch + round(years * YEAR))
    implementing = live - rng.randint(60, 420)
    planned = implementing - rng.randint(30, 300)
    events = [(AdoptionStatus.PLANNED, planned), (AdoptionStatus.IMPLEMENTING, implementing)]
    if rng.random() < 0.04:
        return events  # stalled: never reaches production
    events.append((AdoptionStatus.PRODUCTION, live))
    if rng.random() < 0.03:
        events.append((AdoptionStatus.DISCONTINUED, live + rng.randint(365, 8 * 365)))
    keep = SEQUENCE.index(diffusion.ceiling) + 1
    return [event for event in events if SEQUENCE.index(event[0]) < keep]


def clip_events(events: list[tuple[str, int]], first: int,
                last: int) -> list[tuple[str, datetime.date]]:
    """``events`` (status, day ordinal; in order) within first..last: a change before ``first``
    is moved to it (the status the member had when it came into being), a change after
    ``last`` dropped; of changes on the same day the last wins."""
    clipped: list[tuple[str, int]] = []
    for status, day in events:
        if day > last:
            break
        day = max(day, first)
        if clipped and clipped[-1][1] == day:
            clipped.pop()
        clipped.append((status, day))
    return [(status, datetime.date.fromordinal(day)) for status, day in clipped]


def adoptions_from(events: list[tuple[str, datetime.date]], **pair) -> list[Adoption]:
    """Contiguous periods from a pair's changes: each ends the day before the next begins, the
    last stays open."""
    ends = [day - datetime.timedelta(days=1) for _status, day in events[1:]] + [None]
    return [Adoption(status=status, valid_from=day, valid_to=end, note=NOTE, **pair)
            for (status, day), end in zip(events, ends[:len(events)], strict=True)]


def _benefit_models(ctx: ScaleContext, rng: random.Random,
                    chosen: list[tuple[Solution, int]]) -> int:
    """A model per chosen solution from its launch year: development, running costs per
    member, time saved per inhabitant, and quicker answers for the inhabitants."""
    models = ctx.bulk(BenefitModel, [
        BenefitModel(solution=s, base_year=datetime.date.fromordinal(launch).year,
                     discount_rate=Decimal("0.0400"),
                     description=f"Generert nyttemodell med tenkte tall {GENERATED}",
                     source=f"Generert {GENERATED}") for s, launch in chosen])
    items = []
    for model in models:
        first = model.base_year
        for title, direction, actor, driver, source, low, high, years in [
            ("Utvikling", "cost", ActorType.MUNICIPALITY, Driver.FIXED, "", 2e6, 2e7, (0, 1)),
            ("Drift og forvaltning per medlem", "cost", ActorType.MUNICIPALITY,
             Driver.PER_MEMBER, QuantitySource.REGISTER, 1e4, 8e4, (1, 10)),
            ("Spart tid i saksbehandlingen", "gain", ActorType.MUNICIPALITY,
             Driver.PER_INHABITANT, QuantitySource.REGISTER, 5, 60, (1, 10)),
            ("Raskere svar til innbyggerne", "gain", ActorType.INHABITANTS, Driver.PER_CASE,
             QuantitySource.STATED, 20, 300, (2, 10)),
        ]:
            amount = Decimal(round(rng.uniform(low, high)))
            items.append(BenefitItem(
                model=model, title=f"{title} {GENERATED}", direction=direction,
                actor_type=actor, driver=driver, quantity_source=source,
                quantity=(Decimal(rng.randint(10_000, 2_000_000))
                          if source == QuantitySource.STATED else None),
                first_year=first + years[0], last_year=first + years[1], amount=amount,
                amount_low=(amount * Decimal("0.7")).quantize(Decimal(1)),
                amount_high=(amount * Decimal("1.5")).quantize(Decimal(1))))
    return len(ctx.bulk(BenefitItem, items))

