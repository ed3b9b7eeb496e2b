"""Fictional national-scale data on top of the real register, for benchmarks and load tests."""

import datetime
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core import scale


def _volume(text: str) -> tuple[str, int]:
    name, _, count = text.partition("=")
    if not name or not count.isdigit():
        raise ValueError(text)
    return name, int(count)


class Command(BaseCommand):
    help = ("Generate fictional people, affiliations, bodies, seats and memberships over the "
            "years (and every capability's scale hook) on top of the loaded register. "
            "Deterministic for a seed; generated names end with '(generert …)'.")

    def add_arguments(self, parser):
        parser.add_argument("--years", type=int, default=20)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--until-year", type=int, default=datetime.date.today().year,
                            help="Last year covered (default: this year).")
        parser.add_argument("--small", action="store_true",
                            help="A small set for CI smoke runs (300 people, 10 bodies, ...).")
        parser.add_argument("--people", type=int)
        parser.add_argument("--bodies", type=int)
        parser.add_argument("--memberships", type=int)
        parser.add_argument("--volume", type=_volume, action="append", default=[],
                            metavar="NAME=COUNT", help="Volume of any hook, e.g. cases=10000.")
        parser.add_argument("--replace", action="store_true",
                            help="Remove previously generated rows (and their history) first.")

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("Generated data is never loaded in production.")
        if options["years"] < 1:
            raise CommandError("--years must be at least 1.")
        volumes = dict(options["volume"])
        volumes.update({name: options[name] for name in ("people", "bodies", "memberships")
                        if options[name] is not None})
        ctx = scale.ScaleContext(seed=options["seed"], years=options["years"],
                                 until=datetime.date(options["until_year"], 12, 31),
                                 small=options["small"], volumes=volumes)
        began = time.perf_counter()
        try:
            counts = scale.generate(ctx, replace=options["replace"], log=self.stdout.write)
        except (scale.RegisterNotLoaded, scale.AlreadyGenerated) as error:
            raise CommandError(str(error)) from error
        total = sum(counts.values())
        self.stdout.write(f"generate-scale: {total} rows ({ctx.start}–{ctx.until}, seed "
                          f"{ctx.seed}) in {time.perf_counter() - began:.1f} s")
