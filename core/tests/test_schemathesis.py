"""Schemathesis against /api/openapi.json, in process (QUALITY.md item 6; issue 3 item 4).

The OpenAPI schema is loaded from the Django WSGI application itself
(``schemathesis.openapi.from_wsgi``) and every operation is called through schemathesis' WSGI
transport: the real middleware, URLconf, authentication and error mapping, no server process.

One test per operation × profile × generation mode:

- profiles: ``anonymous``; ``contact_a`` (bearer token of an organisation contact of org A);
  ``admin`` (bearer token of an administrator);
- modes: ``positive`` (schema-valid requests) and ``negative`` (schema-invalid requests, which must
  be refused with a 4xx).

Every response is checked for: no server error, status code and content type declared in the
schema, body conforming to the schema, and (negative mode) invalid data rejected. On top of the
built-in checks (see the ``*_check`` functions below):

- auth not ignored: an anonymous write is a 401, whatever the body;
- object-level authorisation: with the contact-of-A token, a write aimed at org B, a person or an
  affiliation of org B (in the path or in the body) is never a 2xx;
- no personal data: an anonymous read never contains an ``email`` or ``phone`` key or an 11-digit
  number, and contact-of-A never sees the contact details of a person of org B.

Bounded and reproducible: ``derandomize=True`` (hypothesis' fixed seed), a few examples per test,
no shrinking, no example database; every example runs inside a transaction that is rolled back,
so examples do not see each other's writes. Path parameters are drawn half from the real objects
of a small world (orgs A and B, their people and affiliations, a county, a network, a body with a
seat and a membership) and half from the whole schema-valid range, so handlers are reached, not
just their 404s.

Known bugs are ``xfail(strict=True)`` in ``KNOWN_BUGS`` with the request that shows them: the test
turns red when the bug is fixed, so the entry is removed then.
"""

from __future__ import annotations

import json
import os
import re
import traceback

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import ApiToken
from config.wsgi import application
from core import testing as t

# Examples per test; SCHEMATHESIS_MAX_EXAMPLES=100 for a deep local run (about 10 minutes).
_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "6"))
MAX_EXAMPLES = {GenerationMode.POSITIVE: _EXAMPLES,
                GenerationMode.NEGATIVE: max(1, _EXAMPLES * 2 // 3)}
PROFILES = ["anonymous", "contact_a", "admin"]
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
ELEVEN_DIGITS = re.compile(rb"(?<![0-9])[0-9]{11}(?![0-9])")
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

# Bugs found by this suite and not fixed yet: name -> (description, predicate on (case,
# response)). In the property tests an example matching a predicate is set aside (every other
# check still runs on every other example); each bug also has its own deterministic test below
# (test_known_bug_*), marked xfail(strict=True), which turns red once the bug is fixed.
KNOWN_BUGS: dict[str, tuple[str, object]] = {}


# --- the schema and the world ------------------------------------------------------------------


@pytest.fixture(scope="module")
def api_schema(django_db_blocker):
    with django_db_blocker.unblock():
        return schemathesis.openapi.from_wsgi("/api/openapi.json", application)


def _operations():
    """(label, method, path) of every API operation, read from the URLconf-built schema without
    a database (ninja builds the schema from the routers alone)."""
    from config.api import api

    spec = api.get_openapi_schema(path_prefix="/api/")
    return [(f"{method.upper()} {path}", method.upper(), path)
            for path, methods in spec["paths"].items() for method in methods]


OPERATIONS = _operations()


@pytest.fixture
def world(db):
    cache.clear()  # anonymous API reads are cached (keyed on a data version): start cold
    county = t.CountyFactory(number="03", name="Oslo")
    org_a = t.OrganisationFactory(name="Kommune A", county=county)
    org_b = t.OrganisationFactory(name="Kommune B", county=county)
    person_a, person_b = t.PersonFactory(name="Person A"), t.PersonFactory(name="Person B")
    aff_a = t.AffiliationFactory(person=person_a, organisation=org_a)
    aff_b = t.AffiliationFactory(person=person_b, organisation=org_b)
    network = t.NetworkFactory()
    t.NetworkMembershipFactory(network=network, organisation=org_a)
    body = t.BodyFactory(owner=org_a)
    seat = t.SeatFactory(body=body)
    membership_a = t.MembershipFactory(seat=seat, person=person_a, organisation=org_a)
    membership_b = t.MembershipFactory(seat=seat, person=person_b, organisation=org_b)
    contact_a = t.user_with_role(t.Role.ORG_CONTACT, organisation=org_a)
    admin = t.user_with_role(t.Role.ADMIN)
    _, key_a = ApiToken.issue(user=contact_a, name="schemathesis")
    _, key_admin = ApiToken.issue(user=admin, name="schemathesis")
    return {
        "headers": {"anonymous": {}, "contact_a": {"Authorization": f"Bearer {key_a}"},
                    "admin": {"Authorization": f"Bearer {key_admin}"}},
        # path prefix -> values for its path parameter (A's first, then B's)
        "values": {
            "/api/organisations/": [org_a.pk, org_b.pk],
            "/api/people/": [person_a.pk, person_b.pk],
            "/api/affiliations/": [aff_a.pk, aff_b.pk],
            "/api/counties/": [county.number],
            "/api/networks/": [network.slug],
            "/api/bodies/": [body.slug],
            "/api/seats/": [seat.pk],
            "/api/memberships/": [membership_a.pk, membership_b.pk],
        },
        # what belongs to org B, for the object-level authorisation check
        "of_b": {
            "/api/organisations/": {org_b.pk}, "/api/people/": {person_b.pk},
            "/api/affiliations/": {aff_b.pk}, "/api/memberships/": {membership_b.pk},
        },
        "body_of_b": {"organisation": {org_b.pk}, "person": {person_b.pk}},
        "person_b_ids": {person_b.pk},
    }


@pytest.fixture
def in_process_requests():
    """Django's WSGI handler closes the connection at the end of a request, which inside a test's
    transaction would poison it; Django's own test client disconnects the same handler. Also
    records server-side exceptions so a 500 is reported with its traceback."""
    errors: list[str] = []

    def record(sender, request=None, **kwargs):
        errors.append(traceback.format_exc())

    # At the start of a request too: inside the test's transaction the connection looks
    # "unusable" (autocommit off) and PostgreSQL's would be closed (SQLite's in-memory one not).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    got_request_exception.connect(record)
    try:
        yield errors
    finally:
        got_request_exception.disconnect(record)
        request_finished.connect(close_old_connections)
        request_started.connect(close_old_connections)


# --- our checks --------------------------------------------------------------------------------


def _json(response):
    try:
        return json.loads(response.content or b"null")
    except ValueError:
        return None


def _keys(value):
    if isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _keys(v)
    elif isinstance(value, list):
        for v in value:
            yield from _keys(v)


def _request(case, response) -> str:
    req = response.request
    body = req.body if isinstance(req.body, (str, type(None))) else req.body.decode(
        "utf-8", "replace")
    return (f"{req.method} {req.url} body={(body or '')[:300]!r} -> {response.status_code} "
            f"{response.content[:300]!r}")


def _target(path: str, world) -> tuple[str, object] | None:
    """The prefix and the path parameter value of a formatted path like /api/people/12."""
    for prefix in world["values"]:
        if path.startswith(prefix):
            rest = path[len(prefix):].split("/", 1)[0]
            return prefix, (int(rest) if rest.isdigit() else rest)
    return None


def auth_not_ignored_check(case, response, profile, world):
    if profile == "anonymous" and case.method.upper() in WRITE_METHODS:
        assert response.status_code == 401, (
            f"anonymous write answered {response.status_code}, expected 401: "
            f"{_request(case, response)}")


def object_authorisation_check(case, response, profile, world):
    if profile != "contact_a" or not 200 <= response.status_code < 300:
        return
    method, path = case.method.upper(), case.formatted_path
    if method in WRITE_METHODS:
        target = _target(path, world)
        if target and target[1] in world["of_b"].get(target[0], set()):
            pytest.fail(f"contact of A changed an object of B: {_request(case, response)}")
        if isinstance(case.body, dict):
            for field, ids in world["body_of_b"].items():
                if case.body.get(field) in ids:
                    pytest.fail(f"contact of A wrote a reference to B's {field}: "
                                f"{_request(case, response)}")
    if path.startswith("/api/people/"):
        data = _json(response)
        if isinstance(data, dict) and data.get("id") in world["person_b_ids"]:
            assert not {"email", "phone"} & set(_keys(data)), (
                f"contact of A saw contact details of a person of B: {_request(case, response)}")


def no_personal_data_check(case, response, profile, world):
    if profile != "anonymous" or case.method.upper() != "GET":
        return
    leaked = {"email", "phone"} & set(_keys(_json(response)))
    assert not leaked, f"anonymous read returned {leaked}: {_request(case, response)}"
    assert not ELEVEN_DIGITS.search(response.content), (
        f"anonymous read returned an 11-digit number: {_request(case, response)}")


# --- the tests ---------------------------------------------------------------------------------


def _strategy(operation, mode, world):
    """Cases for one operation: half with a path parameter taken from the world's objects."""
    base = operation.as_strategy(generation_mode=mode)
    params = _path_params(operation)
    values = next((v for prefix, v in world["values"].items()
                   if operation.path.startswith(prefix)), None)
    if len(params) != 1 or not values:
        return base
    anchored = [operation.as_strategy(generation_mode=mode, path_parameters={params[0]: v})
                for v in values]
    return st.one_of(st.one_of(anchored), base)


def _params():
    return [pytest.param(method, path, profile, mode, id=f"{label}-{profile}-{mode.value}")
            for label, method, path in OPERATIONS for profile in PROFILES for mode in MODES]


@pytest.mark.parametrize("method,path,profile,mode", _params())
def test_api_operation(api_schema, world, in_process_requests, method, path, profile, mode):
    operation = api_schema[path][method]
    label = f"{method} {path}"
    headers = world["headers"][profile]
    checks = [not_a_server_error, status_code_conformance, content_type_conformance,
              response_schema_conformance]
    if mode == GenerationMode.NEGATIVE:
        checks.append(negative_data_rejection)
    statuses: list[int] = []

    @settings(max_examples=MAX_EXAMPLES[mode], derandomize=True, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate], report_multiple_bugs=False,
              suppress_health_check=list(HealthCheck))
    @given(case=_strategy(operation, mode, world))
    def run(case):
        # The profile decides the credentials; a generated Authorization header or cookie would
        # make "anonymous" something else.
        if case.headers:
            for name in [h for h in case.headers if h.lower() in ("authorization", "cookie")]:
                del case.headers[name]
        case.cookies = {}
        in_process_requests.clear()
        with transaction.atomic():
            try:
                response = case.call(headers=headers)
                statuses.append(response.status_code)
                if any(predicate(case, response) for _, predicate in KNOWN_BUGS.values()):
                    return  # a known bug: its own test below is the xfail
                if response.status_code >= 500 and in_process_requests:
                    pytest.fail(f"server error: {_request(case, response)}\n"
                                f"{in_process_requests[-1]}")
                case.validate_response(response, checks=checks)
                for check in (auth_not_ignored_check, object_authorisation_check,
                              no_personal_data_check):
                    check(case, response, profile, world)
            finally:
                transaction.set_rollback(True)

    run()
    if mode == GenerationMode.POSITIVE and _has_anchor(operation, world):
        # The anchored half must reach the handler with a real object, or the checks above
        # only ever saw 404s.
        assert set(statuses) - {404}, f"{label}: every request answered 404"


def _path_params(operation) -> list[str]:
    return re.findall(r"\{(\w+)\}", operation.path)


def _has_anchor(operation, world) -> bool:
    return bool(_path_params(operation)) and any(
        operation.path.startswith(prefix) for prefix in world["values"])


# --- known bugs, one deterministic request each -------------------------------------------------


def _documented_statuses(api_schema, method: str, path: str) -> set[int]:
    responses = api_schema.raw_schema["paths"][path][method.lower()]["responses"]
    return {int(code) for code in responses}


@pytest.mark.parametrize("method,path,key", [
    ("PATCH", "/api/people/{id}", "/api/people/"),
    ("POST", "/api/organisations/{id}/people", "/api/organisations/"),
    ("PATCH", "/api/bodies/{slug}", "/api/bodies/"),
])
def test_unparseable_body_status_is_documented(api_schema, world, in_process_requests,
                                                         method, path, key):
    from django.test import Client

    target = path.replace("{id}", str(world["values"][key][0])).replace(
        "{slug}", str(world["values"][key][0]))
    response = Client().generic(method, target, b"R\x7f not json", content_type="application/json",
                                HTTP_AUTHORIZATION=world["headers"]["admin"]["Authorization"])
    assert response.status_code in _documented_statuses(api_schema, method, path), (
        f"{method} {target} with a body that is not JSON -> {response.status_code} "
        f"{response.content[:200]!r}; documented: "
        f"{sorted(_documented_statuses(api_schema, method, path))}")
