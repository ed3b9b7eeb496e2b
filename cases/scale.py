"""National-scale cases for the benchmarks (a ``generate-scale`` hook).

Twenty years of fictional cases owned by the generated bodies, each with an anchoring path of
two to four steps; about three in ten have an input round (a fifth for all members, the rest for
one county), which invited organisations answered at varying rates (in all about 100,000
inputs at full volume); decided cases carry their position or decision; the generated bodies
meet four times a year with cases on the agenda. Every title carries ``(generert``, so
``--replace`` removes exactly these. Case numbers continue after the generated ones (the year
counters are raised), so a case created afterwards never collides with them.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import Count, Exists, Max, OuterRef, Q, Subquery
from django.utils import timezone

from core.scale import MARK, ScaleContext, day_between, purge, scale_hook
from register.models import Organisation

from .models import (
    AgendaItem,
    AnchoringStep,
    Case,
    CaseSequence,
    CaseStatus,
    Input,
    InputRound,
    InputVersion,
    Invitation,
    Meeting,
    Question,
    Resolution,
    RoundResponse,
    StepPurpose,
    StepStatus,
)
from .services import answers_checksum

PATHS = [
    [StepPurpose.INPUT, StepPurpose.PREPARATION, StepPurpose.POSITION, StepPurpose.DECISION],
    [StepPurpose.INPUT, StepPurpose.POSITION],
    [StepPurpose.PREPARATION, StepPurpose.DECISION],
    [StepPurpose.INPUT, StepPurpose.PREPARATION, StepPurpose.POSITION],
]
WORDS = ["digital post", "SvarUt", "arkiv", "personvern", "informasjonssikkerhet", "budsjett",
         "felles løsning", "innbyggertjenester", "e-helse", "plan og bygg", "kompetanse",
         "finansiering", "standarder", "skytjenester", "datadeling"]


def cases_clear() -> dict[str, int]:
    generated = Case.objects.filter(title__contains=MARK)
    items = purge(AgendaItem.objects.filter(meeting__title__contains=MARK))
    meetings = purge(Meeting.objects.filter(title__contains=MARK))
    resolutions = purge(Resolution.objects.filter(step__case__in=generated))
    Input.objects.filter(round__step__case__in=generated).update(current=None)
    InputVersion.objects.filter(input__round__step__case__in=generated).delete()
    inputs = purge(Input.objects.filter(round__step__case__in=generated))
    Invitation.objects.filter(round__step__case__in=generated).delete()
    purge(Question.objects.filter(round__step__case__in=generated))
    rounds = purge(InputRound.objects.filter(step__case__in=generated))
    steps = purge(AnchoringStep.objects.filter(case__in=generated))
    return {"agenda items": items, "meetings": meetings, "resolutions": resolutions,
            "inputs": inputs, "rounds": rounds, "steps": steps, "cases": purge(generated)}


def _moment(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@scale_hook("cases", order=50, clear=cases_clear)
def cases_generate(ctx: ScaleContext) -> dict[str, int]:
    rng = ctx.rng("cases")
    bodies = ctx.shared["bodies"]
    n_cases = ctx.volume("cases", full=10_000, small=100)
    target_inputs = ctx.volume("inputs", full=100_000, small=600)
    members = list(Organisation.objects.members().values_list("pk", "county_id"))
    by_county = defaultdict(list)
    for pk, county in members:
        by_county[county].append(pk)
    counties = sorted(k for k in by_county if k is not None)

    cases = _cases(ctx, rng, bodies, n_cases)
    steps = _steps(ctx, rng, cases)
    rounds, invitations = _rounds(ctx, rng, cases, steps, members, by_county, counties)
    inputs = _inputs(ctx, rng, rounds, invitations, target_inputs)
    resolutions = _resolutions(ctx, rng, steps, cases)
    meetings, items = _meetings(ctx, rng, bodies, cases)
    for year, last in (Case.objects.values_list("year").annotate(m=Max("sequence"))):
        CaseSequence.objects.update_or_create(year=year, defaults={"last": last})
    return {"cases": len(cases), "steps": len(steps), "rounds": len(rounds),
            "invitations": sum(len(v) for v in invitations.values()), "inputs": inputs,
            "resolutions": resolutions, "meetings": meetings, "agenda items": items}


def _cases(ctx, rng, bodies, n) -> list[Case]:
    years = list(range(ctx.start.year, ctx.until.year + 1))
    taken = dict(Case.objects.values_list("year").annotate(m=Max("sequence")))
    sequence = defaultdict(int, {y: taken.get(y) or 0 for y in years})
    cases = []
    for i in range(n):
        created = day_between(rng, ctx.start, ctx.until)
        sequence[created.year] += 1
        age = (ctx.until - created).days
        status = (CaseStatus.DECIDED if age > 200 and rng.random() < 0.8
                  else CaseStatus.IN_PROGRESS if age > 30 else CaseStatus.ANNOUNCED)
        exempt = rng.random() < 0.05
        announced = _moment(created)
        notice = rng.randint(30, 200)
        cases.append(Case(
            year=created.year, sequence=sequence[created.year], owner=rng.choice(bodies),
            title=f"{rng.choice(WORDS).capitalize()}: sak {i + 1} {MARK})",
            summary=f"Generert sammendrag om {rng.choice(WORDS)} {MARK})",
            case_type=rng.choice(["position", "consultation", "strategy", "funding",
                                  "solution"]),
            status=status, exempt=exempt, exemption_basis="offl-14" if exempt else "",
            announced_at=announced,
            decided_at=(_moment(created + datetime.timedelta(days=notice))
                        if status == CaseStatus.DECIDED else None),
            notice_days=notice if status == CaseStatus.DECIDED else None))
    return ctx.bulk(Case, cases, batch_size=1000)


def _steps(ctx, rng, cases) -> list[AnchoringStep]:
    steps = []
    for case in cases:
        start = case.announced_at.date()
        end = case.decided_at.date() if case.decided_at else start + datetime.timedelta(200)
        purposes = rng.choice(PATHS)
        for order, purpose in enumerate(purposes, start=1):
            planned = start + (end - start) * order / len(purposes)
            done = case.status == CaseStatus.DECIDED or planned < ctx.until
            steps.append(AnchoringStep(
                case=case, order=order, body=case.owner, purpose=purpose, planned_date=planned,
                status=StepStatus.DONE if done else StepStatus.PLANNED,
                completed_on=planned if done else None))
    return ctx.bulk(AnchoringStep, steps, batch_size=2000)


def _rounds(ctx, rng, cases, steps, members, by_county, counties):
    rounds, audiences = [], []
    for step in steps:
        if step.purpose != StepPurpose.INPUT or rng.random() > 0.6:
            continue
        opens = _moment(step.planned_date - datetime.timedelta(days=35), 9)
        everyone = rng.random() < 0.2
        county = None if everyone else rng.choice(counties)
        rounds.append(InputRound(step=step, title=f"Innspill til {step.case.title}",
                                 all_members=everyone, opens_at=opens,
                                 closes_at=opens + datetime.timedelta(days=28),
                                 allow_late=rng.random() < 0.3))
        audiences.append([pk for pk, _c in members] if everyone else by_county[county])
    rounds = ctx.bulk(InputRound, rounds, batch_size=1000)
    through = InputRound.counties.through
    through.objects.bulk_create([through(inputround_id=r.pk, county_id=county)
                                 for r, audience in zip(rounds, audiences, strict=True)
                                 if not r.all_members
                                 for county in {_county_of(audience[0], members)}],
                                batch_size=2000)
    ctx.bulk(Question, [Question(round=r, order=1, text="Hva mener kommunen? (generert)")
                        for r in rounds], batch_size=2000)
    invitations = {r.pk: audience for r, audience in zip(rounds, audiences, strict=True)}
    Invitation.objects.bulk_create([Invitation(round_id=pk, organisation_id=org)
                                    for pk, audience in invitations.items() for org in audience],
                                   batch_size=5000)
    return rounds, invitations


def _county_of(organisation, members):
    return next(county for pk, county in members if pk == organisation)


def _inputs(ctx, rng, rounds, invitations, target) -> int:
    total_invited = sum(len(v) for v in invitations.values()) or 1
    rate = min(1.0, target / total_invited)
    questions = dict(Question.objects.filter(round__in=rounds).values_list("round_id", "pk"))
    inputs, answers = [], []
    for round_ in rounds:
        for organisation in invitations[round_.pk]:
            if rng.random() < rate:
                inputs.append(Input(round=round_, organisation_id=organisation))
                answers.append({str(questions[round_.pk]):
                                f"Generert innspill om {rng.choice(WORDS)} og "
                                f"{rng.choice(WORDS)} {MARK})"})
    inputs = ctx.bulk(Input, inputs, batch_size=5000)
    round_of = {r.pk: r for r in rounds}
    InputVersion.objects.bulk_create([
        InputVersion(input=item, number=1, answers=given,
                     submitted_at=round_of[item.round_id].opens_at + datetime.timedelta(
                         days=rng.randint(0, 30)),
                     checksum=answers_checksum(given), idempotency_key=f"gen-{item.pk}",
                     late=False)
        for item, given in zip(inputs, answers, strict=True)], batch_size=5000)
    late = InputVersion.objects.filter(idempotency_key__startswith="gen-",
                                       submitted_at__gt=Subquery(InputRound.objects.filter(
                                           pk=OuterRef("input__round")).values("closes_at")))
    late.update(late=True)
    Input.objects.filter(round__in=rounds, current=None).update(current=Subquery(
        InputVersion.objects.filter(input=OuterRef("pk")).values("pk")[:1]))
    _responses(rounds)
    return len(inputs)


def _responses(rounds) -> None:
    """The response counts the services keep per round, for all generated rounds at once."""
    answered = Input.objects.filter(round=OuterRef("round"), organisation=OuterRef("organisation"),
                                    current__isnull=False)
    rows = (Invitation.objects.filter(round__in=rounds).annotate(has_answered=Exists(answered))
            .values("round_id", "organisation__county_id", "organisation__kind")
            .annotate(invited=Count("pk"), answered=Count("pk", filter=Q(has_answered=True))))
    round_of = {r.pk: r for r in rounds}
    RoundResponse.objects.bulk_create([
        RoundResponse(round_id=row["round_id"], county_id=row["organisation__county_id"],
                      year=timezone.localtime(round_of[row["round_id"]].closes_at).year,
                      closes_at=round_of[row["round_id"]].closes_at,
                      public=(not round_of[row["round_id"]].step.case.exempt
                              and round_of[row["round_id"]].step.case.status != "draft"),
                      organisation_kind=row["organisation__kind"], invited=row["invited"],
                      answered=row["answered"]) for row in rows], batch_size=5000)


def _resolutions(ctx, rng, steps, cases) -> int:
    resolutions = [
        Resolution(step=step, kind="decision" if step.purpose == StepPurpose.DECISION
                   else "position", text=f"Generert standpunkt {MARK})",
                   decided_on=step.completed_on)
        for step in steps
        if step.purpose in (StepPurpose.POSITION, StepPurpose.DECISION) and step.completed_on]
    return len(ctx.bulk(Resolution, resolutions, batch_size=2000))


def _meetings(ctx, rng, bodies, cases) -> tuple[int, int]:
    cases_of = defaultdict(list)
    for case in cases:
        cases_of[case.owner_id].append(case)
    meetings = []
    for body in bodies:
        for year in range(ctx.start.year, ctx.until.year + 1):
            for month in (2, 5, 9, 11):
                day = datetime.date(year, month, rng.randint(1, 25))
                meetings.append(Meeting(body=body, title=f"Møte i {body.name} {MARK})",
                                        starts_at=_moment(day, 10), ends_at=_moment(day, 14),
                                        place="Haakon VIIs gate 9, Oslo",
                                        status="held" if day < ctx.until else "planned"))
    meetings = ctx.bulk(Meeting, meetings, batch_size=2000)
    items = []
    for meeting in meetings:
        for order, case in enumerate(rng.sample(cases_of[meeting.body_id],
                                                min(3, len(cases_of[meeting.body_id]))), 1):
            items.append(AgendaItem(meeting=meeting, order=order, title=case.title, case=case))
    return len(meetings), len(ctx.bulk(AgendaItem, items, batch_size=2000))
