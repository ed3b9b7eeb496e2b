"""An exempted case's content and a draft never reach an anonymous reader — anywhere.

The crawl walks every route of the URLconf (pages, feeds, calendars, exports, downloads, change
logs) and every GET operation of the OpenAPI schema, filling route arguments with the keys of
every object of the world below, and also searches list pages and API lists for the secret word.
The word sits in every content field of an exempted case (summary, document title and bytes,
round text, questions, inputs, synthesis, minutes, position) and in the title of a draft; it
must appear in no answer. Metadata (number, title, legal basis) may and does appear.
"""

from __future__ import annotations

import datetime
import itertools
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from cases import services
from cases.models import CaseStatus
from core import testing as t
from core.tests.browser_support import iter_routes

from .conftest import answers, make_case, make_round

SECRET = "zxqhemmelig"


@pytest.fixture
def world(admin_user, body_x, org_a, org_b, contact_a, time_machine):
    now = timezone.now()
    exempt = make_case(admin_user, body_x, title="Forhandlinger om avtale",
                       summary=f"Posisjon {SECRET} i forhandlingene", exempt=True,
                       status=CaseStatus.IN_PROGRESS)
    public = make_case(admin_user, body_x, title="Åpen sak", status=CaseStatus.IN_PROGRESS)
    draft = make_case(admin_user, body_x, title=f"Utkast {SECRET}", summary=SECRET)
    steps = {}
    for case in (exempt, public, draft):
        steps[case] = [services.step_create(actor=admin_user, case=case, data={
            "body": body_x, "purpose": purpose, "planned_date": datetime.date.today()
            + datetime.timedelta(days=30),  # the path is metadata, but a draft's is hidden
            "description": f"Steg {SECRET}" if case == draft else "Steg"})
            for purpose in ("input", "position")]
    documents = [
        services.document_add(actor=admin_user, case=exempt, title=f"Notat {SECRET}",
                              upload=SimpleUploadedFile("notat.txt", f"{SECRET}\n".encode())),
        services.document_add(actor=admin_user, case=public, title=f"Vedlegg {SECRET}",
                              exempt=True, exemption_basis="offl-15",
                              upload=SimpleUploadedFile("vedlegg.txt", f"{SECRET}\n".encode())),
        services.document_add(actor=admin_user, case=public, title="Offentlig vedlegg",
                              upload=SimpleUploadedFile("offentlig.txt", b"offentlig\n")),
    ]
    rounds = [make_round(admin_user, steps[exempt][0], description=SECRET,
                         questions=[f"Spørsmål {SECRET}?"]),
              make_round(admin_user, steps[public][0], title="Åpen runde",
                         exempt=True, exemption_basis="offl-14", description=SECRET),
              make_round(admin_user, steps[public][0], title="Helt åpen runde")]
    inputs = []
    for round_ in rounds:  # the last round is public: its input is published when it closes
        text = "Innspill" if round_ == rounds[2] else f"Innspill {SECRET}"
        version, _ = services.input_submit(actor=contact_a, round_=round_, organisation=org_a,
                                           answers=answers(round_, text))
        inputs.append(version.input)
    services.input_save_draft(actor=admin_user, round_=rounds[2], organisation=org_b,
                              answers=answers(rounds[2], f"Kladd {SECRET}"))
    time_machine.move_to(now + datetime.timedelta(days=20))
    for round_, item in zip(rounds, inputs, strict=True):
        services.round_themes_compute(actor=admin_user, round_=round_)
        services.synthesis_point_save(actor=admin_user, round_=round_, cited=[item],
                                      text=f"Punkt {SECRET}" if round_ != rounds[2] else "Punkt")
    services.resolution_record(actor=admin_user, step=steps[exempt][1], kind="position",
                               text=f"Standpunkt {SECRET}", decided_on=datetime.date.today(),
                               considered=[inputs[0]])
    meeting = services.meeting_create(actor=admin_user, body=body_x, data={
        "title": "Møte", "starts_at": timezone.now() + datetime.timedelta(days=3),
        "ends_at": timezone.now() + datetime.timedelta(days=3, hours=2)})
    services.agenda_item_save(actor=admin_user, meeting=meeting, papers=[documents[0]],
                              data={"case": exempt, "minutes": f"Protokoll {SECRET}"})
    services.agenda_item_save(actor=admin_user, meeting=meeting, data={"case": draft})
    return {"case": [exempt.pk, public.pk, draft.pk], "draft": draft,
            "casedocument": [d.pk for d in documents],
            "inputround": [r.pk for r in rounds], "meeting": [meeting.pk],
            "body": [body_x.pk], "organisation": [org_a.pk, org_b.pk],
            "slug": [body_x.slug], "exempt": exempt}


def _values(param: str, world) -> list:
    model = param.rsplit("_", 1)[0]
    if model in world:
        return world[model]
    if param in world:
        return world[param]
    return []


def _page_paths(world) -> list[str]:
    paths = []
    for route in iter_routes():
        if not route.name or route.template.startswith(("/admin", "/api/", "/i18n")):
            continue
        options = [_values(p, world) for p in route.params]
        if route.params and not all(options):
            continue
        for combo in itertools.product(*options):
            try:
                paths.append(reverse(route.name, kwargs=dict(zip(route.params, combo,
                                                                 strict=True))))
            except NoReverseMatch:
                continue
    return paths


def _api_paths(client, world) -> list[str]:
    ids = sorted({v for key in ("case", "casedocument", "inputround", "meeting", "body",
                                "organisation") for v in world[key]})
    paths = []
    for path, methods in client.get("/api/openapi.json").json()["paths"].items():
        if "get" not in methods:
            continue
        params = re.findall(r"{(\w+)}", path)
        for combo in itertools.product(ids, repeat=len(params)) if params else [()]:
            filled = path
            for value in combo:
                filled = re.sub(r"{\w+}", str(value), filled, count=1)
            paths.append(filled)
    return paths


def test_exempt_content_and_drafts_never_reach_an_anonymous_reader(world):
    client = Client()
    pages = _page_paths(world)
    api = _api_paths(client, world)
    crawled, leaks = 0, []
    for path in pages + api:
        response = client.get(path)
        if response.status_code != 200:
            continue
        crawled += 1
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if SECRET.encode() in body:
            leaks.append(path)
    assert not leaks, f"{SECRET!r} reached anonymous readers at {leaks}"
    assert crawled > 20  # the crawl really read the case pages, feeds and API
    case_page = client.get(reverse("cases:case_detail", args=[world["exempt"].pk]))
    assert "offentleglova § 14" in case_page.content.decode()


def test_searching_for_an_exempt_or_draft_word_finds_nothing(world):
    client = Client()
    assert client.get("/api/cases", {"q": SECRET}).json()["count"] == 0
    page = client.get("/saker/", {"q": SECRET}).content.decode()  # the box repeats the query
    for case in (world["exempt"], world["draft"]):
        assert reverse("cases:case_detail", args=[case.pk]) not in page


def test_the_owning_bodys_secretary_does_see_the_content(world, secretary_x):
    client = Client()
    client.force_login(secretary_x)
    page = client.get(reverse("cases:case_detail", args=[world["exempt"].pk]))
    assert SECRET in page.content.decode()


def test_a_member_of_another_body_does_not(world, body_y):
    member = t.UserFactory()
    member.person = t.MembershipFactory(seat__body=body_y).person
    member.save()
    client = Client()
    client.force_login(member)
    page = client.get(reverse("cases:case_detail", args=[world["exempt"].pk]))
    assert page.status_code == 200 and SECRET not in page.content.decode()
