"""The rules of cases and anchoring, through the services every caller uses."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases import selectors, services
from cases.models import Case, CaseSequence, CaseStatus, InputVersion, Resolution, StepPurpose
from core import testing as t

from .conftest import answers, flagged_report, make_case, make_round


def test_case_numbers_run_per_year_without_gaps(admin_user, body_x):
    numbers = [make_case(admin_user, body_x).number for _ in range(3)]
    year = timezone.localdate().year % 100
    assert numbers == [f"{year:02d}/00001", f"{year:02d}/00002", f"{year:02d}/00003"]


def test_a_failed_creation_does_not_use_a_number(admin_user, body_x):
    make_case(admin_user, body_x)
    with pytest.raises(ValidationError):
        services.case_create(actor=admin_user, data={
            "title": "", "case_type": "position", "owner": body_x})
    assert make_case(admin_user, body_x).sequence == 2
    assert CaseSequence.objects.get().last == 2


def test_a_new_year_starts_at_one(admin_user, body_x, time_machine):
    time_machine.move_to(datetime.datetime(2026, 12, 31, 12, tzinfo=datetime.UTC))
    make_case(admin_user, body_x)
    time_machine.move_to(datetime.datetime(2027, 1, 2, 12, tzinfo=datetime.UTC))
    assert make_case(admin_user, body_x).number == "27/00001"


def test_status_moves_only_along_valid_transitions(secretary_x, body_x):
    case = make_case(secretary_x, body_x)
    with pytest.raises(ValidationError) as error:
        services.case_transition(actor=secretary_x, case=case, to=CaseStatus.DECIDED)
    assert "status" in error.value.message_dict
    services.case_transition(actor=secretary_x, case=case, to=CaseStatus.ANNOUNCED)
    assert case.announced_at is not None


def test_an_administrator_overrides_with_a_recorded_reason(admin_user, body_x):
    case = make_case(admin_user, body_x)
    with pytest.raises(ValidationError) as error:
        services.case_transition(actor=admin_user, case=case, to=CaseStatus.DECIDED)
    assert "reason" in error.value.message_dict
    services.case_transition(actor=admin_user, case=case, to=CaseStatus.DECIDED,
                             reason="Vedtatt i e-post")
    assert case.history.first().history_change_reason == "override: Vedtatt i e-post"


def test_secretary_runs_only_their_own_bodys_cases(secretary_x, body_y):
    with pytest.raises(PermissionDenied):
        make_case(secretary_x, body_y)


def test_exemption_needs_a_legal_basis(admin_user, body_x):
    with pytest.raises(ValidationError):
        services.case_create(actor=admin_user, data={
            "title": "Hemmelig", "case_type": "position", "owner": body_x, "exempt": True})
    assert not Case.objects.exists()


# --- input -------------------------------------------------------------------------------------

def test_round_invites_the_audience(open_round, org_a, org_b):
    invited = set(open_round.invitations.values_list("organisation_id", flat=True))
    assert {org_a.pk, org_b.pk} <= invited


def test_round_for_one_county_invites_only_its_members(admin_user, input_step, org_a, org_b):
    round_ = make_round(admin_user, input_step, all_members=False, counties=[org_b.county])
    services.round_update(actor=admin_user, round_=round_, data={}, counties=[org_a.county])
    assert list(round_.invitations.values_list("organisation_id", flat=True)) == [org_a.pk]


def test_draft_then_submit_gives_a_receipt(open_round, contact_a, org_a, mailoutbox,
                                           django_capture_on_commit_callbacks):
    contact_a.email = "postmottak@a.kommune.no"
    contact_a.save()
    services.input_save_draft(actor=contact_a, round_=open_round, organisation=org_a,
                              answers=answers(open_round, "Utkast"))
    with django_capture_on_commit_callbacks(execute=True):
        version, created = services.input_submit(
            actor=contact_a, round_=open_round, organisation=org_a,
            answers=answers(open_round, "Vi støtter forslaget."), idempotency_key="k1")
    assert created and version.number == 1 and len(version.checksum) == 64
    assert version.input.draft == {}
    assert [m.to for m in mailoutbox] == [[contact_a.email]]
    assert version.checksum in mailoutbox[0].body


def test_retry_and_double_click_create_nothing(open_round, contact_a, org_a):
    given = answers(open_round, "Samme tekst")
    first, _ = services.input_submit(actor=contact_a, round_=open_round, organisation=org_a,
                                     answers=given, idempotency_key="k1")
    retry, created = services.input_submit(actor=contact_a, round_=open_round,
                                           organisation=org_a, answers=given,
                                           idempotency_key="k1")
    double, created_again = services.input_submit(actor=contact_a, round_=open_round,
                                                  organisation=org_a, answers=given,
                                                  idempotency_key="k2")
    assert retry == first == double and not created and not created_again
    assert InputVersion.objects.count() == 1


def test_a_later_submission_supersedes_and_keeps_the_earlier(open_round, contact_a, org_a):
    services.input_submit(actor=contact_a, round_=open_round, organisation=org_a,
                          answers=answers(open_round, "Første"), idempotency_key="a")
    second, _ = services.input_submit(actor=contact_a, round_=open_round, organisation=org_a,
                                      answers=answers(open_round, "Andre"), idempotency_key="b")
    item = second.input
    item.refresh_from_db()
    assert item.current == second and second.number == 2
    assert [v.answers for v in item.versions.all()][0] == answers(open_round, "Første")


def test_late_input_only_when_allowed_and_marked(admin_user, input_step, contact_a, org_a):
    now = timezone.now()
    closed = make_round(admin_user, input_step, opens=now - datetime.timedelta(days=3),
                        closes=now - datetime.timedelta(days=1))
    with pytest.raises(ValidationError) as error:
        services.input_submit(actor=contact_a, round_=closed, organisation=org_a,
                              answers=answers(closed, "For sent"))
    assert "round" in error.value.message_dict
    services.round_update(actor=admin_user, round_=closed, data={"allow_late": True})
    version, _ = services.input_submit(actor=contact_a, round_=closed, organisation=org_a,
                                       answers=answers(closed, "For sent"))
    assert version.late


def test_contact_cannot_submit_for_another_organisation(open_round, contact_a, org_b):
    with pytest.raises(PermissionDenied):
        services.input_submit(actor=contact_a, round_=open_round, organisation=org_b,
                              answers=answers(open_round, "x"))


def test_uninvited_organisation_is_refused(admin_user, input_step, org_a, org_b):
    contact_b = t.user_with_role(t.Role.ORG_CONTACT, organisation=org_b)
    round_ = make_round(admin_user, input_step, all_members=False, counties=[org_a.county])
    with pytest.raises(ValidationError) as error:
        services.input_submit(actor=contact_b, round_=round_, organisation=org_b,
                              answers=answers(round_, "x"))
    assert "organisation" in error.value.message_dict


def test_unknown_question_is_refused_and_nothing_saved(open_round, contact_a, org_a):
    with pytest.raises(ValidationError) as error:
        services.input_submit(actor=contact_a, round_=open_round, organisation=org_a,
                              answers={"999999": "x"})
    assert "answers.999999" in error.value.message_dict
    assert not InputVersion.objects.exists()


# --- positions ---------------------------------------------------------------------------------

def test_no_position_before_the_round_closes_without_a_reason(open_round, position_step,
                                                              admin_user):
    with pytest.raises(ValidationError) as error:
        services.resolution_record(actor=admin_user, step=position_step, kind="position",
                                   text="Vi mener", decided_on=datetime.date.today())
    assert "override_reason" in error.value.message_dict
    resolution = services.resolution_record(
        actor=admin_user, step=position_step, kind="position", text="Vi mener",
        decided_on=datetime.date.today(), override_reason="Hastesak fra departementet")
    assert resolution.override_reason == "Hastesak fra departementet"


def test_position_cites_submitted_inputs(open_round, position_step, admin_user, contact_a,
                                         org_a, time_machine):
    version, _ = services.input_submit(actor=contact_a, round_=open_round, organisation=org_a,
                                       answers=answers(open_round, "Innspill"))
    time_machine.move_to(open_round.closes_at + datetime.timedelta(minutes=1))
    resolution = services.resolution_record(
        actor=admin_user, step=position_step, kind="position", text="Sektoren mener",
        decided_on=datetime.date.today(), considered=[version.input])
    assert list(resolution.considered.all()) == [version.input]
    position_step.refresh_from_db()
    assert position_step.status == "done"


def test_decision_on_a_decision_step_decides_the_case(admin_user, body_x):
    case = make_case(admin_user, body_x, status=CaseStatus.IN_PROGRESS)
    step = services.step_create(actor=admin_user, case=case, data={
        "body": body_x, "purpose": StepPurpose.DECISION})
    services.resolution_record(actor=admin_user, step=step, kind=Resolution.Kind.DECISION,
                               text="Vedtatt", decided_on=datetime.date.today())
    case.refresh_from_db()
    assert case.status == CaseStatus.DECIDED and case.decided_at is not None


# --- openness ----------------------------------------------------------------------------------

def test_exempt_content_only_for_the_owning_body_and_secretariat(admin_user, body_x, secretary_x,
                                                                 contact_a):
    case = make_case(admin_user, body_x, exempt=True, status=CaseStatus.ANNOUNCED)
    member = t.UserFactory()
    membership = t.MembershipFactory(seat__body=body_x)
    member.person = membership.person
    member.save()
    anonymous = AnonymousUser()
    readers = {user: selectors.can_read_content(user, case)
               for user in (admin_user, secretary_x, member, contact_a, anonymous)}
    assert readers == {admin_user: True, secretary_x: True, member: True, contact_a: False,
                       anonymous: False}


def test_drafts_are_listed_only_for_those_who_run_them(admin_user, body_x, secretary_x,
                                                       contact_a):
    case = make_case(admin_user, body_x)
    assert case in selectors.cases_visible(secretary_x)
    assert case not in selectors.cases_visible(contact_a)
    assert case not in selectors.cases_visible(AnonymousUser())


def test_exempt_summary_is_not_found_by_search(admin_user, body_x):
    make_case(admin_user, body_x, exempt=True, status=CaseStatus.ANNOUNCED,
              summary="hemmeligord")
    anonymous = AnonymousUser()
    assert not selectors.case_list(anonymous, q="hemmeligord").exists()
    assert selectors.case_list(admin_user, q="hemmeligord").exists()


def test_inputs_public_only_after_the_round_closes(open_round, contact_a, org_a, time_machine):
    services.input_submit(actor=contact_a, round_=open_round, organisation=org_a,
                          answers=answers(open_round, "Vårt innspill"))
    anonymous = AnonymousUser()
    assert not selectors.inputs_visible(anonymous, open_round).exists()
    assert selectors.inputs_visible(contact_a, open_round).count() == 1
    time_machine.move_to(open_round.closes_at + datetime.timedelta(seconds=1))
    assert selectors.inputs_visible(anonymous, open_round).count() == 1


# --- documents ---------------------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_document_type_comes_from_content(case, admin_user):
    document = services.document_add(actor=admin_user, case=case, upload=SimpleUploadedFile(
        "../../etc/saksframlegg.exe", PDF, content_type="text/html"))
    assert document.content_type == "application/pdf"
    assert document.filename == "saksframlegg.pdf"
    assert document.file.read() == PDF


def test_executable_is_refused(case, admin_user):
    with pytest.raises(ValidationError) as error:
        services.document_add(actor=admin_user, case=case, upload=SimpleUploadedFile(
            "notat.pdf", b"MZ\x90\x00\x03" + b"\x00" * 100, content_type="application/pdf"))
    assert "file" in error.value.message_dict
    assert not case.documents.exists()


def test_zip_bomb_is_refused(case, admin_user):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"0" * (60 * 1024 * 1024))
    with pytest.raises(ValidationError):
        services.document_add(actor=admin_user, case=case, upload=SimpleUploadedFile(
            "bombe.docx", buffer.getvalue()))


# --- from a report back ------------------------------------------------------------------------

def test_report_needing_a_position_becomes_a_case_once(admin_user, body_x):
    report = flagged_report("Sektoren må mene noe om X")
    case = services.case_from_report(actor=admin_user, report=report, owner=body_x)
    again = services.case_from_report(actor=admin_user, report=report, owner=body_x)
    assert case == again and case.source_report == report
    assert "Sektoren må mene noe om X" in case.summary and case.status == CaseStatus.DRAFT


# --- the anchoring trail and the dashboard ------------------------------------------------------

def test_trail_counts_invited_and_answering_by_county_and_kind(open_round, contact_a, org_a,
                                                               org_b):
    services.input_submit(actor=contact_a, round_=open_round, organisation=org_a,
                          answers=answers(open_round, "Svar"))
    services.input_submit(actor=contact_a, round_=open_round, organisation=org_a,
                          answers=answers(open_round, "Nytt svar"))
    trail = selectors.round_trail(open_round)
    assert (trail["invited"], trail["answered"], trail["rate"]) == (2, 1, 50.0)
    assert (org_a.county.name, 1, 1, 100.0) in trail["by_county"]
    assert (org_b.county.name, 1, 0, 0.0) in trail["by_county"]
    assert trail["by_kind"] == [("municipality", 2, 1, 50.0)]


def test_dashboard_shows_rates_notice_and_cases_decided_without_input(
        open_round, contact_a, org_a, admin_user, body_x, time_machine):
    services.input_submit(actor=contact_a, round_=open_round, organisation=org_a,
                          answers=answers(open_round, "Svar"))
    unheard = make_case(admin_user, body_x, title="Uten innspill", status=CaseStatus.IN_PROGRESS)
    services.case_transition(actor=admin_user, case=unheard, to=CaseStatus.DECIDED)
    time_machine.move_to(open_round.closes_at + datetime.timedelta(days=1))
    dashboard = selectors.sector_dashboard()
    year = open_round.closes_at.year
    assert dashboard["rates"][org_a.county.name][year] == (1, 1, 100.0)
    assert list(dashboard["without_input"]) == [unheard]
    assert dashboard["median_notice"] == 0 and dashboard["decided_count"] == 1


def test_case_detail_counts_each_submitted_input_once(open_round, contact_a, org_a, admin_user):
    services.input_submit(actor=contact_a, round_=open_round, organisation=org_a,
                          answers=answers(open_round, "Svar"))
    case = selectors.case_detail(admin_user, open_round.step.case_id)
    round_ = case.steps.all()[0].rounds.all()[0]
    assert (round_.submitted, round_.invited) == (1, 2)


def test_a_drafts_content_is_read_only_by_those_who_run_it(admin_user, body_x, secretary_x,
                                                           contact_a):
    draft = make_case(admin_user, body_x)
    member = t.UserFactory()
    member.person = t.MembershipFactory(seat__body=body_x).person
    member.save()
    assert selectors.can_read_content(secretary_x, draft)
    assert not selectors.can_read_content(member, draft)
    assert not selectors.can_read_content(AnonymousUser(), draft)


def test_dashboard_leaves_out_a_case_once_it_is_exempted(open_round, contact_a, org_a,
                                                         admin_user, time_machine):
    services.input_submit(actor=contact_a, round_=open_round, organisation=org_a,
                          answers=answers(open_round, "Svar"))
    time_machine.move_to(open_round.closes_at + datetime.timedelta(days=1))
    assert selectors.sector_dashboard()["rates"]
    services.case_update(actor=admin_user, case=open_round.step.case,
                         data={"exempt": True, "exemption_basis": "offl-23"})
    assert selectors.sector_dashboard()["rates"] == {}
