"""Helpers for the browser accessibility suite (core/tests/test_browser.py).

Three parts:

- page discovery: walk the URLconf and turn every route into a URL, filling route arguments
  with keys of real objects from the loaded register (no hand-kept page list);
- Chromium: launch options that work on a machine without Playwright's downloaded browsers;
- axe-core: run it with the WCAG 2.0/2.1 A and AA tags and keep serious and critical violations,
  formatted so that a developer can go straight to the element.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern, RoutePattern

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "bench" / "out"
SCREENSHOTS = OUT / "screenshots"

CHROMIUM = "/usr/bin/chromium"  # Debian's chromium; `playwright install` cannot download here
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 20_000  # every Playwright action and navigation; a hung page fails, never hangs

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
FAILING_IMPACTS = {"serious", "critical"}

# Not pages of this site: the admin is Django's, the API is checked by schemathesis (only its docs
# page is a page), /i18n/ is the language switch's POST endpoint.
SKIP_PREFIXES = ("/admin/", "/api/", "/i18n/")
KEEP = ("/api/docs",)
EDIT_PREFIX = "/rediger/"

# Known violations inside third-party widgets we serve but do not write, named rule by rule and
# listed under "Known limitations" in the accessibility statement (templates/core/
# accessibility.html). Swagger UI, the interactive API documentation, nests buttons and uses
# low-contrast grey text. Every other rule on these pages, and every rule elsewhere, still fails.
THIRD_PARTY_EXCEPTIONS: dict[str, set[str]] = {
    "/api/docs": {"nested-interactive", "color-contrast"},
}

# Route arguments that are not keys of a register object: name -> value. Add here when a new
# route takes, say, a year; discovery fails loudly until it can fill every argument.
EXTRA_VALUES: dict[str, list] = {"year": [2024], "chart": ["kurve"], "fmt": ["svg"]}

APP_LABELS = ("register", "structure", "accounts", "representation", "cases", "solutions")
KEY_ATTRS = ("pk", "slug", "number", "org_number")
CSP_MARKERS = ("Content Security Policy", "Refused to")


# --- discovery -------------------------------------------------------------------------------


@dataclass
class Route:
    """One URL pattern, flattened: its full name, its argument names, an example path."""

    name: str | None  # "namespace:name", or None for unnamed patterns
    params: list[str]
    template: str  # the joined pattern, for messages

    @property
    def url_name(self) -> str:
        return (self.name or "").rsplit(":", 1)[-1]


@dataclass
class Page:
    route: Route
    path: str
    status: int
    content_type: str = ""
    note: str = ""

    @property
    def label(self) -> str:
        return self.route.name or self.route.template

    @property
    def is_html(self) -> bool:
        return self.content_type.startswith("text/html")

    @property
    def is_edit(self) -> bool:
        return self.path.startswith(EDIT_PREFIX)


@dataclass
class Discovery:
    pages: list[Page] = field(default_factory=list)  # answered 200 with the anchor objects
    actions: list[Page] = field(default_factory=list)  # answer GET with 405: POST-only endpoints
    login_required: list[Page] = field(default_factory=list)  # redirect anonymous to login
    problems: list[str] = field(default_factory=list)  # routes that could not be exercised


def _pattern_params(pattern) -> list[str]:
    if isinstance(pattern, RoutePattern):
        return list(pattern.converters)
    if isinstance(pattern, RegexPattern):
        return list(pattern.regex.groupindex)
    return []


def iter_routes(resolver=None, prefix="", namespace=None, params=None):
    """Every URLPattern of the URLconf with its namespaced name and all argument names."""
    resolver = resolver or get_resolver()
    params = params or []
    for entry in resolver.url_patterns:
        text = prefix + str(entry.pattern)
        entry_params = params + _pattern_params(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from iter_routes(entry, text, full_ns, entry_params)
        elif isinstance(entry, URLPattern):
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            yield Route(name=name, params=entry_params, template="/" + text)


def _skipped(path_or_template: str) -> bool:
    path = re.split(r"[<(]", path_or_template, maxsplit=1)[0].replace("^", "").replace("$", "")
    path = "/" + path.lstrip("/")
    if any(path.rstrip("/") == keep.rstrip("/") for keep in KEEP):
        return False
    return path.startswith(SKIP_PREFIXES)


def anchor_objects() -> list:
    """Real objects to take route arguments from: the first row of every model of the register,
    the structure and the accounts (in pk order), plus one organisation of every kind (so a
    municipality and a county municipality are both there)."""
    anchors = []
    for label in APP_LABELS:
        for model in apps.get_app_config(label).get_models():
            if model.__name__.startswith("Historical"):
                continue
            obj = model._default_manager.order_by("pk").first()
            if obj is not None:
                anchors.append(obj)
    try:
        organisation = apps.get_model("register", "Organisation")
        kinds = organisation._default_manager.values_list("kind", flat=True).distinct()
        for kind in sorted(set(kinds)):
            obj = organisation._default_manager.filter(kind=kind).order_by("number", "pk").first()
            if obj is not None and all(obj.pk != a.pk or type(a) is not organisation
                                       for a in anchors):
                anchors.append(obj)
    except LookupError:
        pass
    return anchors


def _related(obj) -> list:
    """The object itself and the objects its foreign keys point to."""
    out = [obj]
    for f in obj._meta.concrete_fields:
        if f.is_relation and f.many_to_one:
            try:
                target = getattr(obj, f.name)
            except Exception:  # noqa: BLE001 - a dangling or unloadable relation is just skipped
                target = None
            if target is not None:
                out.append(target)
    return out


def _model_token(obj) -> str:
    return obj._meta.model_name


def _values_for(param: str, anchor, pool: dict[str, object]) -> list:
    """Candidate values for one route argument, most likely first."""
    values: list = []
    related = _related(anchor)
    m = re.fullmatch(r"(?P<model>[a-z]+)_(?P<attr>pk|id|slug|number)", param)
    if m:
        model = m["model"]
        attr = "pk" if m["attr"] in ("pk", "id") else m["attr"]
        objs = [o for o in related if _model_token(o) == model]
        if model in pool:
            objs.append(pool[model])
        for o in objs:
            if hasattr(o, attr):
                values.append(getattr(o, attr))
    else:
        attr = "pk" if param == "id" else param
        for o in related:
            if hasattr(o, attr):
                values.append(getattr(o, attr))
    values.extend(EXTRA_VALUES.get(param, []))
    seen, unique = set(), []
    for v in values:
        if v not in (None, "") and (type(v), v) not in seen:
            seen.add((type(v), v))
            unique.append(v)
    return unique


def candidate_paths(route: Route, anchors: list) -> list[str]:
    """Reversed URLs for a route, anchors whose model is named in the route name first."""
    if not route.params:
        if route.name:
            try:
                return [reverse(route.name)]
            except NoReverseMatch:
                return []
        return [route.template.replace("^", "").replace("$", "")]
    if not route.name:
        return []
    tokens = set(route.url_name.split("_"))
    pool = {}
    for a in anchors:
        pool.setdefault(_model_token(a), a)
    def rank(a) -> int:
        if _model_token(a) in tokens or getattr(a, "kind", None) in tokens:
            return 0
        if any(_model_token(o) in tokens for o in _related(a)[1:]):
            return 1  # e.g. an affiliation for a route about a person within an organisation
        return 2

    ordered = sorted(anchors, key=rank)
    paths: list[str] = []
    for anchor in ordered:
        options = [_values_for(p, anchor, pool) for p in route.params]
        if not all(options):
            continue
        for combo in itertools.islice(itertools.product(*options), 12):
            try:
                path = reverse(route.name, kwargs=dict(zip(route.params, combo, strict=True)))
            except NoReverseMatch:
                continue
            if path not in paths:
                paths.append(path)
    return paths


def _placeholder_path(route: Route) -> str | None:
    for value in (999999999, "x"):
        try:
            return reverse(route.name, kwargs={p: value for p in route.params})
        except NoReverseMatch:
            continue
    return None


def _login_path() -> str:
    return str(settings.LOGIN_URL) if str(settings.LOGIN_URL).startswith("/") else _reverse_or(
        settings.LOGIN_URL, "/logg-inn/")


def _reverse_or(name: str, default: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return default


def discover(user=None) -> Discovery:
    """Exercise every route with GET through Django's test client (anonymous, or as `user`) and
    sort the routes into pages, POST-only actions, login-required routes and problems.

    A route with arguments is tried with keys of real objects until one answers 200; a route
    that cannot be made to answer is a problem (the test fails on problems)."""
    client = Client()
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    anchors = anchor_objects()
    login_path = _login_path()
    result = Discovery()
    for route in iter_routes():
        if _skipped(route.template):
            continue
        paths = candidate_paths(route, anchors)
        if not paths and route.name:
            # No object to point at (say, no API token exists yet). A POST-only endpoint answers
            # 405 before looking anything up, so try placeholder values to tell that apart.
            dummy = _placeholder_path(route)
            if dummy and client.get(dummy).status_code == 405:
                result.actions.append(Page(route, dummy, 405, "", "POST only (placeholder)"))
                continue
        if not paths:
            result.problems.append(
                f"{route.name or route.template}: cannot build a URL for arguments "
                f"{route.params} from the loaded data (add a value to EXTRA_VALUES in "
                "core/tests/browser_support.py if it is not a key of a register object)")
            continue
        if _skipped(paths[0]):
            continue
        tried = []
        for path in paths[:80]:
            response = client.get(path)
            status = response.status_code
            tried.append(f"{path} -> {status}")
            ctype = response.get("Content-Type", "")
            if status == 200:
                result.pages.append(Page(route, path, status, ctype))
                break
            if status == 405:
                result.actions.append(Page(route, path, status, ctype, "POST only"))
                break
            if user is not None and path == login_path and status in (301, 302):
                # The login page sends a logged-in user on; it is checked anonymously.
                result.actions.append(Page(route, path, status, ctype, "redirects when logged in"))
                break
            if status in (301, 302) and urlsplit(response["Location"]).path == login_path:
                result.login_required.append(Page(route, path, status, ctype, "login required"))
                break
        else:
            result.problems.append(
                f"{route.name or route.template}: no URL answered 200 "
                f"(tried: {'; '.join(tried[:6])}{' ...' if len(tried) > 6 else ''})")
    return result


# --- axe -------------------------------------------------------------------------------------


@dataclass
class Finding:
    where: str  # e.g. "anonymous nb /organisasjoner/"
    page: str  # route name
    rule: str
    impact: str
    help: str
    help_url: str
    targets: list[str]
    snippets: list[str]

    def format(self) -> str:
        lines = [f"- [{self.where}] {self.page}: {self.rule} ({self.impact}) — {self.help}",
                 f"    {self.help_url}"]
        for target, snippet in zip(self.targets, self.snippets, strict=False):
            lines.append(f"    target: {target}")
            lines.append(f"      html: {snippet[:200]}")
        return "\n".join(lines)


def run_axe(page, where: str, label: str, path: str = "") -> list[Finding]:
    from axe_playwright_python.sync_playwright import Axe

    response = Axe().run(page, options=AXE_OPTIONS).response
    findings = []
    excepted = THIRD_PARTY_EXCEPTIONS.get(path, set())
    for v in response["violations"]:
        if v.get("impact") not in FAILING_IMPACTS or v["id"] in excepted:
            continue
        findings.append(Finding(
            where=where, page=label, rule=v["id"], impact=v["impact"], help=v["help"],
            help_url=v.get("helpUrl", ""),
            targets=[" ".join(map(str, n["target"])) for n in v["nodes"]],
            snippets=[n.get("html", "").replace("\n", " ") for n in v["nodes"]],
        ))
    return findings


def format_findings(findings: list[Finding]) -> str:
    rules = sorted({f.rule for f in findings})
    head = (f"{len(findings)} serious/critical axe violation(s), rules: {', '.join(rules)}. "
            "Each entry: [mode language path] route: rule (impact) — help; then the CSS "
            "selectors of the offending elements:")
    return "\n".join([head, *[f.format() for f in findings]])


def save_report(name: str, findings: list[Finding], extra: dict | None = None) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"a11y-{name}.json"
    data = {"findings": [f.__dict__ for f in findings], **(extra or {})}
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


# --- console / network watch -----------------------------------------------------------------


class PageWatch:
    """Collects CSP violations from the console and requests to other origins (which are aborted:
    the suite never touches the network beyond the live server)."""

    def __init__(self, context, origin: str):
        self.origin = origin.rstrip("/")
        self.current = ""
        self.csp: list[str] = []
        self.external: list[str] = []
        context.route("**/*", self._route)

    def attach(self, page) -> None:
        page.on("console", lambda msg: self._console(msg, page))

    def _console(self, msg, page) -> None:
        text = msg.text
        if any(marker in text for marker in CSP_MARKERS):
            where = self.current.rsplit(" ", 1)[0] if self.current else ""
            self.csp.append(f"{where} {urlsplit(page.url).path}: {text}".strip())

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith(self.origin + "/") or url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            self.external.append(f"{self.current}: {url}")
            route.abort()


def format_csp(messages: list[str]) -> str:
    """CSP console messages grouped by message, each with the pages it appeared on."""
    pages_by_text: dict[str, list[str]] = {}
    for m in messages:
        where, _, text = m.partition(": ")
        pages = pages_by_text.setdefault(text, [])
        if where not in pages:
            pages.append(where)
    lines = [f"{len(messages)} Content Security Policy violation(s) in the console:"]
    for text, pages in pages_by_text.items():
        lines.append(f"- {text}")
        shown = ", ".join(pages[:8]) + (f" and {len(pages) - 8} more" if len(pages) > 8 else "")
        lines.append(f"    on: {shown}")
    return "\n".join(lines)


def remove_stale_screenshots(older_than: float) -> None:
    """Screenshots from earlier runs (a page renamed or gone) would pass for current ones. By
    age, not all at once, so parallel workers of this run keep each other's files."""
    if SCREENSHOTS.is_dir():
        for png in SCREENSHOTS.glob("*.png"):
            with contextlib.suppress(FileNotFoundError):
                if png.stat().st_mtime < older_than:
                    png.unlink()


def screenshot_name(*parts: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    slug = "-".join(re.sub(r"[^A-Za-z0-9]+", "_", p).strip("_") for p in parts if p)
    return SCREENSHOTS / f"{slug or 'page'}.png"
