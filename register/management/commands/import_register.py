from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.access import SYSTEM
from register.importers import ImportRejected
from register.services import register_import


class Command(BaseCommand):
    help = ("Import a register CSV file (counties, organisations or networks, recognised by its "
            "header). All-or-nothing and idempotent; every change is recorded in the history.")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true",
                            help="Validate and report, change nothing.")

    def handle(self, *args, file: Path, dry_run: bool, **options):
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror}") from None
        try:
            result = register_import(actor=SYSTEM, data=data, source=file.name, dry_run=dry_run)
        except ImportRejected as exc:
            for error in exc.errors:
                self.stderr.write(f"{file}: {error}")
            raise CommandError(
                f"{file}: rejected, {len(exc.errors)} error(s); nothing was changed."
            ) from None
        prefix = "dry run, nothing changed: " if dry_run else ""
        self.stdout.write(
            f"{file}: {prefix}{result.kind}: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged."
        )
