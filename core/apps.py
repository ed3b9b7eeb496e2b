from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"

    def ready(self):
        from . import search  # noqa: F401  (registers the SQLite casefold function)
