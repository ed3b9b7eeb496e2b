"""The front page and the site's static pages (about, accessibility statement)."""

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import InvalidPage, Paginator
from django.db import connection
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape, format_html
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import check_for_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from core.cache import public_page
from core.history import Cursor, change_log
from register.selectors import key_figures
from structure.selectors import model_diagram


def _count_nodes(nodes: list[dict]) -> int:
    return sum(1 + _count_nodes(node["children"]) for node in nodes)


@public_page
def home(request):
    tree = model_diagram()
    figures = key_figures() | {"bodies": _count_nodes(tree)}
    return render(request, "core/home.html", {"tree": tree, "diagram": diagram_items(tree),
                                              "figures": figures})


def diagram_items(tree: list[dict]) -> list[dict]:
    """The model diagram's nested lists in document order, for one flat template loop.

    Each item is a body with its URL, labels and the markup closing it: the template renders
    ``<li>`` and, for a body with children, opens its ``<ul>``; ``close`` ends the lists and
    items finished after it. One loop instead of an ``{% include %}`` per body.
    """
    body_url = url_maker("structure:body_detail")
    items: list[dict] = []

    def walk(nodes, depth):
        for node in nodes:
            body = node["body"]
            item = {"body": body, "url": body_url(body.slug),
                    "count_label": ngettext("%(counter)s member", "%(counter)s members",
                                            node["member_count"])
                    % {"counter": node["member_count"]},
                    "children_label": (_("Bodies reporting to %(name)s") % {"name": body.name}
                                       if node["children"] else ""),
                    "close": ""}
            items.append(item)
            if node["children"]:
                walk(node["children"], depth + 1)
                items[-1]["close"] += "</ul></li>"
            else:
                item["close"] = "</li>"

    walk(tree, 0)
    for item in items:
        item["close"] = mark_safe(item["close"])  # noqa: S308 (fixed markup, no data)
    return items


@public_page
def about(request):
    return render(request, "core/about.html")


@public_page
def accessibility(request):
    return render(request, "core/accessibility.html")


@never_cache
def healthz(request):
    """For load balancers and monitoring: "ok" when the process serves and the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return HttpResponse("ok", content_type="text/plain")


def set_language(request):
    """The language switch: ``?language=en&next=/path`` sets the language cookie and goes back.

    Links, not a POST form, so public pages carry no CSRF token and can be shared from the page
    cache (docs/decisions/0004-caching.md). Choosing a language changes nothing but the visitor's
    own preference, so a forged link can do no harm; ``next`` must stay on this site.
    """
    language = request.GET.get("language", "")
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = "/"
    response = HttpResponseRedirect(target)
    if check_for_language(language) and language in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE)
    response["Cache-Control"] = "no-store"
    return response


def crumbs(*pairs) -> list[tuple[str, str]]:
    """(label, URL) pairs for includes/crumbs.html, labels made text (lazy ones translated)."""
    return [(str(label), url) for label, url in pairs]


def paginate(request, queryset, *, default_size: int = 50, min_size: int = 10,
             max_size: int = 200):
    """The requested page of ``queryset``; a bad or out-of-range ``page``/``page_size`` is a 404.

    Returns (page, page_size). Only ``page_size`` values within [min_size, max_size] are served.
    """
    page_size = _int_param(request, "page_size", default_size)
    if not min_size <= page_size <= max_size:
        raise Http404(_("Page size must be between %(min)d and %(max)d.")
                      % {"min": min_size, "max": max_size})
    paginator = Paginator(queryset, page_size)
    try:
        page = paginator.page(_int_param(request, "page", 1))
    except InvalidPage as error:
        raise Http404(str(error)) from error
    return page, page_size


def _int_param(request, name: str, default: int) -> int:
    raw = request.GET.get(name, "")
    if raw == "":
        return default
    if not raw.isdigit() or len(raw) > 6:
        raise Http404(_("%(name)s must be a whole number.") % {"name": name})
    return int(raw)


def url_maker(name: str, *fixed):
    """``reverse(name, args=[*fixed, value])`` for many rows at once: reversed once, then joined.

    For routes whose last argument is an int or slug (rendering a list through ``{% url %}`` or
    ``get_absolute_url`` reverses once per row, which dominates the time of long tables).
    """
    marker = "9081726354"
    prefix, suffix = reverse(name, args=[*fixed, marker]).split(marker)
    return lambda value: f"{prefix}{value}{suffix}"


def period_label(period) -> str:
    """A validity period (``valid_from``/``valid_to``) as text: what includes/period.html says."""
    start, end = period.valid_from, period.valid_to
    if start and end:
        return (f"{date_format(start, 'SHORT_DATE_FORMAT')}–"
                f"{date_format(end, 'SHORT_DATE_FORMAT')}")
    if start:
        return _("from %(date)s") % {"date": date_format(start, "SHORT_DATE_FORMAT")}
    if end:
        return _("until %(date)s") % {"date": date_format(end, "SHORT_DATE_FORMAT")}
    return format_html('<span class="muted">{}</span>', _("open"))


HISTORY_PREVIEW = 10  # newest changes on an object's own page
HISTORY_PAGE_SIZE = 50  # changes per page of the full change log


def history_context(obj, *, show_private: bool = False, show_actors: bool = False,
                    history_url: str = "", fields: set[str] | None = None) -> dict:
    """The newest HISTORY_PREVIEW change-log entries of ``obj`` for its own page, and the link
    to its full, paged change log (``history_url``) when there are more.

    For ``includes/history.html``; ``show_private`` reveals contact details in the log;
    ``fields``, when given, are the only fields whose changes are shown (e.g. an exempt case's
    metadata for those who may not read its content).
    """
    entries = _history_entries(obj, HISTORY_PREVIEW, show_private=show_private,
                               show_actors=show_actors, fields=fields)
    shown = entries[:HISTORY_PREVIEW]
    return {"history": shown, "history_truncated": len(entries) > HISTORY_PREVIEW,
            "history_url": history_url, "history_rows": history_rows(shown)}


def history_page(request, obj, *, crumbs: list[tuple[str, str]], show_private: bool = False,
                 show_actors: bool = False, fields: set[str] | None = None) -> HttpResponse:
    """The full change log of ``obj``, HISTORY_PAGE_SIZE entries a page, newest first.

    Paged by key (``?etter=<cursor>``, see ``core.history.Cursor``), so a page deep in twenty
    years of history costs what the first one does; a malformed cursor is a 404. ``crumbs`` are
    the (label, URL) pairs leading to the object, the object's own page last.
    """
    after = None
    if "etter" in request.GET:
        try:
            after = Cursor.parse(request.GET["etter"])
        except ValueError as error:
            raise Http404(_("No such page of the change log.")) from error
    entries = _history_entries(obj, HISTORY_PAGE_SIZE, show_private=show_private,
                               show_actors=show_actors, after=after, fields=fields)
    shown = entries[:HISTORY_PAGE_SIZE]
    older = shown[-1].cursor.token() if len(entries) > HISTORY_PAGE_SIZE else ""
    return render(request, "core/history_page.html", {
        "object": obj, "crumbs": crumbs, "object_url": crumbs[-1][1],
        "history": shown, "history_rows": history_rows(shown),
        "older_url": f"?{urlencode({'etter': older})}" if older else "",
        "is_first_page": after is None,
    })


def _history_entries(obj, limit: int, *, after=None, fields=None, **options) -> list:
    """``limit`` + 1 entries (the extra one tells whether more exist), the shown ones labelled:
    references by name (one query per referenced model), codes by their labels; with
    ``fields``, changes of other fields are left out."""
    entries = change_log(obj, limit=limit + 1, after=after, **options)
    if fields is not None:
        for entry in entries:
            entry.changes = [change for change in entry.changes if change.field in fields]
    _name_references(entries[:limit])
    _label_values(entries[:limit])
    return entries


def history_rows(entries) -> str:
    """The rows of the change-log table (includes/history.html) as HTML, every value escaped.

    Built here rather than in the template: a log of 50 entries holds hundreds of field
    changes, and the template language spends ~0.1 ms on each, the bulk of a detail page.
    """
    # Each message written out, so makemessages finds it (a loop over the keys hid them).
    words = {"from": escape(_("from")), "to": escape(_("to")), "empty": escape(_("empty")),
             "This record": escape(_("This record")),
             "No field changes recorded.": escape(_("No field changes recorded."))}
    empty = f"<em>{words['empty']}</em>"

    def value(v):
        return empty if v is None or v == "" else escape(v)

    rows = []
    for entry in entries:
        when = timezone.localtime(entry.when) if timezone.is_aware(entry.when) else entry.when
        subject = (f"{escape(capfirst(entry.model_label))}: {escape(entry.subject)}"
                   if entry.subject else f'<span class="muted">{words["This record"]}</span>')
        reason = f'<br><span class="muted">{escape(entry.reason)}</span>' if entry.reason else ""
        if entry.changes:
            changes = "".join(
                f'<div class="changes__row"><dt>{escape(capfirst(change.label))}</dt><dd>'
                + (f'<span class="changes__old"><span class="ds-sr-only">{words["from"]} </span>'
                   f'{value(change.old)}</span> <span aria-hidden="true">→</span> '
                   f'<span class="ds-sr-only">{words["to"]} </span>'
                   if entry.type == "~" else "")
                + f'<span class="changes__new">{value(change.new)}</span></dd></div>'
                for change in entry.changes)
            changes = f'<dl class="changes">{changes}</dl>'
        else:
            changes = f'<span class="muted">{words["No field changes recorded."]}</span>'
        rows.append(
            f'<tr><td class="nowrap"><time datetime="{date_format(when, "c")}">'
            f'{date_format(when, "SHORT_DATETIME_FORMAT")}</time></td>'
            f"<td>{escape(entry.who)}</td><td>{subject}</td>"
            f"<td>{escape(entry.type_label)}{reason}</td><td>{changes}</td></tr>")
    return mark_safe("\n".join(rows))  # noqa: S308 (every value above is escaped)


def _reference_field(model, name: str):
    """(target model, key in an m2m row or None) when field ``name`` refers to other rows."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if field.many_to_many and not field.auto_created:
        return field.related_model, field.m2m_reverse_field_name()
    if field.many_to_one:
        return field.related_model, None
    return None


def _name_references(entries) -> None:
    """Replace ids in the change log (foreign keys, many-to-many rows) by the rows' names."""
    wanted: dict = {}
    changes = []
    for entry in entries:
        for change in entry.changes:
            ref = _reference_field(entry.model, change.field)
            if ref is None:
                continue
            target, key = ref
            changes.append((change, target, key))
            for value in (change.old, change.new):
                wanted.setdefault(target, set()).update(_ids(value, key))
    # select_related(): a name (__str__) may use a foreign key, e.g. a seat names its body
    names = {target: target._default_manager.select_related().in_bulk(ids)
             for target, ids in wanted.items()}
    for change, target, key in changes:
        change.old = _label(change.old, key, names[target])
        change.new = _label(change.new, key, names[target])


def _label_values(entries) -> None:
    """Show stored codes as people read them: choice labels, yes/no, dates in the locale."""
    for entry in entries:
        for change in entry.changes:
            try:
                field = entry.model._meta.get_field(change.field)
            except FieldDoesNotExist:
                continue
            change.old = _display(field, change.old)
            change.new = _display(field, change.new)


def _display(field, value):
    if value in (None, ""):
        return value
    if getattr(field, "choices", None):
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return value


def _ids(value, key) -> list:
    if key is None:
        return [] if value in (None, "") else [value]
    return [row.get(key) for row in value or [] if isinstance(row, dict)]


def _label(value, key, rows: dict):
    def name(pk):
        return str(rows[pk]) if pk in rows else f"#{pk}"

    if key is None:
        return value if value in (None, "") else name(value)
    return ", ".join(name(pk) for pk in _ids(value, key)) or None
