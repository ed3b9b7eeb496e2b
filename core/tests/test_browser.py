"""Browser accessibility suite (QUALITY.md item 18): axe-core on every page, nb and en, logged out
and in, form error states, a keyboard-only journey, no CSP violations. Run: pytest -m browser.

Pages are discovered from the URLconf (see browser_support.discover), not listed by hand. The
database holds the real shipped register (load_register) plus the demo people and logins
(load_demo). See docs/accessibility-testing.md for how to read failures.
"""

from __future__ import annotations

import contextlib
import os
import time
from urllib.parse import unquote, urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import NoReverseMatch, resolve, reverse

from core.tests import browser_support as bs

pytestmark = pytest.mark.browser

LANGUAGES = ["nb", "en"]
DEMO_ADMIN = ("admin", "samstyring-demo")  # created by load_demo
LOGIN_PATH = "/logg-inn/"
_STARTED = time.time()  # screenshots older than this run are removed, so none is stale


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module, always closed (the Playwright driver also kills it
    if this process dies)."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; Django would then refuse ORM
    # calls (SynchronousOnlyOperation) from the test thread. Only for this module.
    bs.remove_stale_screenshots(older_than=_STARTED)
    mp = pytest.MonkeyPatch()
    mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=bs.CHROMIUM, args=bs.CHROMIUM_ARGS, headless=True, timeout=60_000)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()
        mp.undo()


@pytest.fixture(scope="session")
def _register_snapshot(tmp_path_factory):
    return {"path": tmp_path_factory.mktemp("a11y") / "register.json", "ready": False}


@pytest.fixture
def register_data(transactional_db, _register_snapshot):
    """The shipped register and the demo data, committed so the live server sees them.

    live_server makes every test transactional, and each such test ends with a flush; so the
    first test loads with the real commands (~6 s) and keeps a dump, later tests load the dump
    (~1.5 s)."""
    snap = _register_snapshot
    if not snap["ready"]:
        call_command("load_register", stdout=open(os.devnull, "w"))  # noqa: SIM115
        call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
        call_command("dumpdata", use_natural_foreign_keys=True, output=str(snap["path"]),
                     exclude=["contenttypes", "auth.permission", "sessions", "admin", "axes"],
                     verbosity=0)
        snap["ready"] = True
    else:
        call_command("loaddata", str(snap["path"]), verbosity=0)


class Session:
    """A browser context in one language, optionally logged in, collecting everything found."""

    def __init__(self, browser, base_url: str, lang: str, mode: str):
        self.base = base_url.rstrip("/")
        self.lang, self.mode = lang, mode
        self.context = browser.new_context(viewport={"width": 1280, "height": 900},
                                           locale="nb-NO" if lang == "nb" else "en-GB")
        self.context.set_default_timeout(bs.TIMEOUT_MS)
        self.context.set_default_navigation_timeout(bs.TIMEOUT_MS)
        self.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": lang,
                                   "url": self.base}])
        self.watch = bs.PageWatch(self.context, self.base)
        self.page = self.context.new_page()
        self.watch.attach(self.page)
        self.js_errors: list[str] = []
        self.page.on("pageerror", lambda e: self.js_errors.append(f"{self.watch.current}: {e}"))
        self.findings: list[bs.Finding] = []
        self.problems: list[str] = []
        self.checked: list[str] = []
        self.timings: list[tuple] = []

    @property
    def where(self) -> str:
        return f"{self.mode} {self.lang}"

    def goto(self, path: str):
        self.watch.current = f"{self.where} {path}"
        return self.page.goto(self.base + path, wait_until="load")

    def check(self, path: str, label: str, *, shot: bool = True, load: bool = True,
              suffix: str = "") -> None:
        """Load a page (unless already there), verify status and language, run axe, screenshot."""
        from playwright.sync_api import Error as PlaywrightError

        where = f"{self.where} {path}{suffix}"
        started = time.monotonic()
        try:
            if load:
                response = self.goto(path)
                if response is None or response.status != 200:
                    self.problems.append(f"{where}: HTTP {response and response.status}")
                    return
            lang = self.page.evaluate("document.documentElement.lang")
            if not (lang or "").lower().startswith(self.lang):
                self.problems.append(f"{where}: <html lang={lang!r}>, expected {self.lang!r}")
            t_axe = time.monotonic()
            self.findings += bs.run_axe(self.page, where, label, path)
            t_shot = time.monotonic()
            self.checked.append(where)
            if shot:
                self.page.screenshot(path=str(bs.screenshot_name(
                    self.mode, self.lang, label.replace(":", "-"), suffix)), full_page=True)
            self.timings.append((time.monotonic() - started, t_shot - t_axe,
                                 time.monotonic() - t_shot, where))
        except PlaywrightError as exc:
            self.problems.append(f"{where}: browser error: {str(exc).splitlines()[0]}")

    def login(self, username: str, password: str) -> None:
        """Log in through the real login form."""
        response = self.goto(LOGIN_PATH)
        if response is None or response.status == 404:
            pytest.fail(f"No login page at {LOGIN_PATH} (HTTP {response and response.status})")
        page = self.page
        page.fill('input[name="username"]', username)
        page.fill('input[name="password"]', password)
        form = page.locator('form:has(input[name="password"])')
        with page.expect_navigation():
            form.locator('[type="submit"]').first.click()
        assert urlsplit(page.url).path != LOGIN_PATH, (
            f"login as {username} failed: still on {page.url}")
        cookie = settings.SESSION_COOKIE_NAME
        assert any(c["name"] == cookie for c in self.context.cookies()), "no session cookie"

    def form_error_state(self, path: str, label: str) -> str | None:
        """Empty the first required text field of the page's main POST form, submit it with the
        browser's own validation off, and run axe on the answer. Returns the field name, or None
        when the page has no such form."""
        from playwright.sync_api import Error as PlaywrightError

        where = f"{self.where} {path} (form error)"
        try:
            response = self.goto(path)
            if response is None or response.status != 200:
                return None
            target = self.page.evaluate(_EMPTY_REQUIRED_FIELD_JS)
            if target is None:
                return None
            with self.page.expect_navigation():
                self.page.locator("main form").nth(target["form"]).locator(
                    '[type="submit"]').first.click()
            invalid = self.page.locator('[aria-invalid="true"]').count()
            if urlsplit(self.page.url).path != path or not invalid:
                self.problems.append(
                    f"{where}: submitting with {target['name']!r} empty did not show a form "
                    f"error (now at {self.page.url}, {invalid} field(s) with aria-invalid=true)")
                return target["name"]
            self.check(path, label, load=False, suffix=" (form error)", shot=self.lang == "nb")
            return target["name"]
        except PlaywrightError as exc:
            self.problems.append(f"{where}: browser error: {str(exc).splitlines()[0]}")
            return None

    def report(self) -> str:
        parts = []
        if self.findings:
            parts.append(bs.format_findings(self.findings))
        if self.watch.csp:
            parts.append(bs.format_csp(self.watch.csp))
        if self.problems:
            parts.append("Other problems (page not loaded, wrong language, no error state):\n"
                         + "\n".join(f"- {p}" for p in self.problems))
        return "\n\n".join(parts)

    def notes(self) -> str:
        out = []
        if self.watch.external:
            out.append("Requests to other origins (aborted):\n"
                       + "\n".join(f"- {u}" for u in sorted(set(self.watch.external))))
        if self.js_errors:
            out.append("JavaScript errors:\n" + "\n".join(f"- {e}" for e in self.js_errors))
        return "\n".join(out)

    def finish(self, name: str) -> None:
        bs.save_report(f"{self.mode}-{self.lang}", self.findings, {
            "checked": self.checked, "csp": self.watch.csp, "problems": self.problems,
            "external": sorted(set(self.watch.external)), "js_errors": self.js_errors})
        if self.checked:
            print(f"\n{name}: checked {len(self.checked)} page state(s); slowest:")
        for total, axe, shot, where in sorted(self.timings, reverse=True)[:8]:
            print(f"  {total:5.1f}s (axe {axe:4.1f}s, screenshot {shot:4.1f}s) {where}")
        if self.notes():
            print(self.notes())
        self.context.close()


_EMPTY_REQUIRED_FIELD_JS = """() => {
  const forms = [...document.querySelectorAll('main form')];
  for (const [i, form] of forms.entries()) {
    if ((form.getAttribute('method') || 'get').toLowerCase() !== 'post') continue;
    if (!form.querySelector('[type="submit"]')) continue;
    const field = [...form.querySelectorAll('input[required], textarea[required]')].find(
      (e) => !['hidden', 'checkbox', 'radio', 'file', 'submit', 'button'].includes(e.type));
    if (!field) continue;
    form.noValidate = true;
    field.value = '';
    return {form: i, name: field.name};
  }
  return null;
}"""


@pytest.fixture
def session_factory(browser, live_server):
    sessions = []

    def make(lang: str, mode: str) -> Session:
        s = Session(browser, live_server.url, lang, mode)
        sessions.append(s)
        return s

    yield make
    for s in sessions:  # closed even when the test failed half-way
        with contextlib.suppress(Exception):  # already closed by finish()
            s.context.close()


def _admin():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=DEMO_ADMIN[0])


# --- tests -----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_public_pages_have_no_serious_axe_violations(register_data, session_factory, lang):
    """Every public route, anonymous: axe serious/critical = 0, no CSP violation; also the login
    form's error state."""
    found = bs.discover()
    assert not found.problems, "Public routes that could not be exercised:\n" + "\n".join(
        f"- {p}" for p in found.problems)
    assert found.pages, "discovery found no pages"

    session = session_factory(lang, "anonymous")
    for page in found.pages:
        if page.is_html and not page.is_edit:
            session.check(page.path, page.label, shot=lang == "nb")
    if any(p.path == LOGIN_PATH for p in found.pages):
        # The login form's error state: submit it with the password left empty.
        session.goto(LOGIN_PATH)
        session.page.fill('input[name="username"]', "nobody")
        session.page.evaluate(
            "document.querySelectorAll('form').forEach((f) => { f.noValidate = true; })")
        with session.page.expect_navigation():
            session.page.locator('form:has(input[name="password"]) [type="submit"]').first.click()
        session.check(LOGIN_PATH, "accounts:login", load=False, suffix=" (form error)",
                      shot=lang == "nb")
    report = session.report()
    session.finish(f"anonymous {lang}")
    assert not report, report


@pytest.mark.parametrize("lang", LANGUAGES)
def test_pages_logged_in_have_no_serious_axe_violations(register_data, session_factory, lang):
    """Logged in as the demo administrator through the real login form: every page including the
    edit pages under /rediger/, plus each edit form's error state."""
    session = session_factory(lang, "admin")
    session.login(*DEMO_ADMIN)

    found = bs.discover(user=_admin())
    assert not found.problems, "Routes that could not be exercised as administrator:\n" + \
        "\n".join(f"- {p}" for p in found.problems)
    edit_pages = [p for p in found.pages if p.is_edit]
    assert edit_pages, "no edit pages under /rediger/ answered 200 for the administrator"

    for page in found.pages:
        if page.is_html:
            session.check(page.path, page.label, shot=page.is_edit and lang == "nb")
    error_states = []
    for page in edit_pages:
        if page.is_html and (field := session.form_error_state(page.path, page.label)):
            error_states.append(f"{page.path} ({field})")
    if not error_states:
        session.problems.append("no edit form with a required field: no error state checked")
    print(f"form error states checked: {', '.join(error_states)}")
    report = session.report()
    session.finish(f"admin {lang}")
    assert not report, report


def _active(page) -> dict:
    return page.evaluate("""() => {
      const e = document.activeElement, main = document.querySelector('main');
      if (!e) return {tag: null};
      return {tag: e.tagName.toLowerCase(), id: e.id, href: e.getAttribute('href'),
              path: e.pathname || null, hash: e.hash || null, search: e.search || '',
              name: e.getAttribute('name'),
              type: e.getAttribute('type'), role: e.getAttribute('role'),
              isMain: e === main, inMain: !!main && main.contains(e) && e !== main,
              text: (e.innerText || e.value || '').trim().slice(0, 60)};
    }""")


def _tab_until(page, predicate, what: str, limit: int = 150) -> dict:
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        active = _active(page)
        if predicate(active):
            return active
        seen.append(f"{active.get('tag')}{'#' + active['id'] if active.get('id') else ''}"
                    f"[{active.get('href') or active.get('name') or active.get('text') or ''}]")
    pytest.fail(f"Tab never reached {what} on {page.url} after {limit} presses; focus went: "
                + " → ".join(seen[:60]))


def _route_name(path: str | None) -> str | None:
    if not path:
        return None
    try:
        match = resolve(unquote(path))
    except Exception:  # noqa: BLE001 - not one of our URLs
        return None
    return match.view_name


def test_keyboard_only_journey(register_data, session_factory):
    """Home → skip link → main → organisations list → search with Enter → an organisation page,
    with the keyboard only, checking document.activeElement at every step."""
    from register.models import Organisation, OrganisationKind

    target = Organisation.objects.get(kind=OrganisationKind.MUNICIPALITY, number="4601")
    term = target.name_variants[0]
    try:
        list_path = reverse("register:organisation_list")
    except NoReverseMatch:
        pytest.fail("no route named register:organisation_list")
    session = session_factory("nb", "keyboard")
    page = session.page
    session.goto(reverse("core:home"))

    # 1. The first Tab lands on the skip link.
    active = _active(page)
    page.keyboard.press("Tab")
    active = _active(page)
    main_id = page.evaluate("document.querySelector('main') && document.querySelector('main').id")
    assert main_id, "the page has no <main> with an id for the skip link to point at"
    assert active["tag"] == "a" and active["hash"] == f"#{main_id}", (
        f"first Tab should focus the skip link to #{main_id}, focused {active}")
    page.screenshot(path=str(bs.screenshot_name("keyboard", "1-skip-link")))

    # 2. Enter on the skip link moves focus to <main>.
    page.keyboard.press("Enter")
    active = _active(page)
    assert active["isMain"], f"after the skip link, focus should be on <main>, is on {active}"

    # 3. The next Tab lands inside the main content.
    page.keyboard.press("Tab")
    active = _active(page)
    assert active["inMain"], f"Tab after the skip link should stay in <main>, went to {active}"

    # 4. Reach the organisations list by keyboard and open it with Enter.
    _tab_until(page, lambda a: a["tag"] == "a" and a["path"] == list_path and not a["search"],
               f"a link to {list_path} (without filters)")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert urlsplit(page.url).path == list_path, f"Enter on the link went to {page.url}"

    # 5. Tab to the search field, type, submit with Enter.
    def is_search(a):
        return a["tag"] == "input" and (a["type"] == "search" or a["role"] == "searchbox"
                                        or (a["name"] or "") in {"q", "search", "sok", "søk"})

    field = _tab_until(page, is_search, "the search field")
    page.keyboard.type(term)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: term.lower() in unquote(url).replace("+", " ").lower())
    page.wait_for_load_state("load")
    assert urlsplit(page.url).path == list_path, f"search left the list page: {page.url}"
    assert field["name"], "the search field has no name"
    page.screenshot(path=str(bs.screenshot_name("keyboard", "2-search-results")), full_page=True)

    # 6. Tab to the organisation in the results and open it with Enter.
    detail = target.get_absolute_url()
    _tab_until(page, lambda a: a["tag"] == "a" and a["path"] == detail,
               f"the result link to {detail} ({target.name})")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert urlsplit(page.url).path == detail, f"Enter on the result went to {page.url}"
    heading = page.locator("h1").first.inner_text()
    assert term in heading, f"organisation page h1 is {heading!r}, expected {term!r}"
    page.screenshot(path=str(bs.screenshot_name("keyboard", "3-organisation")), full_page=True)

    assert not session.watch.csp, bs.format_csp(session.watch.csp)
    session.finish("keyboard journey")



_SELFTEST_HTML = """<!doctype html><html lang="nb"><head><title>Selvtest</title></head>
<body><main id="main"><h1>Selvtest</h1><img src="/static/none.png"><input type="text" name="x">
<script>window.inlineRan = true;</script></main></body></html>"""


def test_harness_detects_violations_and_csp(session_factory):
    """Negative control: a page with an unlabelled field, an image without alt text and an inline
    script under a strict CSP must be reported, so a green run means something."""
    session = session_factory("nb", "selftest")
    path = "/__a11y-selftest__/"
    session.page.route(session.base + path, lambda route: route.fulfill(
        status=200, content_type="text/html; charset=utf-8", body=_SELFTEST_HTML,
        headers={"Content-Security-Policy": "default-src 'self'; script-src 'self'"}))
    session.check(path, "selftest", shot=False)
    rules = {f.rule for f in session.findings}
    assert {"image-alt", "label"} <= rules, f"axe did not report the planted violations: {rules}"
    finding = next(f for f in session.findings if f.rule == "label")
    assert finding.targets == ["input"] and 'name="x"' in finding.snippets[0], finding.targets
    assert any("inline script" in m for m in session.watch.csp), session.watch.csp
    assert not session.page.evaluate("window.inlineRan === true")
    assert not session.problems, session.problems
    session.context.close()
