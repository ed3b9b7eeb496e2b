"""Hostile input to the structure's edit forms and API writes (issue 3 item 5; QUALITY.md 8).

Same properties as register/tests/test_hostile_input.py, whose strategies and checks this reuses:
posted by an administrator, no input gives a 500; an answer of 200 (form errors) or a 4xx (API)
changes nothing; whatever was saved renders escaped on the body's public page. Bounded:
``derandomize=True``, ~30 examples a property, every example rolled back.
"""

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from core import testing as t
from register.tests.test_hostile_input import (
    BOUNDED,
    XSS,
    XSS_NAME,
    api_client,
    check_api_write,
    check_form_post,
    hostile_date,
    hostile_number,
    hostile_text,
    json_body,
    logged_in,
    mostly_valid,
    rolled_back,
)

ROLES = ["chair", "deputy_chair", "member", "deputy", "observer", "secretary"]
hostile_choice = st.one_of(st.sampled_from(ROLES), hostile_text)


@pytest.fixture
def world(db):
    org = t.OrganisationFactory(name="Kommune A")
    other = t.OrganisationFactory(name="Kommune B")
    person = t.PersonFactory(name="Person A")
    body = t.BodyFactory(name="Organ X", owner=org)
    seat = t.SeatFactory(body=body, role="member")
    membership = t.MembershipFactory(seat=seat, person=person, organisation=org)
    empty_seat = t.SeatFactory(body=body, role="deputy")
    return {"org": org, "other": other, "person": person, "body": body, "seat": seat,
            "empty_seat": empty_seat, "membership": membership,
            "admin": t.user_with_role(t.Role.ADMIN)}


def _public_pages(w) -> list[str]:
    return [reverse("structure:body_detail", args=[w["body"].slug])]


hostile_pk = st.one_of(hostile_number, hostile_text)

# name, url(world), valid data(world), hostile field strategies
FORMS = [
    ("body_edit", lambda w: reverse("structure_edit:body_edit", args=[w["body"].slug]),
     lambda w: {"name": XSS_NAME, "short_name": "X", "kind": "council", "mandate": XSS[0],
                "mandate_date": "", "parent": "", "owner": str(w["org"].pk), "sort_order": "1",
                "valid_from": "", "valid_to": "", "source": XSS[1]},
     {"name": hostile_text, "short_name": hostile_text, "kind": hostile_text,
      "mandate": hostile_text, "mandate_date": hostile_date, "parent": hostile_pk,
      "owner": hostile_pk, "sort_order": hostile_number, "valid_from": hostile_date,
      "valid_to": hostile_date, "source": hostile_text}),
    ("seat_create", lambda w: reverse("structure_edit:seat_create", args=[w["body"].slug]),
     lambda w: {"role": "member", "constituency": XSS_NAME, "sort_order": "5"},
     {"role": hostile_choice, "constituency": hostile_text, "sort_order": hostile_number}),
    ("seat_edit", lambda w: reverse("structure_edit:seat_edit", args=[w["seat"].pk]),
     lambda w: {"role": "member", "constituency": XSS_NAME, "sort_order": "5"},
     {"role": hostile_choice, "constituency": hostile_text, "sort_order": hostile_number}),
    ("membership_create", lambda w: reverse("structure_edit:membership_create",
                                            args=[w["empty_seat"].pk]),
     lambda w: {"person": str(w["person"].pk), "organisation": str(w["other"].pk),
                "valid_from": "2024-01-01", "valid_to": "", "decision_ref": XSS_NAME},
     {"person": hostile_pk, "organisation": hostile_pk, "valid_from": hostile_date,
      "valid_to": hostile_date, "decision_ref": hostile_text}),
    ("membership_edit", lambda w: reverse("structure_edit:membership_edit",
                                          args=[w["membership"].pk]),
     lambda w: {"organisation": str(w["org"].pk), "valid_from": "2024-01-01",
                "valid_to": "2099-01-01", "decision_ref": XSS_NAME},
     {"organisation": hostile_pk, "valid_from": hostile_date, "valid_to": hostile_date,
      "decision_ref": hostile_text}),
    ("membership_end", lambda w: reverse("structure_edit:membership_end",
                                         args=[w["membership"].pk]),
     lambda w: {"valid_to": "2025-01-01"}, {"valid_to": hostile_date}),
]


@pytest.mark.parametrize("name,url,valid,fields", FORMS, ids=[f[0] for f in FORMS])
def test_edit_form_hostile_input(world, name, url, valid, fields):
    client = logged_in(world["admin"])
    target = url(world)
    outcomes = set()

    @BOUNDED
    @given(data=mostly_valid(valid(world), fields))
    def run(data):
        outcomes.add(rolled_back(
            lambda: check_form_post(client, target, data, _public_pages(world))))

    run()
    assert outcomes == {200, 302}, f"{name}: only {outcomes}"


# method, path(world), valid body(world), fields
API_WRITES = [
    ("PATCH", lambda w: f"/api/bodies/{w['body'].slug}",
     lambda w: {"name": XSS_NAME, "mandate": XSS[0]},
     ["name", "short_name", "kind", "mandate", "mandate_date", "parent", "owner", "sort_order",
      "valid_from", "valid_to", "source"]),
    ("POST", lambda w: f"/api/bodies/{w['body'].slug}/seats",
     lambda w: {"role": "member", "constituency": XSS_NAME}, ["role", "constituency",
                                                              "sort_order"]),
    ("PATCH", lambda w: f"/api/seats/{w['seat'].pk}", lambda w: {"constituency": XSS_NAME},
     ["role", "constituency", "sort_order"]),
    ("POST", lambda w: f"/api/seats/{w['empty_seat'].pk}/memberships",
     lambda w: {"person": w["person"].pk, "organisation": w["other"].pk,
                "valid_from": "2024-01-01", "decision_ref": XSS_NAME},
     ["person", "organisation", "valid_from", "valid_to", "decision_ref"]),
    ("PATCH", lambda w: f"/api/memberships/{w['membership'].pk}",
     lambda w: {"decision_ref": XSS_NAME}, ["organisation", "valid_from", "valid_to",
                                            "decision_ref"]),
]
API_IDS = ["body_update", "seat_create", "seat_update", "membership_create", "membership_update"]


@pytest.mark.parametrize("method,path,valid,fields", API_WRITES, ids=API_IDS)
def test_api_write_hostile_json(world, method, path, valid, fields):
    client, headers = api_client(world["admin"])
    target = path(world)
    outcomes = set()

    @BOUNDED
    @given(body=st.one_of(json_body(valid(world), fields),
                          st.sampled_from([b"", b"null", b"[]", b"{", b"\xff\xfe",
                                           b'{"name": "\\u0000"}'])))
    def run(body):
        outcomes.add(rolled_back(lambda: check_api_write(client, headers, method, target, body,
                                                         _public_pages(world))))

    run()
    assert outcomes == {True, False}, f"{method} {target}: only {outcomes} (accepted?)"

