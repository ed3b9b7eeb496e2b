"""Pieces every app's API router shares: authentication, error mapping, pagination, base schemas.

Authentication: reads are anonymous; every write declares ``auth=WRITE_AUTH``, which accepts an
API token (``Authorization: Bearer <key>``) or a Django session. Session writes must pass the
CSRF check (a session cookie is an ambient credential); bearer tokens need not. Who may change
what is decided by the services (``core.access.require``), never here.
"""

import datetime
import json
import math
from typing import Annotated, Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    ObjectDoesNotExist,
    PermissionDenied,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.docs import Swagger, render_template
from ninja.pagination import PaginationBase
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie
from ninja.utils import check_csrf
from pydantic import ConfigDict, field_validator

from accounts.models import ApiToken
from core.access import is_admin
from core.history import change_count, change_log

MAX_ID = 2**63 - 1  # the largest primary key any supported database stores
PAGE_SIZE_DEFAULT = 50
PAGE_SIZE_MAX = getattr(settings, "API_PAGE_SIZE_MAX", 500)

# A primary key in a path or a body: out-of-range numbers are a 422, not a database error.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# A slug in a path or a query: anything else is a 422 before it reaches the database.
Slug = Annotated[str, Field(pattern=r"^[-a-zA-Z0-9_]+$", max_length=100)]


# --- Authentication -----------------------------------------------------------------------------


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <key>`` checked against ``ApiToken``. A wrong key is a 401,
    never a silent fall-back to the session or to anonymous."""

    def authenticate(self, request: HttpRequest, token: str):
        api_token = ApiToken.objects.authenticate(token) if token else None
        if api_token is None:
            raise AuthenticationError()
        request.user = api_token.user
        return api_token.user


class SessionAuth(APIKeyCookie):
    """The Django session; unsafe methods must carry a valid CSRF token.

    Unlike ninja's ``django_auth`` the CSRF check runs only for a logged-in user, so an
    anonymous write is told 401 (authenticate), not 403.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(403, "CSRF check failed.")
        return user

    def authenticate(self, request: HttpRequest, key: str | None):  # pragma: no cover
        return None  # __call__ does the work; required by the abstract base


WRITE_AUTH = [TokenAuth(), SessionAuth()]


def reader(request: HttpRequest):
    """Who is reading an open endpoint whose answer depends on it (a person's contact details).

    The same credentials as writes, all optional: anonymous when none is given. A wrong bearer
    token is still a 401. Not declared as ``auth=`` so the OpenAPI schema shows the endpoint as
    open, which it is.
    """
    for authenticate in WRITE_AUTH:
        user = authenticate(request)
        if user:
            return user
    return AnonymousUser()


def actor(request: HttpRequest):
    """The user a request acts as: the authenticated user, or anonymous."""
    user = getattr(request, "auth", None)
    return user if getattr(user, "is_authenticated", False) else AnonymousUser()


# --- Schemas ------------------------------------------------------------------------------------


class InputSchema(Schema):
    """Every request body: unknown fields are refused (no mass assignment), NUL bytes too."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("Null characters are not allowed.")
        return value


class Docs(Swagger):
    """Swagger UI from ninja's own static files (strict CSP: nothing from a CDN, no inline
    script; needs ``ninja`` in INSTALLED_APPS), sending the CSRF token for session writes."""

    def render_page(self, request: HttpRequest, api, **kwargs: Any) -> HttpResponse:
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        context = {"swagger_settings": json.dumps(self.settings, indent=1), "api": api,
                   "add_csrf": True}
        return render_template(request, self.template, self.template_cdn, context)


class ErrorOut(Schema):
    detail: str


class FieldErrorOut(Schema):
    field: str | None = Field(None, description="The input field; null for the whole object.")
    message: str


class ValidationErrorOut(Schema):
    detail: list[FieldErrorOut]


READ_ERRORS: dict[int, type] = {404: ErrorOut, 422: ValidationErrorOut}
WRITE_ERRORS: dict[int, type] = {  # 400: a body that is not JSON at all
    400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut,
}


def read(schema, status: int = 200) -> dict:
    return {status: schema, **READ_ERRORS}


def write(schema, status: int = 200) -> dict:
    return {status: schema, **WRITE_ERRORS}


class FieldChangeOut(Schema):
    field: str
    label: str
    old: Any
    new: Any


class ChangeOut(Schema):
    when: datetime.datetime
    who: str = Field(description="Username of the actor for administrators; otherwise 'user', "
                     "or 'system' for imports and commands (usernames may identify people).")
    type: str = Field(description="created, changed or deleted")
    record: str = Field(description="Which record changed: the object itself ('') or one of its "
                        "child records, by kind, e.g. 'seat', 'membership', 'affiliation'.")
    subject: str = Field(description="The child record's name, e.g. the member's name; '' for "
                         "the object itself.")
    reason: str
    changes: list[FieldChangeOut]

    @staticmethod
    def resolve_type(obj):
        return {"+": "created", "~": "changed", "-": "deleted"}.get(obj.type, obj.type)

    @staticmethod
    def resolve_record(obj):
        return obj.model._meta.model_name if obj.subject and obj.model else ""

    @staticmethod
    def resolve_changes(obj):
        return [{"field": c.field, "label": str(c.label), "old": c.old, "new": c.new}
                for c in obj.changes]


class ChangeLog:
    """An object's change log (with its child records) as a sliceable sequence for paging.

    Contact details appear only with ``show_private``; usernames only for administrators.
    """

    def __init__(self, obj, *, viewer=None, show_private: bool = False):
        self.obj, self.show_private = obj, show_private
        self.show_actors = viewer is not None and is_admin(viewer)

    def count(self) -> int:
        return change_count(self.obj)

    def all(self):
        return self

    def __getitem__(self, page: slice):
        return change_log(self.obj, show_private=self.show_private,
                          show_actors=self.show_actors, limit=page.stop)[page]


# --- Pagination ---------------------------------------------------------------------------------


class PagePagination(PaginationBase):
    """``page`` (from 1) and ``page_size`` (default 50, at most 500). A page past the end is 404."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_ID)
        page_size: int = Field(PAGE_SIZE_DEFAULT, ge=1, le=PAGE_SIZE_MAX)

    class Output(Schema):
        count: int
        page: int
        page_size: int
        pages: int
        items: list[Any]

    def paginate_queryset(self, queryset, pagination: Input, request: HttpRequest, **params):
        count = self._items_count(queryset)
        pages = max(1, math.ceil(count / pagination.page_size))
        if pagination.page > pages:
            raise Http404("No such page.")
        offset = (pagination.page - 1) * pagination.page_size
        return {
            "count": count, "page": pagination.page, "page_size": pagination.page_size,
            "pages": pages, "items": queryset[offset:offset + pagination.page_size],
        }


# --- Error mapping (installed once, in config/api.py) -------------------------------------------


def _field(name: str) -> str | None:
    return None if name in (NON_FIELD_ERRORS, "") else name


def django_validation_errors(exc: DjangoValidationError) -> list[dict]:
    if hasattr(exc, "error_dict"):
        return [{"field": _field(name), "message": message}
                for name, messages in exc.message_dict.items() for message in messages]
    return [{"field": None, "message": message} for message in exc.messages]


def ninja_validation_errors(exc: NinjaValidationError) -> list[dict]:
    """Pydantic's errors as ``field``/``message``; ``field`` drops the source and body name."""
    errors = []
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", ())]
        if loc and loc[0] == "body":
            loc = loc[2:] if len(loc) > 2 else loc[1:]
        elif loc:
            loc = loc[1:]
        message = error.get("msg", "Invalid value.")
        if error.get("type") == "extra_forbidden":
            message = "This field cannot be set here."
        errors.append({"field": ".".join(loc) or None, "message": message})
    return errors


def install_error_handlers(api) -> None:
    """Map domain exceptions to JSON answers: 403, 404 and 422 with field-level messages."""

    def respond(request, status: int, detail) -> HttpResponse:
        return api.create_response(request, {"detail": detail}, status=status)

    api.add_exception_handler(
        PermissionDenied,
        lambda request, exc: respond(request, 403, str(exc) or "Permission denied."),
    )
    api.add_exception_handler(
        DjangoValidationError,
        lambda request, exc: respond(request, 422, django_validation_errors(exc)),
    )
    api.add_exception_handler(
        NinjaValidationError,
        lambda request, exc: respond(request, 422, ninja_validation_errors(exc)),
    )
    for not_found in (Http404, ObjectDoesNotExist):
        api.add_exception_handler(
            not_found, lambda request, exc: respond(request, 404, "Not found.")
        )
