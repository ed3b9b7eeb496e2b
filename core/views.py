"""The front page and the site's static pages (about, accessibility statement)."""

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import InvalidPage, Paginator
from django.db import connection
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from core.cache import public_page
from core.history import change_log
from register.selectors import key_figures
from structure.selectors import model_diagram


def _count_nodes(nodes: list[dict]) -> int:
    return sum(1 + _count_nodes(node["children"]) for node in nodes)


@public_page
def home(request):
    tree = model_diagram()
    figures = key_figures() | {"bodies": _count_nodes(tree)}
    return render(request, "core/home.html", {"tree": tree, "figures": figures})


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


HISTORY_LIMIT = 50


def history_context(obj, *, show_private: bool = False) -> dict:
    """The newest HISTORY_LIMIT change-log entries of ``obj`` and whether older ones exist.

    For ``includes/history.html``; ``show_private`` reveals contact details in the log.
    References to other rows are shown by name: one query per referenced model, however long
    the log.
    """
    entries = change_log(obj, show_private=show_private, limit=HISTORY_LIMIT + 1)
    _name_references(type(obj), entries[:HISTORY_LIMIT])
    _label_values(type(obj), entries[:HISTORY_LIMIT])
    return {"history": entries[:HISTORY_LIMIT], "history_truncated": len(entries) > HISTORY_LIMIT,
            "history_limit": HISTORY_LIMIT}


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


def _name_references(model, entries) -> None:
    """Replace ids in the change log (foreign keys, many-to-many rows) by the rows' names."""
    wanted: dict = {}
    changes = []
    for entry in entries:
        for change in entry.changes:
            ref = _reference_field(model, change.field)
            if ref is None:
                continue
            target, key = ref
            changes.append((change, target, key))
            for value in (change.old, change.new):
                wanted.setdefault(target, set()).update(_ids(value, key))
    names = {target: target._default_manager.in_bulk(ids) for target, ids in wanted.items()}
    for change, target, key in changes:
        change.old = _label(change.old, key, names[target])
        change.new = _label(change.new, key, names[target])


def _label_values(model, entries) -> None:
    """Show stored codes as people read them: choice labels, yes/no, dates in the locale."""
    for entry in entries:
        for change in entry.changes:
            try:
                field = model._meta.get_field(change.field)
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
