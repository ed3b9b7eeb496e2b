"""Fixtures of the cases tests: a case of body X with a path, an open round for A and B."""

import datetime

import pytest
from django.utils import timezone

from cases import services
from cases.models import CaseStatus, CaseType, StepPurpose


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def make_case(actor, owner, *, title="Felles arkivløsning", exempt=False, status=None, **data):
    case = services.case_create(actor=actor, data={
        "title": title, "summary": data.pop("summary", "Hva sektoren mener om arkiv."),
        "case_type": CaseType.POSITION, "owner": owner, "exempt": exempt,
        "exemption_basis": "offl-14" if exempt else "", **data})
    if status:
        services.case_transition(actor=actor, case=case, to=CaseStatus.ANNOUNCED)
        if status != CaseStatus.ANNOUNCED:
            services.case_transition(actor=actor, case=case, to=status)
    return case


def make_round(actor, step, *, opens=None, closes=None, **data):
    now = timezone.now()
    return services.round_create(
        actor=actor, step=step, questions=data.pop("questions", ["Hva mener dere?", "Kostnad?"]),
        counties=data.pop("counties", ()),
        data={"title": data.pop("title", "Innspill fra kommunene"),
              "opens_at": opens or now - datetime.timedelta(days=1),
              "closes_at": closes or now + datetime.timedelta(days=14), **data})


@pytest.fixture
def case(admin_user, body_x, org_a, org_b):
    case = make_case(admin_user, body_x, status=CaseStatus.IN_PROGRESS)
    services.step_create(actor=admin_user, case=case, data={
        "body": body_x, "purpose": StepPurpose.INPUT, "planned_date": datetime.date(2026, 12, 1)})
    services.step_create(actor=admin_user, case=case, data={
        "body": body_x, "purpose": StepPurpose.POSITION,
        "planned_date": datetime.date(2027, 1, 15)})
    return case


@pytest.fixture
def input_step(case):
    return case.steps.get(order=1)


@pytest.fixture
def position_step(case):
    return case.steps.get(order=2)


@pytest.fixture
def open_round(admin_user, input_step):
    return make_round(admin_user, input_step)


def answers(round_, *texts):
    return {str(q.pk): text for q, text in zip(round_.questions.all(), texts, strict=False)}


def flagged_report(matter="Sektoren må mene noe om X"):
    """A report back from a representative that asks for a sector position."""
    from core import testing as t
    from representation.models import Appointment, Report

    membership = t.MembershipFactory()
    appointment = Appointment.objects.create(
        membership=membership, decision_ref="KS 2026/1", decision_date=datetime.date(2026, 1, 5),
        decided_by=membership.seat.body)
    return Report.objects.create(appointment=appointment, due_date=datetime.date(2026, 7, 1),
                                 discussed="Nasjonal løsning", needs_position=True,
                                 position_matter=matter)
