"""Hostile input to the cases app's forms, document upload and API writes (QUALITY.md 4, 8, 9).

Same properties as register/tests/test_hostile_input.py and representation's, whose strategies
and helpers this reuses, over every form under /rediger/saker/ (cases/edit_urls.py) and every
write of cases/api.py, each posted by the user who would post it (the body's secretary for the
case, its path, documents, rounds, synthesis, positions and meetings; the secretariat to override
a status; an organisation contact for input):

- never a 500 (Django's test client re-raises server exceptions);
- a refusal (the form again with its errors, or an API 4xx naming its fields) changes nothing:
  every row of the cases tables (many-to-many tables included), the accounts tables, the bodies
  and organisations, and the count of every history table, compared before and after;
- an accepted write stores the text as given (or stripped, where the form or service says so)
  and every page that shows what it changed renders it escaped: the case page and its change
  history, the case list, the round page, the meeting page (read by the secretariat, who sees
  drafts and exempt content), and the Atom feeds (saker, innspill, vedtak), whose
  ``type="html"`` summaries must hold escaped text;
- extra fields (role, owner, organisation, is_staff, status, year, …) never change anything:
  the API refuses them, a form ignores them and no stored row takes their values;
- a document upload with a hostile name (path traversal, NUL, bidi override, markup, 300
  characters) or hostile content (HTML posing as PDF, a ZIP that is no Office file, a ZIP bomb,
  an executable, an empty file) is refused on its field or stored under a plain base name in the
  private storage, typed by its content, and downloads as an attachment;
- the buttons and query parameters without free text (follow/unfollow with ``next=``, removing
  a synthesis point, a case from a report back, ``?punkt=``): a 404 or a message and nothing
  changed, and ``next=`` never leads to another host;
- every API write route given hostile ids in its path (zero, negative, beyond 2**63, other
  scripts): 404 or 422, nothing changed; the Idempotency-Key header: a replay stores nothing.

A page that answers 500 after an accepted write is recorded and the property fails after its
last example, listing each (so one finding does not hide the property's other checks). The last
section repeats, deterministically and on every form or feed they reach, the inputs the
properties found to break something, so a finding does not depend on the examples a seed draws.

Bounded: ``derandomize=True``, 10 examples a property (the upload 20), no shrinking, no example
database, every example rolled back; one world per test. About a minute on two busy cores.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import json
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.db import connection
from django.db.models import JSONField
from django.test import Client
from django.urls import reverse
from hypothesis import example, given, note, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

import register.tests.test_hostile_input as hostile
from cases import services
from cases.models import CaseDocument, CaseStatus, Input, InputRound
from core import testing as t
from register.tests.test_hostile_input import (
    BOUNDED,
    XSS,
    XSS_NAME,
    api_client,
    hostile_date,
    hostile_json,
    hostile_number,
    hostile_text,
    logged_in,
    rolled_back,
)

from .conftest import answers, make_case, make_round

EXAMPLES = settings(BOUNDED, max_examples=10)
FORMULA = "=cmd|' /C calc'!A0"
NOW = datetime.datetime(2026, 6, 15, 12, 0, tzinfo=datetime.UTC)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# Unescaped, any of these in a page means injected markup (the register's, and more).
RAW_MARKERS = [*hostile.RAW_MARKERS, b"<script><script>", b"</textarea><script>",
               b'href="javascript:']

hostile_pk = st.one_of(hostile_number, hostile_text)
hostile_pks = st.one_of(hostile_pk, st.lists(hostile_pk, max_size=3))
hostile_bool = st.one_of(st.sampled_from(["on", "", "true", "0"]), hostile_text)
hostile_datetime = st.one_of(
    hostile_date,
    st.datetimes().map(lambda d: d.isoformat(timespec="minutes")),
    st.sampled_from(["0001-01-01T00:00", "0001-01-01 00:30", "9999-12-31T23:59",
                     "2026-03-29T02:30",  # does not exist in Oslo (summer time begins)
                     "2026-10-25T02:30",  # happens twice in Oslo
                     "2026-06-20T10:00+05:00", "2026-06-20T25:00", "2026-06-20T10:00:00.123456",
                     "2026-06-20", "1899-12-31T23:59", "2200-01-01T00:00"]))


def _note(text: str) -> None:
    """Shown with a failing example (outside hypothesis, the assertion message says it)."""
    with contextlib.suppress(InvalidArgument):
        note(text)


def choice(values):
    """One of the valid values, or a hostile one."""
    return st.one_of(st.sampled_from(list(values)), hostile_text)


# --- the world ----------------------------------------------------------------------------------


@pytest.fixture
def frozen(time_machine):
    """The clock stands at NOW from before the first object is made."""
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def world(frozen, case, input_step, position_step, admin_user, secretary_x, contact_a,
          org_a, org_b, body_x, body_y):
    """A case of body X in progress (its path: an input step, a position step), a round open
    now that organisation A has answered, a second round without input, a document, a meeting
    with the case on its agenda, and a draft case."""
    open_round = make_round(admin_user, input_step)
    spare_round = make_round(admin_user, input_step, title="Runde uten innspill")
    version, _ = services.input_submit(actor=contact_a, round_=open_round, organisation=org_a,
                                       answers=answers(open_round, "Innspill fra A"),
                                       idempotency_key="a-1")
    document = services.document_add(
        actor=admin_user, case=case, title="Saksframlegg",
        upload=_upload("saksframlegg.pdf", PDF))
    meeting = services.meeting_create(actor=admin_user, body=body_x, data={
        "title": "Møte i organ X", "starts_at": NOW + datetime.timedelta(days=7),
        "ends_at": NOW + datetime.timedelta(days=7, hours=2)})
    item = services.agenda_item_save(actor=admin_user, meeting=meeting,
                                     data={"case": case, "title": "", "minutes": ""})
    other = make_case(admin_user, body_x, title="Annen sak")
    other_step = services.step_create(actor=admin_user, case=other, data={
        "body": body_y, "purpose": "information"})
    county = org_a.county or t.CountyFactory(number="46", name="Vestland")
    outsider = t.OrganisationFactory(name="Leverandør AS", kind="vendor")
    return {"case": case, "input_step": input_step, "position_step": position_step,
            "round": open_round, "spare_round": spare_round, "input": version.input,
            "questions": [str(q.pk) for q in open_round.questions.all()],
            "document": document, "meeting": meeting, "item": item, "other": other,
            "other_step": other_step, "outsider": outsider,
            "org": org_a, "org_b": org_b, "body": body_x, "body_y": body_y, "county": county,
            "admin": admin_user, "secretary": secretary_x, "contact": contact_a}


def _upload(name, data, content_type="application/pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)


# --- snapshot and checks ------------------------------------------------------------------------

OTHER_TABLES = ("register.Organisation", "register.County", "structure.Body")


def _tables() -> list[tuple[str, str, str | None, set[str]]]:
    """(label, table, primary key column or None for a history table, JSON columns)."""
    models = [*apps.get_app_config("cases").get_models(include_auto_created=True),
              *apps.get_app_config("accounts").get_models(include_auto_created=True),
              *(apps.get_model(label) for label in OTHER_TABLES)]
    return [(model._meta.label, model._meta.db_table,
             None if model.__name__.startswith("Historical") else model._meta.pk.column,
             {f.column for f in model._meta.concrete_fields if isinstance(f, JSONField)})
            for model in models if model._meta.label != "accounts.ApiToken"]


def snapshot() -> dict:
    """Every row of the cases app (many-to-many tables included) and of accounts (API tokens
    left out: using one records when), bodies, organisations and counties; history tables as
    counts. Read with plain SQL (a property takes two a request; the ORM took 30 times as
    long), rows keyed by column name, JSON columns decoded."""
    out = {}
    with connection.cursor() as cursor:
        for label, table, pk, json_columns in _tables():
            if pk is None:
                cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - model tables
                out[label] = cursor.fetchone()[0]
                continue
            cursor.execute(f'SELECT * FROM "{table}" ORDER BY "{pk}"')  # noqa: S608
            columns = [d[0] for d in cursor.description]
            rows = [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]
            for row in rows:
                for column in json_columns:
                    if isinstance(row[column], str):
                        row[column] = json.loads(row[column])
            out[label] = rows
    return out


def changed_rows(before: dict, after: dict) -> list[tuple[str, dict]]:
    """Rows that are new or changed, with their table."""
    return [(label, row) for label, rows in after.items() if isinstance(rows, list)
            for row in rows if row not in before[label]]


def assert_escaped(response, where: str) -> None:
    assert response.status_code == 200, f"{where}: HTTP {response.status_code}"
    for marker in RAW_MARKERS:
        assert marker not in response.content, f"{where}: raw {marker!r} in the page"


def assert_feed_escaped(url: str, where: str) -> None:
    """An Atom feed: no injected element, and every ``type="html"`` text is escaped HTML."""
    response = Client().get(url)
    assert_escaped(response, f"{url} {where}")
    root = ET.fromstring(response.content)  # noqa: S314 - our own output
    for element in root.iter():
        if element.get("type") == "html":
            text = (element.text or "").encode()
            for marker in RAW_MARKERS:
                assert marker not in text, f"{url} {where}: {marker!r} unescaped in HTML text"


CASE_FEED = "/saker/feed/saker.atom"
ROUND_FEED = "/saker/feed/innspill.atom"
DECISION_FEED = "/saker/feed/vedtak.atom"


def pages_for(before: dict, after: dict) -> list[str]:
    """The pages that show what a write changed: the page of each case, round and meeting it
    touched (a case's with its change history; a round's case too, which lists its rounds),
    the case list when a case changed, and the feed of each kind of object changed."""
    from cases.models import AgendaItem, AnchoringStep

    cases, rounds, meetings, feeds = set(), set(), set(), set()
    for label, row in changed_rows(before, after):
        model = label.partition(".")[2]
        if model == "Case":
            cases.add(row["id"])
            feeds.add(CASE_FEED)
        elif model == "Case_related":
            cases.add(row["from_case_id"])
        elif model in ("AnchoringStep", "Case_topics"):
            cases.add(row["case_id"])
        elif model == "CaseDocument":
            cases.add(row["case_id"])
            meetings.update(AgendaItem.objects.filter(case_id=row["case_id"])
                            .values_list("meeting_id", flat=True))
        elif model == "InputRound":
            rounds.add(row["id"])
            cases.add(AnchoringStep.objects.get(pk=row["step_id"]).case_id)
            feeds.add(ROUND_FEED)
        elif model == "InputVersion":
            rounds.add(Input.objects.get(pk=row["input_id"]).round_id)
        elif "round_id" in row:  # questions, inputs, synthesis, invitations, response counts
            rounds.add(row["round_id"])
        elif model == "Meeting":
            meetings.add(row["id"])
        elif model == "AgendaItem":
            meetings.add(row["meeting_id"])
        elif model == "AgendaItem_papers":
            meetings.add(AgendaItem.objects.get(pk=row["agendaitem_id"]).meeting_id)
        elif model == "Resolution":
            cases.add(AnchoringStep.objects.get(pk=row["step_id"]).case_id)
            feeds.add(DECISION_FEED)
    pages = [reverse("cases:case_list")] if CASE_FEED in feeds else []
    for pk in sorted(cases):
        pages += [reverse("cases:case_detail", args=[pk]),
                  reverse("cases:case_history", args=[pk])]
    pages += [reverse("cases:round_detail", args=[pk]) for pk in sorted(rounds)]
    pages += [reverse("cases:meeting_detail", args=[pk]) for pk in sorted(meetings)]
    return pages + sorted(feeds)


# Server errors of pages read after an accepted write (the write stored something a page
# cannot show): recorded with the write, so that the property runs all its examples (the other
# checks too), then fails listing them (``assert_no_page_crashed``).
PAGE_CRASHES: list[str] = []


@pytest.fixture(autouse=True)
def _no_crashes_carried_over():
    PAGE_CRASHES.clear()
    yield
    PAGE_CRASHES.clear()


def assert_no_page_crashed() -> None:
    assert not PAGE_CRASHES, (f"{len(PAGE_CRASHES)} page(s) answered 500 after an accepted "
                              "write:\n" + "\n".join(dict.fromkeys(PAGE_CRASHES)))


def check_pages(reader: Client, pages, where: str) -> None:
    for page in pages:
        try:
            if page.endswith(".atom"):
                assert_feed_escaped(page, where)
            else:
                assert_escaped(reader.get(page), f"{page} {where}")
        except AssertionError:
            raise
        except Exception as exc:  # noqa: BLE001 - the test client re-raises the server's error
            PAGE_CRASHES.append(f"GET {page} -> {type(exc).__name__}: {exc} | {where[:400]}")


def is_stored(after: dict, label: str, column: str, value) -> bool:
    """``value`` (as given, or stripped) is the value of ``column`` in some row of ``label``;
    in a JSON column holding a dict, one of its values."""
    wanted = {value, value.strip()}
    for row in after[label]:
        stored = row.get(column)
        found = set(stored.values()) if isinstance(stored, dict) else {stored}
        if wanted & found:
            return True
    return False


def questions_stored(after: dict, text: str) -> bool:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    asked = {row["text"] for row in after["cases.Question"]}
    return all(line in asked for line in lines)


# Extra fields no form and no endpoint takes, and a value that would show if one were applied
# (``column``: where it would land).
def extra_fields(w) -> dict[str, tuple[object, str, object]]:
    """name → (value posted, column, value it would be stored as)."""
    return {
        "role": ("admin", "role", "admin"),
        "is_staff": (True, "is_staff", True),
        "is_superuser": (True, "is_superuser", True),
        "organisation": (w["outsider"].pk, "organisation_id", w["outsider"].pk),
        "owner": (w["body_y"].slug, "owner_id", w["body_y"].pk),
        "status": ("withdrawn", "status", "withdrawn"),
        "year": (1999, "year", 1999),
        "sequence": (77777, "sequence", 77777),
        "announced_at": ("2000-01-01T00:00", "announced_at", None),
        "source_report": (1, "source_report_id", 1),
        "submitted_by": (w["admin"].pk, "submitted_by_id", w["admin"].pk),
        "late": (True, "late", True),
        "checksum": ("0" * 64, "checksum", "0" * 64),
        "case": (w["other"].pk, "case_id", w["other"].pk),
        "step": (w["other_step"].pk, "step_id", w["other_step"].pk),
        "user": (w["admin"].pk, "user_id", w["admin"].pk),
        "id": (987654, "id", 987654),
    }


def assert_no_extra_applied(before, after, extras: dict, w) -> None:
    """No new or changed row took the value of an extra field; no user, role or token row
    changed (forms ignore unknown fields)."""
    table = extra_fields(w)
    for label, row in changed_rows(before, after):
        assert not label.startswith("accounts."), f"accounts row changed: {label} {row}"
        for name in extras:
            _, column, value = table[name]
            if column in row and value is not None:
                assert row[column] != value, f"extra field {name!r} landed in {label}: {row}"


def extras_strategy(w, legit: set[str]):
    names = sorted(set(extra_fields(w)) - legit)
    return st.dictionaries(st.sampled_from(names), st.just(None), max_size=3)


def with_extras(valid: dict, fields: dict, w, *, form: bool):
    """A valid submission with up to three fields replaced by hostile values, and up to three
    extra fields it does not take."""
    legit = set(valid) | set(fields)
    table = extra_fields(w)

    def build(parts):
        picked, values, extras = parts
        data = {**valid, **{k: values[k] for k in picked}}
        for name in extras:
            value = table[name][0]
            data[name] = ("on" if value is True else str(value)) if form else value
        return data, set(extras)

    return st.tuples(st.sets(st.sampled_from(sorted(fields)), max_size=3),
                     st.fixed_dictionaries(fields), extras_strategy(w, legit)).map(build)


# --- the forms ----------------------------------------------------------------------------------


def check_form_post(client, reader, w, url, data, extras, *, verbatim, refusals) -> int:
    """One POST: the form again with its errors (or a 403/404 where allowed) and nothing
    changed; or a redirect, after which the text is stored as given and every page shows it
    escaped, and no extra field took effect."""
    _note(f"POST {url} {data!r}")
    before = snapshot()
    response = client.post(url, data)
    status = response.status_code
    assert status in refusals | {302}, f"POST {url} {data!r}: HTTP {status}"
    after = snapshot()
    if status != 302:
        assert after == before, f"POST {url} answered {status} but changed data: {data!r}"
        if status == 200:
            form = response.context["form"]
            assert form.errors, f"POST {url} answered 200 without an error: {data!r}"
            assert_escaped(response, f"POST {url} (the form with its errors)")
        return status
    location = response["Location"]
    assert location.startswith("/") and not location.startswith("//"), location
    assert_no_extra_applied(before, after, extras, w)
    for field, where in verbatim.items():
        value = data.get(field)
        if not isinstance(value, str) or not value.strip():
            continue
        ok = where(after, value) if callable(where) else is_stored(after, *where, value)
        assert ok, f"POST {url}: {field}={value!r} was not stored as given"
    check_pages(reader, pages_for(before, after), f"after POST {url} {data!r}")
    return status


def _case_valid(w):
    return {"title": XSS_NAME, "summary": XSS[1] + "\n\n" + FORMULA, "case_type": "position",
            "owner": str(w["body"].pk), "exempt": "", "exemption_basis": "",
            "topics": XSS[2] + ", arkiv", "related": w["other"].number}


CASE_FIELDS = {"title": hostile_text, "summary": hostile_text,
               "case_type": choice(["position", "strategy", "other"]), "owner": hostile_pk,
               "exempt": hostile_bool, "exemption_basis": choice(["offl-14", "offl-13"]),
               "topics": hostile_text, "related": hostile_text}
CASE_TEXT = {"title": ("cases.Case", "title"), "summary": ("cases.Case", "summary")}


def _step_valid(order):
    def valid(w):
        return {"order": order, "body": str(w["body"].pk), "purpose": "preparation",
                "description": XSS_NAME, "planned_date": "2026-09-01", "status": "planned",
                "completed_on": ""}
    return valid


STEP_FIELDS = {"order": hostile_number, "body": hostile_pk,
               "purpose": choice(["input", "preparation", "position", "decision"]),
               "description": hostile_text, "planned_date": hostile_date,
               "status": choice(["planned", "ongoing", "done", "skipped"]),
               "completed_on": hostile_date}
STEP_TEXT = {"description": ("cases.AnchoringStep", "description")}


def _round_valid(w):
    return {"title": XSS_NAME, "description": XSS[1] + FORMULA, "all_members": "on",
            "opens_at": "2026-06-16T09:00", "closes_at": "2026-07-01T12:00", "allow_late": "",
            "exempt": "", "exemption_basis": "", "questions": XSS[0] + "\n" + FORMULA}


ROUND_FIELDS = {"title": hostile_text, "description": hostile_text, "all_members": hostile_bool,
                "counties": hostile_pks, "networks": hostile_pks, "bodies": hostile_pks,
                "opens_at": hostile_datetime, "closes_at": hostile_datetime,
                "allow_late": hostile_bool, "exempt": hostile_bool,
                "exemption_basis": choice(["offl-14"]), "questions": hostile_text}
ROUND_TEXT = {"title": ("cases.InputRound", "title"),
              "description": ("cases.InputRound", "description"),
              "questions": questions_stored}


def _meeting_valid(w):
    return {"body": str(w["body"].pk), "title": XSS_NAME, "starts_at": "2026-09-01T10:00",
            "ends_at": "2026-09-01T12:00", "place": XSS[1],
            "video_url": "https://video.example.invalid/m", "status": "planned",
            "minutes_approved": ""}


MEETING_FIELDS = {"body": hostile_pk, "title": hostile_text, "starts_at": hostile_datetime,
                  "ends_at": hostile_datetime, "place": hostile_text,
                  "video_url": st.one_of(hostile_text, st.sampled_from([
                      "javascript:xss_probe()", "JaVaScRiPt:xss_probe()",
                      "data:text/html,<script>xss_probe()</script>", "//evil.example/x",
                      "https://evil.example/\"><script>xss_probe()</script>"])),
                  "status": choice(["planned", "held", "cancelled"]),
                  "minutes_approved": hostile_bool}
MEETING_TEXT = {"title": ("cases.Meeting", "title"), "place": ("cases.Meeting", "place")}
ITEM_TEXT = {"title": ("cases.AgendaItem", "title"), "minutes": ("cases.AgendaItem", "minutes")}
RESOLUTION_TEXT = {"text": ("cases.Resolution", "text"),
                   "override_reason": ("cases.Resolution", "override_reason")}


def _input_valid(w):
    q1, q2 = w["questions"]
    return {"organisation": str(w["org"].pk), "action": "submit",
            "idempotency_key": "hostile-1", f"q-{q1}": XSS_NAME, f"q-{q2}": FORMULA}


def _input_fields(w):
    q1, q2 = w["questions"]
    return {"organisation": st.one_of(hostile_pk, st.just(str(w["org_b"].pk))),
            "action": choice(["submit", "draft"]), "idempotency_key": hostile_text,
            f"q-{q1}": hostile_text, f"q-{q2}": hostile_text}


def _input_text(w):
    q1, q2 = w["questions"]
    return {f"q-{q1}": answer_stored, f"q-{q2}": answer_stored}


def answer_stored(after, value) -> bool:
    return (is_stored(after, "cases.InputVersion", "answers", value)
            or is_stored(after, "cases.Input", "draft", value))


def _fields(fields):
    return fields if callable(fields) else (lambda w: fields)


# name, user, url(w), valid(w), hostile fields (or fields(w)), verbatim, refusals
FORMS = [
    ("case_create", "secretary", lambda w: reverse("cases_edit:case_create"), _case_valid,
     CASE_FIELDS, CASE_TEXT, {200}),
    ("case_edit", "secretary", lambda w: reverse("cases_edit:case_edit", args=[w["case"].pk]),
     _case_valid, CASE_FIELDS, CASE_TEXT, {200}),
    ("case_status", "admin", lambda w: reverse("cases_edit:case_status", args=[w["case"].pk]),
     lambda w: {"status": "decided", "reason": XSS_NAME},
     {"status": choice(CaseStatus.values), "reason": hostile_text}, {}, {200}),
    ("step_create", "secretary",
     lambda w: reverse("cases_edit:step_create", args=[w["case"].pk]), _step_valid(""),
     STEP_FIELDS, STEP_TEXT, {200}),
    ("step_edit", "secretary",
     lambda w: reverse("cases_edit:step_edit", args=[w["position_step"].pk]), _step_valid("2"),
     STEP_FIELDS, STEP_TEXT, {200}),
    ("document_edit", "secretary",
     lambda w: reverse("cases_edit:document_edit", args=[w["document"].pk]),
     lambda w: {"title": XSS_NAME, "exempt": "", "exemption_basis": ""},
     {"title": hostile_text, "exempt": hostile_bool, "exemption_basis": choice(["offl-14"])},
     {"title": ("cases.CaseDocument", "title")}, {200}),
    ("round_create", "secretary",
     lambda w: reverse("cases_edit:round_create", args=[w["input_step"].pk]), _round_valid,
     ROUND_FIELDS, ROUND_TEXT, {200}),
    ("round_edit", "secretary",
     lambda w: reverse("cases_edit:round_edit", args=[w["spare_round"].pk]), _round_valid,
     ROUND_FIELDS, ROUND_TEXT, {200}),
    ("input_edit", "contact",
     lambda w: reverse("cases_edit:input_edit", args=[w["round"].pk]), _input_valid,
     _input_fields, _input_text, {200, 403, 404}),
    ("synthesis_point", "secretary",
     lambda w: reverse("cases_edit:synthesis_point", args=[w["round"].pk]),
     lambda w: {"text": XSS_NAME, "cited": [str(w["input"].pk)]},
     {"text": hostile_text, "cited": hostile_pks}, {"text": ("cases.SynthesisPoint", "text")},
     {200}),
    ("resolution_create", "secretary",
     lambda w: reverse("cases_edit:resolution_create", args=[w["position_step"].pk]),
     lambda w: {"kind": "position", "text": XSS_NAME + "\n" + FORMULA,
                "decided_on": "2026-06-15", "considered": [str(w["input"].pk)],
                "agenda_item": str(w["item"].pk), "override_reason": XSS[1]},
     {"kind": choice(["position", "decision"]), "text": hostile_text, "decided_on": hostile_date,
      "considered": hostile_pks, "agenda_item": hostile_pk, "override_reason": hostile_text},
     RESOLUTION_TEXT, {200}),
    ("meeting_create", "secretary", lambda w: reverse("cases_edit:meeting_create"),
     _meeting_valid, MEETING_FIELDS, MEETING_TEXT, {200}),
    ("meeting_edit", "secretary",
     lambda w: reverse("cases_edit:meeting_edit", args=[w["meeting"].pk]),
     lambda w: {k: v for k, v in _meeting_valid(w).items() if k != "body"},
     {k: v for k, v in MEETING_FIELDS.items() if k != "body"}, MEETING_TEXT, {200}),
    ("agenda_item_create", "secretary",
     lambda w: reverse("cases_edit:agenda_item", args=[w["meeting"].pk]),
     lambda w: {"order": "", "case_number": w["case"].number, "title": XSS_NAME,
                "minutes": XSS[1] + FORMULA},
     {"order": hostile_number, "case_number": hostile_text, "title": hostile_text,
      "minutes": hostile_text}, ITEM_TEXT, {200}),
    ("agenda_item_edit", "secretary",
     lambda w: reverse("cases_edit:agenda_item", args=[w["meeting"].pk])
     + f"?punkt={w['item'].pk}",
     lambda w: {"order": "1", "case_number": w["case"].number, "title": XSS_NAME,
                "papers": [str(w["document"].pk)], "minutes": XSS[0] + FORMULA},
     {"order": hostile_number, "case_number": hostile_text, "title": hostile_text,
      "papers": hostile_pks, "minutes": hostile_text}, ITEM_TEXT, {200}),
]


@pytest.mark.parametrize("name,user,url,valid,fields,verbatim,refusals", FORMS,
                         ids=[f[0] for f in FORMS])
def test_form_hostile_input(world, name, user, url, valid, fields, verbatim, refusals):
    client, reader = logged_in(world[user]), logged_in(world["admin"])
    target = url(world)
    verbatim = verbatim(world) if callable(verbatim) else verbatim
    outcomes = set()

    @EXAMPLES
    @given(posted=with_extras(valid(world), _fields(fields)(world), world, form=True))
    @example(posted=(valid(world), set()))
    def run(posted):
        data, extras = posted
        outcomes.add(rolled_back(lambda: check_form_post(
            client, reader, world, target, data, extras, verbatim=verbatim,
            refusals=refusals)))

    run()
    assert_no_page_crashed()
    assert {200, 302} <= outcomes, f"{name}: only {outcomes}"


# --- the document upload ------------------------------------------------------------------------

BOUNDARY = "----HostileBoundary7MA4YWxkTrZu0gW"


def multipart(fields: dict[str, str], filename: str, content: bytes, content_type: str) -> bytes:
    """A multipart body as a browser sends it (``"``, CR and LF in the file name
    percent-encoded), built by hand: Django's test client would strip the file name's path."""
    quoted = filename.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
    parts = [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
             f"{value}\r\n".encode() for name, value in fields.items()]
    parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
                 f'filename="{quoted}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
                 + content + b"\r\n")
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
HOSTILE_NAMES = [
    "../../x.pdf", "..\\..\\x.pdf", "/etc/passwd", "C:\\Windows\\win.ini", "..", ".", "",
    "a\x00b.pdf", "x" * 300 + ".pdf", "rapport\u202efdp.exe", "\u202eevil.pdf",
    "<script>xss_probe()</script>.pdf", '"><img src=x onerror=xss_probe()>.pdf',
    "&lt;script&gt;xss_probe()&lt;/script&gt;.pdf", "%2e%2e%2fx.pdf", ".htaccess",
    "CON.pdf", "x.pdf\r\nX-Injected: 1", "ø" * 201 + ".pdf", "\ufeffBOM.pdf", " .pdf",
    "file.php.pdf", "x.pdf;.exe", "😀.pdf",
]
HOSTILE_CONTENTS = [
    ("pdf", PDF), ("html-as-pdf", b"<html><body><script>xss_probe()</script></body></html>"),
    ("pdf-then-html", PDF + b"<script>xss_probe()</script>"),
    ("svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="xss_probe()"/>'),
    ("plain-zip", _zip({"evil.exe": b"MZ" + b"\x00" * 100})),
    ("zip-with-traversal", _zip({"../../evil.sh": b"#!/bin/sh\n"})),
    ("zip-bomb-docx", _zip({"[Content_Types].xml": b"<Types/>",
                            "word/document.xml": b"\x00" * 2_000_000})),
    ("docx", DOCX), ("broken-zip", b"PK\x03\x04" + b"\x00" * 40),
    ("executable", b"MZ\x90\x00" + b"\x00" * 64), ("empty", b""), ("nul-text", b"a\x00b"),
    ("latin-1", "Blåbær".encode("latin-1")), ("utf-16", "tekst".encode("utf-16")),
    ("png-magic-only", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20), ("formula", FORMULA.encode()),
]
CLAIMED_TYPES = ["application/pdf", "text/html", "application/octet-stream", "image/svg+xml",
                 "application/x-msdownload", "<script>"]
SAFE_NAME = re.compile(r"^[-\w.]+$")


def check_upload(client, reader, w, url, fields, filename, content, claimed) -> int:
    where = f"upload {filename!r} ({content[:40]!r}, {len(content)} bytes, {claimed}) {fields!r}"
    _note(where)
    before, stored_files = snapshot(), _files()
    response = client.post(url, multipart(fields, filename, content, claimed),
                           content_type=f"multipart/form-data; boundary={BOUNDARY}")
    status = response.status_code
    after = snapshot()
    if status != 302:
        assert after == before, f"{where}: refused ({status}) but changed data"
        assert _files() == stored_files, f"{where}: refused ({status}) but a file was written"
        assert status == 200, f"{where}: HTTP {status}, not the form with a field error"
        assert response.context["form"].errors, f"{where}: 200 without an error"
        assert_escaped(response, f"{where} (the form with its errors)")
        return status
    document = CaseDocument.objects.order_by("-pk").first()
    assert document.pk != w["document"].pk
    assert SAFE_NAME.match(document.filename) and not document.filename.startswith("."), (
        f"{where}: stored as {document.filename!r}")
    assert len(document.filename) <= 200 and ".." not in document.filename
    from cases.documents import ALLOWED

    assert ALLOWED.get(document.content_type) == document.filename.rsplit(".", 1)[1], (
        f"{where}: {document.filename!r} typed {document.content_type!r}")
    root = Path(django_settings.PRIVATE_MEDIA_ROOT).resolve()
    path = Path(document.file.path).resolve()
    assert path.is_relative_to(root), f"{where}: stored at {path}"
    assert path.read_bytes() == content
    title = fields.get("title", "")
    assert document.title in (title.strip(), document.filename), (where, document.title)
    download = reader.get(reverse("cases:document_download", args=[document.pk]))
    assert download.status_code == 200, f"{where}: download HTTP {download.status_code}"
    disposition = download["Content-Disposition"]
    assert disposition.startswith("attachment;") and not re.search(r"[\r\n/\\]", disposition)
    assert download["X-Content-Type-Options"] == "nosniff"
    assert not download["Content-Type"].startswith(("text/html", "image/svg"))
    check_pages(reader, pages_for(before, after), f"after {where}")
    return status


def test_document_upload_hostile_names_and_contents(world):
    client, reader = logged_in(world["secretary"]), logged_in(world["admin"])
    target = reverse("cases_edit:document_add", args=[world["case"].pk])
    outcomes = set()
    names = st.one_of(st.sampled_from(HOSTILE_NAMES), hostile_text,
                      st.tuples(hostile_text, st.sampled_from([".pdf", ".docx", ".txt"]))
                      .map("".join))
    contents = st.one_of(st.sampled_from(HOSTILE_CONTENTS).map(lambda c: c[1]),
                         st.binary(max_size=200), st.binary(max_size=50).map(lambda b: PDF + b))
    fields = st.fixed_dictionaries({
        "title": st.one_of(st.just(""), st.just(XSS_NAME), hostile_text),
        "exempt": st.sampled_from(["", "on"]),
        "exemption_basis": st.one_of(st.sampled_from(["", "offl-14"]), hostile_text)})

    @settings(EXAMPLES, max_examples=20)
    @given(filename=names, content=contents, claimed=st.sampled_from(CLAIMED_TYPES),
           fields=fields)
    def run(filename, content, claimed, fields):
        outcomes.add(rolled_back(lambda: check_upload(client, reader, world, target, fields,
                                                      filename, content, claimed)))

    run()
    assert_no_page_crashed()
    assert outcomes == {200, 302}, f"only {outcomes}"


def _each(world, cases, check) -> None:
    """Run ``check`` on each case (rolled back); fail at the end, listing every failure."""
    failures = []
    for case in cases:
        try:
            rolled_back(lambda case=case: check(case))
        except AssertionError as exc:
            failures.append(f"{case[0]!r}: {str(exc).splitlines()[0]}")
    assert not failures, f"{len(failures)} failed:\n" + "\n".join(failures)
    assert_no_page_crashed()


def test_every_hostile_file_name_is_refused_or_made_safe(world):
    """Each name with a PDF: stored under a plain base name, or refused on its field."""
    client, reader = logged_in(world["secretary"]), logged_in(world["admin"])
    target = reverse("cases_edit:document_add", args=[world["case"].pk])
    _each(world, [(name,) for name in HOSTILE_NAMES], lambda case: check_upload(
        client, reader, world, target, {"title": ""}, case[0], PDF, "application/pdf"))


REFUSED_CONTENTS = {"plain-zip", "zip-with-traversal", "zip-bomb-docx", "broken-zip",
                    "executable", "empty", "nul-text", "latin-1", "utf-16"}


def test_every_hostile_content_is_refused_or_typed_by_its_bytes(world):
    """HTML or SVG posing as PDF is kept as plain text (an attachment, never HTML); a ZIP that
    is no Office file, a ZIP bomb, a damaged ZIP, an executable, text that is not UTF-8 and an
    empty file are refused. The type is read from the magic bytes alone (a PNG signature is a
    PNG, served as an attachment)."""
    client, reader = logged_in(world["secretary"]), logged_in(world["admin"])
    target = reverse("cases_edit:document_add", args=[world["case"].pk])

    def check(case):
        kind, content = case
        status = check_upload(client, reader, world, target, {"title": ""}, "dokument.pdf",
                              content, "application/pdf")
        assert status == (200 if kind in REFUSED_CONTENTS else 302), f"HTTP {status}"

    _each(world, HOSTILE_CONTENTS, check)


def _files() -> list[str]:
    root = Path(django_settings.PRIVATE_MEDIA_ROOT)
    return sorted(str(p) for p in root.rglob("*")) if root.exists() else []


# --- buttons and query parameters ---------------------------------------------------------------


def _same_int(value: str, valid: str) -> bool:
    try:
        return int(value) == int(valid)
    except ValueError:
        return False


def test_buttons_and_query_parameters_refuse_hostile_values(world):
    """The forms without free text: removing a synthesis point (``id``), making a case of a
    report back (``owner``), and the ``?punkt=`` of the synthesis and agenda forms. A hostile
    value is a 404 (or the page the button was on, with a message) and changes nothing;
    ``?punkt=`` empty or 0 means no point or item (a new one)."""
    from .conftest import flagged_report

    w = world
    point = services.synthesis_point_save(actor=w["admin"], round_=w["round"], text="Poeng",
                                          cited=[w["input"]])
    report = flagged_report()
    client = logged_in(w["secretary"])
    synthesis = reverse("cases_edit:synthesis_point", args=[w["round"].pk])
    agenda = reverse("cases_edit:agenda_item", args=[w["meeting"].pk])
    # name → (url, parameter in the body or None for ?punkt=, valid value, the rest of the body)
    targets = {
        "synthesis_point_delete": (
            reverse("cases_edit:synthesis_point_delete", args=[w["round"].pk]), "id",
            str(point.pk), {}),
        "case_from_report": (reverse("cases_edit:case_from_report", args=[report.pk]), "owner",
                             str(w["body"].pk), {}),
        "synthesis_point ?punkt=": (synthesis, None, str(point.pk),
                                    {"text": XSS_NAME, "cited": [str(w["input"].pk)]}),
        "agenda_item ?punkt=": (agenda, None, str(w["item"].pk),
                                {"order": "1", "case_number": w["case"].number,
                                 "title": XSS_NAME, "minutes": ""}),
    }
    outcomes = set()

    @EXAMPLES
    @given(name=st.sampled_from(sorted(targets)), value=hostile_pk)
    @example(name="synthesis_point_delete", value=str(point.pk))
    @example(name="case_from_report", value=str(w["body"].pk))
    @example(name="synthesis_point ?punkt=", value=str(point.pk))
    @example(name="agenda_item ?punkt=", value=str(w["item"].pk))
    def run(name, value):
        url, parameter, valid, rest = targets[name]

        def body():
            _note(f"{name} {value!r}")
            before = snapshot()
            if parameter is None:
                response = client.post(f"{url}?{urlencode({'punkt': value})}", rest)
            else:
                response = client.post(url, {**rest, parameter: value})
            status = response.status_code
            assert status in (200, 302, 404), f"{name} {value!r}: HTTP {status}"
            after = snapshot()
            if status == 200:  # the form (?punkt= empty or 0 is a new point or item)
                assert response.context["form"].errors and after == before
            # the valid value, or (for ?punkt=) one that means none: a new point or item
            if _same_int(value, valid) or (parameter is None and _same_int(value or "0", "0")):
                check_pages(logged_in(w["admin"]), pages_for(before, after), f"{name} {value!r}")
            else:
                assert after == before, f"{name} {value!r} changed data"
            return status

        outcomes.add(rolled_back(body))

    run()
    assert_no_page_crashed()
    assert {302, 404} <= outcomes, f"only {outcomes}"


# --- following: a hostile action or next= -------------------------------------------------------


def test_follow_buttons_refuse_hostile_action_and_foreign_next(world):
    client = logged_in(world["contact"])
    targets = [reverse("cases_edit:case_follow", args=[world["case"].pk]),
               reverse("cases_edit:follow_body", args=[world["body"].pk]),
               reverse("cases_edit:follow_county", args=[world["county"].pk])]
    nexts = st.one_of(hostile_text, st.sampled_from([
        "https://evil.example/", "//evil.example/", "/\\evil.example/", "\\\\evil.example",
        "javascript:xss_probe()", "http://testserver@evil.example/", "https:evil.example",
        " //evil.example", "/saker/", "\t//evil.example"]))
    outcomes = set()

    @EXAMPLES
    @given(target=st.sampled_from(targets), action=choice(["follow", "unfollow"]), next_=nexts)
    def run(target, action, next_):
        def body():
            before = snapshot()
            response = client.post(target, {"action": action, "next": next_})
            assert response.status_code in (302, 404), response.status_code
            if response.status_code == 404:
                assert snapshot() == before
                return 404
            # wherever a browser resolves it from the button's address, it stays on this host
            landing = urlsplit(urljoin("http://testserver" + target, response["Location"]))
            assert (landing.scheme, landing.netloc) == ("http", "testserver"), (
                f"next={next_!r} -> {response['Location']!r}")
            assert not re.match(r"\s*[/\\]{2}", response["Location"]), response["Location"]
            return 302

        outcomes.add(rolled_back(body))

    run()
    assert outcomes == {302, 404}, f"only {outcomes}"


# --- the API ------------------------------------------------------------------------------------

API_OK = {200, 201, 204}
API_REFUSED = {400, 403, 404, 422}


def check_api_write(client, headers, reader, w, method, path, body, fields, *, text,
                    replay: int | None = None) -> bool:
    """One API write: accepted, or refused with a JSON error naming its fields and nothing
    changed. A body with a field the endpoint does not take is always refused. ``replay``: the
    status of an accepted repeat (a submission seen before), which stores nothing."""
    before = snapshot()
    raw = body if isinstance(body, bytes) else json.dumps(body)
    _note(f"{method} {path} {raw[:2000]!r}")
    response = client.generic(method, path, raw, content_type="application/json", **headers)
    status = response.status_code
    where = f"{method} {path} {raw[:300]!r}"
    assert status in API_OK | API_REFUSED, f"{where} -> {status} {response.content[:300]!r}"
    extra = set(body) - set(fields) if isinstance(body, dict) else set()
    if extra:
        assert status not in API_OK, f"{where}: extra fields {extra} accepted"
    if status not in API_OK:
        assert snapshot() == before, f"{where}: refused ({status}) but changed data"
        assert response["Content-Type"].startswith("application/json"), where
        detail = response.json()["detail"]
        if status == 422:
            assert detail and all(e["message"] for e in detail), (where, detail)
            named = {str(e["field"]).split(".")[0] for e in detail if e["field"]}
            assert not extra or extra <= named, f"{where}: extra fields not named: {detail}"
            assert named or not isinstance(body, dict), f"{where}: no field named: {detail}"
        return False
    after = snapshot()
    if status == replay:
        assert after == before, f"{where}: a replay ({status}) changed data"
        return True
    for field, where_stored in text.items():
        value = body.get(field)
        values = value if isinstance(value, list) else (
            list(value.values()) if isinstance(value, dict) else [value])
        for item in values:
            if isinstance(item, str) and item.strip():
                assert is_stored(after, *where_stored, item), (
                    f"{where}: {field}={item!r} was not stored as given")
    check_pages(reader, pages_for(before, after), f"after {where}")
    return True


def json_fields(fields: list[str], overrides: dict | None = None) -> dict:
    return {name: (overrides or {}).get(name, hostile_json) for name in fields}


def api_bodies(valid: dict, strategies: dict, w):
    """A valid body with up to three fields hostile, sometimes with extra fields; or raw bytes
    that are not the JSON object asked for (empty, truncated, invalid UTF-8, a lone surrogate,
    nested 5,000 deep)."""
    legit = set(strategies) | set(valid)
    structured = with_extras(valid, strategies, w, form=False).map(lambda p: p[0])
    nested = st.integers(min_value=1, max_value=60).map(
        lambda depth: {**valid, next(iter(strategies)): json.loads("[" * depth + "]" * depth)})
    raw = st.sampled_from([b"", b"null", b"[]", b'"x"', b"{", b"\xff\xfe", b"{}" * 5000,
                           b'{"title": "\\u0000"}', b'{"title": "\\ud800"}',
                           b"[" * 5000 + b"]" * 5000, b'{"a":' * 3000 + b"1" + b"}" * 3000,
                           json.dumps({**valid, **{k: None for k in legit}}).encode(),
                           json.dumps({k.upper(): v for k, v in valid.items()}).encode()])
    return st.one_of(structured, structured, nested, raw)


def _answers_strategy(w, key: str = "questions"):
    ids = w[key]
    return st.one_of(
        hostile_json,
        st.dictionaries(st.one_of(st.sampled_from(ids), hostile_text, hostile_number),
                        hostile_json, max_size=3),
        st.dictionaries(st.sampled_from(ids), hostile_text, min_size=1, max_size=2))


CASE_API_FIELDS = ["title", "summary", "case_type", "owner", "exempt", "exemption_basis",
                   "topics", "related"]
CASE_API_TEXT = {"title": ("cases.Case", "title"), "summary": ("cases.Case", "summary")}
STEP_API_FIELDS = ["order", "body", "purpose", "description", "planned_date", "status",
                   "completed_on"]
ROUND_API_FIELDS = ["title", "description", "all_members", "opens_at", "closes_at",
                    "allow_late", "exempt", "exemption_basis", "questions", "counties",
                    "networks", "bodies"]
ROUND_API_TEXT = {"title": ("cases.InputRound", "title"),
                  "description": ("cases.InputRound", "description"),
                  "questions": ("cases.Question", "text")}
MEETING_API_FIELDS = ["title", "starts_at", "ends_at", "place", "video_url", "status",
                      "minutes_approved"]
MEETING_API_TEXT = {"title": ("cases.Meeting", "title"), "place": ("cases.Meeting", "place")}
MOMENTS = {"opens_at": hostile_datetime, "closes_at": hostile_datetime,
           "starts_at": hostile_datetime, "ends_at": hostile_datetime,
           "planned_date": hostile_date, "completed_on": hostile_date,
           "decided_on": hostile_date}
ANSWERS_TEXT = {"answers": ("cases.InputVersion", "answers")}
DRAFT_TEXT = {"answers": ("cases.Input", "draft")}


def _round_body(w):
    return {"title": XSS_NAME, "description": XSS[1] + FORMULA,
            "opens_at": "2026-06-16T09:00", "closes_at": "2026-07-01T12:00:00+02:00",
            "questions": [XSS[0], FORMULA]}


def _meeting_body(w):
    return {"title": XSS_NAME, "starts_at": "2026-09-01T10:00", "ends_at": "2026-09-01T12:00",
            "place": XSS[1], "video_url": "https://video.example.invalid/m"}


def _answers_body(w):
    q1, q2 = w["questions"]
    return {"answers": {q1: XSS_NAME, q2: FORMULA}}


# name, user, method, path(w), valid(w), fields, overrides(w) | None, text
API_WRITES = [
    ("case_create", "secretary", "POST", lambda w: "/api/cases",
     lambda w: {"title": XSS_NAME, "summary": XSS[1] + FORMULA, "case_type": "position",
                "owner": w["body"].slug, "topics": [XSS[2], "arkiv"], "related": [w["other"].pk]},
     CASE_API_FIELDS, None, CASE_API_TEXT),
    ("case_update", "secretary", "PATCH", lambda w: f"/api/cases/{w['case'].pk}",
     lambda w: {"title": XSS_NAME, "summary": XSS[1] + FORMULA, "topics": [XSS[2]]},
     CASE_API_FIELDS, None, CASE_API_TEXT),
    ("case_transition", "secretary", "POST", lambda w: f"/api/cases/{w['case'].pk}/transition",
     lambda w: {"to": "decided", "reason": XSS_NAME}, ["to", "reason"],
     lambda w: {"to": choice(CaseStatus.values)}, {}),
    ("step_create", "secretary", "POST", lambda w: f"/api/cases/{w['case'].pk}/steps",
     lambda w: {"body": w["body"].slug, "purpose": "preparation", "description": XSS_NAME,
                "planned_date": "2026-09-01"},
     STEP_API_FIELDS, None, {"description": ("cases.AnchoringStep", "description")}),
    ("step_update", "secretary", "PATCH", lambda w: f"/api/steps/{w['position_step'].pk}",
     lambda w: {"description": XSS_NAME, "planned_date": "2026-09-01", "status": "ongoing"},
     STEP_API_FIELDS, None, {"description": ("cases.AnchoringStep", "description")}),
    ("resolution_create", "secretary", "POST",
     lambda w: f"/api/steps/{w['position_step'].pk}/resolutions",
     lambda w: {"kind": "position", "text": XSS_NAME + "\n" + FORMULA,
                "decided_on": "2026-06-15", "considered": [w["input"].pk],
                "agenda_item": w["item"].pk, "override_reason": XSS[1]},
     ["kind", "text", "decided_on", "considered", "agenda_item", "override_reason"], None,
     RESOLUTION_TEXT),
    ("round_create", "secretary", "POST", lambda w: f"/api/steps/{w['input_step'].pk}/rounds",
     _round_body, ROUND_API_FIELDS, None, ROUND_API_TEXT),
    ("round_update", "secretary", "PATCH", lambda w: f"/api/rounds/{w['spare_round'].pk}",
     _round_body, ROUND_API_FIELDS, None, ROUND_API_TEXT),
    ("input_draft", "contact", "PUT",
     lambda w: f"/api/rounds/{w['round'].pk}/inputs/{w['org'].pk}/draft", _answers_body,
     ["answers"], lambda w: {"answers": _answers_strategy(w)}, DRAFT_TEXT),
    ("input_submit", "contact", "POST",
     lambda w: f"/api/rounds/{w['round'].pk}/inputs/{w['org'].pk}", _answers_body,
     ["answers"], lambda w: {"answers": _answers_strategy(w)}, ANSWERS_TEXT),
    ("synthesis_create", "secretary", "POST", lambda w: f"/api/rounds/{w['round'].pk}/synthesis",
     lambda w: {"text": XSS_NAME + FORMULA, "cited": [w["input"].pk]}, ["text", "cited"], None,
     {"text": ("cases.SynthesisPoint", "text")}),
    ("meeting_create", "secretary", "POST", lambda w: "/api/meetings",
     lambda w: {**_meeting_body(w), "body": w["body"].slug}, ["body", *MEETING_API_FIELDS],
     None, MEETING_API_TEXT),
    ("meeting_update", "secretary", "PATCH", lambda w: f"/api/meetings/{w['meeting'].pk}",
     _meeting_body, MEETING_API_FIELDS, None, MEETING_API_TEXT),
    ("agenda_item_create", "secretary", "POST", lambda w: f"/api/meetings/{w['meeting'].pk}/items",
     lambda w: {"title": XSS_NAME, "case": w["case"].pk, "minutes": XSS[1] + FORMULA,
                "papers": [w["document"].pk]},
     ["order", "title", "case", "minutes", "papers"], None, ITEM_TEXT),
    ("follow_create", "contact", "POST", lambda w: "/api/follows",
     lambda w: {"target": "case", "id": w["case"].pk}, ["target", "id"],
     lambda w: {"target": choice(["body", "case", "county", "topic"]),
                "id": st.one_of(hostile_json, st.sampled_from(
                    [w["body"].slug, w["county"].number, str(w["case"].pk), w["other"].pk]))},
     {}),
]


@pytest.mark.parametrize("name,user,method,path,valid,fields,overrides,text", API_WRITES,
                         ids=[a[0] for a in API_WRITES])
def test_api_write_hostile_json(world, name, user, method, path, valid, fields, overrides,
                                text):
    client, headers = api_client(world[user])
    reader = logged_in(world["admin"])
    target = path(world)
    strategies = json_fields(fields, {**MOMENTS, **(overrides(world) if overrides else {})})
    outcomes = set()

    @EXAMPLES
    @given(body=api_bodies(valid(world), strategies, world))
    @example(body=valid(world))
    def run(body):
        outcomes.add(rolled_back(lambda: check_api_write(
            client, headers, reader, world, method, target, body, fields, text=text,
            replay=200 if name == "input_submit" else None)))

    run()
    assert_no_page_crashed()
    assert outcomes == {True, False}, f"{method} {target}: only {outcomes} (accepted?)"


def test_api_input_submit_hostile_idempotency_key(world):
    """The Idempotency-Key header: any text up to 64 characters, or a 422; never a 500, and a
    replay with the same key stores nothing new."""
    client, headers = api_client(world["contact"])
    reader = logged_in(world["admin"])
    w = world
    target = f"/api/rounds/{w['round'].pk}/inputs/{w['org'].pk}"
    keys = st.one_of(hostile_text, st.sampled_from(["", " ", "a-1", "k" * 64, "k" * 65,
                                                    "\x00", "ø" * 64, "<script>"]))
    outcomes = set()

    @EXAMPLES
    @given(key=keys, body=st.one_of(st.just(_answers_body(w)),
                                    api_bodies(_answers_body(w),
                                               {"answers": _answers_strategy(w)}, w)))
    def run(key, body):
        def once():
            sent = {**headers, "HTTP_IDEMPOTENCY_KEY": key}
            accepted = check_api_write(client, sent, reader, w, "POST", target, body,
                                       ["answers"], text=ANSWERS_TEXT,
                                       replay=200)
            if accepted:
                versions = snapshot()["cases.InputVersion"]
                raw = body if isinstance(body, bytes) else json.dumps(body)
                again = client.generic("POST", target, raw, content_type="application/json",
                                       **sent)
                assert again.status_code == 200, again.content
                assert snapshot()["cases.InputVersion"] == versions
            return accepted

        outcomes.add(rolled_back(once))

    run()
    assert_no_page_crashed()
    assert outcomes == {True, False}, f"only {outcomes}"


def test_api_follow_delete_hostile_query(world):
    client, headers = api_client(world["contact"])
    services.follow(actor=world["contact"], target=world["case"])
    outcomes = set()

    @EXAMPLES
    @given(target=choice(["body", "case", "county", "topic"]),
           key=st.one_of(hostile_pk, st.just(str(world["case"].pk))))
    @example(target="case", key=str(world["case"].pk))
    def run(target, key):
        def body():
            before = snapshot()
            query = urlencode({"target": target, "id": key})
            response = client.delete(f"/api/follows?{query}", **headers)
            assert response.status_code in API_OK | API_REFUSED, response.content[:300]
            if response.status_code not in API_OK:
                assert snapshot() == before
            return response.status_code in API_OK

        outcomes.add(rolled_back(body))

    run()
    assert outcomes == {True, False}, f"only {outcomes}"


def _write_routes(w) -> list[tuple[str, str]]:
    """Every write route of the cases API, with ``{}`` where a path parameter goes."""
    return [("PATCH", "/api/cases/{}"), ("POST", "/api/cases/{}/transition"),
            ("POST", "/api/cases/{}/steps"), ("PATCH", "/api/steps/{}"),
            ("POST", "/api/steps/{}/resolutions"), ("POST", "/api/steps/{}/rounds"),
            ("PATCH", "/api/rounds/{}"), ("POST", "/api/rounds/{}/themes"),
            ("POST", "/api/rounds/{}/synthesis"), ("PATCH", "/api/meetings/{}"),
            ("POST", "/api/meetings/{}/items"),
            ("PUT", "/api/rounds/{}/inputs/" + str(w["org"].pk) + "/draft"),
            ("POST", "/api/rounds/{}/inputs/" + str(w["org"].pk)),
            ("PUT", "/api/rounds/" + str(w["round"].pk) + "/inputs/{}/draft"),
            ("POST", "/api/rounds/" + str(w["round"].pk) + "/inputs/{}")]


def test_api_hostile_path_ids_are_404_or_422(world):
    """Zero, negative, huge, fractional, non-ASCII or encoded ids in the path: 404 or 422."""
    client, headers = api_client(world["admin"])
    routes = _write_routes(world)
    ids = st.one_of(st.integers(min_value=-(10**30), max_value=0).map(str),
                    st.integers(min_value=2**63, max_value=10**40).map(str),
                    st.sampled_from(["1.5", "1e3", "٣", "%00", "0x1", "+1", " 1", "1 ", "NaN",
                                     "%2e%2e", "..", "1;DROP", "9" * 400, "-0"]))

    @EXAMPLES
    @given(route=st.sampled_from(routes), key=ids)
    def run(route, key):
        def body():
            before = snapshot()
            method, pattern = route
            response = client.generic(method, pattern.format(key), "{}",
                                      content_type="application/json", **headers)
            assert response.status_code in (404, 405, 422), (
                f"{method} {pattern.format(key)}: {response.status_code}")
            assert snapshot() == before

        rolled_back(body)

    run()


def test_round_page_and_feed_stay_escaped_once_inputs_are_public(world, time_machine):
    """After the round closes, the inputs, themes and synthesis are public: an input and a
    synthesis point holding markup render escaped to everyone, and in the round feed."""
    w = world
    services.input_submit(actor=w["contact"], round_=w["round"], organisation=w["org"],
                          answers=answers(w["round"], XSS_NAME, XSS[1] + FORMULA))
    item = Input.objects.get(round=w["round"], organisation=w["org"])
    services.synthesis_point_save(actor=w["admin"], round_=w["round"], text=XSS[0],
                                  cited=[item])
    services.round_update(actor=w["admin"], round_=w["round"], data={"description": XSS[2]})
    pages = [reverse("cases:round_detail", args=[w["round"].pk]), ROUND_FEED]
    check_pages(Client(), pages, "while open")
    time_machine.move_to(NOW + datetime.timedelta(days=30), tick=False)
    # themes as round_themes_compute keeps them (computing loads a language model: seconds)
    InputRound.objects.filter(pk=w["round"].pk).update(
        themes=[{"terms": [XSS[0], XSS[1]], "inputs": [item.pk]}], themes_computed_at=NOW)
    for reader in (Client(), logged_in(w["contact"]), logged_in(w["admin"])):
        check_pages(reader, pages[:1], "after closing")
    assert_no_page_crashed()


# --- found by the properties above: each input on every form or feed it reaches -------------------
# (Deterministic, so that a finding does not depend on the examples a seed happens to draw.)


def _each_post(cases) -> None:
    """Run each (label, check) rolled back; fail at the end listing every failure."""
    failures = []
    for label, check in cases:
        try:
            rolled_back(check)
        except Exception as exc:  # noqa: BLE001 - a server error is re-raised by the client
            failures.append(f"{label}: {type(exc).__name__}: {str(exc).splitlines()[0][:300]}")
    assert not failures, f"{len(failures)} failed:\n" + "\n".join(failures)


def _refused_on(client, url, data, field) -> None:
    before = snapshot()
    response = client.post(url, data)
    assert response.status_code == 200, f"HTTP {response.status_code}"
    assert field in response.context["form"].errors, response.context["form"].errors
    assert snapshot() == before


HUGE_PK = "9" * 40  # beyond any database integer


def test_choice_fields_refuse_an_id_beyond_any_integer(world):
    """Every choice of objects on the case forms, given an id no database integer holds: the
    form with an error on that field, never a 500."""
    w = world
    secretary, admin = logged_in(w["secretary"]), logged_in(w["admin"])
    item_url = (reverse("cases_edit:agenda_item", args=[w["meeting"].pk])
                + f"?punkt={w['item'].pk}")
    item = {"order": "1", "case_number": w["case"].number, "title": "Sak", "minutes": ""}
    resolution = {"kind": "position", "text": "Standpunkt", "decided_on": "2026-06-15",
                  "override_reason": "Haster"}
    round_ = {**_round_valid(w), "all_members": ""}
    forms = [
        ("case_create owner", secretary, reverse("cases_edit:case_create"),
         {**_case_valid(w), "owner": HUGE_PK}, "owner"),
        ("step_create body", secretary, reverse("cases_edit:step_create", args=[w["case"].pk]),
         {**_step_valid("")(w), "body": HUGE_PK}, "body"),
        ("meeting_create body", secretary, reverse("cases_edit:meeting_create"),
         {**_meeting_valid(w), "body": HUGE_PK}, "body"),
        ("resolution_create agenda_item", secretary,
         reverse("cases_edit:resolution_create", args=[w["position_step"].pk]),
         {**resolution, "agenda_item": HUGE_PK}, "agenda_item"),
        ("resolution_create considered", secretary,
         reverse("cases_edit:resolution_create", args=[w["position_step"].pk]),
         {**resolution, "considered": [HUGE_PK]}, "considered"),
        ("synthesis_point cited", secretary,
         reverse("cases_edit:synthesis_point", args=[w["round"].pk]),
         {"text": "Poeng", "cited": [HUGE_PK]}, "cited"),
        ("agenda_item papers", secretary, item_url, {**item, "papers": [HUGE_PK]}, "papers"),
        *((f"round_create {name}", admin,
           reverse("cases_edit:round_create", args=[w["input_step"].pk]),
           {**round_, name: [HUGE_PK]}, name) for name in ("counties", "networks", "bodies")),
    ]
    _each_post((label, lambda c=client, u=url, d=data, f=field: _refused_on(c, u, d, f))
               for label, client, url, data, field in forms)


EXTREME_MOMENTS = ["0001-01-01T00:00", "9999-12-31T23:59"]


def _saved_or_refused_then_pages_stand(client, reader, url, data, w) -> None:
    """A 302 after which the pages that show the object, the upcoming page and the calendars
    answer; or the form with its errors and nothing changed."""
    before = snapshot()
    response = client.post(url, data)
    assert response.status_code in (200, 302), f"HTTP {response.status_code}"
    if response.status_code == 200:
        assert response.context["form"].errors
        assert snapshot() == before
        return
    pages = [*pages_for(before, snapshot()), reverse("cases:upcoming"),
             reverse("cases:meeting_list"), reverse("case_feeds:calendar"),
             reverse("case_feeds:body_calendar", args=[w["body"].slug])]
    for page in pages:
        assert reader.get(page).status_code == 200, page


def test_dates_and_times_at_the_ends_of_the_calendar(world):
    """Year 1 and year 9999 in every date and time field of the case forms: refused on the
    field, or saved with every page showing it (case, round, meeting, upcoming, calendars)
    answering. A local time in year 1 lies before the earliest UTC time Python can hold."""
    w = world
    secretary, reader = logged_in(w["secretary"]), logged_in(w["admin"])
    meeting = {k: v for k, v in _meeting_valid(w).items() if k != "body"}
    forms = [
        ("meeting_create", reverse("cases_edit:meeting_create"), _meeting_valid(w),
         ("starts_at", "ends_at")),
        ("meeting_edit", reverse("cases_edit:meeting_edit", args=[w["meeting"].pk]), meeting,
         ("starts_at", "ends_at")),
        ("round_create", reverse("cases_edit:round_create", args=[w["input_step"].pk]),
         _round_valid(w), ("opens_at", "closes_at")),
        ("round_edit", reverse("cases_edit:round_edit", args=[w["spare_round"].pk]),
         _round_valid(w), ("opens_at", "closes_at")),
    ]
    cases = []
    for name, url, valid, fields in forms:
        for field in fields:
            for moment in EXTREME_MOMENTS:
                data = {**valid, field: moment}
                cases.append((f"{name} {field}={moment}",
                              lambda u=url, d=data: _saved_or_refused_then_pages_stand(
                                  secretary, reader, u, d, w)))
    step_url = reverse("cases_edit:step_create", args=[w["case"].pk])
    resolution_url = reverse("cases_edit:resolution_create", args=[w["position_step"].pk])
    for day in ("0001-01-01", "9999-12-31"):
        for field in ("planned_date", "completed_on"):
            data = {**_step_valid("")(w), field: day, "status": "done"}
            cases.append((f"step_create {field}={day}",
                          lambda d=data: _saved_or_refused_then_pages_stand(
                              secretary, reader, step_url, d, w)))
        data = {"kind": "position", "text": "Standpunkt", "decided_on": day,
                "override_reason": "Haster"}
        cases.append((f"resolution_create decided_on={day}",
                      lambda d=data: _saved_or_refused_then_pages_stand(
                          secretary, reader, resolution_url, d, w)))
    _each_post(cases)


CONTROL = "Tittel \x07\x1b[31m med kontrolltegn\x0b"


def _feed_answers_after(write, feed: str):
    def check():
        write()
        response = Client().get(feed)
        assert response.status_code == 200, f"{feed}: HTTP {response.status_code}"
        ET.fromstring(response.content)  # noqa: S314 - our own output
    return check


def test_feeds_answer_when_a_text_holds_control_characters(world):
    """Control characters other than tab and line breaks (U+0001–U+0008, U+000B, U+000C,
    U+000E–U+001F) cannot be written in XML 1.0. The forms and the API take them in titles and
    texts; each feed that shows such a text must still answer (the write refused, or the
    character left out of the feed)."""
    w = world
    secretary = logged_in(w["secretary"])
    client, headers = api_client(w["secretary"])

    def form(url, data):
        return lambda: secretary.post(url, data)

    def api(method, path, body):
        return lambda: client.generic(method, path, json.dumps(body),
                                      content_type="application/json", **headers)

    case_url = reverse("cases_edit:case_edit", args=[w["case"].pk])
    round_url = reverse("cases_edit:round_edit", args=[w["spare_round"].pk])
    writes = [
        ("case title (form)", form(case_url, {**_case_valid(w), "title": CONTROL}), CASE_FEED),
        ("case summary (form)", form(case_url, {**_case_valid(w), "summary": CONTROL}),
         CASE_FEED),
        ("case title (API)", api("PATCH", f"/api/cases/{w['case'].pk}", {"title": CONTROL}),
         CASE_FEED),
        ("round title (form)", form(round_url, {**_round_valid(w), "title": CONTROL,
                                                "opens_at": "2026-06-14T09:00"}), ROUND_FEED),
        ("round description (API)", api("PATCH", f"/api/rounds/{w['spare_round'].pk}",
                                        {"description": CONTROL}), ROUND_FEED),
        ("resolution text (API)", api("POST", f"/api/steps/{w['position_step'].pk}/resolutions",
                                      {"kind": "position", "text": CONTROL,
                                       "decided_on": "2026-06-15",
                                       "override_reason": "Haster"}), DECISION_FEED),
    ]
    _each_post((label, _feed_answers_after(write, feed)) for label, write, feed in writes)


def test_a_file_name_without_letters_or_digits_is_stored_under_a_plain_name(world):
    """A file name whose base has no letter, digit, ``-``, ``_`` or ``.`` (an emoji, brackets,
    punctuation): stored as ``dokument.<type>`` or refused on the form, never a bare 400."""
    client, reader = logged_in(world["secretary"]), logged_in(world["admin"])
    target = reverse("cases_edit:document_add", args=[world["case"].pk])
    names = ["😀.pdf", "().pdf", "«»!.pdf", "¿?.pdf", "\u202e\u202d.pdf", "@@.pdf"]
    _each_post((name, lambda n=name: check_upload(client, reader, world, target, {"title": ""},
                                                  n, PDF, "application/pdf"))
               for name in names)


@pytest.mark.parametrize("key", ["a\x00b", "\x01\x7f", "ø" * 64, "k" * 64, "<script>"])
def test_idempotency_key_header_with_hostile_characters(world, key):
    """The Idempotency-Key header is stored with the version: a NUL (which PostgreSQL text
    cannot hold) or another odd character is refused with a 4xx or stored, never a 500; a
    replay with the same key stores nothing new."""
    w = world
    client, headers = api_client(w["contact"])
    path = f"/api/rounds/{w['round'].pk}/inputs/{w['org'].pk}"
    body = json.dumps(_answers_body(w))
    before = snapshot()
    first = client.post(path, body, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY=key, **headers)
    assert first.status_code in (201, 400, 422), first.content
    if first.status_code != 201:
        assert snapshot() == before
        return
    versions = snapshot()["cases.InputVersion"]
    again = client.post(path, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key,
                        **headers)
    assert again.status_code == 200 and again.json() == first.json()
    assert snapshot()["cases.InputVersion"] == versions
