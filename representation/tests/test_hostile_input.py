"""Hostile input to the representation app's forms and API writes (QUALITY.md 8; issue 3 item 5).

Same properties as register/tests/test_hostile_input.py, whose strategies and checks this reuses
(with its snapshot widened to the representation app's tables): posted by the right user (the
secretariat for vacancies, rules and ending a term; an organisation contact for a nomination;
the representative for a report), no input gives a 500; an answer of 200 (form errors) or a 4xx
(API) changes nothing; whatever was saved renders escaped on the public page where it shows (the
vacancy pages, the rules page, the public register, the public report summaries). Bounded:
``derandomize=True``, ~30 examples a property, every example rolled back.
"""

import datetime

import pytest
from django.apps import apps
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

import register.tests.test_hostile_input as hostile
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
from representation import services
from representation.models import RepresentativityRule, Vacancy

from .conftest import nominee

TODAY = datetime.date(2027, 3, 15)
TERM = (datetime.date(2026, 1, 1), datetime.date(2027, 12, 31))
FORMULA = "=cmd|' /C calc'!A0"


def snapshot() -> dict:
    """The register's snapshot plus every row of representation (history tables as counts)."""
    out = _register_snapshot()
    for model in apps.get_app_config("representation").get_models():
        if model.__name__.startswith("Historical"):
            out[model._meta.label] = model.objects.count()
        else:
            out[model._meta.label] = list(model.objects.order_by("pk").values())
    return out


_register_snapshot = hostile.snapshot


@pytest.fixture(autouse=True)
def wide_snapshot(monkeypatch):
    """check_form_post / check_api_write compare the representation tables too."""
    monkeypatch.setattr(hostile, "snapshot", snapshot)


@pytest.fixture
def world(time_machine, db, external_body, org_a, admin_user, contact_a):
    time_machine.move_to(datetime.datetime(2027, 3, 15, 12, 0), tick=False)
    county = t.CountyFactory(number="46", name="Vestland")
    seats = list(external_body.seats.order_by("pk"))
    vacancy = services.vacancy_create(
        actor=admin_user, body=external_body, seats=seats[:2],
        data={"title": "Plasser i e-helsestyret", "term_start": datetime.date(2028, 1, 1),
              "term_end": datetime.date(2029, 12, 31),
              "deadline": TODAY + datetime.timedelta(days=30)},
        required_competences=["e-helse"], desired_competences=["arkitektur"])
    kari, per = nominee(org_a, "Kari Nordmann"), nominee(org_a, "Per Olsen")
    appointment = services.appointment_record(
        actor=admin_user, seat=seats[0], person=kari, organisation=org_a,
        decision_ref="KS 2025/7", decision_date=datetime.date(2025, 12, 1),
        valid_from=TERM[0], valid_to=TERM[1], report_every_months=6)
    return {"body": external_body, "seats": seats, "vacancy": vacancy, "org": org_a,
            "county": county, "kari": kari, "per": per, "appointment": appointment,
            "admin": admin_user, "contact": contact_a,
            "representative": t.UserFactory(person=kari)}


class LivePages:
    """Public pages, listed when iterated (after the POST): the vacancy pages include any
    vacancy the POST created."""

    def __init__(self, w):
        self.w = w

    def __iter__(self):
        slug = self.w["body"].slug
        yield reverse("representation:public_register")
        yield reverse("representation:vacancy_list")
        for pk in Vacancy.objects.values_list("pk", flat=True):
            yield reverse("representation:vacancy_detail", args=[pk])
        yield reverse("representation:rule_list", args=[slug])
        yield reverse("representation_reports:public_summaries")
        yield reverse("representation_reports:body_representativity", args=[slug])


hostile_pk = st.one_of(hostile_number, hostile_text)
hostile_pks = st.one_of(hostile_pk, st.lists(hostile_pk, max_size=3))
hostile_bool = st.one_of(st.sampled_from(["on", "", "true", "0"]), hostile_text)


def _vacancy_valid(w):
    return {"title": XSS_NAME, "description": XSS[1] + FORMULA,
            "seats": [str(s.pk) for s in w["seats"][:2]], "term_start": "2028-01-01",
            "term_end": "2029-12-31", "deadline": "2027-04-01",
            "required_competences": XSS[2] + ", " + FORMULA, "desired_competences": XSS[0]}


VACANCY_FIELDS = {"title": hostile_text, "description": hostile_text, "seats": hostile_pks,
                  "term_start": hostile_date, "term_end": hostile_date,
                  "deadline": hostile_date, "required_competences": hostile_text,
                  "desired_competences": hostile_text}
SEAT_BOUNDS = {"role": st.one_of(st.sampled_from(["", "member", "deputy"]), hostile_text),
               "minimum": hostile_number, "maximum": hostile_number}

# name, user key, url(world), valid data(world), hostile field strategies
FORMS = [
    ("vacancy_create", "admin",
     lambda w: reverse("representation:vacancy_create") + f"?body={w['body'].slug}",
     _vacancy_valid, VACANCY_FIELDS),
    ("vacancy_edit", "admin",
     lambda w: reverse("representation:vacancy_edit", args=[w["vacancy"].pk]),
     _vacancy_valid, VACANCY_FIELDS),
    ("nomination_create", "contact",
     lambda w: reverse("representation:nomination_create", args=[w["vacancy"].pk])
     + f"?organisation={w['org'].pk}",
     lambda w: {"person": str(w["per"].pk), "motivation": XSS_NAME + FORMULA,
                "competences": XSS[1] + ", e-helse", "consent": "on"},
     {"person": hostile_pk, "motivation": hostile_text, "competences": hostile_text,
      "consent": hostile_bool}),
    ("rule_create_county_seats", "admin",
     lambda w: reverse("representation:rule_create", args=[w["body"].slug])
     + "?kind=county_seats",
     lambda w: {"name": XSS_NAME, "counties": [str(w["county"].pk)], "role": "member",
                "minimum": "1", "maximum": "2", "explanation": XSS[0] + FORMULA},
     {"name": hostile_text, "counties": hostile_pks, **SEAT_BOUNDS,
      "explanation": hostile_text}),
    pytest.param(
     "rule_create_competences", "admin",
     lambda w: reverse("representation:rule_create", args=[w["body"].slug])
     + "?kind=competences",
     lambda w: {"competences": XSS_NAME + ", " + FORMULA, "explanation": XSS[3]},
     {"competences": hostile_text, "explanation": hostile_text},
     id="rule_create_competences"),
    ("report_create", "representative",
     lambda w: reverse("representation_reports:report_create", args=[w["appointment"].pk])
     + "?frist=2026-07-01",
     lambda w: {"due_date": "2026-07-01", "discussed": XSS_NAME, "status": FORMULA,
                "needs_position": "on", "position_matter": XSS[1], "summary": XSS[0],
                "summary_public": "on"},
     {"due_date": hostile_date, "discussed": hostile_text, "status": hostile_text,
      "needs_position": hostile_bool, "position_matter": hostile_text, "summary": hostile_text,
      "summary_public": hostile_bool}),
    ("appointment_end", "admin",
     lambda w: reverse("representation:appointment_end", args=[w["appointment"].pk]),
     lambda w: {"end_date": "2027-03-01", "reason": XSS_NAME + FORMULA},
     {"end_date": hostile_date, "reason": hostile_text}),
]


@pytest.mark.parametrize("name,user,url,valid,fields", FORMS,
                         ids=[f[0] if isinstance(f, tuple) else f.id for f in FORMS])
def test_form_hostile_input(world, name, user, url, valid, fields):
    client = logged_in(world[user])
    target = url(world)
    outcomes = set()

    @BOUNDED
    @given(data=mostly_valid(valid(world), fields))
    def run(data):
        outcomes.add(rolled_back(
            lambda: check_form_post(client, target, data, LivePages(world))))

    run()
    assert outcomes == {200, 302}, f"{name}: only {outcomes}"


# name, user key, path(world), valid body(world), fields
API_WRITES = [
    ("vacancy_create", "admin", lambda w: "/api/vacancies",
     lambda w: {"body": w["body"].slug, "title": XSS_NAME, "description": XSS[1] + FORMULA,
                "seats": [s.pk for s in w["seats"][:2]], "term_start": "2028-01-01",
                "term_end": "2029-12-31", "deadline": "2027-04-01",
                "required_competences": [XSS[2], FORMULA], "desired_competences": [XSS[0]]},
     ["body", "title", "description", "seats", "term_start", "term_end", "deadline",
      "required_competences", "desired_competences"]),
    ("nomination_create", "contact", lambda w: f"/api/vacancies/{w['vacancy'].pk}/nominations",
     lambda w: {"organisation": w["org"].pk, "person": w["per"].pk,
                "motivation": XSS_NAME + FORMULA, "competences": [XSS[1], "e-helse"],
                "consent": True},
     ["organisation", "person", "motivation", "competences", "consent"]),
    ("rule_create", "admin", lambda w: f"/api/bodies/{w['body'].slug}/rules",
     lambda w: {"kind": "county_seats", "name": XSS_NAME, "counties": ["46"], "role": "member",
                "minimum": 1, "maximum": 2, "explanation": XSS[0] + FORMULA},
     ["kind", "name", "counties", "organisation_kind", "population_from", "population_to",
      "role", "minimum", "maximum", "limit", "competences", "preferred", "explanation",
      "active"]),
    ("report_create", "representative",
     lambda w: f"/api/appointments/{w['appointment'].pk}/reports",
     lambda w: {"due_date": "2026-07-01", "discussed": XSS_NAME, "status": FORMULA,
                "needs_position": True, "position_matter": XSS[1], "summary": XSS[0],
                "summary_public": True},
     ["due_date", "discussed", "status", "needs_position", "position_matter", "summary",
      "summary_public"]),
]


@pytest.mark.parametrize("name,user,path,valid,fields", API_WRITES,
                         ids=[a[0] for a in API_WRITES])
def test_api_write_hostile_json(world, name, user, path, valid, fields):
    client, headers = api_client(world[user])
    target = path(world)
    outcomes = set()

    @BOUNDED
    @given(body=st.one_of(json_body(valid(world), fields),
                          st.sampled_from([b"", b"null", b"[]", b"{", b"\xff\xfe",
                                           b'{"title": "\\u0000"}'])))
    def run(body):
        outcomes.add(rolled_back(lambda: check_api_write(client, headers, "POST", target, body,
                                                         LivePages(world))))

    run()
    assert outcomes == {True, False}, f"POST {target}: only {outcomes} (accepted?)"


@pytest.mark.parametrize("competences", ["", ", ,"])
def test_empty_competences_rule_is_refused_and_the_report_page_stands(world, competences):
    """A competences rule without competences was saved and broke the public page (500)."""
    client = logged_in(world["admin"])
    slug = world["body"].slug
    response = client.post(reverse("representation:rule_create", args=[slug])
                           + "?kind=competences",
                           {"competences": competences, "explanation": "Forklaring"})
    assert response.status_code == 200  # the form again, with the error
    assert not RepresentativityRule.objects.filter(kind="competences").exists()
    page = logged_in(world["contact"]).get(
        reverse("representation_reports:body_representativity", args=[slug]))
    assert page.status_code == 200
