"""Reads of cases and anchoring, restricted to what the reader may see.

Openness in one place: pages, API, feeds, exports and search all call these functions.
- A case is listed for everyone once announced; a draft only for those who manage it.
- Its content (summary, documents, inputs, synthesis, position texts) is public unless the case
  is exempted; then only the secretariat, the owning body's secretary and the owning body's
  current members see it. An exempted document or round is hidden the same way inside a public
  case. Metadata (number, title, type, owner, status, dates, steps) and the legal basis are
  always public.
- Submitted inputs are public when their round has closed (unless exempted); before that an
  organisation sees its own. Drafts are seen only by the organisation's contacts.
Every list here runs a fixed number of queries whatever the number of rows.
"""

from __future__ import annotations

import datetime
import statistics
from collections import defaultdict

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.access import has_perm, scope_ids
from core.models import valid_on_q
from register.models import NetworkMembership, Organisation
from structure.models import Membership

from .models import (
    AnchoringStep,
    Case,
    CaseDocument,
    CaseStatus,
    Input,
    InputRound,
    Invitation,
    Meeting,
    Resolution,
    RoundResponse,
    StepStatus,
)

# --- who may see what --------------------------------------------------------------------------


_UNSET = object()


def managed_bodies(user) -> list[int] | None:
    """Bodies whose cases ``user`` runs (None: all, for the secretariat). Read once per user
    object, so pages checking many cases ask once."""
    cached = getattr(user, "_samstyring_managed_bodies", _UNSET)
    if cached is _UNSET:
        ids = scope_ids(user, "cases.manage")
        cached = None if ids is None else list(ids)
        if getattr(user, "is_authenticated", False):
            user._samstyring_managed_bodies = cached
    return cached


def privileged_bodies(user) -> list[int] | None:
    """Bodies whose exempt content ``user`` may read: those they run, and those they are a
    current member of (through the person their login is linked to). None means all. Read
    once per user object."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_samstyring_case_bodies", _UNSET)
    if cached is _UNSET:
        managed = managed_bodies(user)
        if managed is None:
            cached = None
        else:
            member_of = []
            if getattr(user, "person_id", None):
                member_of = list(Membership.objects.filter(valid_on_q(),
                                                           person_id=user.person_id)
                                 .values_list("seat__body_id", flat=True))
            cached = sorted(set(managed) | set(member_of))
        user._samstyring_case_bodies = cached
    return cached


def visible_q(user, prefix: str = "") -> Q:
    """Q over Case (at ``prefix``, e.g. "step__case__") for the cases ``user`` may see listed:
    every announced case, and drafts of bodies they run. A join, not a subquery, so lists
    ordered by their own index stay fast."""
    managed = managed_bodies(user) if getattr(user, "is_authenticated", False) else []
    if managed is None:
        return Q()
    query = ~Q(**{f"{prefix}status": CaseStatus.DRAFT})
    return query | Q(**{f"{prefix}owner_id__in": managed}) if managed else query


def published_q(prefix: str = "") -> Q:
    """Q over Case for announced cases (lists of what is coming or decided never show drafts)."""
    return ~Q(**{f"{prefix}status": CaseStatus.DRAFT})


def day_start(day: datetime.date) -> datetime.datetime:
    """The first moment of ``day`` in local time: compare timestamps with it, never cast each
    row's timestamp to a date (which SQLite cannot answer from an index)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def cases_visible(user) -> QuerySet:
    """Cases ``user`` may see listed: every announced case, and drafts of bodies they run."""
    return Case.objects.filter(visible_q(user))


def content_q(user, prefix: str = "") -> Q:
    """Q over Case (at ``prefix``) for cases whose content ``user`` may read."""
    bodies = privileged_bodies(user)
    if bodies is None:
        return Q()
    public = Q(**{f"{prefix}exempt": False})
    return public | Q(**{f"{prefix}owner_id__in": bodies}) if bodies else public


def can_read_content(user, case: Case) -> bool:
    """Content of a case: never of a draft the reader may not see; else public unless
    exempt, and then only for the owning body (``privileged_bodies``)."""
    if not case_listed(user, case):
        return False
    if not case.exempt:
        return True
    bodies = privileged_bodies(user)
    return bodies is None or case.owner_id in bodies


# The fields of a case's change log shown to those who may not read its content: its metadata.
# A list of what may be shown, so a field added later stays hidden until it is named here.
CASE_METADATA_FIELDS = frozenset({
    "year", "sequence", "title", "case_type", "owner", "status", "exempt", "exemption_basis",
    "created_at", "announced_at", "decided_at", "topics"})


def case_history_fields(user, case: Case) -> frozenset | None:
    """The fields of ``case``'s change log ``user`` may see (None: all of them)."""
    return None if can_read_content(user, case) else CASE_METADATA_FIELDS


def can_manage(user, obj) -> bool:
    return getattr(user, "is_authenticated", False) and has_perm(user, "cases.manage", obj)


def documents_visible(user, case: Case) -> QuerySet:
    """The documents of ``case`` whose content ``user`` may read (others: metadata only)."""
    documents = case.documents.all()
    if not can_read_content(user, case):
        return documents.none()
    bodies = privileged_bodies(user)
    if bodies is None or case.owner_id in bodies:
        return documents
    return documents.filter(exempt=False)


def round_content_visible(user, round_: InputRound) -> bool:
    """May ``user`` read the round's inputs from other organisations and its synthesis?"""
    case = round_.step.case
    if not case_listed(user, case):
        return False
    bodies = privileged_bodies(user)
    if bodies is None or case.owner_id in (bodies or []):
        return True
    return (not case.exempt and not round_.exempt and round_.closes_at <= timezone.now())


def inputs_visible(user, round_: InputRound) -> QuerySet:
    """Submitted inputs of ``round_`` that ``user`` may read, with their current version."""
    inputs = (round_.inputs.exclude(current=None)
              .select_related("organisation", "organisation__county", "current"))
    if round_content_visible(user, round_):
        return inputs
    own = scope_ids(user, "cases.submit_input") if getattr(user, "is_authenticated",
                                                           False) else []
    return inputs.filter(organisation_id__in=list(own or []))


def own_input(user, round_: InputRound, organisation: Organisation) -> Input | None:
    """The organisation's input (draft and versions) for a contact acting for it."""
    if not (getattr(user, "is_authenticated", False)
            and has_perm(user, "cases.submit_input", organisation)):
        return None
    return (Input.objects.filter(round=round_, organisation=organisation)
            .select_related("current").prefetch_related("versions").first())


def submitting_organisations(user, round_: InputRound) -> QuerySet:
    """The invited organisations ``user`` may submit input for."""
    if not getattr(user, "is_authenticated", False):
        return Organisation.objects.none()
    ids = scope_ids(user, "cases.submit_input")
    invited = Organisation.objects.filter(
        Exists(Invitation.objects.filter(round=round_, organisation=OuterRef("pk"))))
    if ids is None:
        return invited.order_by("name")
    return invited.filter(pk__in=list(ids)).order_by("name")


# --- lists and pages -----------------------------------------------------------------------

def case_list(user, *, status: str = "", body: int | None = None, topic: str = "",
              case_type: str = "", q: str = "") -> QuerySet:
    """Cases for the list page and API, newest first, with owner and topics prefetched.

    Free-text search matches number and title (metadata) for everyone, and the summary only
    where the reader may see content, so an exempt summary is never found by its words.
    """
    cases = cases_visible(user).select_related("owner").prefetch_related("topics")
    if status:
        cases = cases.filter(status=status)
    if body:
        cases = cases.filter(owner_id=body)
    if topic:
        cases = cases.filter(topics__slug=topic)
    if case_type:
        cases = cases.filter(case_type=case_type)
    if q:
        cases = cases.filter(_search_q(user, q.strip()))
    return cases.order_by("-year", "-sequence")


def _search_q(user, q: str) -> Q:
    query = Q(title__icontains=q) | Q(summary__icontains=q) & content_q(user)
    if "/" in q:
        year, _sep, seq = q.partition("/")
        if year.isdigit() and seq.isdigit():
            query |= Q(year=2000 + int(year) % 100, sequence=int(seq))
    return query


def case_detail(user, pk: int) -> Case | None:
    return (cases_visible(user).select_related("owner", "source_report")
            .prefetch_related("topics", "related",
                              Prefetch("steps", queryset=AnchoringStep.objects
                                       .select_related("body").prefetch_related(
                                           Prefetch("rounds", queryset=InputRound.objects
                                                    .annotate(submitted=_count(
                                                        Input.objects.filter(
                                                            current__isnull=False)),
                                                        invited=_count(Invitation.objects))),
                                           Prefetch("resolutions", queryset=Resolution.objects
                                                    .prefetch_related("considered"))))
                              ).filter(pk=pk).first())


def _count(queryset) -> Subquery:
    """The number of ``queryset``'s rows of the outer round (a subquery, no join fan-out)."""
    return Coalesce(Subquery(queryset.filter(round=OuterRef("pk")).order_by()
                             .values("round").annotate(n=Count("pk")).values("n")), 0)


def round_audience(round_: InputRound, on: datetime.date | None = None) -> QuerySet:
    """The member organisations a round is for, computed from its audience (used when the
    round is set up; afterwards ``Invitation`` keeps who was asked)."""
    members = Organisation.objects.members().valid_on(on)
    if round_.all_members:
        return members
    network_members = NetworkMembership.objects.filter(
        valid_on_q(on), network__in=round_.networks.all()).values("organisation_id")
    body_members = Membership.objects.filter(
        valid_on_q(on), seat__body__in=round_.bodies.all()).values("organisation_id")
    return members.filter(Q(county__in=round_.counties.all()) | Q(pk__in=network_members)
                          | Q(pk__in=body_members))


def rounds_open(user, now: datetime.datetime | None = None) -> QuerySet:
    now = now or timezone.now()
    return (InputRound.objects.filter(opens_at__lte=now, closes_at__gt=now)
            .filter(published_q("step__case__"))
            .select_related("step__case__owner", "step__body").order_by("closes_at", "pk"))


def upcoming(user, *, today: datetime.date | None = None) -> dict:
    """"Kommende saker": planned steps and meetings from today on, by date."""
    today = today or timezone.localdate()
    steps = (AnchoringStep.objects.filter(planned_date__gte=today,
                                          status__in=[StepStatus.PLANNED, StepStatus.ONGOING])
             .filter(published_q("case__"))
             .select_related("case", "case__owner", "body").order_by("planned_date", "pk"))
    meetings = (Meeting.objects.filter(starts_at__gte=day_start(today))
                .exclude(status=Meeting.Status.CANCELLED)
                .select_related("body").order_by("starts_at", "pk"))
    return {"steps": steps, "meetings": meetings}


def decisions_recent(user) -> QuerySet:
    """Published positions and decisions, newest first (for the decisions feed)."""
    return (Resolution.objects
            .filter(published_q("step__case__"))
            .select_related("step__case", "step__case__owner", "step__body")
            .order_by("-published_at", "-pk"))


def meetings_of(body=None) -> QuerySet:
    meetings = Meeting.objects.select_related("body").prefetch_related("items__case")
    return meetings.filter(body=body) if body is not None else meetings


# --- the anchoring trail -------------------------------------------------------------------

def round_trail(round_: InputRound) -> dict:
    """Who was invited, who answered, response rates by county and by organisation kind."""
    return round_trails([round_])[round_.pk]


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def case_notice_days(case: Case) -> int | None:
    """Days between the case's first announcement and its decision (kept when decided)."""
    return case.notice_days


# --- the sector dashboard ------------------------------------------------------------------

def sector_dashboard(*, years: int = 10, today: datetime.date | None = None) -> dict:
    """Where anchoring is weak over the last ``years`` years: response rates by county and
    year, median notice before decisions, and cases decided without any input round (public
    cases only)."""
    today = today or timezone.localdate()
    first_year = today.year - years + 1
    rows = (RoundResponse.objects
            .filter(public=True, year__gte=first_year, closes_at__lte=timezone.now())
            .values("year", "county__name")
            .annotate(invited=Sum("invited"), answers=Sum("answered"))
            .order_by("county__name", "year"))
    rates: dict[str, dict[int, tuple]] = defaultdict(dict)
    for row in rows:
        rates[row["county__name"] or "–"][row["year"]] = (
            row["invited"], row["answers"], _rate(row["answers"], row["invited"]))
    notice = list(Case.objects.filter(notice_days__isnull=False, exempt=False,
                                      decided_at__gte=day_start(datetime.date(first_year, 1, 1)))
                  .values_list("notice_days", flat=True))
    without = (Case.objects.filter(decided_at__gte=day_start(datetime.date(first_year, 1, 1)),
                                   exempt=False)
               .exclude(Exists(InputRound.objects.filter(step__case=OuterRef("pk"))))
               .select_related("owner").order_by("-decided_at"))
    return {"years": list(range(first_year, today.year + 1)), "rates": dict(sorted(rates.items())),
            "median_notice": statistics.median(notice) if notice else None,
            "decided_count": len(notice), "without_input": without}




# --- batch reads for pages (added with the pages; same rules as above) ----------------------

def round_trails(rounds) -> dict[int, dict]:
    """``round_trail`` for several rounds at once (a case page): two queries, whatever the
    number of rounds, from the response counts the services keep (``RoundResponse``). Keyed by
    round id; a round without invitations has an empty trail."""
    ids = [r.pk for r in rounds]
    counts = defaultdict(lambda: (defaultdict(lambda: [0, 0]), defaultdict(lambda: [0, 0])))
    for row in (RoundResponse.objects.filter(round_id__in=ids)
                .values("round_id", "county__name", "organisation_kind", "invited", "answered")):
        by_county, by_kind = counts[row["round_id"]]
        for table, key in ((by_county, row["county__name"] or "–"),
                           (by_kind, row["organisation_kind"])):
            table[key][0] += row["invited"]
            table[key][1] += row["answered"]
    late = dict(Input.objects.filter(round_id__in=ids, current__late=True)
                .values("round_id").annotate(n=Count("pk")).values_list("round_id", "n"))
    trails = {}
    for pk in ids:
        by_county, by_kind = counts[pk]
        invited = sum(v[0] for v in by_county.values())
        answered_n = sum(v[1] for v in by_county.values())
        trails[pk] = {
            "invited": invited, "answered": answered_n, "late": late.get(pk, 0),
            "rate": _rate(answered_n, invited),
            "by_county": [(k, v[0], v[1], _rate(v[1], v[0])) for k, v in sorted(by_county.items())],
            "by_kind": [(k, v[0], v[1], _rate(v[1], v[0])) for k, v in sorted(by_kind.items())]}
    return trails


def readable_documents(user, documents) -> list[CaseDocument]:
    """Of ``documents`` (each with its case loaded), those ``user`` may download, without a
    query per document (a meeting's papers across many cases)."""
    return [document for document in documents if document_visible(user, document)]


# --- object checks and lists for the API and feeds ---------------------------------------------

def case_listed(user, case: Case) -> bool:
    """``cases_visible`` for one loaded case: announced, or a draft of a body ``user`` runs
    (no query after the first for a user object)."""
    if case.status != CaseStatus.DRAFT:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    managed = managed_bodies(user)
    return managed is None or case.owner_id in managed


def reads_exempt_parts(user, case: Case) -> bool:
    """May ``user`` read the exempted documents and rounds of ``case`` (and, if the case itself
    is exempt, its content)? The secretariat, the owning body's secretary and members."""
    bodies = privileged_bodies(user)
    return bodies is None or case.owner_id in bodies


def document_visible(user, document: CaseDocument) -> bool:
    """``documents_visible`` for one document with its case loaded (no query)."""
    case = document.case
    return (case_listed(user, case) and can_read_content(user, case)
            and (not document.exempt or reads_exempt_parts(user, case)))


def round_text_visible(user, round_: InputRound) -> bool:
    """May ``user`` read a round's description and questions? Public from the start (they are
    the call for input) unless the case or the round is exempted; its inputs, themes and
    synthesis follow ``round_content_visible``."""
    case = round_.step.case
    return can_read_content(user, case) and (not round_.exempt or reads_exempt_parts(user, case))


def rounds_visible(user) -> QuerySet:
    """Input rounds of the cases ``user`` may see listed, with their step, body and case."""
    return (InputRound.objects.filter(visible_q(user, "step__case__"))
            .select_related("step__body", "step__case__owner"))


def calendar(*, since: datetime.date, until: datetime.date, body=None,
             limit: int = 300) -> dict:
    """The calendar from ``since`` to ``until`` (for ``.ics`` feeds): meetings, planned steps of
    published cases and input round deadlines, the first ``limit`` of each, optionally of one
    body (its meetings, the steps in it, the rounds of those steps). Three queries."""
    start, end = day_start(since), day_start(until + datetime.timedelta(days=1))
    meetings = (Meeting.objects.filter(starts_at__gte=start, starts_at__lt=end)
                .select_related("body"))
    steps = (AnchoringStep.objects.filter(published_q("case__"), planned_date__gte=since,
                                          planned_date__lte=until)
             .exclude(status=StepStatus.SKIPPED).select_related("case", "body"))
    rounds = (InputRound.objects.filter(published_q("step__case__"), closes_at__gte=start,
                                        closes_at__lt=end)
              .select_related("step__case", "step__body"))
    if body is not None:
        meetings = meetings.filter(body=body)
        steps = steps.filter(body=body)
        rounds = rounds.filter(step__body=body)
    return {"meetings": meetings.order_by("starts_at", "pk")[:limit],
            "steps": steps.order_by("planned_date", "pk")[:limit],
            "rounds": rounds.order_by("closes_at", "pk")[:limit]}
