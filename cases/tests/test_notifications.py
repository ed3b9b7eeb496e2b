"""Notifications: who is told when a round opens, closes soon, or a decision is published."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from cases import services
from cases.models import NotificationSent
from cases.notifications import notifications_enqueue
from core import testing as t

from .conftest import answers, make_case, make_round


@pytest.fixture
def people(org_a, org_b, contact_a, body_x):
    contact_a.email = "post@a.no"
    contact_a.save()
    contact_b = t.user_with_role(t.Role.ORG_CONTACT, organisation=org_b)
    contact_b.email = "post@b.no"
    contact_b.save()
    follower = t.UserFactory(email="følger@example.no")
    services.follow(actor=follower, target=body_x)
    bystander = t.UserFactory(email="annen@example.no")
    return {"a": contact_a, "b": contact_b, "follower": follower, "bystander": bystander}


def recipients(mailoutbox):
    return sorted(address for message in mailoutbox for address in message.to)


def test_an_open_round_tells_invited_contacts_and_followers_once(open_round, people, mailoutbox):
    notifications_enqueue()
    notifications_enqueue()
    assert recipients(mailoutbox) == ["følger@example.no", "post@a.no", "post@b.no"]
    assert open_round.title in mailoutbox[0].body
    assert f"/saker/innspill/{open_round.pk}/" in mailoutbox[0].body


def test_reminder_goes_only_to_those_who_have_not_answered(admin_user, input_step, people, org_a,
                                                          mailoutbox):
    now = timezone.now()
    round_ = make_round(admin_user, input_step, closes=now + datetime.timedelta(days=2))
    services.input_submit(actor=people["a"], round_=round_, organisation=org_a,
                          answers=answers(round_, "Svar"))
    notifications_enqueue()
    reminders = [m for m in mailoutbox if m.subject.startswith("Påminnelse")
                 or m.subject.startswith("Reminder")]
    assert recipients(reminders) == ["post@b.no"]


def test_a_round_not_yet_open_tells_nobody(admin_user, input_step, people, mailoutbox):
    now = timezone.now()
    make_round(admin_user, input_step, opens=now + datetime.timedelta(days=1),
               closes=now + datetime.timedelta(days=20))
    notifications_enqueue()
    assert mailoutbox == []


def test_a_decision_tells_followers_without_its_content(admin_user, body_x, people, mailoutbox,
                                                       django_capture_on_commit_callbacks):
    case = make_case(admin_user, body_x, status="in_progress", exempt=True,
                     summary="hemmelig innhold")
    step = services.step_create(actor=admin_user, case=case, data={"body": body_x,
                                                                   "purpose": "position"})
    with django_capture_on_commit_callbacks(execute=True):
        services.resolution_record(actor=admin_user, step=step, kind="position",
                                   text="hemmelig standpunkt", decided_on=datetime.date.today())
    assert recipients(mailoutbox) == ["følger@example.no"]
    assert "hemmelig" not in mailoutbox[0].body and case.number in mailoutbox[0].subject


def test_following_a_case_or_topic_counts(admin_user, body_y, people, mailoutbox,
                                          django_capture_on_commit_callbacks):
    case = make_case(admin_user, body_y, status="in_progress")
    services.case_update(actor=admin_user, case=case, data={}, topics=["arkiv"])
    services.follow(actor=people["bystander"], target=case.topics.get())
    step = services.step_create(actor=admin_user, case=case, data={"body": body_y,
                                                                   "purpose": "decision"})
    with django_capture_on_commit_callbacks(execute=True):
        services.resolution_record(actor=admin_user, step=step, kind="decision", text="Vedtak",
                                   decided_on=datetime.date.today())
    assert recipients(mailoutbox) == ["annen@example.no"]


def test_the_command_queues_and_computes_themes_of_closed_rounds(admin_user, input_step, people,
                                                                  org_a, time_machine, capsys):
    round_ = make_round(admin_user, input_step)
    services.input_submit(actor=people["a"], round_=round_, organisation=org_a,
                          answers=answers(round_, "Digital post og SvarUt"))
    time_machine.move_to(round_.closes_at + datetime.timedelta(minutes=5))
    call_command("send_case_notifications")
    round_.refresh_from_db()
    assert round_.themes_computed_at is not None
    assert round_.themes[0]["inputs"] == [round_.inputs.get().pk]
    assert "closed round" in capsys.readouterr().out


def test_dry_run_sends_nothing(open_round, people, mailoutbox):
    run = notifications_enqueue(dry_run=True)
    assert len(run.queued) == 3 and mailoutbox == [] and not NotificationSent.objects.exists()
