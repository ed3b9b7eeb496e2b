"""The `samstyring` console command: the one entry point for admin commands (wraps manage.py).

Command names may be written with hyphens: ``samstyring import-register FILE.csv`` runs the
``import_register`` management command.
"""

import os
import sys


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    argv = list(argv if argv is not None else sys.argv)
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    execute_from_command_line(argv)
    return 0
