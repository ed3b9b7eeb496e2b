"""Case-insensitive text search that behaves the same on SQLite and PostgreSQL.

SQLite's LIKE and LOWER fold only ASCII letters, so "ålesund" would not find "Ålesund". On
SQLite we register a Python ``casefold`` function on every connection; on PostgreSQL LOWER is
Unicode-aware already. Selectors and filters use ``folded_q`` and never ``icontains`` on
names.
"""

from django.db.backends.signals import connection_created
from django.db.models import Func, Q, TextField

SQLITE_FUNCTION = "SAMSTYRING_CASEFOLD"


class Casefold(Func):
    function = "LOWER"
    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function=SQLITE_FUNCTION, **extra_context)


def folded_q(field: str, value: str) -> tuple[dict, Q]:
    """(annotation, Q) for combining a folded match with other conditions."""
    alias = f"_{field}_folded"
    return {alias: Casefold(field)}, Q(**{f"{alias}__contains": value.casefold()})


def _register_sqlite_function(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            SQLITE_FUNCTION, 1, lambda s: s.casefold() if isinstance(s, str) else s,
            deterministic=True)


connection_created.connect(_register_sqlite_function,
                           dispatch_uid="samstyring_sqlite_casefold")
