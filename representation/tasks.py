"""Background work of representation: reminder e-mails for reports back (django-tasks).

Once a day ``samstyring send-report-reminders`` calls :func:`report_reminders_enqueue`, which
queues :func:`send_report_reminder` once for every report that is due (on or after its due
date), not filed and not reminded; the worker (``samstyring db_worker``) runs the tasks.

At most one e-mail per appointment and due date, however often or concurrently the command and
the tasks run: the task claims the reminder by inserting ``ReminderSent`` (unique per
appointment and due date) and sends the e-mail in the same transaction. A second task for the
same report finds the claim taken (on PostgreSQL it waits for the first to commit; SQLite's
immediate transactions run one writer at a time) and sends nothing. A failed send rolls the claim
back, so the next day's run tries again. People without an e-mail address are skipped and
named in the command's output; nothing is recorded for them, so once the secretariat adds an
address the reminder goes out.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_tasks import task

from . import selectors
from .models import Appointment, ReminderSent
from .reports import reporting_appointments


@dataclass
class ReminderRun:
    """What one run of the reminders did: (appointment, due date) pairs."""

    queued: list = field(default_factory=list)
    no_email: list = field(default_factory=list)
    already_reminded: int = 0


def report_reminders_enqueue(*, today: datetime.date | None = None,
                             dry_run: bool = False) -> ReminderRun:
    """Queue one reminder task per due, unfiled report not yet reminded (idempotent)."""
    today = today or timezone.localdate()
    outstanding = selectors.outstanding_reports(reporting_appointments(today), today=today)
    reminded = set(ReminderSent.objects.filter(
        appointment_id__in={a.pk for a, _due in outstanding}).values_list(
        "appointment_id", "due_date"))
    run = ReminderRun()
    for appointment, due in outstanding:
        if (appointment.pk, due) in reminded:
            run.already_reminded += 1
        elif not appointment.membership.person.email:
            run.no_email.append((appointment, due))
        else:
            run.queued.append((appointment, due))
            if not dry_run:
                send_report_reminder.enqueue(appointment.pk, due.isoformat())
    return run


@task()
def send_report_reminder(appointment_id: int, due_date: str) -> str:
    """Send the reminder for one report, unless it is filed, already reminded or has nowhere
    to go. Returns what happened ("sent", "filed", "already reminded", "no e-mail", "gone")."""
    due = datetime.date.fromisoformat(due_date)
    with transaction.atomic():
        appointment = (Appointment.objects.select_related("membership__person",
                                                          "membership__seat__body")
                       .filter(pk=appointment_id).first())
        if appointment is None:
            return "gone"
        if appointment.reports.filter(due_date=due).exists():
            return "filed"
        person = appointment.membership.person
        if not person.email:
            return "no e-mail"
        try:
            with transaction.atomic():
                ReminderSent.objects.create(appointment=appointment, due_date=due)
        except IntegrityError:
            return "already reminded"
        subject, body = reminder_message(appointment, due)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [person.email])
    return "sent"


def reminder_message(appointment: Appointment, due: datetime.date) -> tuple[str, str]:
    """The reminder's subject and plain-text body, in the site's first language (bokmål)."""
    membership = appointment.membership
    path = reverse("representation_reports:report_create", args=[appointment.pk])
    url = f"{settings.SITE_URL}{path}?{urlencode({'frist': due.isoformat()})}"
    with translation.override(settings.LANGUAGE_CODE):
        values = {"name": membership.person.name, "body": membership.seat.body.name,
                  "due": date_format(due, "DATE_FORMAT"), "url": url}
        subject = _("Reminder: your report back from %(body)s") % values
        body = "\n\n".join([
            _("Hello %(name)s,") % values,
            _("Your report back from %(body)s fell due on %(due)s and has not been filed yet.")
            % values,
            _("As the municipal sector's representative you report back what was discussed, "
              "the status of the work, and the matters where the sector needs a position."),
            _("File the report here (log in first): %(url)s") % values,
            _("This is an automatic reminder from Samstyring, sent once for each report."),
        ])
    return subject, body + "\n"
