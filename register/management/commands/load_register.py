from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from core.access import SYSTEM
from solutions.catalogue import load_fiks_catalogue
from structure.services import bodies_load

DATA = Path(__file__).resolve().parents[2] / "data"
STRUCTURE = Path(__file__).resolve().parents[3] / "structure" / "data"
FILES = ["counties-2024.csv", "organisations-2024.csv", "state-agencies-2024.csv",
         "networks-2024.csv"]
BODIES = ["bodies.csv", "external-bodies.csv"]  # external bodies are owned by state agencies


class Command(BaseCommand):
    help = ("Load the shipped 2024 register (counties, organisations, state agencies, networks), "
            "the model's bodies, the external bodies where the sector is represented and the Fiks "
            "platform's services as common solutions.")

    def handle(self, *args, **options):
        with transaction.atomic():
            for name in FILES:
                call_command("import_register", str(DATA / name), stdout=self.stdout,
                             stderr=self.stderr)
            for name in BODIES:
                counts = bodies_load(actor=SYSTEM, source=name,
                                     data=(STRUCTURE / name).read_text(encoding="utf-8"))
                self.stdout.write(f"{name}: {counts['created']} created, {counts['updated']} "
                                  f"updated, {counts['unchanged']} unchanged.")
            counts = load_fiks_catalogue(actor=SYSTEM)
            self.stdout.write(f"fiks-tjenester.csv: {counts['created']} created, "
                              f"{counts['updated']} updated, {counts['unchanged']} unchanged.")
