"""Cacheable public pages: a cheap data version, HTTP revalidation and a shared page cache.

The *data version* names the state of everything a public page can show: the newest history
record id of every model with history (ids are never reused: AUTOINCREMENT on SQLite,
sequences on PostgreSQL), plus today's date (pages say what is
*current*, which changes at midnight without any write) and the release (templates and code).
Every write goes through a service that records history (``core.services.history_save`` /
``history_delete``, m2m changes, imports and ``generate-scale`` alike), so the version moves with
every write, in every process, with no extra table: one indexed query per request.

``public_page`` uses it twice for anonymous GET/HEAD requests:

- as the ETag, through Django's ``condition`` decorator: a revalidation answers 304 without
  rendering;
- as part of the key of a server-side cache (the ``default`` cache, CACHE_URL) of the rendered
  response, so a new version is a new key and stale entries simply age out.

Logged-in visitors are never cached (their pages show contact details and edit links) and get
``Cache-Control: private, no-cache``. A response is shared only when rendering it left nothing
personal behind: no cookie, no CSRF token, no flash message. See docs/decisions/0004-caching.md.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache, wraps
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language
from django.views.decorators.http import condition

TIMEOUT = 60 * 60  # a version lives as long as nothing is written; this only bounds memory


@lru_cache(maxsize=1)
def release() -> str:
    """Names the deployed code and templates: changes when any of their files change."""
    base = Path(settings.BASE_DIR)
    digest = hashlib.sha256(os.environ.get("SAMSTYRING_RELEASE", "").encode())
    for folder in ["templates", "locale", "config", *sorted(_project_apps())]:
        for path in sorted((base / folder).rglob("*")):
            if path.suffix in {".py", ".html", ".mo"}:
                digest.update(f"{path}:{path.stat().st_mtime_ns}".encode())
    return digest.hexdigest()[:12]


def _project_apps() -> set[str]:
    base = Path(settings.BASE_DIR).resolve()
    return {config.label for config in apps.get_app_configs()
            if Path(config.path).resolve().parent == base}


# Moments whose passing changes what public pages show without any write: an input round opens
# or closes (its inputs become public), a meeting moves from coming to past. Each is
# (model label, datetime field with an index); the newest such moment already passed joins the
# data version, so the cached page is renewed at the minute it happens, not at midnight.
TIME_BOUNDARIES: list[tuple[str, str]] = [
    ("cases.InputRound", "opens_at"), ("cases.InputRound", "closes_at"),
    ("cases.Meeting", "starts_at"),
]


@lru_cache(maxsize=1)
def _version_sql() -> str:
    tables = sorted(model._meta.db_table for model in apps.get_models()
                    if {"history_id", "history_date"} <= {f.name for f in model._meta.fields})
    quote = connection.ops.quote_name
    # One row of scalar subqueries, each answered from the primary key's index; kept this
    # small because PostgreSQL plans it on every request.
    columns = [f"(SELECT MAX(history_id) FROM {quote(table)})"  # noqa: S608
               for table in tables]
    for label, field in _boundaries():
        table, column = apps.get_model(label)._meta.db_table, quote(field)
        columns.append(f"(SELECT MAX({column}) FROM {quote(table)} "  # noqa: S608
                       f"WHERE {column} <= %s)")
    return f"SELECT {', '.join(columns)}"  # table and column names come from the models


def _boundaries() -> list[tuple[str, str]]:
    installed = {config.label for config in apps.get_app_configs()}
    return [(label, field) for label, field in TIME_BOUNDARIES
            if label.split(".")[0] in installed]


def data_version() -> str:
    """The current data version (one query): changes with every write anywhere, and when a
    round opens or closes or a meeting starts."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(_version_sql(), [now] * len(_boundaries()))
        state = ";".join(str(pk) for pk in cursor.fetchone())
    today = timezone.localdate().isoformat()
    return hashlib.sha256(f"{state}|{today}|{release()}".encode()).hexdigest()[:16]


def _anonymous(request) -> bool:
    return (request.method in {"GET", "HEAD"} and not request.user.is_authenticated
            and "HTTP_AUTHORIZATION" not in request.META)


def _variant(request) -> str:
    """What besides the URL and the data changes the response: language and htmx partials."""
    return f"{get_language()}|{'htmx' if request.headers.get('HX-Request') else 'page'}"


def _etag(request, *args, **kwargs) -> str:
    if not hasattr(request, "_data_version"):
        request._data_version = data_version()
    variant = hashlib.sha256(_variant(request).encode()).hexdigest()[:8]
    return f'"{request._data_version}-{variant}"'


def _shareable(request, response) -> bool:
    """Nothing personal went into the response: no cookie, no CSRF token (which sets a cookie
    later, in the middleware), so any anonymous visitor may be given it."""
    return (response.status_code == 200 and not response.cookies
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE"))


def public_page(view):
    """Make a public page (or API read) revalidatable and cached for anonymous visitors."""

    @wraps(view)
    def cached(request, *args, **kwargs):
        if len(messages.get_messages(request)) or request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
            return view(request, *args, **kwargs)  # personal: a flash message, a CSRF cookie
        path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        key = "page:" + _etag(request).strip('"') + ":" + path
        response = cache.get(key)
        if response is not None:
            return response
        response = view(request, *args, **kwargs)
        if callable(getattr(response, "render", None)):
            response = response.render()
        if _shareable(request, response):
            cache.set(key, response, TIMEOUT)
        return response

    conditional = condition(etag_func=_etag)(cached)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _anonymous(request):
            response = view(request, *args, **kwargs)
            patch_cache_control(response, private=True, no_cache=True)
            return response
        response = conditional(request, *args, **kwargs)
        patch_cache_control(response, no_cache=True)
        patch_vary_headers(response, ["Cookie", "HX-Request"])
        return response

    return wrapper


def public_read(run):
    """``public_page`` for a django-ninja operation (``@decorate_view(public_read)``).

    The operation's input is validated first, so a malformed request is answered by ninja
    (422) without the data-version query: bad input never reaches the database.
    """
    cached = public_page(run)
    operation = getattr(run, "__self__", None)

    @wraps(run)
    def wrapper(request, **kwargs):
        try:
            operation._get_values(request, kwargs, operation.api.create_temporal_response(request))
        except Exception:  # noqa: BLE001 (ninja's own run() reports the error properly)
            return run(request, **kwargs)
        return cached(request, **kwargs)

    return wrapper if operation is not None else cached
