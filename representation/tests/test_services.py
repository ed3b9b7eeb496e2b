"""Representation services: the write paths, their permissions and their rules."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core import testing as t
from representation import selectors, services
from representation.models import Gender

from .conftest import nominee

pytestmark = pytest.mark.django_db


def test_contact_nominates_own_person_and_the_proposal_fills_the_seats(vacancy, org_a, org_b,
                                                                       contact_a, admin_user):
    kari = nominee(org_a, "Kari")
    services.nomination_create(actor=contact_a, vacancy=vacancy, organisation=org_a,
                               person=kari, motivation="Erfaren", competences=["e-helse"],
                               consent=True)
    contact_b = t.user_with_role("org_contact", organisation=org_b)
    for name in ["Ola", "Per"]:
        services.nomination_create(actor=contact_b, vacancy=vacancy, organisation=org_b,
                                   person=nominee(org_b, name), motivation="Motivert",
                                   consent=True)
    services.person_gender_set(actor=admin_user, person=kari, gender=Gender.FEMALE)
    proposal = services.proposal_run(actor=admin_user, vacancy=vacancy)
    assert proposal.status == "optimal" and proposal.proven_optimal
    slate = proposal.result["slate"]
    assert len(slate["member"]) == 2 and len(slate["deputy"]) == 1


def test_contact_cannot_nominate_for_another_organisation(vacancy, org_b, contact_a):
    with pytest.raises(PermissionDenied):
        services.nomination_create(actor=contact_a, vacancy=vacancy, organisation=org_b,
                                   person=nominee(org_b, "Ola"), motivation="x", consent=True)


def test_nomination_needs_consent_and_affiliation(vacancy, org_a, org_b, contact_a):
    with pytest.raises(ValidationError) as error:
        services.nomination_create(actor=contact_a, vacancy=vacancy, organisation=org_a,
                                   person=nominee(org_b, "Ola"), motivation="", consent=False)
    assert set(error.value.message_dict) == {"person", "consent", "motivation"}


def test_nominations_visible_to_secretariat_and_own_organisation_only(vacancy, org_a, org_b,
                                                                      contact_a, admin_user):
    own = services.nomination_create(actor=contact_a, vacancy=vacancy, organisation=org_a,
                                     person=nominee(org_a, "Kari"), motivation="x", consent=True)
    contact_b = t.user_with_role("org_contact", organisation=org_b)
    other = services.nomination_create(actor=contact_b, vacancy=vacancy, organisation=org_b,
                                       person=nominee(org_b, "Ola"), motivation="y",
                                       consent=True)
    assert set(selectors.nominations_visible_to(contact_a, vacancy)) == {own}
    assert set(selectors.nominations_visible_to(contact_b, vacancy)) == {other}
    assert set(selectors.nominations_visible_to(admin_user, vacancy)) == {own, other}
    assert not selectors.nominations_visible_to(t.UserFactory(), vacancy).exists()


def test_appointment_becomes_a_membership_and_reports_fall_due(vacancy, org_a, admin_user):
    kari = nominee(org_a, "Kari")
    seat = vacancy.seats.filter(role="member").first()
    appointment = services.appointment_record(
        actor=admin_user, vacancy=vacancy, seat=seat, person=kari, organisation=org_a,
        decision_ref="KS 2026/12", decision_date=datetime.date(2026, 12, 1),
        valid_from=datetime.date(2027, 1, 1), valid_to=datetime.date(2028, 12, 31),
        report_every_months=6)
    assert appointment.membership.seat == seat and appointment.membership.person == kari
    due = selectors.due_dates(appointment, until=datetime.date(2028, 6, 30))
    assert due == [datetime.date(2027, 7, 1), datetime.date(2028, 1, 1)]
    user = t.UserFactory(person=kari)
    services.report_submit(actor=user, appointment=appointment, due_date=due[0],
                           data={"discussed": "Strategi"})
    outstanding = selectors.outstanding_reports(
        selectors.appointments_of(user), today=datetime.date(2028, 6, 30))
    assert [d for _a, d in outstanding] == [datetime.date(2028, 1, 1)]
    with pytest.raises(PermissionDenied):
        services.report_submit(actor=t.UserFactory(), appointment=appointment,
                               due_date=due[1], data={"discussed": "x"})
