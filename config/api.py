"""The REST API: one NinjaAPI mounting each app's router. Docs at /api/docs."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="Samstyring API",
    version="1",
    description="Open data and authorised writes for the co-governance model of Norway's "
    "municipal sector.",
    urls_namespace="api",
)
