"""The API as a whole: authentication, error mapping, pagination, docs and the OpenAPI schema."""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.models import ApiToken
from core import testing as t

ROOT = Path(settings.BASE_DIR)
API_TEST_FILES = [
    ROOT / "core" / "tests" / "test_api_common.py",
    ROOT / "register" / "tests" / "test_api.py",
    ROOT / "structure" / "tests" / "test_api.py",
    ROOT / "representation" / "tests" / "test_api.py",
    ROOT / "core" / "tests" / "test_api_history.py",
    ROOT / "register" / "tests" / "test_exports.py",
    ROOT / "cases" / "tests" / "test_api.py",
    ROOT / "solutions" / "tests" / "test_api.py",
]


def bearer(user) -> dict:
    _, key = ApiToken.issue(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.fixture
def schema(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield method.upper(), path, operation


# --- OpenAPI and docs ---------------------------------------------------------------------------


def test_openapi_describes_the_api(schema):
    assert schema["info"]["title"] == "Samstyring API"
    assert {"TokenAuth", "SessionAuth"} <= set(schema["components"]["securitySchemes"])


def test_every_write_operation_declares_its_authentication(schema):
    """QUALITY.md: every endpoint declares its permission; a write without auth fails here."""
    writes = [(m, p, op) for m, p, op in operations(schema) if m != "GET"]
    assert writes
    for method, path, operation in writes:
        security = operation.get("security")
        assert security, f"{method} {path} declares no authentication"
        assert {name for rule in security for name in rule} == {"TokenAuth", "SessionAuth"}
        assert {"401", "403"} <= set(operation["responses"]), f"{method} {path}"


def test_every_read_operation_is_open(schema):
    for method, path, operation in operations(schema):
        if method == "GET":
            assert not operation.get("security"), f"{method} {path} should be anonymous"


def _covered_routes() -> set[tuple[str, str]]:
    """(method, path) of every API call written in the API test modules, with the f-string
    placeholders as ``X``."""
    call = re.compile(
        r"""\b(get|post|put|patch|delete)\s*\(\s*f?["'](/api/[^"'?]*)""", re.IGNORECASE
    )
    row = re.compile(r"""\(\s*["'](GET|POST|PUT|PATCH|DELETE)["']\s*,\s*f?["'](/api/[^"'?]*)""")
    covered = set()
    for path in API_TEST_FILES:
        text = path.read_text(encoding="utf-8")
        for method, url in call.findall(text) + row.findall(text):
            covered.add((method.upper(), re.sub(r"\{[^}]*\}", "X", url.rstrip("/"))))
    return covered


def test_every_route_in_the_schema_is_exercised_by_a_test(schema):
    covered = _covered_routes()
    missing = []
    for method, path, _ in operations(schema):
        template = re.compile("^" + re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(path)) + "$")
        if not any(m == method and template.match(url) for m, url in covered):
            missing.append(f"{method} {path}")
    assert not missing, f"routes without a test: {missing}"


def test_docs_page_answers(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
    assert "script-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.xfail(
    "ninja" not in settings.INSTALLED_APPS, strict=True,
    reason="django-ninja serves Swagger UI from its own static files only when 'ninja' is in "
    "INSTALLED_APPS; otherwise it loads it from a CDN, which the CSP blocks",
)
def test_docs_page_loads_nothing_from_other_origins_and_no_inline_script(client):
    html = client.get("/api/docs").content.decode()
    assert "http://" not in html and "https://" not in html
    for src in re.findall(r"""(?:src|href)=["']([^"']+)["']""", html):
        assert src.startswith(settings.STATIC_URL), src
        assert finders.find(src.removeprefix(settings.STATIC_URL)), src
    assert not re.search(r"<script(?![^>]*\b(src=|type=\"application/json\"))[^>]*>", html)
    assert "style=" not in html and "<style" not in html


# --- Authentication -----------------------------------------------------------------------------


@pytest.fixture
def person_a(org_a):
    return t.AffiliationFactory(organisation=org_a).person


def patch(client, url, data, **extra):
    return client.patch(url, data, content_type="application/json", **extra)


def test_write_without_credentials_is_401(client, person_a):
    response = patch(client, f"/api/people/{person_a.pk}", {"name": "Ny"})
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


def test_anonymous_write_is_401_even_with_csrf_checks_on(person_a):
    response = patch(Client(enforce_csrf_checks=True), f"/api/people/{person_a.pk}", {"name": "Ny"})
    assert response.status_code == 401


def test_session_write_needs_csrf_token(contact_a, person_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(contact_a)
    response = patch(client, f"/api/people/{person_a.pk}", {"name": "Ny"})
    assert response.status_code == 403
    person_a.refresh_from_db()
    assert person_a.name != "Ny"

    client.get("/api/docs")  # sets the CSRF cookie
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = patch(client, f"/api/people/{person_a.pk}", {"name": "Ny"},
                     HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200, response.content


def test_bearer_token_write_needs_no_csrf_token(contact_a, person_a):
    client = Client(enforce_csrf_checks=True)
    response = patch(client, f"/api/people/{person_a.pk}", {"name": "Ny"}, **bearer(contact_a))
    assert response.status_code == 200
    person_a.refresh_from_db()
    assert person_a.name == "Ny"


def test_token_write_is_recorded_as_the_tokens_user(client, contact_a, person_a):
    patch(client, f"/api/people/{person_a.pk}", {"name": "Ny"}, **bearer(contact_a))
    assert person_a.history.latest().history_user == contact_a


@pytest.mark.parametrize("header", ["Bearer wrong-key", "Bearer ", "Bearer"])
def test_wrong_bearer_token_is_401(client, contact_a, person_a, header):
    client.force_login(contact_a)  # a valid session does not rescue a wrong token
    response = patch(client, f"/api/people/{person_a.pk}", {"name": "Ny"},
                     HTTP_AUTHORIZATION=header)
    assert response.status_code == 401


def test_revoked_and_expired_tokens_are_401(client, contact_a, person_a):
    revoked, revoked_key = ApiToken.issue(user=contact_a, name="revoked")
    revoked.revoked_at = timezone.now()
    revoked.save()
    expired, expired_key = ApiToken.issue(user=contact_a, name="expired",
                                          expires_at=timezone.now())
    for key in (revoked_key, expired_key):
        response = patch(client, f"/api/people/{person_a.pk}", {"name": "Ny"},
                         HTTP_AUTHORIZATION=f"Bearer {key}")
        assert response.status_code == 401


def test_token_of_deactivated_user_is_401(client, contact_a, person_a):
    headers = bearer(contact_a)
    contact_a.is_active = False
    contact_a.save()
    response = patch(client, f"/api/people/{person_a.pk}", {"name": "Ny"}, **headers)
    assert response.status_code == 401


# --- Errors -------------------------------------------------------------------------------------


def test_permission_denied_is_403_json(client, contact_a, org_b):
    person_b = t.AffiliationFactory(organisation=org_b).person
    response = patch(client, f"/api/people/{person_b.pk}", {"name": "Ny"}, **bearer(contact_a))
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "detail" in response.json()


def test_missing_object_is_404_json(client, admin_user):
    response = client.get("/api/organisations/999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    response = patch(client, "/api/people/999999", {"name": "Ny"}, **bearer(admin_user))
    assert response.status_code == 404


@pytest.mark.parametrize("url", [
    "/api/organisations/abc", "/api/organisations/0", "/api/organisations/99999999999999999999",
    "/api/bodies/%00", "/api/counties/abc",
])
def test_malformed_identifiers_are_422(client, url):
    response = client.get(url)
    assert response.status_code == 422, response.content
    assert response.json()["detail"][0]["field"]


def test_malformed_json_body_is_422(client, admin_user, org_a):
    response = client.patch(f"/api/organisations/{org_a.pk}", "{not json",
                            content_type="application/json", **bearer(admin_user))
    assert response.status_code in (400, 422)


def test_nul_characters_are_refused(client, admin_user, org_a):
    response = patch(client, f"/api/organisations/{org_a.pk}", {"name": "a\x00b"},
                     **bearer(admin_user))
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "name"


# --- Pagination ---------------------------------------------------------------------------------


@pytest.fixture
def five_bodies(db):
    return [t.BodyFactory() for _ in range(5)]


def test_pagination_defaults_and_shape(client, five_bodies):
    body = client.get("/api/bodies").json()
    assert (body["count"], body["page"], body["page_size"], body["pages"]) == (5, 1, 50, 1)
    assert len(body["items"]) == 5


def test_pagination_pages(client, five_bodies):
    body = client.get("/api/bodies?page=2&page_size=2").json()
    assert (body["count"], body["page"], body["pages"], len(body["items"])) == (5, 2, 3, 2)
    assert len(client.get("/api/bodies?page=3&page_size=2").json()["items"]) == 1


def test_page_past_the_end_is_404(client, five_bodies):
    response = client.get("/api/bodies?page=4&page_size=2")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_empty_list_has_a_first_page(client, db):
    body = client.get("/api/seats").json()
    assert (body["count"], body["items"]) == (0, [])


@pytest.mark.parametrize("query", [
    "page=0", "page=-1", "page=abc", "page_size=0", "page_size=501", "page_size=x",
    "page=99999999999999999999999",
])
def test_bad_pagination_values_are_422(client, five_bodies, query):
    response = client.get(f"/api/bodies?{query}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] in {"page", "page_size"}


def test_page_size_500_is_allowed(client, five_bodies):
    assert client.get("/api/bodies?page_size=500").status_code == 200


# --- The real register --------------------------------------------------------------------------


@pytest.fixture
def real_register(db):
    call_command("load_register", stdout=StringIO(), stderr=StringIO())


def test_real_register_has_357_municipalities(client, real_register):
    body = client.get("/api/organisations?kind=municipality").json()
    assert body["count"] == 357
    assert len(body["items"]) == 50
    assert client.get("/api/organisations?kind=county_municipality").json()["count"] == 15
