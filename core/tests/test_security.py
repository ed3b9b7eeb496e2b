"""Security headers on every kind of response, CSRF, and error pages without stack traces."""

import re

import pytest
from django.test import Client
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns


def boom(request):
    raise RuntimeError("secret-internal-detail /etc/samstyring/db-password")


# This module doubles as a URLconf (pytest.mark.urls) adding a view that fails.
urlpatterns = [path("test-boom/", boom), *site_urlpatterns]

RESPONSES = {
    "page": ("/", 200),
    "404 page": ("/finnes-ikke/", 404),
    "API answer": ("/api/openapi.json", 200),
    "API 404": ("/api/finnes-ikke", 404),
    "login page": ("/logg-inn/", 200),
}


def csp(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, "no Content-Security-Policy header"
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


@pytest.fixture(params=list(RESPONSES), ids=list(RESPONSES))
def response(request, client, db):
    url, status = RESPONSES[request.param]
    answer = client.get(url)
    assert answer.status_code == status
    return answer


def test_content_security_policy_forbids_inline_and_eval_scripts(response):
    directives = csp(response)
    scripts = directives.get("script-src", directives.get("default-src"))
    assert scripts is not None
    for word in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"):
        assert word not in scripts
    assert "'unsafe-inline'" not in directives.get("script-src-attr", [])
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert "base-uri" in directives


def test_no_sniffing_no_framing_and_a_referrer_policy(response):
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] in {
        "same-origin", "strict-origin", "strict-origin-when-cross-origin", "no-referrer"}
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.parametrize("url", ["/", "/organisasjoner/", "/fylker/", "/nettverk/", "/organer/",
                                 "/om/", "/tilgjengelighet/", "/logg-inn/"])
def test_pages_carry_no_inline_script(client, db, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script> element"
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler attribute"
    assert "javascript:" not in html.lower()


def test_hsts_on_secure_responses(client, db, settings):
    settings.SECURE_HSTS_SECONDS = 31536000  # production sets this (see config tests)
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/", secure=True)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.mark.urls(__name__)
def test_server_error_shows_no_stack_trace(db, settings):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    response = client.get("/test-boom/")
    assert response.status_code == 500
    body = response.content.decode()
    for leak in ("Traceback", "secret-internal-detail", "db-password", "RuntimeError",
                 "settings.py", "/work/", "SECRET_KEY"):
        assert leak not in body
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_not_found_shows_no_url_patterns(client, db, settings):
    settings.DEBUG = False
    body = client.get("/finnes-ikke/").content.decode()
    assert "URLconf" not in body and "rediger/" not in body


def test_state_changing_post_without_csrf_token_is_refused(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/logg-inn/", {"username": "x", "password": "y"})
    assert response.status_code == 403


def test_login_sets_httponly_samesite_session_cookie(client, admin_user, settings):
    response = client.post("/logg-inn/", {"username": admin_user.username,
                                          "password": "correct-horse-battery"})
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert response.cookies[settings.CSRF_COOKIE_NAME]["samesite"] == "Lax"
