"""National-scale fictional data on top of the real register, for benchmarks and load tests.

``samstyring generate-scale`` runs every registered *scale hook* in (order, name) order inside one
transaction. Each hook adds one capability's volume and knows how to remove it again
(``--replace``). The foundation's hooks below add people with affiliations, bodies with seats and
memberships over the years; later capabilities add their own in ``<app>/scale.py``, which the
command imports for every installed app (like ``admin.py``)::

    # cases/scale.py
    from core.scale import ScaleContext, scale_hook

    def cases_clear() -> dict[str, int]:
        return {"cases": purge(Case.objects.filter(title__contains=MARK))}

    @scale_hook("cases", order=100, clear=cases_clear)
    def cases_generate(ctx: ScaleContext) -> dict[str, int]:
        rng = ctx.rng("cases")
        n = ctx.volume("cases", full=10_000, small=100)
        bodies = ctx.shared["bodies"]            # what earlier hooks generated in this run
        ctx.bulk(Case, [Case(...) for i in range(n)])
        return {"cases": n}

Rules for hooks: fictional rows only, marked so ``clear`` can find them (``GENERATED`` in names,
``gen-`` slugs, ``is_demo``); rows written with ``ctx.bulk`` so every row has its "+" history
record; randomness only from ``ctx.rng(name)`` so a seed gives the same data every time;
volumes from ``ctx.volume`` so ``--small`` and ``--volume NAME=COUNT`` work for every hook.
"""

from __future__ import annotations

import datetime
import random
import time
from bisect import bisect
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import accumulate

from django.apps import apps
from django.db import models, transaction
from django.test.utils import override_settings
from django.utils.module_loading import autodiscover_modules
from django.utils.text import slugify
from simple_history.utils import bulk_create_with_history

GENERATED = "(generert)"  # ends every generated name; people's names carry a number inside
MARK = "(generert"  # what ``clear`` looks for
SLUG_PREFIX = "gen-"


class RegisterNotLoaded(Exception):
    """The real register (organisations and the model's bodies) is missing."""


class AlreadyGenerated(Exception):
    """Generated rows exist already; ``--replace`` removes them first."""


@dataclass
class ScaleContext:
    """What a hook gets: the seed, the period covered, volumes and what earlier hooks made."""

    seed: int
    years: int
    until: datetime.date
    small: bool = False
    volumes: dict[str, int] = field(default_factory=dict)
    shared: dict[str, object] = field(default_factory=dict)

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.until.year - self.years + 1, 1, 1)

    @property
    def reason(self) -> str:
        return f"generate-scale seed {self.seed}"

    def rng(self, name: str) -> random.Random:
        """A generator of its own per hook, so adding a hook never changes another's data."""
        return random.Random(f"{self.seed}:{name}")

    def volume(self, name: str, *, full: int, small: int) -> int:
        return self.volumes.get(name, small if self.small else full)

    def bulk(self, model: type[models.Model], objs: list, batch_size: int = 500) -> list:
        """Insert ``objs`` in bulk with a "+" history record each; returns them with their keys."""
        return bulk_create_with_history(objs, model, batch_size=batch_size,
                                        default_change_reason=self.reason)


@dataclass
class ScaleHook:
    name: str
    generate: Callable[[ScaleContext], dict[str, int]]
    clear: Callable[[], dict[str, int]] | None
    order: int


SCALE_HOOKS: dict[str, ScaleHook] = {}


def scale_hook(name: str, *, order: int = 100, clear: Callable[[], dict[str, int]] | None = None):
    """Register ``func(ctx) -> {label: count}`` as the generator of one capability's volume."""

    def register(func):
        SCALE_HOOKS[name] = ScaleHook(name=name, generate=func, clear=clear, order=order)
        return func

    return register


def hooks() -> list[ScaleHook]:
    autodiscover_modules("scale")
    return sorted(SCALE_HOOKS.values(), key=lambda hook: (hook.order, hook.name))


def purge(queryset: models.QuerySet) -> int:
    """Delete generated rows *and* their history: fictional rows leave no audit trail behind."""
    model = queryset.model
    history = getattr(model, "history", None)
    if history is not None:
        history.model.objects.filter(**{
            f"{model._meta.pk.attname}__in": queryset.values("pk")}).delete()
    with override_settings(SIMPLE_HISTORY_ENABLED=False):  # no "-" records for what we purge
        count, _ = queryset.delete()
    return count


def split_period(rng: random.Random, start: datetime.date, end: datetime.date, parts: int,
                 *, open_end: bool = False) -> list[tuple[datetime.date, datetime.date | None]]:
    """``parts`` consecutive, non-overlapping periods covering start..end (both inclusive)."""
    days = (end - start).days + 1
    parts = max(1, min(parts, days))
    cuts = sorted(rng.sample(range(1, days), parts - 1))
    bounds = [0, *cuts, days]
    periods = [(start + datetime.timedelta(bounds[i]),
                start + datetime.timedelta(bounds[i + 1] - 1)) for i in range(parts)]
    if open_end:
        periods[-1] = (periods[-1][0], None)
    return periods


def day_between(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(rng.randint(0, max(0, (end - start).days)))


def is_generated() -> bool:
    Person, Body = apps.get_model("register", "Person"), apps.get_model("structure", "Body")
    return (Person.objects.filter(is_demo=True, name__contains=MARK).exists()
            or Body.objects.filter(slug__startswith=SLUG_PREFIX).exists())


def check_register() -> None:
    Organisation, Body = (apps.get_model("register", "Organisation"),
                          apps.get_model("structure", "Body"))
    if (not Organisation.objects.members().exists()
            or not Body.objects.exclude(slug__startswith=SLUG_PREFIX).exists()):
        raise RegisterNotLoaded(
            "The real register is not loaded: run `samstyring load-register` first.")


def clear_all() -> dict[str, int]:
    counts: dict[str, int] = {}
    for hook in reversed(hooks()):
        if hook.clear is not None:
            counts.update(hook.clear())
    return counts


def generate(ctx: ScaleContext, *, replace: bool = False, log=print) -> dict[str, int]:
    """Run every hook in one transaction; returns {label: rows created}."""
    check_register()
    counts: dict[str, int] = {}
    with transaction.atomic():
        if is_generated():
            if not replace:
                raise AlreadyGenerated("Generated data exists already; use --replace.")
            removed = clear_all()
            log("removed: " + ", ".join(f"{k} {v}" for k, v in removed.items()))
        for hook in hooks():
            began = time.perf_counter()
            made = hook.generate(ctx)
            counts.update(made)
            log(f"{hook.name}: " + ", ".join(f"{k} {v}" for k, v in made.items())
                + f" ({time.perf_counter() - began:.1f} s)")
    return counts


# --- The foundation's volumes: people, bodies, seats, memberships ------------------------------

FIRST = ["Ingrid", "Ola", "Kari", "Per", "Sigrid", "Lars", "Marit", "Anders", "Hilde", "Jon",
         "Siri", "Erik", "Ragnhild", "Nils", "Tone", "Bjørn", "Liv", "Knut", "Astrid", "Trond",
         "Aino", "Mikkel", "Elle", "Johan", "Synnøve", "Håkon", "Randi", "Even", "Nora", "Emil",
         "Sofie", "Jakob", "Maja", "Henrik", "Ida", "Magnus", "Ella", "Sander", "Tuva", "Elias"]
LAST = ["Berg", "Hansen", "Johansen", "Lund", "Nilsen", "Haugen", "Dahl", "Solberg", "Bakke",
        "Eriksen", "Strand", "Moen", "Sara", "Gaup", "Aas", "Vik", "Lie", "Nygård", "Holm",
        "Olsen", "Larsen", "Andersen", "Pedersen", "Kristiansen", "Jensen", "Karlsen", "Berge",
        "Hagen", "Jacobsen", "Halvorsen", "Sæther", "Rønning", "Fossum", "Myhre", "Eide"]
TITLES = ["Kommunedirektør", "Digitaliseringsleder", "IKT-sjef", "Rådgiver", "Arkivleder",
          "Seniorrådgiver", "Fagleder", "Prosjektleder", "Virksomhetsarkitekt", "Personvernombud"]
TOPICS = ["velferdsteknologi", "skole", "barnehage", "plan og bygg", "økonomi", "HR", "arkiv",
          "e-helse", "geodata", "informasjonssikkerhet", "innbyggertjenester", "data og analyse",
          "kunstig intelligens", "integrasjoner", "samhandling", "klima og miljø", "innkjøp"]
BODY_KINDS = {"working_group": 35, "professional_council": 15, "committee": 15,
              "user_council": 15, "external_body": 10, "council": 10}
KIND_NAMES = {"working_group": "Arbeidsgruppe", "professional_council": "Fagråd",
              "committee": "Utvalg", "user_council": "Brukerråd", "external_body": "Forum",
              "council": "Råd"}
REGIONS = ["Nord-Norge", "Midt-Norge", "Vestlandet", "Sørlandet", "Østlandet", "Oslo",
           "Fylkeskommunene"]


def _models():
    from register.models import Affiliation, Organisation, Person
    from structure.models import Body, Membership, Seat

    return Affiliation, Organisation, Person, Body, Membership, Seat


def _generated_people():
    Person = apps.get_model("register", "Person")
    return Person.objects.filter(is_demo=True, name__contains=MARK)


def people_clear() -> dict[str, int]:
    Affiliation, *_ = _models()
    affiliations = purge(Affiliation.objects.filter(person__in=_generated_people()))
    return {"affiliations": affiliations, "people": purge(_generated_people())}


@scale_hook("people", order=10, clear=people_clear)
def people_generate(ctx: ScaleContext) -> dict[str, int]:
    """People with 1–3 consecutive affiliations; bigger organisations have more people
    (weighted by the square root of the population)."""
    Affiliation, Organisation, Person, *_ = _models()
    rng = ctx.rng("people")
    orgs = list(Organisation.objects.current().members().order_by("kind", "number", "pk"))
    cumulative = list(accumulate((o.population or 1000) ** 0.5 for o in orgs))
    n = ctx.volume("people", full=5000, small=300)
    people = ctx.bulk(Person, [
        Person(name=f"{rng.choice(FIRST)} {rng.choice(LAST)} {MARK} {i + 1})",
               email=f"generert{i + 1}@example.invalid", is_demo=True)
        for i in range(n)
    ])
    span = (ctx.until - ctx.start).days
    affiliations = []
    for person in people:
        first = ctx.start + datetime.timedelta(rng.randint(0, span * 3 // 4))
        periods = split_period(rng, first, ctx.until, rng.randint(1, 3),
                               open_end=rng.random() < 0.7)
        for valid_from, valid_to in periods:
            org = orgs[bisect(cumulative, rng.random() * cumulative[-1])]
            affiliations.append(Affiliation(person=person, organisation=org,
                                            title=rng.choice(TITLES), valid_from=valid_from,
                                            valid_to=valid_to))
    affiliations = ctx.bulk(Affiliation, affiliations)
    ctx.shared["people"] = people
    ctx.shared["affiliations"] = affiliations
    return {"people": len(people), "affiliations": len(affiliations)}


def bodies_clear() -> dict[str, int]:
    *_, Body, _Membership, Seat = _models()
    generated = Body.objects.filter(slug__startswith=SLUG_PREFIX)
    seats = purge(Seat.objects.filter(body__in=generated))
    generated.update(parent=None)  # the reporting line is PROTECTed; cut it before deleting
    return {"seats": seats, "bodies": purge(generated)}


def _slug(text: str) -> str:
    return slugify(text.translate(str.maketrans({"æ": "ae", "ø": "o", "å": "a"})))


def _seat_layout(rng: random.Random) -> list[tuple[str, str]]:
    layout = [("chair", "")]
    if rng.random() < 0.5:
        layout.append(("deputy_chair", ""))
    layout += [("member", rng.choice(REGIONS)) for _ in range(rng.randint(2, 10))]
    layout += [("deputy", "") for _ in range(rng.randint(0, 3))]
    if rng.random() < 0.3:
        layout.append(("observer", ""))
    if rng.random() < 0.7:
        layout.append(("secretary", ""))
    return layout


@scale_hook("bodies", order=20, clear=bodies_clear)
def bodies_generate(ctx: ScaleContext) -> dict[str, int]:
    """Bodies in a tree under the model's real bodies (a parent is always made first, so no
    cycles), some discontinued, each with 3–16 seats."""
    _a, Organisation, _p, Body, _m, Seat = _models()
    rng = ctx.rng("bodies")
    real = list(Body.objects.exclude(slug__startswith=SLUG_PREFIX).order_by("sort_order", "slug"))
    ks = Organisation.objects.filter(kind="ks").order_by("pk").first()
    kinds, weights = list(BODY_KINDS), list(BODY_KINDS.values())
    n = ctx.volume("bodies", full=100, small=10)
    span = (ctx.until - ctx.start).days
    bodies, depth = [], []
    for i in range(n):
        kind, topic = rng.choices(kinds, weights)[0], rng.choice(TOPICS)
        if not bodies or rng.random() < 0.4:
            parent, level = rng.choice(real), 0
        else:
            index = rng.randrange(len(bodies))
            parent, level = bodies[index], depth[index] + 1
        valid_from = ctx.start + datetime.timedelta(rng.randint(0, span * 3 // 4))
        valid_to = (day_between(rng, valid_from + datetime.timedelta(365), ctx.until)
                    if rng.random() < 0.25 else None)
        body = Body(kind=kind, name=f"{KIND_NAMES[kind]} for {topic} {i + 1} {GENERATED}",
                    slug=f"{SLUG_PREFIX}{i + 1:03d}-{_slug(topic)}", owner=ks, parent=parent,
                    short_name=f"{KIND_NAMES[kind]} {i + 1}", sort_order=200 + i,
                    mandate=f"Generert organ for {topic}.", valid_from=valid_from,
                    valid_to=valid_to)
        bodies.append(body)
        depth.append(level)
    for level in sorted(set(depth)):  # parents get their keys before their children
        ctx.bulk(Body, [body for body, d in zip(bodies, depth, strict=True) if d == level])
    seats = []
    for body in bodies:
        for order, (role, constituency) in enumerate(_seat_layout(rng)):
            seats.append(Seat(body=body, role=role, constituency=constituency, sort_order=order))
    seats = ctx.bulk(Seat, seats)
    ctx.shared["bodies"], ctx.shared["seats"] = bodies, seats
    return {"bodies": len(bodies), "seats": len(seats)}


def memberships_clear() -> dict[str, int]:
    *_, Body, Membership, _s = _models()
    generated = Membership.objects.filter(seat__body__slug__startswith=SLUG_PREFIX)
    count = purge(generated)
    count += purge(Membership.objects.filter(person__in=_generated_people()))
    return {"memberships": count}


@scale_hook("memberships", order=30, clear=memberships_clear)
def memberships_generate(ctx: ScaleContext) -> dict[str, int]:
    """Consecutive terms per seat within its body's lifetime: one person per seat at a time."""
    *_, Membership, _s = _models()
    rng = ctx.rng("memberships")
    seats, people = ctx.shared["seats"], ctx.shared["people"]
    orgs_of: dict[int, list] = {}
    for affiliation in ctx.shared["affiliations"]:
        orgs_of.setdefault(affiliation.person_id, []).append(affiliation.organisation_id)
    n = ctx.volume("memberships", full=3000, small=200)
    terms = [n // len(seats)] * len(seats)
    for index in rng.sample(range(len(seats)), n % len(seats)):
        terms[index] += 1
    memberships = []
    for seat, count in zip(seats, terms, strict=True):
        if not count:
            continue
        body = seat.body
        open_ended = body.valid_to is None and rng.random() < 0.6
        for valid_from, valid_to in split_period(rng, body.valid_from, body.valid_to or ctx.until,
                                                 count, open_end=open_ended):
            person = rng.choice(people)
            memberships.append(Membership(
                seat=seat, person=person, organisation_id=rng.choice(orgs_of[person.pk]),
                valid_from=valid_from, valid_to=valid_to, is_demo=True,
                decision_ref=f"Generert vedtak {valid_from.year}/{rng.randint(1, 99)}"))
    ctx.shared["memberships"] = ctx.bulk(Membership, memberships)
    return {"memberships": len(memberships)}
