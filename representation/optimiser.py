"""The slate optimiser: who KS should appoint to a body's open seats (capability 3).

Pure domain code: plain dataclasses in, a :class:`SlateResult` out; no models, no database. The
representation app maps its vacancies, nominations and rules onto :class:`Problem`.

Model
    One boolean per (candidate, seat group) says "this candidate takes a seat in this group";
    seats within a group are interchangeable, so 2,000 candidates and 40 seats is 4,000
    booleans. A candidate takes at most one seat (member or deputy, not both) and every group is
    filled exactly (the pseudo-rule ``"seats"``). Every hard rule, every lock and every exclusion
    is a set of linear constraints; OR-Tools CP-SAT maximises the score.

Score (all weights are integers, :class:`Weights`; defaults in brackets)::

    score = sum over appointees a of
                w_competence [3] * |competences(a) ∩ desired_competences|
              + w_network    [2] * network_member(a) * P
              + w_continuity [4] * incumbent(a)
          + w_spread [5] * |{county(a) : a is an appointee}|

    P = 1 when the problem has a soft (preferred) NETWORK rule, else 0.

Members and deputies count alike. :func:`score_slate` breaks the score down per appointee; the
spread bonus of a county goes to its first appointee in slate order (members before deputies,
then by candidate key), so the appointees' scores add up to the slate's score.

Rules (:class:`RuleKind`; "seats" below means members and deputies together unless the rule has
``role``): COUNTY_SEATS, KIND_SEATS and SIZE_CLASS_SEATS bound the seats of a county group, an
organisation kind, a population class (``lower <= population < upper``; no population: no class);
NETWORK hard = every appointee from a network member, soft = the score bonus above;
ONE_PER_ORGANISATION = at most one seat per organisation, members and deputies together;
MAX_LOAD = current_load + 1 <= max; COMPETENCES = each required competence held by an appointee;
CONTINUITY = at least ``min`` incumbents appointed; GENDER_BALANCE = likestillings- og
diskrimineringsloven § 28 per role over the whole composition (appointees + :class:`FixedMembers`):
n >= 4 -> each gender >= ceil(0.4 n); n = 2, 3 -> both represented; n <= 1 -> nothing. Unknown
gender ("") counts in n but towards neither gender. Only NETWORK may be soft.

Explanations
    ``binding``: each hard rule (and lock) that is tight in the optimum is re-solved without it;
    it is binding when the score would rise. ``conflicts`` (infeasible problems): CP-SAT's
    sufficient assumptions (every rule, lock, exclusion and "seats" has an enforcement literal)
    are not minimal, so a deletion filter drops one item at a time and re-solves, keeping an item
    only when the rest becomes feasible without it; the result is a minimal conflicting set.
    Explanations together take at most ``time_limit`` seconds on top of the solve.

Determinism: among slates with the best score the one with the smallest tie-break sum T wins
(a fixed pseudo-random weight per candidate and role, :func:`_tie_weights`), so the optimum is
unique and any number of workers proves the same slate; CP-SAT also runs with a fixed seed.
When the time limit stops the search before the proof, the slate may differ between runs.

See docs/optimiser.md for the semantics in prose and the benchmark figures.
"""

from __future__ import annotations

import enum
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from hashlib import sha256
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

ROLES = ("member", "deputy")
GENDERS = ("female", "male", "")
ORG_KINDS = ("municipality", "county_municipality", "other")
SEATS = "seats"
LOCKED = "locked:"
EXCLUDED = "excluded:"
RANDOM_SEED = 20240101
TIE_BREAK_RANGE = 1 << 24
TERMS = ("competence", "network", "continuity", "spread")


class OptimiserError(Exception):
    """The solver returned something the optimiser cannot trust (a bug, not a user error)."""


# --- Inputs --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A nominated person (or incumbent) for the open seats, as seen by the optimiser."""

    key: str
    name: str
    organisation: str
    county: str
    organisation_name: str = ""
    county_name: str = ""
    org_kind: str = "municipality"
    population: int | None = None
    network_member: bool = False
    gender: str = ""
    competences: frozenset[str] = frozenset()
    incumbent: bool = False
    current_load: int = 0

    def __post_init__(self):
        if self.org_kind not in ORG_KINDS:
            raise ValueError(f"candidate {self.key}: org_kind {self.org_kind!r} not in {ORG_KINDS}")
        if self.gender not in GENDERS:
            raise ValueError(f"candidate {self.key}: gender {self.gender!r} not in {GENDERS}")
        if self.current_load < 0:
            raise ValueError(f"candidate {self.key}: current_load must be >= 0")
        object.__setattr__(self, "competences", frozenset(self.competences))


@dataclass(frozen=True)
class SeatGroup:
    """``count`` interchangeable seats of one role to fill now (exactly that many)."""

    role: str
    count: int

    def __post_init__(self):
        if self.role not in ROLES:
            raise ValueError(f"seat group role {self.role!r} not in {ROLES}")
        if self.count < 1:
            raise ValueError(f"seat group {self.role}: count must be >= 1")


@dataclass(frozen=True)
class FixedMembers:
    """Gender counts of the body's members of one role that are not being filled now."""

    role: str
    female: int = 0
    male: int = 0
    unknown: int = 0

    def __post_init__(self):
        if self.role not in ROLES:
            raise ValueError(f"fixed members role {self.role!r} not in {ROLES}")
        if min(self.female, self.male, self.unknown) < 0:
            raise ValueError("fixed member counts must be >= 0")

    @property
    def total(self) -> int:
        return self.female + self.male + self.unknown


class RuleKind(enum.StrEnum):
    COUNTY_SEATS = "county_seats"
    KIND_SEATS = "kind_seats"
    SIZE_CLASS_SEATS = "size_class_seats"
    NETWORK = "network"
    ONE_PER_ORGANISATION = "one_per_organisation"
    MAX_LOAD = "max_load"
    COMPETENCES = "competences"
    CONTINUITY = "continuity"
    GENDER_BALANCE = "gender_balance"


_REQUIRED = object()


def _count(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{value!r} is not a count (an int >= 0)")
    return value


def _optional_count(value) -> int | None:
    return None if value is None else _count(value)


def _optional_role(value) -> str | None:
    if value is not None and value not in ROLES:
        raise ValueError(f"role {value!r} not in {ROLES}")
    return value


def _key_set(value) -> frozenset[str]:
    if isinstance(value, str):
        raise ValueError("expected a set of keys, not a string")
    keys = frozenset(str(v) for v in value)
    if not keys:
        raise ValueError("expected at least one key")
    return keys


def _org_kind(value) -> str:
    if value not in ORG_KINDS:
        raise ValueError(f"org_kind {value!r} not in {ORG_KINDS}")
    return value


def _roles(value) -> tuple[str, ...]:
    roles = tuple(r for r in ROLES if r in set(value))
    if not roles or set(value) - set(ROLES):
        raise ValueError(f"roles {value!r} must be a non-empty subset of {ROLES}")
    return roles


_SCOPE = {"min": (_count, 0), "max": (_optional_count, None), "role": (_optional_role, None)}
_PARAMS: dict[RuleKind, dict[str, tuple]] = {
    RuleKind.COUNTY_SEATS: {"counties": (_key_set, _REQUIRED), "name": (str, ""), **_SCOPE},
    RuleKind.KIND_SEATS: {"org_kind": (_org_kind, _REQUIRED), **_SCOPE},
    RuleKind.SIZE_CLASS_SEATS: {"lower": (_count, 0), "upper": (_optional_count, None),
                                "name": (str, ""), **_SCOPE},
    RuleKind.NETWORK: {},
    RuleKind.ONE_PER_ORGANISATION: {},
    RuleKind.MAX_LOAD: {"max": (_count, _REQUIRED)},
    RuleKind.COMPETENCES: {"required": (_key_set, _REQUIRED)},
    RuleKind.CONTINUITY: {"min": (_count, _REQUIRED)},
    RuleKind.GENDER_BALANCE: {"roles": (_roles, ROLES)},
}
SEAT_COUNT_KINDS = (RuleKind.COUNTY_SEATS, RuleKind.KIND_SEATS, RuleKind.SIZE_CLASS_SEATS)


@dataclass(frozen=True)
class Rule:
    """One representativity rule. ``params`` by kind (defaults after ``=``):

    COUNTY_SEATS counties (set of county keys), name="", min=0, max=None, role=None ·
    KIND_SEATS org_kind, min, max, role · SIZE_CLASS_SEATS lower=0, upper=None (exclusive),
    name="", min, max, role · NETWORK (none; ``hard=False`` = preferred) ·
    ONE_PER_ORGANISATION (none) · MAX_LOAD max · COMPETENCES required (set) · CONTINUITY min ·
    GENDER_BALANCE roles=("member", "deputy").

    ``role=None`` counts members and deputies together. Parameters are checked and normalised on
    construction (unknown or missing ones raise ValueError).
    """

    key: str
    kind: RuleKind
    params: Mapping[str, Any] = field(default_factory=dict)
    hard: bool = True
    explanation: str = ""

    def __post_init__(self):
        kind = RuleKind(self.kind)
        object.__setattr__(self, "kind", kind)
        if not self.key or self.key == SEATS or self.key.startswith((LOCKED, EXCLUDED)):
            raise ValueError(f"rule key {self.key!r} is empty or reserved")
        spec = _PARAMS[kind]
        unknown = set(self.params) - set(spec)
        if unknown:
            raise ValueError(f"rule {self.key}: unknown parameters {sorted(unknown)} for {kind}")
        params = {}
        for name, (convert, default) in spec.items():
            if name in self.params:
                try:
                    params[name] = convert(self.params[name])
                except (TypeError, ValueError) as error:
                    raise ValueError(f"rule {self.key}: {name}: {error}") from error
            elif default is _REQUIRED:
                raise ValueError(f"rule {self.key}: parameter {name!r} is required for {kind}")
            else:
                params[name] = default
        object.__setattr__(self, "params", params)
        if params.get("max") is not None and params.get("min", 0) > params["max"]:
            raise ValueError(f"rule {self.key}: min > max")
        if params.get("upper") is not None and params["upper"] <= params["lower"]:
            raise ValueError(f"rule {self.key}: upper must be greater than lower")
        if not self.hard and kind != RuleKind.NETWORK:
            raise ValueError(f"rule {self.key}: only NETWORK rules can be soft (preferred)")

    def describe(self) -> str:
        """The rule in plain language (translated to the active language)."""
        return _describe(self)


@dataclass(frozen=True)
class Weights:
    """Score weights (see the module docstring for the formula)."""

    competence: int = 3
    network: int = 2
    continuity: int = 4
    spread: int = 5

    def __post_init__(self):
        for term in TERMS:
            _count(getattr(self, term))


@dataclass(frozen=True)
class Problem:
    """One vacancy: the candidates, the seats to fill, the rules, locks and exclusions.

    ``locked`` maps a candidate key to the role it must take, or None for either role.
    """

    candidates: tuple[Candidate, ...]
    groups: tuple[SeatGroup, ...]
    rules: tuple[Rule, ...] = ()
    fixed: tuple[FixedMembers, ...] = ()
    desired_competences: frozenset[str] = frozenset()
    locked: Mapping[str, str | None] = field(default_factory=dict)
    excluded: frozenset[str] = frozenset()
    weights: Weights = field(default_factory=Weights)

    def __post_init__(self):
        for name in ("candidates", "groups", "rules", "fixed"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        object.__setattr__(self, "desired_competences", frozenset(self.desired_competences))
        object.__setattr__(self, "excluded", frozenset(self.excluded))
        locked = self.locked if isinstance(self.locked, Mapping) else dict.fromkeys(self.locked)
        object.__setattr__(self, "locked", dict(sorted(locked.items())))
        keys = [c.key for c in self.candidates]
        _unique(keys, "candidate key")
        _unique([g.role for g in self.groups], "seat group role")
        _unique([f.role for f in self.fixed], "fixed members role")
        _unique([r.key for r in self.rules], "rule key")
        if not self.groups:
            raise ValueError("a problem needs at least one seat group")
        for key, role in self.locked.items():
            if key not in set(keys):
                raise ValueError(f"locked candidate {key!r} is not a candidate")
            if role is not None and role not in self.roles:
                raise ValueError(f"locked candidate {key!r}: no {role} seats are open")
        strangers = sorted(self.excluded - set(keys))
        if strangers:
            raise ValueError(f"excluded keys are not candidates: {strangers}")

    @cached_property
    def roles(self) -> tuple[str, ...]:
        return tuple(r for r in ROLES if any(g.role == r for g in self.groups))

    def seats(self, role: str | None = None) -> int:
        return sum(g.count for g in self.groups if role in (None, g.role))

    def fixed_members(self, role: str) -> FixedMembers:
        return next((f for f in self.fixed if f.role == role), FixedMembers(role))

    def candidate(self, key: str) -> Candidate:
        return self._by_key[key]

    @cached_property
    def _by_key(self) -> dict[str, Candidate]:
        return {c.key: c for c in self.candidates}

    def items(self) -> list[str]:
        """Every hard constraint's key in a fixed order: seats, hard rules, locks, exclusions."""
        return ([SEATS] + [r.key for r in self.rules if r.hard]
                + [LOCKED + k for k in self.locked] + [EXCLUDED + k for k in sorted(self.excluded)])

    def rule(self, key: str) -> Rule | None:
        return next((r for r in self.rules if r.key == key), None)

    @cached_property
    def prefers_network(self) -> bool:
        return any(r.kind == RuleKind.NETWORK and not r.hard for r in self.rules)


def _unique(values: list, what: str) -> None:
    duplicates = sorted(k for k, n in Counter(values).items() if n > 1)
    if duplicates:
        raise ValueError(f"duplicate {what}: {duplicates}")


# --- Outputs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Appointee:
    """A candidate in the slate, with its share of the score per term (see module docstring)."""

    candidate: Candidate
    role: str
    terms: Mapping[str, int]

    @property
    def score(self) -> int:
        return sum(self.terms.values())


@dataclass(frozen=True)
class RuleCheck:
    """One rule (or seats / lock / exclusion) evaluated on a composition.

    GENDER_BALANCE gives one check per role it governs; ``"seats"`` one per seat group.
    ``actual``/``min``/``max`` are the numbers the rule compares (None where it has no bound).
    """

    key: str
    kind: str
    held: bool
    actual: int | None
    min: int | None
    max: int | None
    message: str
    role: str | None = None
    hard: bool = True
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class Conflict:
    """One member of a minimal conflicting set, with its plain-language message."""

    key: str
    kind: str
    message: str


@dataclass(frozen=True)
class Binding:
    """A hard rule, lock or exclusion that costs score: without it the optimum is higher.

    ``proven`` is False when the re-solve without the rule was stopped by its time limit (the
    improvement is then a lower bound).
    """

    key: str
    kind: str
    improvement: int
    proven: bool
    message: str


@dataclass(frozen=True)
class SlateResult:
    """What :func:`solve` or :func:`greedy` found.

    ``status``: "optimal" | "feasible" | "infeasible" | "unknown" from :func:`solve`;
    "feasible" | "broken" (some rule does not hold) from :func:`greedy`.
    """

    status: str
    proven_optimal: bool
    score: int | None
    objective_bound: int | None
    slate: Mapping[str, tuple[Appointee, ...]]
    solve_seconds: float
    method: str = "cp-sat"
    checks: tuple[RuleCheck, ...] = ()
    binding: tuple[Binding, ...] = ()
    binding_skipped: tuple[str, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    conflicts_minimal: bool = True
    summary: str = ""
    explain_seconds: float = 0.0

    def keys(self) -> dict[str, list[str]]:
        """The slate as candidate keys per role (what :func:`check` takes)."""
        return {role: [a.candidate.key for a in appointees]
                for role, appointees in self.slate.items()}

    @property
    def broken(self) -> tuple[RuleCheck, ...]:
        return tuple(c for c in self.checks if not c.held)

    @property
    def terms(self) -> dict[str, int]:
        totals = dict.fromkeys(TERMS, 0)
        for appointees in self.slate.values():
            for appointee in appointees:
                for term, value in appointee.terms.items():
                    totals[term] += value
        return totals


# --- Score ---------------------------------------------------------------------------------------


def candidate_value(problem: Problem, candidate: Candidate) -> dict[str, int]:
    """The candidate's own score terms (everything but spread, which depends on the slate)."""
    w = problem.weights
    return {"competence": w.competence * len(candidate.competences & problem.desired_competences),
            "network": w.network * (candidate.network_member and problem.prefers_network),
            "continuity": w.continuity * candidate.incumbent}


def _composition(problem: Problem, slate: Mapping[str, Iterable[str]]) -> list[tuple[Candidate,
                                                                                       str]]:
    """(candidate, role) pairs in slate order: members first, then deputies, each by key."""
    unknown_roles = set(slate) - set(ROLES)
    if unknown_roles:
        raise ValueError(f"unknown roles in slate: {sorted(unknown_roles)}")
    pairs = []
    for role in ROLES:
        for key in sorted(slate.get(role, ())):
            if key not in problem._by_key:
                raise ValueError(f"{key!r} in the slate is not a candidate")
            pairs.append((problem.candidate(key), role))
    _unique([c.key for c, _role in pairs], "candidate in the slate")
    return pairs


def score_slate(problem: Problem, slate: Mapping[str, Iterable[str]]) -> tuple[int, dict]:
    """The score of a composition and its appointees (per role) with their score terms."""
    counties_seen: set[str] = set()
    result: dict[str, list[Appointee]] = {role: [] for role in problem.roles}
    for candidate, role in _composition(problem, slate):
        terms = candidate_value(problem, candidate)
        terms["spread"] = problem.weights.spread * (candidate.county not in counties_seen)
        counties_seen.add(candidate.county)
        result.setdefault(role, []).append(Appointee(candidate, role, terms))
    total = sum(a.score for appointees in result.values() for a in appointees)
    return total, {role: tuple(appointees) for role, appointees in result.items()}


# --- Plain-language texts ------------------------------------------------------------------------


def _fmt(text: str, **values) -> str:
    return text % values


def _seats(count: int, role: str | None = None) -> str:
    if role == "member":
        return _fmt(ngettext("%(count)s member seat", "%(count)s member seats", count), count=count)
    if role == "deputy":
        return _fmt(ngettext("%(count)s deputy seat", "%(count)s deputy seats", count), count=count)
    return _fmt(ngettext("%(count)s seat", "%(count)s seats", count), count=count)


def _open(count: int, role: str | None = None) -> str:
    if role == "member":
        text = ngettext("only %(count)s member seat is open",
                        "only %(count)s member seats are open", count)
    elif role == "deputy":
        text = ngettext("only %(count)s deputy seat is open",
                        "only %(count)s deputy seats are open", count)
    else:
        text = ngettext("only %(count)s seat is open", "only %(count)s seats are open", count)
    return _fmt(text, count=count)


def _and(parts: list[str]) -> str:
    if len(parts) == 1:
        return parts[0]
    return _fmt(_("%(first)s and %(second)s"), first=", ".join(parts[:-1]), second=parts[-1])


def _but(statement: str, fact: str | None) -> str:
    return _fmt(_("%(rule)s, but %(fact)s"), rule=statement, fact=fact) if fact else statement


def _subject(rule: Rule) -> str:
    p = rule.params
    if rule.kind == RuleKind.COUNTY_SEATS:
        return p["name"] or ", ".join(sorted(p["counties"]))
    if rule.kind == RuleKind.KIND_SEATS:
        return {"municipality": _("Municipalities"),
                "county_municipality": _("County municipalities"),
                "other": _("Other organisations")}[p["org_kind"]]
    if p["name"]:
        return p["name"]
    if p["upper"] is None:
        return _fmt(_("Organisations with %(lower)s inhabitants or more"), lower=p["lower"])
    return _fmt(_("Organisations with %(lower)s to %(upper)s inhabitants"), lower=p["lower"],
                upper=p["upper"] - 1)


def _bounds(subject: str, low: int, high: int | None, role: str | None) -> str:
    if high is None and low == 0:
        return _fmt(_("%(name)s has no seat limits"), name=subject)
    if high is None:
        return _fmt(_("%(name)s must have at least %(seats)s"), name=subject,
                    seats=_seats(low, role))
    if low == high:
        return _fmt(_("%(name)s must have exactly %(seats)s"), name=subject,
                    seats=_seats(high, role))
    if low == 0:
        return _fmt(_("%(name)s may have at most %(seats)s"), name=subject,
                    seats=_seats(high, role))
    return _fmt(_("%(name)s must have at least %(min)s and at most %(seats)s"), name=subject,
                min=low, seats=_seats(high, role))


def _describe(rule: Rule) -> str:
    p, kind = rule.params, rule.kind
    if kind in SEAT_COUNT_KINDS:
        return _bounds(_subject(rule), p["min"], p["max"], p["role"])
    if kind == RuleKind.NETWORK:
        if rule.hard:
            return _("Every appointee must come from a member of a regional network")
        return _("Appointees from members of regional networks are preferred")
    if kind == RuleKind.ONE_PER_ORGANISATION:
        return _("At most one seat per organisation, members and deputies together")
    if kind == RuleKind.MAX_LOAD:
        return _fmt(ngettext("Nobody may hold more than %(max)s appointment, this one included",
                             "Nobody may hold more than %(max)s appointments, this one included",
                             p["max"]), max=p["max"])
    if kind == RuleKind.COMPETENCES:
        return _fmt(_("The slate must include competence in %(competences)s"),
                    competences=_and(sorted(p["required"])))
    if kind == RuleKind.CONTINUITY:
        return _fmt(ngettext("At least %(min)s incumbent must be kept",
                             "At least %(min)s incumbents must be kept", p["min"]), min=p["min"])
    return _("Each gender must hold at least 40 %% of the seats, and both must be represented "
             "when there are 2 or 3, counted separately for members and deputies "
             "(Equality and Anti-Discrimination Act § 28)") % {}


def gender_minimum(n: int) -> int:
    """Seats each gender must hold in a composition of n (§ 28): ceil(0.4 n) from 4, 1 for 2–3."""
    if n <= 1:
        return 0
    if n <= 3:
        return 1
    return (2 * n + 4) // 5  # ceil(2n / 5) in integers


def _gender_statement(problem: Problem, role: str, n: int, need: int) -> str:
    fixed = problem.fixed_members(role).total
    seats = _seats(n, role)
    if fixed:
        seats = _fmt(_("%(seats)s (%(fixed)s already filled)"), seats=seats, fixed=fixed)
    if need == 0:
        return _fmt(_("No gender requirement for %(seats)s"), seats=seats)
    if n <= 3:
        return _fmt(_("Both genders must be represented among the %(seats)s"), seats=seats)
    return _fmt(_("Both genders must hold at least 40 %% of the %(seats)s (%(need)s each)"),
                seats=seats, need=need)


def _gender_fact(gender: str, count: int, with_fixed: bool) -> str:
    if gender == "female":
        if count == 0:
            return _("no woman is nominated")
        if with_fixed:
            text = ngettext("only %(count)s woman is nominated or already seated",
                            "only %(count)s women are nominated or already seated", count)
        else:
            text = ngettext("only %(count)s woman is nominated",
                            "only %(count)s women are nominated", count)
    else:
        if count == 0:
            return _("no man is nominated")
        if with_fixed:
            text = ngettext("only %(count)s man is nominated or already seated",
                            "only %(count)s men are nominated or already seated", count)
        else:
            text = ngettext("only %(count)s man is nominated", "only %(count)s men are nominated",
                            count)
    return _fmt(text, count=count)


def _lock_text(problem: Problem, key: str) -> str:
    name, role = problem.candidate(key).name, problem.locked[key]
    if role == "member":
        return _fmt(_("%(name)s is locked into the slate as a member"), name=name)
    if role == "deputy":
        return _fmt(_("%(name)s is locked into the slate as a deputy"), name=name)
    return _fmt(_("%(name)s is locked into the slate"), name=name)


def _seats_statement(problem: Problem) -> str:
    return _fmt(_("The slate must fill exactly %(seats)s"),
                seats=_and([_seats(g.count, g.role) for g in _ordered_groups(problem)]))


def _ordered_groups(problem: Problem) -> list[SeatGroup]:
    return sorted(problem.groups, key=lambda g: ROLES.index(g.role))


def item_kind(problem: Problem, key: str) -> str:
    if key == SEATS:
        return SEATS
    if key.startswith(LOCKED):
        return "locked"
    if key.startswith(EXCLUDED):
        return "excluded"
    return str(problem.rule(key).kind)


# --- Eligibility, shared by the checker, the model and the messages ------------------------------


def in_scope(rule: Rule, candidate: Candidate) -> bool:
    """Whether a seat held by the candidate counts towards a seat-count rule."""
    p = rule.params
    if rule.kind == RuleKind.COUNTY_SEATS:
        return candidate.county in p["counties"]
    if rule.kind == RuleKind.KIND_SEATS:
        return candidate.org_kind == p["org_kind"]
    if rule.kind == RuleKind.SIZE_CLASS_SEATS:
        return candidate.population is not None and p["lower"] <= candidate.population and (
            p["upper"] is None or candidate.population < p["upper"])
    raise ValueError(f"{rule.kind} is not a seat-count rule")


def _role_in(rule_role: str | None, role: str) -> bool:
    return rule_role is None or rule_role == role


def _overloaded(rule: Rule, candidate: Candidate) -> bool:
    return candidate.current_load + 1 > rule.params["max"]


# --- check(): every rule on a composition, in plain Python ---------------------------------------


def check(problem: Problem, slate: Mapping[str, Iterable[str]]) -> list[RuleCheck]:
    """Evaluate the seats, every rule, lock and exclusion on a composition (keys per role).

    Independent of CP-SAT, and works on compositions that break rules (e.g. an existing body in
    the representativity report). Raises ValueError for unknown keys or a person listed twice.
    """
    pairs = _composition(problem, slate)
    checks = [_check_seats(problem, pairs, group) for group in _ordered_groups(problem)]
    extra_roles = sorted({role for _c, role in pairs} - set(problem.roles))
    checks += [_check_seats(problem, pairs, SeatGroup(role, 1), count=0) for role in extra_roles]
    for rule in problem.rules:
        checks += _check_rule(problem, rule, pairs)
    chosen = {c.key: role for c, role in pairs}
    for key, role in problem.locked.items():
        held = key in chosen and role in (None, chosen[key])
        actual = _("in the slate") if held else _("not in the slate as required")
        checks.append(RuleCheck(LOCKED + key, "locked", held, int(held), 1, 1,
                                _now(_item_statement(problem, LOCKED + key), actual)))
    for key in sorted(problem.excluded):
        held = key not in chosen
        actual = _("not in the slate") if held else _("in the slate")
        checks.append(RuleCheck(EXCLUDED + key, "excluded", held, int(not held), 0, 0,
                                _now(_item_statement(problem, EXCLUDED + key), actual)))
    return checks


def _now(statement: str, actual: str) -> str:
    return _fmt(_("%(rule)s (now: %(actual)s)."), rule=statement, actual=actual)


def _check_seats(problem, pairs, group: SeatGroup, count: int | None = None) -> RuleCheck:
    count = group.count if count is None else count
    actual = sum(1 for _c, role in pairs if role == group.role)
    statement = _fmt(_("The slate must fill exactly %(seats)s"), seats=_seats(count, group.role))
    return RuleCheck(SEATS, SEATS, actual == count, actual, count, count,
                     _now(statement, _seats(actual, group.role)), role=group.role)


def _check_rule(problem: Problem, rule: Rule, pairs) -> list[RuleCheck]:
    p, kind = rule.params, rule.kind
    base = {"key": rule.key, "kind": str(kind), "hard": rule.hard}
    if kind in SEAT_COUNT_KINDS:
        actual = sum(1 for c, role in pairs if _role_in(p["role"], role) and in_scope(rule, c))
        held = p["min"] <= actual and (p["max"] is None or actual <= p["max"])
        return [RuleCheck(**base, held=held, actual=actual, min=p["min"], max=p["max"],
                          message=_now(rule.describe(), _seats(actual, p["role"])),
                          role=p["role"])]
    if kind == RuleKind.NETWORK:
        outside = [c for c, _role in pairs if not c.network_member]
        if rule.hard:
            actual = _fmt(ngettext("%(count)s appointee from a non-member",
                                   "%(count)s appointees from non-members", len(outside)),
                          count=len(outside))
            return [RuleCheck(**base, held=not outside, actual=len(outside), min=None, max=0,
                              message=_now(rule.describe(), actual),
                              details=tuple(c.name for c in outside))]
        inside = len(pairs) - len(outside)
        actual = _fmt(ngettext("%(count)s of %(total)s appointee from network members",
                               "%(count)s of %(total)s appointees from network members",
                               len(pairs)), count=inside, total=len(pairs))
        return [RuleCheck(**base, held=True, actual=inside, min=None, max=None,
                          message=_now(rule.describe(), actual))]
    if kind == RuleKind.ONE_PER_ORGANISATION:
        per_org = Counter(c.organisation for c, _role in pairs)
        names = {c.organisation: c.organisation_name or c.organisation for c, _r in pairs}
        over = sorted(org for org, n in per_org.items() if n > 1)
        details = tuple(_fmt(_("%(organisation)s has %(seats)s"), organisation=names[org],
                             seats=_seats(per_org[org])) for org in over)
        actual = "; ".join(details) or _("no organisation has more than one seat")
        return [RuleCheck(**base, held=not over, actual=max(per_org.values(), default=0),
                          min=None, max=1, message=_now(rule.describe(), actual),
                          details=details)]
    if kind == RuleKind.MAX_LOAD:
        over = [c for c, _role in pairs if _overloaded(rule, c)]
        details = tuple(_fmt(_("%(name)s would hold %(count)s"), name=c.name,
                             count=c.current_load + 1) for c in over)
        highest = max((c.current_load + 1 for c, _role in pairs), default=0)
        actual = "; ".join(details) or _fmt(_("highest load %(count)s"), count=highest)
        return [RuleCheck(**base, held=not over, actual=highest, min=None, max=p["max"],
                          message=_now(rule.describe(), actual), details=details)]
    if kind == RuleKind.COMPETENCES:
        held_by = set().union(*(c.competences for c, _role in pairs))
        missing = sorted(p["required"] - held_by)
        actual = (_fmt(_("missing %(competences)s"), competences=_and(missing)) if missing
                  else _("all covered"))
        return [RuleCheck(**base, held=not missing, actual=len(p["required"]) - len(missing),
                          min=len(p["required"]), max=None,
                          message=_now(rule.describe(), actual), details=tuple(missing))]
    if kind == RuleKind.CONTINUITY:
        kept = sum(1 for c, _role in pairs if c.incumbent)
        actual = _fmt(ngettext("%(count)s incumbent kept", "%(count)s incumbents kept", kept),
                      count=kept)
        return [RuleCheck(**base, held=kept >= p["min"], actual=kept, min=p["min"], max=None,
                          message=_now(rule.describe(), actual))]
    return [_check_gender(problem, rule, pairs, role) for role in p["roles"]
            if role in problem.roles or any(r == role for _c, r in pairs)]


def _check_gender(problem: Problem, rule: Rule, pairs, role: str) -> RuleCheck:
    fixed = problem.fixed_members(role)
    counts = Counter(c.gender for c, r in pairs if r == role)
    women, men = counts["female"] + fixed.female, counts["male"] + fixed.male
    n = sum(counts.values()) + fixed.total
    need = gender_minimum(n)
    actual = _fmt(_("women: %(women)s, men: %(men)s, unknown: %(unknown)s"), women=women,
                  men=men, unknown=n - women - men)
    return RuleCheck(rule.key, str(rule.kind), women >= need and men >= need, min(women, men),
                     need, None, _now(_gender_statement(problem, role, n, need), actual),
                     role=role)


# --- The CP-SAT model ----------------------------------------------------------------------------


class _Model:
    """The CP-SAT model of a problem restricted to ``items`` (keys from Problem.items()).

    With ``literals`` every item gets an enforcement literal (``self.literal[key]``), so
    assumptions can switch items on; without, the items are plain constraints.
    """

    def __init__(self, problem: Problem, items: Iterable[str], *, literals: bool,
                 seats_fixed: bool | None = None):
        from ortools.sat.python import cp_model

        self.problem, self.literals = problem, literals
        self.model = cp_model.CpModel()
        self.candidates = sorted(problem.candidates, key=lambda c: c.key)
        self.index = {c.key: i for i, c in enumerate(self.candidates)}
        self.x = {(i, role): self.model.new_bool_var(f"x[{c.key},{role}]")
                  for i, c in enumerate(self.candidates) for role in problem.roles}
        for i in range(len(self.candidates)):
            self.model.add_at_most_one(self.x[i, role] for role in problem.roles)
        self.items = list(items)
        self.literal = {key: self.model.new_bool_var(key) for key in self.items} if literals else {}
        # Seat counts are constants unless "seats" can be switched off (conflict search).
        self.seats_fixed = (SEATS in self.items and not literals if seats_fixed is None
                            else seats_fixed)
        for key in self.items:
            self._add_item(key)

    # helpers
    def _vars(self, role: str | None = None, where=lambda c: True) -> list:
        roles = self.problem.roles if role is None else [r for r in self.problem.roles if r == role]
        return [self.x[i, r] for i, c in enumerate(self.candidates) if where(c) for r in roles]

    def _enforce(self, key: str, constraint, *extra) -> None:
        conditions = ([self.literal[key]] if self.literals else []) + list(extra)
        if conditions:
            constraint.only_enforce_if(conditions)

    def _between(self, key: str, terms: list, low: int, high: int | None) -> None:
        from ortools.sat.python.cp_model import LinearExpr

        high = max(low, len(terms)) if high is None else high  # never an empty domain
        self._enforce(key, self.model.add_linear_constraint(LinearExpr.sum(terms), low, high))

    def _add_item(self, key: str) -> None:
        problem = self.problem
        if key == SEATS:
            for group in problem.groups:
                self._between(key, self._vars(group.role), group.count, group.count)
        elif key.startswith(LOCKED):
            candidate, role = key[len(LOCKED):], problem.locked[key[len(LOCKED):]]
            i = self.index[candidate]
            roles = problem.roles if role is None else [role]
            self._between(key, [self.x[i, r] for r in roles], 1, 1)
        elif key.startswith(EXCLUDED):
            i = self.index[key[len(EXCLUDED):]]
            self._between(key, [self.x[i, r] for r in problem.roles], 0, 0)
        else:
            self._add_rule(problem.rule(key))

    def _add_rule(self, rule: Rule) -> None:
        p, kind, key = rule.params, rule.kind, rule.key
        if kind in SEAT_COUNT_KINDS:
            terms = self._vars(p["role"], lambda c: in_scope(rule, c))
            self._between(key, terms, p["min"], p["max"])
        elif kind == RuleKind.NETWORK:
            self._between(key, self._vars(where=lambda c: not c.network_member), 0, 0)
        elif kind == RuleKind.ONE_PER_ORGANISATION:
            by_org = defaultdict(list)
            for i, c in enumerate(self.candidates):
                by_org[c.organisation] += [self.x[i, r] for r in self.problem.roles]
            for org in sorted(by_org):
                if len(by_org[org]) > 1:
                    self._between(key, by_org[org], 0, 1)
        elif kind == RuleKind.MAX_LOAD:
            self._between(key, self._vars(where=lambda c: _overloaded(rule, c)), 0, 0)
        elif kind == RuleKind.COMPETENCES:
            for competence in sorted(p["required"]):
                self._between(key, self._vars(where=lambda c, q=competence: q in c.competences),
                              1, None)
        elif kind == RuleKind.CONTINUITY:
            self._between(key, self._vars(where=lambda c: c.incumbent), p["min"], None)
        else:
            for role in p["roles"]:
                if role in self.problem.roles:
                    self._add_gender(key, role)

    def _add_gender(self, key: str, role: str) -> None:
        from ortools.sat.python.cp_model import LinearExpr

        fixed = self.problem.fixed_members(role)
        women = LinearExpr.sum(self._vars(role, lambda c: c.gender == "female")) + fixed.female
        men = LinearExpr.sum(self._vars(role, lambda c: c.gender == "male")) + fixed.male
        if self.seats_fixed:  # n is known: the thresholds are constants
            need = gender_minimum(self.problem.seats(role) + fixed.total)
            for count in (women, men):
                self._enforce(key, self.model.add(count >= need))
            return
        # Seats may be relaxed (conflict search): n is a variable; § 28 by indicator literals.
        n = LinearExpr.sum(self._vars(role)) + fixed.total
        at_least_2, at_least_4 = self.model.new_bool_var(""), self.model.new_bool_var("")
        for flag, bound in ((at_least_2, 2), (at_least_4, 4)):
            self.model.add(n >= bound).only_enforce_if(flag)
            self.model.add(n <= bound - 1).only_enforce_if(~flag)
        for count in (women, men):
            self._enforce(key, self.model.add(count >= 1), at_least_2)
            self._enforce(key, self.model.add(5 * count >= 2 * n), at_least_4)

    def score(self):
        """The score of the module docstring as a linear expression (adds the county flags)."""
        from ortools.sat.python.cp_model import LinearExpr

        terms, weights = [], []
        for i, c in enumerate(self.candidates):
            value = sum(candidate_value(self.problem, c).values())
            if value:
                for role in self.problem.roles:
                    terms.append(self.x[i, role])
                    weights.append(value)
        spread = self.problem.weights.spread
        if spread:
            for county in sorted({c.county for c in self.candidates}):
                covered = self.model.new_bool_var(f"county[{county}]")
                self.model.add(covered <= LinearExpr.sum(
                    self._vars(where=lambda c, k=county: c.county == k)))
                terms.append(covered)
                weights.append(spread)
        return LinearExpr.weighted_sum(terms, weights)

    def maximise_score(self, *, tie_break: bool = False) -> int:
        """Maximise the score; with ``tie_break``, M * score - T (see :func:`_tie_weights`).

        Returns M (1 without tie-break): the score of a solution is ceil(objective / M).
        """
        from ortools.sat.python.cp_model import LinearExpr

        if not tie_break:
            self.model.maximize(self.score())
            return 1
        weights = _tie_weights(self.problem)
        scale = self.problem.seats() * TIE_BREAK_RANGE + 1  # > any T: ties never beat score
        tie = LinearExpr.weighted_sum(
            list(self.x.values()), [weights[self.candidates[i].key, role] for i, role in self.x])
        self.model.maximize(scale * self.score() - tie)
        return scale

    def slate(self, solver) -> dict[str, list[str]]:
        return {role: [c.key for i, c in enumerate(self.candidates)
                       if solver.boolean_value(self.x[i, role])] for role in self.problem.roles}

    def hint(self, slate: Mapping[str, Iterable[str]]) -> None:
        chosen = {(key, role) for role, keys in slate.items() for key in keys}
        for (i, role), var in self.x.items():
            self.model.add_hint(var, (self.candidates[i].key, role) in chosen)


def _tie_weights(problem: Problem) -> dict[tuple[str, str], int]:
    """A fixed pseudo-random weight per (candidate key, role) in [0, TIE_BREAK_RANGE).

    Among slates with the best score CP-SAT minimises the sum T of these weights. Distinct
    slates practically never have the same T, so the optimum is unique and any search (one
    worker or many, in any thread order) proves the same slate; a hash, unlike key order, does
    not favour people whose key sorts early.
    """
    return {(c.key, role): int.from_bytes(sha256(f"{c.key}\x1f{role}".encode()).digest()[:8],
                                          "big") % TIE_BREAK_RANGE
            for c in problem.candidates for role in problem.roles}


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


# Full CP-SAT subsolvers, best first. "max_lp_sym" (every constraint in the LP, symmetries used in
# it) proves these selection problems in well under a second, also with a rule removed (binding
# analysis), where the default two-worker portfolio ("default_lp" alone) often cannot close the
# gap at all within 10 s.
PORTFOLIO = ("max_lp_sym", "default_lp", "core", "quick_restart", "no_lp", "reduced_costs")


def _solver(seconds: float, workers: int):
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    parameters = solver.parameters
    parameters.max_time_in_seconds = max(seconds, 0.01)
    parameters.num_workers = workers
    parameters.random_seed = RANDOM_SEED
    if workers == 1:  # one search: make it the "max_lp_sym" one
        parameters.linearization_level = 2
        parameters.use_symmetry_in_lp = True
        parameters.keep_symmetry_in_presolve = True
    else:
        parameters.subsolvers.extend(PORTFOLIO[:workers])
    return solver


_STATUS = {"OPTIMAL": "optimal", "FEASIBLE": "feasible", "INFEASIBLE": "infeasible",
           "UNKNOWN": "unknown"}


def _status(solver, code) -> str:
    name = solver.status_name(code)
    if name not in _STATUS:
        raise OptimiserError(f"CP-SAT returned {name}: the model is invalid")
    return _STATUS[name]


# --- solve() -------------------------------------------------------------------------------------


def solve(problem: Problem, *, time_limit: float = 10.0, workers: int = 2,
          explain: bool = True) -> SlateResult:
    """The best slate under every hard rule, lock and exclusion, with explanations.

    ``time_limit`` bounds the main solve; explanations (binding rules when ``explain``, the
    minimal conflict set when infeasible) take at most another ``time_limit`` seconds.
    """
    began = time.perf_counter()
    model = _Model(problem, problem.items(), literals=False)
    scale = model.maximise_score(tie_break=True)
    solver = _solver(time_limit, workers)
    status = _status(solver, solver.solve(model.model))
    solve_seconds = time.perf_counter() - began
    if status == "infeasible":
        return _infeasible(problem, solve_seconds, time_limit)
    if status == "unknown":
        return SlateResult("unknown", False, None, None, {}, solve_seconds)
    keys = model.slate(solver)
    score, slate = score_slate(problem, keys)
    if score != _ceil_div(round(solver.objective_value), scale):
        raise OptimiserError(f"CP-SAT objective {solver.objective_value} != score {score}")
    checks = tuple(check(problem, keys))
    if not all(c.held for c in checks if c.hard):
        raise OptimiserError(f"CP-SAT slate breaks {[c.key for c in checks if not c.held]}")
    result = {"status": status, "proven_optimal": status == "optimal", "score": score,
              "objective_bound": _ceil_div(round(solver.best_objective_bound), scale),
              "slate": slate, "solve_seconds": solve_seconds, "checks": checks}
    if explain:
        began = time.perf_counter()
        binding, skipped = _binding(problem, keys, score, time_limit, workers)
        result |= {"binding": binding, "binding_skipped": skipped,
                   "explain_seconds": time.perf_counter() - began}
    return SlateResult(**result)


def find_slate(problem: Problem, *, only: Iterable[str] | None = None, time_limit: float = 10.0,
               workers: int = 2) -> dict[str, list[str]] | None:
    """Any composition satisfying the items ``only`` (default: all), or None if there is none.

    No objective: this answers "can these rules hold together?" (used to verify conflict sets).
    Without ``"seats"`` among the items the number of appointees per role is free.
    Raises OptimiserError when the time limit is reached without an answer.
    """
    items = problem.items() if only is None else list(only)
    unknown = set(items) - set(problem.items())
    if unknown:
        raise ValueError(f"unknown items: {sorted(unknown)}")
    model = _Model(problem, items, literals=False)
    solver = _solver(time_limit, workers)
    status = _status(solver, solver.solve(model.model))
    if status == "unknown":
        raise OptimiserError("no answer within the time limit")
    return None if status == "infeasible" else model.slate(solver)


# --- Binding rules -------------------------------------------------------------------------------


def _tight(problem: Problem, key: str, slate: Mapping[str, list[str]]) -> bool:
    """Whether a hard rule is at its bound in the slate, so relaxing it may pay (locks and
    exclusions always are)."""
    if key.startswith((LOCKED, EXCLUDED)):
        return True
    rule = problem.rule(key)
    pairs = _composition(problem, slate)
    chosen = {c.key for c, _role in pairs}
    if rule.kind == RuleKind.NETWORK:
        return any(not c.network_member for c in problem.candidates)
    if rule.kind == RuleKind.MAX_LOAD:
        return any(_overloaded(rule, c) for c in problem.candidates)
    if rule.kind == RuleKind.ONE_PER_ORGANISATION:
        used = {c.organisation for c, _role in pairs}
        return any(c.organisation in used and c.key not in chosen for c in problem.candidates)
    if rule.kind == RuleKind.COMPETENCES:
        return any(sum(q in c.competences for c, _r in pairs) == 1 for q in rule.params["required"])
    return any((result.min and result.actual == result.min)
               or (result.max is not None and result.actual == result.max)
               for result in _check_rule(problem, rule, pairs))


def _binding(problem, slate, score, time_limit, workers) -> tuple[tuple, tuple]:
    """Re-solve without each tight hard rule, lock and exclusion, within ``time_limit`` in all."""
    deadline = time.perf_counter() + time_limit
    keys = [k for k in problem.items() if k != SEATS and _tight(problem, k, slate)]
    if not keys:
        return (), ()
    # Built once with a literal per item, cloned per re-solve; "seats" is never relaxed here.
    base = _Model(problem, problem.items(), literals=True, seats_fixed=True)
    base.maximise_score()
    base.hint(slate)  # the slate stays feasible without any rule: a first solution for free
    binding, skipped = [], []
    for key in keys:
        left = deadline - time.perf_counter()
        if left <= 0.05:
            skipped.append(key)
            continue
        model = base.model.clone()
        for other, literal in base.literal.items():
            if other != key:
                model.add(model.get_bool_var_from_proto_index(literal.index) == 1)
        solver = _solver(min(left, max(1.0, time_limit / 4)), workers)
        status = _status(solver, solver.solve(model))
        improvement = round(solver.objective_value) - score if status != "unknown" else 0
        if improvement > 0:
            binding.append(_binding_item(problem, key, improvement, status == "optimal"))
        elif status != "optimal":
            skipped.append(key)  # stopped before a proof either way
    return tuple(binding), tuple(skipped)


def _binding_item(problem: Problem, key: str, improvement: int, proven: bool) -> Binding:
    label = _item_statement(problem, key)
    if proven:
        text = ngettext("%(rule)s: without it the score would be %(count)s point higher",
                        "%(rule)s: without it the score would be %(count)s points higher",
                        improvement)
    else:
        text = ngettext("%(rule)s: without it the score would be at least %(count)s point higher",
                        "%(rule)s: without it the score would be at least %(count)s points higher",
                        improvement)
    return Binding(key, item_kind(problem, key), improvement, proven,
                   _fmt(text, rule=label, count=improvement))


# --- Conflicts -----------------------------------------------------------------------------------


class _ConflictSearch:
    """Infeasibility tests of subsets of items on one model with enforcement literals."""

    def __init__(self, problem: Problem, deadline: float, workers: int):
        self.problem, self.deadline, self.workers = problem, deadline, workers
        self.model = _Model(problem, problem.items(), literals=True)
        self.by_index = {lit.index: key for key, lit in self.model.literal.items()}
        self.order = {key: n for n, key in enumerate(problem.items())}

    def infeasible(self, items: list[str]) -> tuple[bool | None, list[str]]:
        """(True, core) if the items cannot hold together; (False, []) if they can; None: time."""
        left = self.deadline - time.perf_counter()
        if left <= 0:
            return None, []
        self.model.model.clear_assumptions()
        self.model.model.add_assumptions([self.model.literal[k] for k in items])
        solver = _solver(left, self.workers)
        status = _status(solver, solver.solve(self.model.model))
        if status == "infeasible":
            core = {self.by_index[i] for i in solver.sufficient_assumptions_for_infeasibility()}
            return True, sorted(core & set(items), key=self.order.__getitem__)
        return (None, []) if status == "unknown" else (False, [])

    def minimal(self) -> tuple[list[str], bool]:
        """A minimal conflicting set by a deletion filter (and whether it is proven minimal)."""
        items = self.problem.items()
        verdict, core = self.infeasible(items)
        if verdict is not True:
            return items, False
        current = core or items
        verdict, core = self.infeasible(current)
        if verdict is not True:  # the core alone is not infeasible: start from every item
            current = items
        elif core:
            current = core
        proven, i = True, 0
        while i < len(current):
            trial = current[:i] + current[i + 1:]
            verdict, core = self.infeasible(trial)
            if verdict is True:
                # Every item before i is needed by a superset, so it is in any infeasible subset:
                # the core keeps them, in order, and the scan goes on at position i.
                current = core if core else trial
            else:
                proven = proven and verdict is False
                i += 1
        verdict, _core = self.infeasible(current)  # the last core was CP-SAT's word: verify it
        if verdict is False:
            return items, False
        return current, proven and verdict is True


def _infeasible(problem: Problem, solve_seconds: float, time_limit: float) -> SlateResult:
    began = time.perf_counter()
    search = _ConflictSearch(problem, began + time_limit, workers=1)  # one worker: repeatable
    keys, minimal = search.minimal()
    conflicts = tuple(Conflict(k, item_kind(problem, k), _item_message(problem, k)) for k in keys)
    return SlateResult("infeasible", False, None, None, {}, solve_seconds,
                       conflicts=conflicts, conflicts_minimal=minimal,
                       summary=_summary(problem, keys, conflicts),
                       explain_seconds=time.perf_counter() - began)


def _item_statement(problem: Problem, key: str) -> str:
    if key == SEATS:
        return _seats_statement(problem)
    if key.startswith(LOCKED):
        return _lock_text(problem, key[len(LOCKED):])
    if key.startswith(EXCLUDED):
        return _fmt(_("%(name)s is excluded from the slate"),
                    name=problem.candidate(key[len(EXCLUDED):]).name)
    return problem.rule(key).describe()


def _pool(problem: Problem, where) -> int:
    return sum(1 for c in problem.candidates if where(c))


def _item_message(problem: Problem, key: str) -> str:
    """The item's statement with the fact about the candidates that makes it hard to meet."""
    if key == SEATS:
        seats, nominated = problem.seats(), len(problem.candidates)
        fact = None if nominated >= seats else _fmt(ngettext(
            "only %(count)s candidate is nominated", "only %(count)s candidates are nominated",
            nominated), count=nominated)
        return _but(_seats_statement(problem), fact)
    rule = problem.rule(key)
    if rule is None:
        return _item_statement(problem, key)
    if rule.kind == RuleKind.GENDER_BALANCE:
        return "; ".join(_gender_messages(problem, rule))
    return _but(rule.describe(), _rule_fact(problem, rule))


def _rule_fact(problem: Problem, rule: Rule) -> str | None:
    p, kind, seats = rule.params, rule.kind, problem.seats()
    if kind in SEAT_COUNT_KINDS:
        pool = _pool(problem, lambda c: in_scope(rule, c))
        if pool >= p["min"]:
            return None
        if kind == RuleKind.COUNTY_SEATS:
            if pool == 0:
                return _fmt(_("no candidate is from %(name)s"), name=_subject(rule))
            return _fmt(ngettext("only %(count)s candidate is from %(name)s",
                                 "only %(count)s candidates are from %(name)s", pool),
                        count=pool, name=_subject(rule))
        return _qualify(pool)
    if kind == RuleKind.NETWORK:
        pool = _pool(problem, lambda c: c.network_member)
        return None if pool >= seats else _fmt(ngettext(
            "only %(count)s candidate comes from a network member",
            "only %(count)s candidates come from network members", pool), count=pool)
    if kind == RuleKind.ONE_PER_ORGANISATION:
        pool = len({c.organisation for c in problem.candidates})
        return None if pool >= seats else _fmt(ngettext(
            "the candidates come from only %(count)s organisation",
            "the candidates come from only %(count)s organisations", pool), count=pool)
    if kind == RuleKind.MAX_LOAD:
        pool = _pool(problem, lambda c: not _overloaded(rule, c))
        return None if pool >= seats else _qualify(pool)
    if kind == RuleKind.COMPETENCES:
        held = set().union(*(c.competences for c in problem.candidates))
        missing = sorted(p["required"] - held)
        return _fmt(_("no candidate has competence in %(competences)s"),
                    competences=_and(missing)) if missing else None
    pool = _pool(problem, lambda c: c.incumbent)
    if pool >= p["min"]:
        return None
    if pool == 0:
        return _("no incumbent is nominated")
    return _fmt(ngettext("only %(count)s incumbent is nominated",
                         "only %(count)s incumbents are nominated", pool), count=pool)


def _qualify(pool: int) -> str:
    if pool == 0:
        return _("no candidate qualifies")
    return _fmt(ngettext("only %(count)s candidate qualifies",
                         "only %(count)s candidates qualify", pool), count=pool)


def _gender_messages(problem: Problem, rule: Rule) -> list[str]:
    short, plain = [], []
    for role in rule.params["roles"]:
        if role not in problem.roles:
            continue
        fixed = problem.fixed_members(role)
        n = problem.seats(role) + fixed.total
        need = gender_minimum(n)
        if need == 0:
            continue
        statement = _gender_statement(problem, role, n, need)
        plain.append(statement)
        for gender in ("female", "male"):
            count = getattr(fixed, gender) + _pool(problem, lambda c, g=gender: c.gender == g)
            if count < need:
                short.append(_but(statement, _gender_fact(gender, count, bool(fixed.total))))
    return short or plain or [rule.describe()]


def _summary(problem: Problem, keys: list[str], conflicts: tuple[Conflict, ...]) -> str:
    """One sentence for the whole conflict set."""
    if len(conflicts) == 1:
        return conflicts[0].message + "."
    seat_rules = [problem.rule(k) for k in keys if k != SEATS]
    if SEATS in keys and len(seat_rules) == 1 and seat_rules[0] is not None:
        rule = seat_rules[0]  # e.g. too few candidates from network members for the seats
        if rule.kind == RuleKind.GENDER_BALANCE:
            return conflicts[1].message + "."
        fact = _rule_fact(problem, rule)
        if fact:
            return _fmt(_("%(rule)s, but %(fact)s for %(seats)s."), rule=rule.describe(),
                        fact=fact, seats=_and([_seats(g.count, g.role)
                                               for g in _ordered_groups(problem)]))
    if SEATS in keys and seat_rules and all(
            r is not None and r.kind in SEAT_COUNT_KINDS and r.params["min"] > 0
            for r in seat_rules):
        summary = _seat_shortage(problem, seat_rules)
        if summary:
            return summary
    return _fmt(_("These cannot all hold together: %(items)s."),
                items="; ".join(c.message for c in conflicts))


def _seat_shortage(problem: Problem, rules: list[Rule]) -> str | None:
    """"3 counties must each have a seat, but only 2 seats are open", when that is the reason."""
    roles = {r.params["role"] for r in rules}
    if len(roles) != 1:
        return None
    role = roles.pop()
    groups = [frozenset(c.key for c in problem.candidates if in_scope(r, c)) for r in rules]
    if sum(len(g) for g in groups) != len(frozenset().union(*groups)):
        return None  # overlapping groups: the sum of minimums is not the reason
    need, available = sum(r.params["min"] for r in rules), problem.seats(role)
    if need <= available:
        return None
    if all(r.kind == RuleKind.COUNTY_SEATS and r.params["min"] == 1 for r in rules):
        return _fmt(ngettext("%(count)s county must have a seat, but %(open)s.",
                             "%(count)s counties must each have a seat, but %(open)s.",
                             len(rules)), count=len(rules), open=_open(available, role))
    return _fmt(_("%(rules)s need at least %(need)s seats together, but %(open)s."),
                rules=_and([_subject(r) for r in rules]), need=need, open=_open(available, role))


# --- greedy(): the baseline ----------------------------------------------------------------------


def greedy(problem: Problem) -> SlateResult:
    """Locked candidates first, then the rest by their own score (ties by key), no look-ahead.

    Members are filled before deputies. A candidate is skipped only when excluded, when their
    organisation already has a seat (if there is a ONE_PER_ORGANISATION rule) or when the seat
    would overload them (MAX_LOAD); other rules may break, and ``checks`` says which.
    """
    began = time.perf_counter()
    one_per_org = any(r.kind == RuleKind.ONE_PER_ORGANISATION for r in problem.rules)
    loads = [r for r in problem.rules if r.kind == RuleKind.MAX_LOAD]
    left = {g.role: g.count for g in problem.groups}
    slate: dict[str, list[str]] = {role: [] for role in problem.roles}
    used: set[str] = set()

    def take(candidate: Candidate, roles) -> None:
        if candidate.key in problem.excluded or any(k == candidate.key for ks in slate.values()
                                                    for k in ks):
            return
        if one_per_org and candidate.organisation in used:
            return
        if any(_overloaded(rule, candidate) for rule in loads):
            return
        role = next((r for r in roles if left[r] > 0), None)
        if role:
            slate[role].append(candidate.key)
            left[role] -= 1
            used.add(candidate.organisation)

    for key, role in problem.locked.items():
        take(problem.candidate(key), [role] if role else problem.roles)
    ranked = sorted(problem.candidates,
                    key=lambda c: (-sum(candidate_value(problem, c).values()), c.key))
    for candidate in ranked:
        take(candidate, problem.roles)
    score, appointees = score_slate(problem, slate)
    checks = tuple(check(problem, slate))
    status = "feasible" if all(c.held for c in checks) else "broken"
    return SlateResult(status, False, score, None, appointees, time.perf_counter() - began,
                       method="greedy", checks=checks)
