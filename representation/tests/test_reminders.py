"""Reminder e-mails for reports back: `samstyring send-report-reminders` queues a django-tasks
task per due, unfiled report; at most one e-mail per report whatever runs twice."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.test import override_settings

from core import testing as t
from representation import services
from representation.models import ReminderSent
from representation.tasks import report_reminders_enqueue, send_report_reminder

from .conftest import nominee

pytestmark = pytest.mark.django_db

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def kari(external_body, org_a, admin_user):
    """Kari reports every six months from 1 January 2026: due 1 July 2026, 1 January 2027."""
    person = nominee(org_a, "Kari Nordmann")
    person.email = "kari@example.invalid"
    person.save()
    return services.appointment_record(
        actor=admin_user, seat=external_body.seats.filter(role="member").first(),
        person=person, organisation=org_a, decision_ref="KS 2025/7",
        decision_date=datetime.date(2025, 12, 1), valid_from=datetime.date(2026, 1, 1),
        valid_to=datetime.date(2027, 12, 31), report_every_months=6)


def on(time_machine, day: str) -> None:
    time_machine.move_to(f"{day} 07:00", tick=False)


def remind(*args) -> str:
    out = io.StringIO()
    call_command("send_report_reminders", *args, stdout=out)
    return out.getvalue()


def test_no_reminder_before_the_due_date(kari, mailoutbox, time_machine):
    on(time_machine, "2026-06-30")
    assert remind().startswith("Queued 0 reminder(s)")
    assert mailoutbox == [] and not ReminderSent.objects.exists()


def test_reminder_sent_once_on_the_due_date_in_norwegian(kari, mailoutbox, time_machine):
    on(time_machine, "2026-07-01")
    output = remind()
    assert "Queued 1 reminder(s)" in output and "Kari Nordmann" in output
    [mail] = mailoutbox
    assert mail.to == ["kari@example.invalid"]
    assert "Nasjonalt e-helsestyre" in mail.subject
    assert "1. juli 2026" in mail.body  # dates in bokmål: the mail is written in Norwegian
    assert f"/rediger/representasjon/verv/{kari.pk}/rapport/?frist=2026-07-01" in mail.body
    assert "<" not in mail.body and mail.alternatives == []  # plain text
    assert ReminderSent.objects.get().due_date == datetime.date(2026, 7, 1)


def test_running_twice_sends_no_duplicates(kari, mailoutbox, time_machine):
    on(time_machine, "2026-07-01")
    remind()
    on(time_machine, "2026-07-02")
    output = remind()
    assert output.startswith("Queued 0 reminder(s); 1 report(s) already reminded.")
    assert len(mailoutbox) == 1


def test_each_due_date_is_reminded_once(kari, mailoutbox, time_machine):
    on(time_machine, "2026-07-01")
    remind()
    on(time_machine, "2027-01-01")
    remind()
    remind()
    assert [m.body.count("frist=2026-07-01") for m in mailoutbox] == [1, 0]
    assert ReminderSent.objects.count() == 2


def test_no_reminder_for_a_filed_report(kari, mailoutbox, time_machine):
    on(time_machine, "2026-06-20")
    services.report_submit(actor=t.UserFactory(person=kari.membership.person), appointment=kari,
                           due_date=datetime.date(2026, 7, 1), data={"discussed": "Strategi"})
    on(time_machine, "2026-07-02")
    assert remind().startswith("Queued 0 reminder(s); 0 report(s) already reminded.")
    assert mailoutbox == []


def test_people_without_email_are_skipped_and_named(kari, mailoutbox, time_machine):
    person = kari.membership.person
    person.email = ""
    person.save()
    on(time_machine, "2026-07-01")
    output = remind()
    assert "Skipped 1 reminder(s): no e-mail address" in output and "Kari Nordmann" in output
    assert mailoutbox == [] and not ReminderSent.objects.exists()
    person.email = "kari@example.invalid"
    person.save()
    remind()
    assert len(mailoutbox) == 1  # the address added: the next run sends it


def test_ended_terms_are_reminded_within_the_grace_period_only(kari, mailoutbox, time_machine,
                                                                admin_user):
    services.appointment_end(actor=admin_user, appointment=kari,
                             end_date=datetime.date(2026, 6, 25), reason="Ny jobb")
    on(time_machine, "2026-07-01")  # the last report, due after the term, is still reminded
    remind()
    assert len(mailoutbox) == 1
    on(time_machine, "2027-01-01")  # nothing falls due after the term and its grace period
    remind()
    assert len(mailoutbox) == 1


def test_dry_run_lists_without_sending(kari, mailoutbox, time_machine):
    on(time_machine, "2026-07-01")
    assert remind("--dry-run").startswith("Would queue 1 reminder(s)")
    assert mailoutbox == [] and not ReminderSent.objects.exists()


def test_two_tasks_for_one_report_send_one_email(kari, mailoutbox, time_machine):
    """What a second, concurrent run of the command amounts to: the same task queued twice."""
    on(time_machine, "2026-07-01")
    first = send_report_reminder.enqueue(kari.pk, "2026-07-01")
    second = send_report_reminder.enqueue(kari.pk, "2026-07-01")
    assert (first.return_value, second.return_value) == ("sent", "already reminded")
    assert len(mailoutbox) == 1


def test_a_failed_send_releases_the_claim(kari, mailoutbox, time_machine, monkeypatch):
    on(time_machine, "2026-07-01")

    def broken(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("representation.tasks.send_mail", broken)
    result = send_report_reminder.enqueue(kari.pk, "2026-07-01")
    assert result.status == "FAILED" and not ReminderSent.objects.exists()
    monkeypatch.undo()
    remind()
    assert len(mailoutbox) == 1  # the next run tries again


@override_settings(TASKS=DATABASE_TASKS)
def test_database_backend_and_worker_send_once_when_queued_twice(kari, mailoutbox,
                                                                  time_machine, monkeypatch):
    """The production path: tasks queued in the database, run by `samstyring db_worker`. Two
    runs of the command before the worker ran queue two tasks; one e-mail goes out."""
    from django_tasks_db.management.commands import db_worker
    from django_tasks_db.models import DBTaskResult

    # The worker drops "old" connections between tasks; inside the test's transaction Django
    # counts the connection as unusable (autocommit off) and closes it on PostgreSQL, ending
    # the test's transaction. A real worker runs outside one, so the test keeps its connection.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    on(time_machine, "2026-07-01")
    remind()
    remind()
    assert DBTaskResult.objects.count() == 2 and mailoutbox == []
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload",
                 stdout=io.StringIO(), stderr=io.StringIO())
    assert len(mailoutbox) == 1
    assert sorted(r.return_value for r in DBTaskResult.objects.all()) == [
        "already reminded", "sent"]


def test_enqueue_is_idempotent_as_a_function(kari, mailoutbox, time_machine):
    on(time_machine, "2027-01-02")
    first = report_reminders_enqueue()
    second = report_reminders_enqueue()
    assert (len(first.queued), first.already_reminded) == (2, 0)
    assert (len(second.queued), second.already_reminded) == (0, 2)
    assert len(mailoutbox) == 2
