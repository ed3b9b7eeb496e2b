"""Case pages: permission matrix over every page and POST (anonymous, contact of A, contact of
B, secretary of X (the owner), secretary of Y, the secretariat), exempt content and drafts
through the pages, the input flow with its idempotency key, document downloads, and bounded
queries on every list (3 rows and 30)."""

import datetime
import re
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import (
    AgendaItem,
    AnchoringStep,
    Case,
    CaseDocument,
    CaseStatus,
    Follow,
    Input,
    InputRound,
    InputVersion,
    Meeting,
    Resolution,
    StepPurpose,
    SynthesisPoint,
)
from core import testing as t

from .conftest import answers, flagged_report, make_case, make_round

pytestmark = pytest.mark.django_db

ACTORS = ["anonymous", "contact_a", "contact_b", "secretary_x", "secretary_y", "admin_user"]
WATCHED = [Case, AnchoringStep, CaseDocument, InputRound, Input, InputVersion, Meeting,
           AgendaItem, Resolution, SynthesisPoint, Follow]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
NOW = timezone.now


def client_for(user) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the tests read the English texts
    if user is not None:
        client.force_login(user)
    return client


def pdf(name="saksframlegg.pdf", data=PDF):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


@pytest.fixture
def world(case, open_round, input_step, position_step, org_a, org_b, body_x, body_y,
          contact_a, secretary_x, admin_user):
    contact_b = t.user_with_role("org_contact", organisation=org_b)
    secretary_y = t.user_with_role("body_secretary", body=body_y)
    version, _ = services.input_submit(actor=contact_a, round_=open_round, organisation=org_a,
                                       answers=answers(open_round, "Innspill fra A"),
                                       idempotency_key="a-1")
    point = services.synthesis_point_save(actor=admin_user, round_=open_round,
                                          text="Et poeng", cited=[version.input])
    document = services.document_add(actor=admin_user, case=case, upload=pdf(),
                                     title="Saksframlegg")
    spare = services.step_create(actor=admin_user, case=case, data={
        "body": body_x, "purpose": StepPurpose.INFORMATION})
    meeting = services.meeting_create(actor=admin_user, body=body_x, data={
        "title": "Møte i X", "starts_at": NOW() + datetime.timedelta(days=20),
        "ends_at": NOW() + datetime.timedelta(days=20, hours=2), "place": "Oslo"})
    item = services.agenda_item_save(actor=admin_user, meeting=meeting, data={"case": case},
                                     papers=[document])
    return SimpleNamespace(
        case=case, round=open_round, step=input_step, position_step=position_step,
        spare_step=spare, document=document, meeting=meeting, item=item, point=point,
        input=version.input, org_a=org_a, org_b=org_b, body_x=body_x, body_y=body_y,
        report=flagged_report(),
        people={"anonymous": None, "contact_a": contact_a, "contact_b": contact_b,
                "secretary_x": secretary_x, "secretary_y": secretary_y,
                "admin_user": admin_user})


def snapshot():
    return {m.__name__: list(m.objects.order_by("pk").values()) for m in WATCHED}


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def case_post(w):
    return {"title": "Ny sak", "summary": "Om noe", "case_type": "position",
            "owner": w.body_x.pk, "topics": "arkiv, e-helse", "related": ""}


def round_post(w):
    return {"title": "Ny runde", "description": "", "all_members": "on",
            "opens_at": local(NOW()), "closes_at": local(NOW() + datetime.timedelta(days=7)),
            "questions": "Spørsmål én\nSpørsmål to", "exemption_basis": ""}


def meeting_post(w):
    return {"body": w.body_x.pk, "title": "Nytt møte", "starts_at": local(NOW()),
            "ends_at": local(NOW() + datetime.timedelta(hours=2)), "place": "Bergen",
            "video_url": "", "status": "planned"}


def input_post(w):
    return {"organisation": w.org_a.pk, "action": "draft",
            **{f"q-{k}": v for k, v in answers(w.round, "Et utkast").items()}}


X, ANY_BODY = {"secretary_x", "admin_user"}, {"secretary_x", "secretary_y", "admin_user"}
LOGGED_IN = set(ACTORS) - {"anonymous"}


def edit(name):
    return f"cases_edit:{name}"


# name, args, query, method, POST data, who may (the rest get 403; REFUSED: no change, no 403)
PAGES = [
    ("case_create", lambda w: [], "", "GET", None, ANY_BODY),
    ("case_create", lambda w: [], "", "POST", case_post, X),
    ("case_edit", lambda w: [w.case.pk], "", "GET", None, X),
    ("case_edit", lambda w: [w.case.pk], "", "POST",
     lambda w: {**case_post(w), "title": "Endret"}, X),
    ("case_status", lambda w: [w.case.pk], "", "GET", None, X),
    ("case_status", lambda w: [w.case.pk], "", "POST", lambda w: {"status": "decided"}, X),
    ("case_follow", lambda w: [w.case.pk], "", "POST", lambda w: {"action": "follow"},
     LOGGED_IN),
    ("step_create", lambda w: [w.case.pk], "", "GET", None, X),
    ("step_create", lambda w: [w.case.pk], "", "POST",
     lambda w: {"body": w.body_y.pk, "purpose": "decision", "status": "planned"}, X),
    ("step_edit", lambda w: [w.step.pk], "", "GET", None, X),
    ("step_edit", lambda w: [w.step.pk], "", "POST",
     lambda w: {"order": 1, "body": w.body_x.pk, "purpose": "input", "status": "ongoing"}, X),
    ("step_delete", lambda w: [w.spare_step.pk], "", "POST", lambda w: {}, X),
    ("document_add", lambda w: [w.case.pk], "", "GET", None, X),
    ("document_add", lambda w: [w.case.pk], "", "POST",
     lambda w: {"file": pdf("notat.pdf"), "title": "Notat", "exemption_basis": ""}, X),
    ("document_edit", lambda w: [w.document.pk], "", "GET", None, X),
    ("document_edit", lambda w: [w.document.pk], "", "POST",
     lambda w: {"title": "Nytt navn", "exemption_basis": ""}, X),
    ("round_create", lambda w: [w.position_step.pk], "", "GET", None, X),
    ("round_create", lambda w: [w.position_step.pk], "", "POST", round_post, X),
    ("round_edit", lambda w: [w.round.pk], "", "GET", None, X),
    ("round_edit", lambda w: [w.round.pk], "", "POST",
     lambda w: {**round_post(w), "title": "Endret runde"}, X),
    ("round_themes", lambda w: [w.round.pk], "", "POST", lambda w: {}, X),
    ("input_edit", lambda w: [w.round.pk], "", "GET", None,
     {"contact_a", "contact_b", "admin_user"}),
    ("input_edit", lambda w: [w.round.pk], "", "POST", input_post, {"contact_a", "admin_user"}),
    ("synthesis_point", lambda w: [w.round.pk], "", "GET", None, X),
    ("synthesis_point", lambda w: [w.round.pk], "", "POST",
     lambda w: {"text": "Nytt poeng", "cited": [w.input.pk]}, X),
    ("synthesis_point_delete", lambda w: [w.round.pk], "", "POST",
     lambda w: {"id": w.point.pk}, X),
    ("resolution_create", lambda w: [w.position_step.pk], "", "GET", None, X),
    ("resolution_create", lambda w: [w.position_step.pk], "", "POST",
     lambda w: {"kind": "position", "text": "Vi mener", "decided_on": "2026-05-01",
                "considered": [w.input.pk], "override_reason": "Haster"}, X),
    ("meeting_create", lambda w: [], "", "GET", None, ANY_BODY),
    ("meeting_create", lambda w: [], "", "POST", meeting_post, X),
    ("meeting_edit", lambda w: [w.meeting.pk], "", "GET", None, X),
    ("meeting_edit", lambda w: [w.meeting.pk], "", "POST",
     lambda w: {**meeting_post(w), "status": "held"}, X),
    ("agenda_item", lambda w: [w.meeting.pk], "", "GET", None, X),
    ("agenda_item", lambda w: [w.meeting.pk], "", "POST",
     lambda w: {"title": "Eventuelt", "case_number": "", "minutes": ""}, X),
    ("agenda_item", lambda w: [w.meeting.pk], "?punkt={item}", "POST",
     lambda w: {"order": 1, "case_number": w.case.number, "title": "",
                "papers": [w.document.pk], "minutes": "Vedtatt som foreslått."}, X),
    ("case_from_report", lambda w: [w.report.pk], "", "POST",
     lambda w: {"owner": w.body_x.pk}, X),
]
# The secretary of Y may open these forms, but may not choose body X in them: refused by the
# form (200 with an error, or back to the page with a message), and nothing changes.
REFUSED = {("case_create", "secretary_y"), ("meeting_create", "secretary_y"),
           ("case_from_report", "secretary_y")}
MATRIX = [pytest.param(page, actor, id=f"{page[0]}-{page[3]}-{i}-{actor}")
          for i, page in enumerate(PAGES) for actor in ACTORS]


def _errors(response) -> str:
    html = response.content.decode()
    found = re.findall(r'ds-validation-message[^>]*>(.*?)</div>|<li>(.*?)</li>', html, re.S)
    return f"HTTP {response.status_code}: {found[:10]}"


@pytest.mark.parametrize("page,actor", MATRIX)
def test_permission_matrix(world, page, actor):
    name, args, query, method, data, allowed = page
    url = reverse(edit(name), args=args(world)) + query.format(item=world.item.pk)
    payload = data(world) if data else None
    user = world.people[actor]
    before = snapshot()
    client = client_for(user)
    response = client.get(url) if method == "GET" else client.post(url, payload)

    if user is None:
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
        assert snapshot() == before
    elif (name, actor) in REFUSED and method == "POST":
        assert response.status_code in (200, 302)
        assert snapshot() == before
    elif actor not in allowed:
        assert response.status_code == 403, response.content.decode()[:500]
        assert snapshot() == before
    elif method == "GET":
        assert response.status_code == 200
        html = response.content.decode()
        assert html.count("<h1") == 1 and 'class="crumbs"' in html
        assert snapshot() == before
    else:
        assert response.status_code == 302, _errors(response)
        assert snapshot() != before


PUBLIC = [
    ("case_list", lambda w: []),
    ("case_detail", lambda w: [w.case.pk]),
    ("case_history", lambda w: [w.case.pk]),
    ("round_detail", lambda w: [w.round.pk]),
    ("upcoming", lambda w: []),
    ("meeting_list", lambda w: []),
    ("meeting_detail", lambda w: [w.meeting.pk]),
    ("dashboard", lambda w: []),
]


@pytest.mark.parametrize("name,args", PUBLIC, ids=[p[0] for p in PUBLIC])
@pytest.mark.parametrize("actor", ACTORS)
def test_public_pages_answer_everybody(world, name, args, actor):
    response = client_for(world.people[actor]).get(reverse(f"cases:{name}", args=args(world)))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1 and 'aria-current="page"' in html


@pytest.mark.parametrize("actor", ACTORS)
def test_a_public_document_downloads_for_everybody(world, actor):
    response = client_for(world.people[actor]).get(
        reverse("cases:document_download", args=[world.document.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="saksframlegg.pdf"'
    assert b"".join(response.streaming_content) == PDF
    assert "no-store" not in response["Cache-Control"]


def test_manager_links_only_for_those_who_run_the_case(world):
    url = reverse("cases:case_detail", args=[world.case.pk])
    edit_url = reverse(edit("case_edit"), args=[world.case.pk])
    for actor in ACTORS:
        html = client_for(world.people[actor]).get(url).content.decode()
        assert (f'href="{edit_url}"' in html) == (actor in X), actor


def test_unknown_objects_and_bad_parameters_are_404(world):
    client = client_for(world.people["admin_user"])
    for name, args in [("cases:case_detail", [999999]), ("cases:round_detail", [999999]),
                       ("cases:meeting_detail", [999999]), ("cases:document_download", [999999]),
                       (edit("case_edit"), [999999]), (edit("step_edit"), [999999])]:
        assert client.get(reverse(name, args=args)).status_code == 404
    synthesis = reverse(edit("synthesis_point"), args=[world.round.pk])
    assert client.get(synthesis + "?punkt=abc").status_code == 404
    assert client.get(synthesis + "?punkt=999999").status_code == 404
    assert client.get(reverse("cases:case_list") + "?page=99").status_code == 404
    assert client.get(reverse("cases:case_list") + "?status=nonsense").status_code == 400


def test_a_post_without_csrf_token_is_refused(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.people["admin_user"])
    response = client.post(reverse(edit("case_status"), args=[world.case.pk]),
                           {"status": "decided"})
    assert response.status_code == 403
    world.case.refresh_from_db()
    assert world.case.status == CaseStatus.IN_PROGRESS


def test_no_mass_assignment_through_the_case_form(world, secretary_x):
    client_for(secretary_x).post(reverse(edit("case_edit"), args=[world.case.pk]), {
        **case_post(world), "status": "closed", "year": 1999, "sequence": 7,
        "source_report": world.report.pk})
    world.case.refresh_from_db()
    assert world.case.status == CaseStatus.IN_PROGRESS and world.case.year != 1999
    assert world.case.source_report is None


def test_case_form_errors_show_on_their_fields(world, secretary_x):
    url = reverse(edit("case_edit"), args=[world.case.pk])
    response = client_for(secretary_x).post(url, {**case_post(world), "exempt": "on",
                                                  "related": "26/99999"})
    html = response.content.decode()
    assert response.status_code == 200 and 'aria-invalid="true"' in html
    assert "No case numbered 26/99999" in html
    response = client_for(secretary_x).post(url, {**case_post(world), "title": ""})
    assert 'aria-invalid="true"' in response.content.decode()


def test_status_override_needs_a_reason(world, admin_user):
    url = reverse(edit("case_status"), args=[world.case.pk])
    response = client_for(admin_user).post(url, {"status": "draft"})
    assert response.status_code == 200 and "Give the reason" in response.content.decode()
    response = client_for(admin_user).post(url, {"status": "draft", "reason": "Feil"})
    assert response.status_code == 302
    world.case.refresh_from_db()
    assert world.case.status == CaseStatus.DRAFT


def test_follow_and_unfollow(world, contact_a):
    url = reverse(edit("case_follow"), args=[world.case.pk])
    client = client_for(contact_a)
    client.post(url, {"action": "follow"})
    page = client.get(reverse("cases:case_detail", args=[world.case.pk])).content.decode()
    assert Follow.objects.filter(user=contact_a, case=world.case).exists()
    assert "Stop following this case" in page
    client.post(url, {"action": "unfollow"})
    assert not Follow.objects.filter(user=contact_a).exists()


def test_report_needing_a_position_becomes_a_case_from_its_page(world, admin_user):
    page = reverse("representation_reports:report_detail", args=[world.report.pk])
    client = client_for(admin_user)
    assert "Make this a case" in client.get(page).content.decode()
    response = client.post(reverse(edit("case_from_report"), args=[world.report.pk]),
                           {"owner": world.body_x.pk})
    created = Case.objects.get(source_report=world.report)
    assert response.url == reverse("cases:case_detail", args=[created.pk])
    html = client.get(page).content.decode()
    assert "Make this a case" not in html and created.number in html


# --- exempt content and drafts -----------------------------------------------------------------

SECRET_SUMMARY, SECRET_INPUT, SECRET_BYTES = "hemmeligord", "innspillshemmelighet", b"BYTES42"


@pytest.fixture
def exempt(admin_user, body_x, org_a, contact_a):
    case = make_case(admin_user, body_x, title="Forhandlinger", exempt=True,
                     status=CaseStatus.IN_PROGRESS, summary=SECRET_SUMMARY)
    services.case_update(actor=admin_user, case=case, data={"summary": SECRET_SUMMARY + " 2"})
    step = services.step_create(actor=admin_user, case=case, data={
        "body": body_x, "purpose": StepPurpose.INPUT})
    round_ = make_round(admin_user, step, questions=["Hemmelig spørsmål?"])
    services.input_submit(actor=contact_a, round_=round_, organisation=org_a,
                          answers=answers(round_, SECRET_INPUT))
    services.round_update(actor=admin_user, round_=round_, data={
        "closes_at": NOW() - datetime.timedelta(minutes=1),
        "opens_at": NOW() - datetime.timedelta(days=2)})
    document = services.document_add(actor=admin_user, case=case,
                                      upload=pdf(data=PDF + SECRET_BYTES))
    return SimpleNamespace(case=case, round=round_, document=document)


def _exempt_pages(e):
    return [reverse("cases:case_detail", args=[e.case.pk]),
            reverse("cases:case_history", args=[e.case.pk]),
            reverse("cases:round_detail", args=[e.round.pk]),
            reverse("cases:case_list")]


def _search(client) -> str:
    """The case list searched for a word only in the exempt summary."""
    return client.get(reverse("cases:case_list") + f"?q={SECRET_SUMMARY}").content.decode()


def test_exempt_content_never_reaches_the_public(exempt):
    for user in (None, t.UserFactory()):
        client = client_for(user)
        for url in _exempt_pages(exempt):
            response = client.get(url)
            assert response.status_code == 200, url
            html = response.content.decode()
            assert SECRET_SUMMARY not in html and "Hemmelig spørsmål" not in html, url
        case_page = client.get(_exempt_pages(exempt)[0]).content.decode()
        assert "exempt from public access under offentleglova § 14" in case_page
        assert "Forhandlinger" in case_page  # the title is metadata
        assert "Forhandlinger" not in _search(client) and "0 cases" in _search(client)
        download = client.get(reverse("cases:document_download", args=[exempt.document.pk]))
        assert download.status_code == 404
    anonymous_round = client_for(None).get(_exempt_pages(exempt)[2]).content.decode()
    assert SECRET_INPUT not in anonymous_round


def test_an_invited_contact_sees_the_questions_and_their_own_input(exempt, contact_a, org_b):
    html = client_for(contact_a).get(_exempt_pages(exempt)[2]).content.decode()
    assert SECRET_INPUT in html and "Hemmelig spørsmål" in html
    assert SECRET_SUMMARY not in client_for(contact_a).get(_exempt_pages(exempt)[0]).content \
        .decode()
    contact_b = t.user_with_role("org_contact", organisation=org_b)
    assert SECRET_INPUT not in client_for(contact_b).get(_exempt_pages(exempt)[2]).content \
        .decode()


def test_the_owners_secretary_reads_exempt_content(exempt, secretary_x):
    client = client_for(secretary_x)
    pages = [client.get(url).content.decode() for url in _exempt_pages(exempt)]
    assert SECRET_SUMMARY in pages[0] and SECRET_SUMMARY in pages[1]
    assert SECRET_INPUT in pages[2] and "Forhandlinger" in _search(client)
    download = client.get(reverse("cases:document_download", args=[exempt.document.pk]))
    assert download.status_code == 200 and download["Cache-Control"] == "private, no-store"
    assert SECRET_BYTES in b"".join(download.streaming_content)


def test_an_exempt_document_in_a_public_case_is_refused(world, admin_user, secretary_x):
    services.document_update(actor=admin_user, document=world.document,
                             data={"exempt": True, "exemption_basis": "offl-14"})
    url = reverse("cases:document_download", args=[world.document.pk])
    assert client_for(None).get(url).status_code == 404
    assert client_for(world.people["contact_a"]).get(url).status_code == 404
    assert client_for(secretary_x).get(url)["Cache-Control"] == "private, no-store"
    case_page = client_for(None).get(reverse("cases:case_detail", args=[world.case.pk]))
    html = case_page.content.decode()
    assert url not in html and "1 document is exempt from public access" in html
    meeting = client_for(None).get(reverse("cases:meeting_detail", args=[world.meeting.pk]))
    assert url not in meeting.content.decode()


def test_a_draft_is_not_found_by_the_public(admin_user, body_x, secretary_x, contact_a):
    draft = make_case(admin_user, body_x, title="Utkast til sak")
    step = services.step_create(actor=admin_user, case=draft, data={
        "body": body_x, "purpose": StepPurpose.INPUT})
    round_ = make_round(admin_user, step)
    document = services.document_add(actor=admin_user, case=draft, upload=pdf())
    urls = [reverse("cases:case_detail", args=[draft.pk]),
            reverse("cases:case_history", args=[draft.pk]),
            reverse("cases:round_detail", args=[round_.pk]),
            reverse("cases:document_download", args=[document.pk])]
    for user in (None, contact_a):
        client = client_for(user)
        assert [client.get(url).status_code for url in urls] == [404] * 4
        assert "Utkast til sak" not in client.get(reverse("cases:case_list")).content.decode()
    client = client_for(secretary_x)
    assert [client.get(url).status_code for url in urls] == [200] * 4


def test_inputs_are_published_when_the_round_closes(world, time_machine):
    url = reverse("cases:round_detail", args=[world.round.pk])
    html = client_for(None).get(url).content.decode()
    assert "Innspill fra A" not in html and "Et poeng" not in html
    assert "Hva mener dere?" in html  # the questions of a public round are public
    time_machine.move_to(world.round.closes_at + datetime.timedelta(minutes=1))
    html = client_for(None).get(url).content.decode()
    assert "Innspill fra A" in html and "Et poeng" in html
    assert f'href="#input-{world.input.pk}"' in html  # the synthesis cites the input


# --- the input flow ----------------------------------------------------------------------------

def test_draft_submit_retry_and_receipt(world, contact_a):
    round_, org_a = world.round, world.org_a
    services.input_submit(actor=world.people["admin_user"], round_=round_,
                          organisation=world.org_b, answers=answers(round_, "B sitt"))
    client = client_for(contact_a)
    page = client.get(reverse("cases:round_detail", args=[round_.pk])).content.decode()
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', page).group(1)
    assert "B sitt" not in page  # another organisation's input before the round closes
    url = reverse(edit("input_edit"), args=[round_.pk])
    fields = {f"q-{k}": v for k, v in answers(round_, "Nytt innspill", "Lite").items()}

    client.post(url, {"organisation": org_a.pk, "action": "draft", **fields})
    item = Input.objects.get(round=round_, organisation=org_a)
    assert item.draft[str(round_.questions.first().pk)] == "Nytt innspill"
    assert item.versions.count() == 1  # the draft leaves the submitted version alone

    submitted = {"organisation": org_a.pk, "action": "submit", "idempotency_key": key, **fields}
    first = client.post(url, submitted)
    second = client.post(url, submitted)  # a double click
    assert first.status_code == second.status_code == 302
    assert item.versions.count() == 2
    version = item.versions.order_by("-number").first()
    html = client.get(first.url).content.decode()
    assert version.checksum in html and "Earlier versions" in html
    assert "Receipt" in html and "Version 2" in html


def test_an_answer_error_shows_on_its_question(world, contact_a):
    url = reverse(edit("input_edit"), args=[world.round.pk])
    question = world.round.questions.first()
    response = client_for(contact_a).post(url, {
        "organisation": world.org_a.pk, "action": "submit", f"q-{question.pk}": "x" * 20_001})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="id_q-{question.pk}_error"' in html and "at most" in html


def test_a_closed_round_refuses_input_with_a_clear_error(world, contact_a, time_machine):
    time_machine.move_to(world.round.closes_at + datetime.timedelta(hours=1))
    url = reverse(edit("input_edit"), args=[world.round.pk])
    page = client_for(contact_a).get(reverse("cases:round_detail", args=[world.round.pk]))
    assert "The round does not accept input now" in page.content.decode()
    response = client_for(contact_a).post(url, {
        "organisation": world.org_a.pk, "action": "submit",
        **{f"q-{k}": v for k, v in answers(world.round, "For sent").items()}})
    assert response.status_code == 200
    assert "does not accept late input" in response.content.decode()


def test_contact_cannot_post_for_another_organisation(world, contact_a):
    response = client_for(contact_a).post(
        reverse(edit("input_edit"), args=[world.round.pk]),
        {"organisation": world.org_b.pk, "action": "draft"})
    assert response.status_code == 403


def test_document_upload_refuses_an_executable(world, secretary_x):
    response = client_for(secretary_x).post(
        reverse(edit("document_add"), args=[world.case.pk]),
        {"file": SimpleUploadedFile("x.pdf", b"MZ\x90\x00" + b"\x00" * 64), "title": ""})
    assert response.status_code == 200 and 'aria-invalid="true"' in response.content.decode()
    assert world.case.documents.count() == 1


# --- bounded queries ---------------------------------------------------------------------------

def _queries(client, url) -> int:
    def fetch():
        response = client.get(url)
        assert response.status_code == 200
    return t.count_queries(fetch)


def _bounded(url, add, *, users=(), limit=40):
    """Queries of ``url`` for anonymous and each user with 3 rows added, then 30."""
    clients = [client_for(None), *(client_for(u) for u in users)]
    for client in clients:
        client.get(url)  # the session's first request writes it
    add(3)
    small = [_queries(c, url) for c in clients]
    add(27)
    large = [_queries(c, url) for c in clients]
    assert large == small and max(small) < limit, (small, large)


def test_case_list_queries_bounded(admin_user, body_x, secretary_x):
    def add(n):
        for i in range(n):
            case = make_case(admin_user, body_x, title=f"Sak {i}", status=CaseStatus.ANNOUNCED,
                             exempt=i % 2 == 0)
            services.case_update(actor=admin_user, case=case, data={}, topics=["arkiv", f"t{i}"])
    _bounded(reverse("cases:case_list"), add, users=[secretary_x])


def test_case_detail_queries_bounded(world, admin_user, contact_a, body_x):
    case = world.case
    steps = 0

    def add(n):
        nonlocal steps
        for i in range(n):
            step = services.step_create(actor=admin_user, case=case, data={
                "body": body_x, "purpose": StepPurpose.POSITION})
            round_ = make_round(admin_user, step, title=f"Runde {i}")
            services.input_submit(actor=contact_a, round_=round_, organisation=world.org_a,
                                  answers=answers(round_, "Svar"))
            services.resolution_record(actor=admin_user, step=step, kind="position",
                                       text="Standpunkt", decided_on=datetime.date(2026, 1, 1),
                                       override_reason="Test", considered=[world.input])
            services.document_add(actor=admin_user, case=case, upload=pdf(f"d{steps}.pdf"))
            steps += 1
    _bounded(reverse("cases:case_detail", args=[case.pk]), add,
             users=[admin_user, world.people["contact_a"]])


def test_round_detail_queries_bounded(world, admin_user):
    round_ = world.round

    def add(n):
        for _ in range(n):
            organisation = t.OrganisationFactory()
            services.round_update(actor=admin_user, round_=round_,  # invites it
                                  data={"all_members": True})
            services.input_submit(actor=admin_user, round_=round_, organisation=organisation,
                                  answers=answers(round_, "Svar", "Mer"))
        inputs = list(round_.inputs.exclude(current=None))
        services.synthesis_point_save(actor=admin_user, round_=round_, text="P", cited=inputs)
        services.round_themes_compute(actor=admin_user, round_=round_)
    _bounded(reverse("cases:round_detail", args=[round_.pk]), add,
             users=[admin_user, world.people["contact_a"]])


def test_meeting_pages_queries_bounded(world, admin_user, body_x):
    def add(n):
        for i in range(n):
            meeting = services.meeting_create(actor=admin_user, body=body_x, data={
                "title": f"Møte {i}", "starts_at": NOW() + datetime.timedelta(days=i + 1),
                "ends_at": NOW() + datetime.timedelta(days=i + 1, hours=1)})
            services.agenda_item_save(actor=admin_user, meeting=meeting,
                                      data={"case": world.case})
            services.agenda_item_save(actor=admin_user, meeting=world.meeting,
                                      data={"case": world.case, "minutes": "M"},
                                      papers=[world.document])
    _bounded(reverse("cases:meeting_list") + "?when=all", add, users=[admin_user])


def test_meeting_detail_queries_bounded(world, admin_user, body_x):
    def add(n):
        for i in range(n):
            case = make_case(admin_user, body_x, title=f"Sak {i}", status=CaseStatus.ANNOUNCED,
                             exempt=i % 2 == 0)
            document = services.document_add(actor=admin_user, case=case, upload=pdf())
            services.agenda_item_save(actor=admin_user, meeting=world.meeting,
                                      data={"case": case, "minutes": "M"}, papers=[document])
    _bounded(reverse("cases:meeting_detail", args=[world.meeting.pk]), add,
             users=[admin_user, world.people["contact_a"]])


def test_upcoming_queries_bounded(world, admin_user, body_x):
    def add(n):
        for i in range(n):
            services.step_create(actor=admin_user, case=world.case, data={
                "body": body_x, "purpose": StepPurpose.INFORMATION,
                "planned_date": timezone.localdate() + datetime.timedelta(days=i + 1)})
            services.meeting_create(actor=admin_user, body=body_x, data={
                "title": f"Møte {i}", "starts_at": NOW() + datetime.timedelta(days=i + 1),
                "ends_at": NOW() + datetime.timedelta(days=i + 1, hours=1)})
    _bounded(reverse("cases:upcoming"), add, users=[admin_user])


def test_dashboard_queries_bounded(world, admin_user, body_x, contact_a, org_a, time_machine):
    def add(n):
        for i in range(n):
            case = make_case(admin_user, body_x, title=f"Sak {i}", status=CaseStatus.IN_PROGRESS)
            step = services.step_create(actor=admin_user, case=case, data={
                "body": body_x, "purpose": StepPurpose.DECISION})
            if i % 2:
                round_ = make_round(admin_user, step, closes=NOW() + datetime.timedelta(hours=1))
                services.input_submit(actor=contact_a, round_=round_, organisation=org_a,
                                      answers=answers(round_, "Svar"))
                services.round_update(actor=admin_user, round_=round_, data={
                    "closes_at": NOW() - datetime.timedelta(minutes=5)})
            services.resolution_record(actor=admin_user, step=step, kind="decision",
                                       text="Vedtak", decided_on=datetime.date(2026, 1, 1))
    _bounded(reverse("cases:dashboard"), add, users=[admin_user])


def test_dashboard_looks_back_five_ten_or_twenty_years(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    year = timezone.localdate().year
    five = client.get(reverse("cases:dashboard"))
    twenty = client.get(reverse("cases:dashboard"), {"ar": "20"})
    assert five.context["years"] == list(range(year - 4, year + 1))
    assert twenty.context["years"][0] == year - 19
    assert 'aria-current="page">Last 20 years' in twenty.content.decode()
    assert client.get(reverse("cases:dashboard"), {"ar": "7"}).context["span"] == 5
