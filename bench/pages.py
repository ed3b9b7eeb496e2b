"""Server-side time and SQL queries of every public page and API read, as ratios to a trivial view.

    DATABASE_URL=sqlite:////tmp/scale.sqlite3 python bench/pages.py [--smoke] [--out FILE]

Generate the scale data in that database first (see bench/README.md). Every route of the
namespaces in PUBLIC_NAMESPACES and every GET operation of the API's OpenAPI schema is requested
in process with Django's test client; its arguments are real rows picked by SUBJECTS (the
biggest municipality, the county with most organisations, the body with most seats, ...).
Requests go round-robin over all targets, the trivial view included, so load from other
processes on the machine touches every figure alike. Two runs: with the page cache (core.cache:
what a repeat anonymous visitor gets) and without it (DummyCache: every request renders, as on a
cache miss). Budgets: p95 within P95_RATIO_BUDGET times the trivial view's p95 (cached run;
``--no-cache``: the uncached run), the uncached median within UNCACHED_P50_RATIO_GUARD times (a
guard against renders that grow with the data; see bench/README.md for why it is not 10×), and
fewer than QUERY_BUDGET queries (uncached run). Exits 1 naming every breach.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

if __name__ == "__main__":  # the URLconf below imports the project: set Django up first
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "false")  # no debug cursor or debug pages in the figures
    import django

    django.setup()

from django.http import HttpResponse  # noqa: E402
from django.urls import include, path  # noqa: E402

P95_RATIO_BUDGET = 10
UNCACHED_P50_RATIO_GUARD = 60
QUERY_BUDGET = 25
PUBLIC_NAMESPACES = {"core", "register", "structure", "cases", "case_feeds", "solutions"}
TRIVIAL_URL = "/__bench__/trivial/"
# Routes of those namespaces that are not pages, with the reason (no page is skipped silently).
NOT_PAGES = {"core:set_language": "the language switch: a redirect setting a cookie",
             "cases:document_download": "a file download, checked per reader and never "
                                        "cached (generated data has no documents)",
             "cases:case_export": "a bulk download of the whole filtered list (10,000 rows "
                                  "at national scale), not a page; its queries are bounded "
                                  "per 500 rows (cases/tests/test_follows_and_export.py)",
             "cases:follows": "login only: the visitor's own follows"}
# Extra variants of list pages worth their own line (the largest page a visitor can choose).
VARIANTS = {"register:organisation_list": ["?page_size=200"]}


def trivial(request):
    return HttpResponse("ok")


# The URLconf the benchmark runs under: the project's, plus the trivial view.
urlpatterns = [
    path(TRIVIAL_URL.strip("/") + "/", trivial),
    path("", include("config.urls")),
]


# --- Which real rows fill the URL arguments ----------------------------------------------------


def _organisation():
    from django.db.models import Count

    from register.models import Organisation

    oslo = Organisation.objects.filter(kind="municipality", number="0301").first()
    return oslo or (Organisation.objects.annotate(n=Count("affiliations"))
                    .order_by("-n", "pk").first())


def _most(model_path: str, related: str):
    from django.apps import apps
    from django.db.models import Count

    model = apps.get_model(model_path)
    return model.objects.annotate(n=Count(related)).order_by("-n", "pk").first()


def _first(model_path: str):
    from django.apps import apps

    return apps.get_model(model_path).objects.order_by("pk").first()


def _public_case():
    """The published case with the longest anchoring path (an exempt one shows less)."""
    from django.db.models import Count

    from cases.models import Case

    cases = Case.objects.published().annotate(n=Count("steps")).order_by("-n", "pk")
    return cases.filter(exempt=False).first() or cases.first()


def _public_round():
    """The closed, public round with most inputs: the longest list anonymous can read."""
    from django.db.models import Count
    from django.utils import timezone

    from cases.models import CaseStatus, InputRound

    rounds = InputRound.objects.annotate(n=Count("inputs")).order_by("-n", "pk")
    return (rounds.filter(closes_at__lte=timezone.now(), exempt=False, step__case__exempt=False)
            .exclude(step__case__status=CaseStatus.DRAFT).first() or rounds.first())


def _solution():
    """For the API: the pages' solution (most adoption periods among those with a benefit
    model). The routes under /api/solutions name a member too (``organisation_id``: near me, a
    member's periods): the organisation above."""
    from types import SimpleNamespace

    page = _solution_page()
    if page is None:
        return None
    return SimpleNamespace(pk=page.pk, slug=page.solution_slug,
                           organisation_id=page.organisation_pk)


def _solution_page():
    """For the pages: the solution with most adoption periods among those with a benefit model
    (its benefits page computes the most), one member's adoption of it, and the heaviest chart
    export (the grid of every member, as SVG)."""
    from types import SimpleNamespace

    from django.db.models import Count

    from solutions.models import Solution

    solutions = Solution.objects.annotate(n=Count("adoptions")).order_by("-n", "pk")
    solution = solutions.filter(benefit_model__isnull=False).first() or solutions.first()
    organisation = _organisation()
    if solution is None or organisation is None:
        return None
    return SimpleNamespace(pk=solution.pk, solution_slug=solution.slug,
                           organisation_pk=organisation.pk, chart="medlemmer", fmt="svg")


SUBJECTS = {  # subject -> the row to show (the biggest of its kind: the worst case)
    "organisation": _organisation,
    "county": lambda: _most("register.County", "organisations"),
    "network": lambda: _most("register.Network", "memberships"),
    "person": lambda: _most("register.Person", "affiliations"),
    "body": lambda: _most("structure.Body", "seats"),
    "affiliation": lambda: _first("register.Affiliation"),
    "seat": lambda: _most("structure.Seat", "memberships"),
    "membership": lambda: _first("structure.Membership"),
    "vacancy": lambda: _most("representation.Vacancy", "seats"),
    "rule": lambda: _first("representation.RepresentativityRule"),
    "case": _public_case,
    "round": _public_round,
    "meeting": lambda: _most("cases.Meeting", "items"),
    "solution": _solution,
    "solution_page": _solution_page,
}
PAGE_SUBJECTS = {"organisation_detail": "organisation", "county_detail": "county",
                 "network_detail": "network", "person_detail": "person",
                 "body_detail": "body", "organisation_history": "organisation",
                 "county_history": "county", "network_history": "network",
                 "person_history": "person", "body_history": "body",
                 "body_calendar": "body", "case_detail": "case", "case_history": "case",
                 "round_detail": "round", "meeting_detail": "meeting",
                 "solution_detail": "solution_page", "solution_members": "solution_page",
                 "solution_spread": "solution_page",
                 "solution_benefits": "solution_page", "solution_history": "solution_page",
                 "adoption_detail": "solution_page", "chart_export": "solution_page",
                 "member_profile": "organisation"}
API_SUBJECTS = {"organisations": "organisation", "counties": "county", "networks": "network",
                "people": "person", "bodies": "body", "affiliations": "affiliation",
                "seats": "seat", "memberships": "membership", "vacancies": "vacancy",
                "rules": "rule", "cases": "case", "rounds": "round", "meetings": "meeting",
                "solutions": "solution"}
# GET operations that answer only a logged-in reader (anonymous: 401/403), with the reason: the
# benchmark measures what the public gets. Their queries are bounded by their own tests.
NOT_PUBLIC_API = {
    "/api/vacancies/{id}/nominations": "nominations: the secretariat and the nominating "
                                       "organisation only",
    "/api/nominations/{id}": "nominations: the secretariat and the nominating organisation only",
    "/api/nominations/{id}/history": "nominations: the secretariat and the nominating "
                                     "organisation only",
    "/api/people/{id}/gender": "recorded gender: the secretariat only",
    "/api/vacancies/{id}/proposals": "optimiser proposals: the secretariat only",
    "/api/appointments/expiring": "the secretariat's follow-up list",
    "/api/reports/overdue": "the secretariat's follow-up list",
    "/api/appointments/{id}/history": "readers of the appointment's reports only",
    "/api/appointments/{id}/reports": "readers of the appointment's reports only",
    "/api/reports/{id}/history": "readers of the report only",
    "/api/me/appointments": "the logged-in representative's own appointments",
}


class BenchError(Exception):
    """The benchmark cannot run: missing data or a route it does not know how to fill."""


def _subject(name: str, cache: dict):
    if name not in cache:
        cache[name] = SUBJECTS[name]()
        if cache[name] is None:
            raise BenchError(f"no {name} in the database: generate the scale data first "
                             "(bench/README.md)")
    return cache[name]


def _value(obj, kwarg: str):
    """The route argument from the subject: an attribute of that name (slug, solution_slug,
    organisation_pk ...), else pk for pk/id and <model>_pk (as the case routes name it)."""
    if hasattr(obj, kwarg):
        return getattr(obj, kwarg)
    return obj.pk if kwarg in {"pk", "id"} or kwarg.endswith("_pk") else getattr(obj, kwarg)


def _walk(patterns, namespace=None):
    from django.urls import URLResolver

    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, pattern.namespace or namespace)
        elif (namespace in PUBLIC_NAMESPACES and pattern.name
              and f"{namespace}:{pattern.name}" not in NOT_PAGES):
            yield namespace, pattern


def page_targets(cache: dict) -> list[dict]:
    from django.urls import get_resolver, reverse

    targets = []
    for namespace, pattern in _walk(get_resolver(__name__).url_patterns):
        name = f"{namespace}:{pattern.name}"
        kwargs = {}
        for kwarg in pattern.pattern.regex.groupindex:
            if pattern.name not in PAGE_SUBJECTS:
                raise BenchError(f"{name} takes {kwarg!r}: add it to PAGE_SUBJECTS")
            kwargs[kwarg] = _value(_subject(PAGE_SUBJECTS[pattern.name], cache), kwarg)
        url = reverse(name, kwargs=kwargs)
        targets.append({"name": name, "kind": "page", "url": url})
        targets += [{"name": name + query, "kind": "page", "url": url + query}
                    for query in VARIANTS.get(name, [])]
    return targets


def api_targets(cache: dict) -> list[dict]:
    from config.api import api

    targets = []
    for route, operations in api.get_openapi_schema()["paths"].items():
        if "get" not in operations or route in NOT_PUBLIC_API:
            continue
        kwargs = {}
        for parameter in operations["get"].get("parameters", []):
            if parameter["in"] != "path":
                continue
            resource = route.split("/")[2]
            if resource not in API_SUBJECTS:
                raise BenchError(f"GET {route}: add {resource!r} to API_SUBJECTS")
            kwargs[parameter["name"]] = _value(
                _subject(API_SUBJECTS[resource], cache), parameter["name"])
        targets.append({"name": "GET " + route, "kind": "api", "url": route.format(**kwargs)})
    return targets


# --- Measuring ---------------------------------------------------------------------------------


def _p95(times: list[float]) -> float:
    if len(times) < 2:
        return times[0]
    return statistics.quantiles(times, n=20, method="inclusive")[18]


def measure(targets: list[dict], *, requests: int, warmup: int, prefix: str = "") -> None:
    """Fill each target with status, queries, p50_ms and p95_ms (round-robin over targets).

    ``prefix`` names the run: "" for the cached run, "uncached_" for the run without a cache.
    """
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(raise_request_exception=False)  # a failing page is a breach (status 500)
    for target in targets:
        for _ in range(warmup):
            client.get(target["url"])
        with CaptureQueriesContext(connection) as queries:
            response = client.get(target["url"])
        target[prefix + "status"], target[prefix + "queries"] = (response.status_code,
                                                                 len(queries))
        target["times"] = []
    for _ in range(requests):
        for target in targets:
            began = time.perf_counter()
            client.get(target["url"])
            target["times"].append(time.perf_counter() - began)
    for target in targets:
        times = target.pop("times")
        target[prefix + "p50_ms"] = round(statistics.median(times) * 1000, 3)
        target[prefix + "p95_ms"] = round(_p95(times) * 1000, 3)


def judge(targets: list[dict], trivial_target: dict, *, budget_on: str) -> list[str]:
    """Ratios to the trivial view's p95 (both runs), and the list of broken budgets.

    The time budget is checked on ``budget_on`` ("" = cached, "uncached_"); the query budget
    always on the uncached run, the one that does the work.
    """
    breaches = []
    for target in targets:
        for prefix in ["", "uncached_"]:
            for stat in ["p50", "p95"]:  # each against the trivial view's same statistic
                target[f"{prefix}{stat}_ratio"] = round(
                    target[f"{prefix}{stat}_ms"] / trivial_target[f"{prefix}{stat}_ms"], 2)
        problems = []
        if target["status"] != 200 or target["uncached_status"] != 200:
            problems.append(f"status {target['status']}/{target['uncached_status']}")
        ratio = target[budget_on + "p95_ratio"]
        if ratio > P95_RATIO_BUDGET:
            run = "uncached" if budget_on else "cached"
            problems.append(f"{run} p95 {ratio}× trivial > {P95_RATIO_BUDGET}×")
        # The guard is on the median: one preempted render on a busy machine moves a p95 of
        # heavy pages far more than the trivial view's, and the guard is for growth, not noise.
        if target["uncached_p50_ratio"] > UNCACHED_P50_RATIO_GUARD:
            problems.append(f"uncached p50 {target['uncached_p50_ratio']}× trivial > "
                            f"{UNCACHED_P50_RATIO_GUARD}×")
        if target["uncached_queries"] >= QUERY_BUDGET:
            problems.append(f"{target['uncached_queries']} queries ≥ {QUERY_BUDGET}")
        target["ok"] = not problems
        breaches += [f"{target['name']} ({target['url']}): {p}" for p in problems]
    return breaches


def machine() -> dict:
    from django.db import connection

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "database": connection.vendor, "load_average": list(os.getloadavg())}


def markdown(report: dict) -> str:
    """The figures as the Markdown table of bench/README.md (``--markdown``)."""
    lines = ["| page / endpoint | cached p95 × | uncached p95 × (ms) | queries |",
             "| --- | ---: | ---: | ---: |"]
    for row in report["pages"]:
        lines.append(f"| `{row['name']}` | {row['p95_ratio']:.1f} | "
                     f"{row['uncached_p95_ratio']:.1f} ({row['uncached_p95_ms']:.0f}) | "
                     f"{row['uncached_queries']} |")
    return "\n".join(lines)


def table(report: dict) -> str:
    trivial_row = report["trivial"]
    lines = [f"trivial view p95: cached run {trivial_row['p95_ms']:.2f} ms, uncached run "
             f"{trivial_row['uncached_p95_ms']:.2f} ms ({report['requests']} requests each, "
             f"{report['machine']['database']}; budget checked on the {report['budget_on']} p95)",
             f"{'page / endpoint':<48} {'p95 ms':>7} {'p95 ×':>6} {'q':>3} │ "
             f"{'uncached p95 ms':>15} {'p95 ×':>6} {'q':>3}",
             "-" * 100]
    for row in report["pages"]:
        flag = "" if row["ok"] else "  BREACH"
        lines.append(f"{row['name'][:48]:<48} {row['p95_ms']:>7.2f} {row['p95_ratio']:>6.2f} "
                     f"{row['queries']:>3} │ {row['uncached_p95_ms']:>15.2f} "
                     f"{row['uncached_p95_ratio']:>6.2f} {row['uncached_queries']:>3}{flag}")
    return "\n".join(lines)


UNCACHED = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


def run(*, requests: int, warmup: int, budget_on: str = "") -> dict:
    """Both runs: with the page cache (what repeat visitors get) and without (every cache miss).

    The uncached run swaps the cache for Django's DummyCache, so every request renders the page
    (it still computes the data version, as a real miss does).
    """
    from django.core.cache import cache
    from django.test.utils import override_settings

    # This module is the URLconf ("__main__" when run as a script: importable all the same).
    with override_settings(ROOT_URLCONF=__name__, DEBUG=False):
        subjects: dict = {}
        targets = page_targets(subjects) + api_targets(subjects)
        trivial_target = {"name": "trivial view", "kind": "trivial", "url": TRIVIAL_URL}
        with override_settings(CACHES=UNCACHED):
            measure([trivial_target, *targets], requests=requests, warmup=warmup,
                    prefix="uncached_")
        cache.clear()
        measure([trivial_target, *targets], requests=requests, warmup=warmup)
    breaches = judge(targets, trivial_target, budget_on=budget_on)
    return {"date": datetime.datetime.now().isoformat(timespec="seconds"), "machine": machine(),
            "requests": requests, "warmup": warmup,
            "budget": {"p95_ratio": P95_RATIO_BUDGET, "queries_below": QUERY_BUDGET,
                       "uncached_p50_ratio_guard": UNCACHED_P50_RATIO_GUARD},
            "budget_on": "uncached" if budget_on else "cached",
            "trivial": trivial_target, "pages": targets, "breaches": breaches,
            "not_public": NOT_PUBLIC_API}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true",
                        help="a short warm-up, for CI (50 requests each: with fewer, two "
                        "stray pauses of a busy machine decide a p95)")
    parser.add_argument("--requests", type=int, help="timed requests per target (default 50)")
    parser.add_argument("--report-only", action="store_true",
                        help="print broken budgets but exit 0 (errors still exit 2)")
    parser.add_argument("--no-cache", action="store_true",
                        help="check the time budget on the uncached run (every request a cache "
                        "miss) instead of the cached run; both are always reported")
    parser.add_argument("--out", default=str(ROOT / "bench" / "out" / "pages.json"))
    parser.add_argument("--markdown", action="store_true",
                        help="also print the figures as a Markdown table (for bench/README.md)")
    args = parser.parse_args(argv)
    requests = args.requests or 50

    try:
        report = run(requests=requests, warmup=2 if args.smoke else 5,
                     budget_on="uncached_" if args.no_cache else "")
    except BenchError as error:
        print(f"bench/pages.py: {error}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(table(report))
    print(f"Not measured ({len(NOT_PUBLIC_API)} API reads need a login: see NOT_PUBLIC_API).")
    if args.markdown:
        print("\n" + markdown(report))
    print(f"JSON: {out}")
    if report["breaches"]:
        print("\nBudget broken:\n  " + "\n  ".join(report["breaches"]), file=sys.stderr)
        return 0 if args.report_only else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
