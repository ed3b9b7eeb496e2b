from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.access import SYSTEM
from solutions.importers import AdoptionImportError, adoption_import


class Command(BaseCommand):
    help = ("Import the adoption of common solutions from a CSV or XLSX file (see "
            "docs/import-format.md). All-or-nothing and idempotent; every change is recorded "
            "in the history.")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true",
                            help="Validate and report what would change; change nothing.")

    def handle(self, *args, file: Path, dry_run: bool, **options):
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror}") from None
        try:
            result = adoption_import(actor=SYSTEM, data=data, source=file.name, dry_run=dry_run)
        except AdoptionImportError as exc:
            for error in exc.errors:
                self.stderr.write(f"{file}: {error}")
            if exc.unreported:
                self.stderr.write(f"{file}: … and {exc.unreported} more error(s).")
            raise CommandError(
                f"{file}: rejected, {exc.total} error(s); nothing was changed.") from None
        prefix = "dry run, nothing changed: " if dry_run else ""
        self.stdout.write(
            f"{file}: {prefix}{result.rows} rows: {result.created} periods created, "
            f"{result.closed} closed, {result.updated} updated; {result.unchanged} rows "
            f"unchanged.")
