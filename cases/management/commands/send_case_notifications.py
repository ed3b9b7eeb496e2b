"""samstyring send-case-notifications [--dry-run]

Queues the e-mails due about input rounds (opened; closing within three days for those who have
not answered) and the theme grouping of rounds that have closed. Safe to run as often as you
like — nobody gets an e-mail twice — so run it every 15 minutes from cron or a systemd timer:
``*/15 * * * *  cd /srv/samstyring && .venv/bin/samstyring send-case-notifications``.
The worker ``samstyring db_worker`` sends them (see cases/notifications.py).
"""

from django.core.management.base import BaseCommand

from cases.notifications import notifications_enqueue


class Command(BaseCommand):
    help = ("Queue notification e-mails about input rounds and the theme grouping of closed "
            "rounds (idempotent; run every 15 minutes). The worker `samstyring db_worker` "
            "sends them.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true",
                            help="only count what would be queued")

    def handle(self, *args, dry_run=False, **options):
        run = notifications_enqueue(dry_run=dry_run)
        verb = "Would queue" if dry_run else "Queued"
        self.stdout.write(f"{verb} {len(run.queued)} e-mail(s) and theme grouping of "
                          f"{len(run.themes)} closed round(s).")
        for user_id, key in run.queued:
            self.stdout.write(f"  {key} → user {user_id}")
