"""samstyring send-report-reminders [--dry-run]

Queues a reminder e-mail for every report back that is due and not filed, once per report:
safe to run as often as you like (run it daily, e.g. from cron
``15 6 * * *  cd /srv/samstyring && .venv/bin/samstyring send-report-reminders``
or a systemd timer). The e-mails are sent by the task worker, which must run all the time:
``samstyring db_worker`` (a systemd service; see representation/tasks.py).
"""

from django.core.management.base import BaseCommand

from representation.tasks import report_reminders_enqueue


class Command(BaseCommand):
    help = ("Queue reminder e-mails for reports back that are due and not filed (each report is "
            "reminded once; run daily). The worker `samstyring db_worker` sends them.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true",
                            help="only list the reminders that would be queued")

    def handle(self, *args, dry_run=False, **options):
        run = report_reminders_enqueue(dry_run=dry_run)
        verb = "Would queue" if dry_run else "Queued"
        self.stdout.write(f"{verb} {len(run.queued)} reminder(s); "
                          f"{run.already_reminded} report(s) already reminded.")
        for appointment, due in run.queued:
            self.stdout.write(f"  {self._describe(appointment, due)}")
        if run.no_email:
            self.stdout.write(self.style.WARNING(
                f"Skipped {len(run.no_email)} reminder(s): no e-mail address in the register "
                "(add one and the next run sends it):"))
            for appointment, due in run.no_email:
                self.stdout.write(f"  {self._describe(appointment, due)}")

    @staticmethod
    def _describe(appointment, due) -> str:
        membership = appointment.membership
        return (f"{membership.person.name} – {membership.seat.body.name}, "
                f"due {due.isoformat()} (appointment {appointment.pk})")
