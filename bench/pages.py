"""Server-side time and SQL queries of every public page and API read, as ratios to a trivial view.

    DATABASE_URL=sqlite:////tmp/scale.sqlite3 python bench/pages.py [--smoke] [--out FILE]

Generate the scale data in that database first (see bench/README.md). Every route of the
namespaces in PUBLIC_NAMESPACES and every GET operation of the API's OpenAPI schema is requested
in process with Django's test client; its arguments are real rows picked by SUBJECTS (the
biggest municipality, the county with most organisations, the body with most seats, ...).
Requests go round-robin over all targets, the trivial view included, so load from other
processes on the machine touches every figure alike. Budgets: p95 within P95_RATIO_BUDGET times
the trivial view's p95, and fewer than QUERY_BUDGET queries. Exits 1 naming every breach.
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
QUERY_BUDGET = 25
PUBLIC_NAMESPACES = {"core", "register", "structure"}
TRIVIAL_URL = "/__bench__/trivial/"
# Routes of those namespaces that are not pages, with the reason (no page is skipped silently).
NOT_PAGES = {"core:set_language": "the language switch: a redirect setting a cookie"}
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


SUBJECTS = {  # subject -> the row to show (the biggest of its kind: the worst case)
    "organisation": _organisation,
    "county": lambda: _most("register.County", "organisations"),
    "network": lambda: _most("register.Network", "memberships"),
    "person": lambda: _most("register.Person", "affiliations"),
    "body": lambda: _most("structure.Body", "seats"),
}
PAGE_SUBJECTS = {"organisation_detail": "organisation", "county_detail": "county",
                 "network_detail": "network", "person_detail": "person",
                 "body_detail": "body"}
API_SUBJECTS = {"organisations": "organisation", "counties": "county", "networks": "network",
                "people": "person", "bodies": "body"}


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
    return obj.pk if kwarg in {"pk", "id"} else getattr(obj, kwarg)


def _walk(patterns, namespace=None):
    from django.urls import URLResolver

    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, pattern.namespace or namespace)
        elif namespace in PUBLIC_NAMESPACES and pattern.name:
            yield namespace, pattern


def page_targets(cache: dict) -> list[dict]:
    from django.urls import get_resolver, reverse

    targets = []
    for namespace, pattern in _walk(get_resolver(__name__).url_patterns):
        name = f"{namespace}:{pattern.name}"
        if name in NOT_PAGES:
            continue
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
        if "get" not in operations:
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


def measure(targets: list[dict], *, requests: int, warmup: int) -> None:
    """Fill each target with status, queries, p50_ms and p95_ms (round-robin over targets)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    for target in targets:
        for _ in range(warmup):
            client.get(target["url"])
        with CaptureQueriesContext(connection) as queries:
            response = client.get(target["url"])
        target["status"], target["queries"] = response.status_code, len(queries)
        target["times"] = []
    for _ in range(requests):
        for target in targets:
            began = time.perf_counter()
            client.get(target["url"])
            target["times"].append(time.perf_counter() - began)
    for target in targets:
        times = target.pop("times")
        target["p50_ms"] = round(statistics.median(times) * 1000, 3)
        target["p95_ms"] = round(_p95(times) * 1000, 3)


def judge(targets: list[dict], trivial_target: dict) -> list[str]:
    """Ratios to the trivial view's p95, and the list of broken budgets."""
    base = trivial_target["p95_ms"]
    breaches = []
    for target in targets:
        target["p50_ratio"] = round(target["p50_ms"] / base, 2)
        target["p95_ratio"] = round(target["p95_ms"] / base, 2)
        problems = []
        if target["status"] != 200:
            problems.append(f"status {target['status']}")
        if target["p95_ratio"] > P95_RATIO_BUDGET:
            problems.append(f"p95 {target['p95_ratio']}× trivial > {P95_RATIO_BUDGET}×")
        if target["queries"] >= QUERY_BUDGET:
            problems.append(f"{target['queries']} queries ≥ {QUERY_BUDGET}")
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


def table(report: dict) -> str:
    trivial_row = report["trivial"]
    lines = [f"trivial view: p50 {trivial_row['p50_ms']:.2f} ms, p95 {trivial_row['p95_ms']:.2f} "
             f"ms ({report['requests']} requests each, {report['machine']['database']})",
             f"{'page / endpoint':<52} {'p50 ms':>8} {'p95 ms':>8} {'p95 ×':>7} {'queries':>7}",
             "-" * 86]
    for row in report["pages"]:
        flag = "" if row["ok"] else "  BREACH"
        lines.append(f"{row['name'][:52]:<52} {row['p50_ms']:>8.2f} {row['p95_ms']:>8.2f} "
                     f"{row['p95_ratio']:>7.2f} {row['queries']:>7}{flag}")
    return "\n".join(lines)


def run(*, requests: int, warmup: int) -> dict:
    from django.test.utils import override_settings

    # This module is the URLconf ("__main__" when run as a script: importable all the same).
    with override_settings(ROOT_URLCONF=__name__, DEBUG=False):
        cache: dict = {}
        targets = page_targets(cache) + api_targets(cache)
        trivial_target = {"name": "trivial view", "kind": "trivial", "url": TRIVIAL_URL}
        measure([trivial_target, *targets], requests=requests, warmup=warmup)
    breaches = judge(targets, trivial_target)
    return {"date": datetime.datetime.now().isoformat(timespec="seconds"), "machine": machine(),
            "requests": requests, "warmup": warmup,
            "budget": {"p95_ratio": P95_RATIO_BUDGET, "queries_below": QUERY_BUDGET},
            "trivial": trivial_target, "pages": targets, "breaches": breaches}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="5 requests each, for CI")
    parser.add_argument("--requests", type=int, help="timed requests per target (default 50)")
    parser.add_argument("--report-only", action="store_true",
                        help="print broken budgets but exit 0 (errors still exit 2)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "out" / "pages.json"))
    args = parser.parse_args(argv)
    requests = args.requests or (5 if args.smoke else 50)

    try:
        report = run(requests=requests, warmup=2 if args.smoke else 5)
    except BenchError as error:
        print(f"bench/pages.py: {error}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(table(report))
    print(f"JSON: {out}")
    if report["breaches"]:
        print("\nBudget broken:\n  " + "\n  ".join(report["breaches"]), file=sys.stderr)
        return 0 if args.report_only else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
