from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from core.access import SYSTEM
from structure.services import bodies_load

DATA = Path(__file__).resolve().parents[2] / "data"
STRUCTURE = Path(__file__).resolve().parents[3] / "structure" / "data" / "bodies.csv"
FILES = ["counties-2024.csv", "organisations-2024.csv", "networks-2024.csv"]


class Command(BaseCommand):
    help = ("Load the shipped 2024 register (counties, organisations, networks) and the "
            "model's bodies.")

    def handle(self, *args, **options):
        with transaction.atomic():
            for name in FILES:
                call_command("import_register", str(DATA / name), stdout=self.stdout,
                             stderr=self.stderr)
            counts = bodies_load(actor=SYSTEM, data=STRUCTURE.read_text(encoding="utf-8"),
                                 source="bodies.csv")
        self.stdout.write(f"bodies: {counts['created']} created, {counts['updated']} updated, "
                          f"{counts['unchanged']} unchanged.")
