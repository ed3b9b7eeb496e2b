"""The REST API: one NinjaAPI mounting each app's router. Docs at /api/docs.

Errors are mapped here, once, for every router: PermissionDenied → 403, Django's
ValidationError and invalid input → 422 with field-level messages, missing objects → 404.
"""

from ninja import NinjaAPI

from cases.api import router as cases_router
from core.api import Docs, install_error_handlers
from register.api import router as register_router
from representation.api import router as representation_router
from solutions.api import router as solutions_router
from structure.api import router as structure_router

api = NinjaAPI(
    title="Samstyring API",
    version="1",
    description="Open data and authorised writes for the co-governance model of Norway's "
    "municipal sector.",
    urls_namespace="api",
    docs=Docs(),
)
install_error_handlers(api)

api.add_router("", register_router)
api.add_router("", structure_router)
api.add_router("", representation_router)
api.add_router("", cases_router)
api.add_router("", solutions_router)
