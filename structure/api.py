"""The structure's API: bodies, their seats and memberships.

Reads are open; writes call ``structure.services`` alone, which check permissions (body
secretaries on their own body's seats and memberships, administrators on everything).
"""

import datetime

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.pagination import paginate
from ninja.responses import Status

from core.api import (
    WRITE_AUTH,
    ChangeLog,
    ChangeOut,
    Id,
    InputSchema,
    PagePagination,
    Slug,
    actor,
    read,
    reader,
    write,
)
from core.cache import public_read
from register.api import OrganisationRef
from register.models import Organisation, Person

from . import selectors, services
from .models import Body, BodyKind, Membership, Seat, SeatRole

router = Router(tags=["structure"])


# --- Output schemas -----------------------------------------------------------------------------


class BodyOut(Schema):
    slug: str
    name: str
    short_name: str
    kind: BodyKind
    parent: str | None = Field(description="Slug of the body this body reports to")
    owner: OrganisationRef | None
    mandate: str
    mandate_date: datetime.date | None
    sort_order: int
    valid_from: datetime.date | None
    valid_to: datetime.date | None

    @staticmethod
    def resolve_parent(obj):
        return obj.parent.slug if obj.parent_id else None


class PersonRef(Schema):
    id: int
    name: str


class MembershipOut(Schema):
    id: int
    seat: int
    body: str = Field(description="Slug of the body")
    role: SeatRole
    person: PersonRef
    organisation: OrganisationRef | None = Field(description="The organisation represented")
    valid_from: datetime.date | None
    valid_to: datetime.date | None
    decision_ref: str
    is_demo: bool

    @staticmethod
    def resolve_seat(obj):
        return obj.seat_id

    @staticmethod
    def resolve_body(obj):
        return obj.seat.body.slug

    @staticmethod
    def resolve_role(obj):
        return obj.seat.role


class CurrentMemberOut(Schema):
    id: int
    person: PersonRef
    organisation: OrganisationRef | None
    valid_from: datetime.date | None
    valid_to: datetime.date | None


class SeatOut(Schema):
    id: int
    body: str = Field(description="Slug of the body")
    role: SeatRole
    constituency: str
    sort_order: int

    @staticmethod
    def resolve_body(obj):
        return obj.body.slug


class SeatDetailOut(SeatOut):
    members: list[CurrentMemberOut] = Field(description="Current holders of the seat")

    @staticmethod
    def resolve_members(obj):
        return getattr(obj, "current_memberships", [])


class BodyDetailOut(BodyOut):
    source: str
    children: list[str] = Field(description="Slugs of the bodies reporting to this body")
    seats: list[SeatDetailOut]

    @staticmethod
    def resolve_children(obj):
        return [child.slug for child in obj.children.all()]

    @staticmethod
    def resolve_seats(obj):
        return obj.seats.all()


# --- Input schemas ------------------------------------------------------------------------------


class MembershipFilters(Schema):
    body: Slug | None = Field(None, description="Body slug")
    organisation: Id | None = Field(None, description="Organisation id")
    current: bool | None = Field(
        None, description="true: valid today; false: ended or not begun; absent: all"
    )


class BodyPatchIn(InputSchema):
    name: str = None
    short_name: str = None
    kind: BodyKind = None
    mandate: str = None
    mandate_date: datetime.date | None = None
    parent: Slug | None = Field(None, description="Slug of the body it reports to")
    owner: Id | None = Field(None, description="Id of the owning organisation")
    sort_order: int = Field(None, ge=0)
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None
    source: str = None


class SeatIn(InputSchema):
    role: SeatRole
    constituency: str = ""
    sort_order: int = Field(100, ge=0)


class SeatPatchIn(InputSchema):
    role: SeatRole = None
    constituency: str = None
    sort_order: int = Field(None, ge=0)


class MembershipIn(InputSchema):
    person: Id
    organisation: Id | None = None
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None
    decision_ref: str = ""


class MembershipPatchIn(InputSchema):
    organisation: Id | None = None
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None
    decision_ref: str = None


# --- Helpers ------------------------------------------------------------------------------------


def _lookup(model, field: str, **lookup):
    """A referenced object from a request body; a missing one is a 422 on ``field``."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        raise ValidationError({field: f"No {model._meta.model_name} with this identifier."})
    return obj


def _resolve_references(data: dict) -> dict:
    """Turn ids and slugs in a body into the objects the services expect."""
    if data.get("parent") is not None:
        data["parent"] = _lookup(Body, "parent", slug=data["parent"])
    if data.get("owner") is not None:
        data["owner"] = _lookup(Organisation, "owner", pk=data["owner"])
    if data.get("organisation") is not None:
        data["organisation"] = _lookup(Organisation, "organisation", pk=data["organisation"])
    if data.get("person") is not None:
        data["person"] = _lookup(Person, "person", pk=data["person"])
    return data


def _membership(pk: int) -> Membership:
    return get_object_or_404(selectors.membership_list(), pk=pk)


def _seat(pk: int) -> Seat:
    return get_object_or_404(Seat.objects.select_related("body"), pk=pk)


# --- Bodies -------------------------------------------------------------------------------------


@decorate_view(public_read)
@router.get("/bodies", response=read(list[BodyOut]), summary="List current bodies")
@paginate(PagePagination)
def body_list(request):
    return selectors.body_list()


@decorate_view(public_read)
@router.get("/bodies/{slug}", response=read(BodyDetailOut))
def body_detail(request, slug: Slug):
    return selectors.body_detail(slug=slug)


@decorate_view(public_read)
@router.get("/bodies/{slug}/history", response=read(list[ChangeOut]),
            summary="Change history of a body")
@paginate(PagePagination)
def body_history(request, slug: Slug):
    return ChangeLog(get_object_or_404(Body, slug=slug), viewer=reader(request))


@router.patch("/bodies/{slug}", response=write(BodyDetailOut), auth=WRITE_AUTH,
              summary="Change a body (administrators)")
def body_update(request, slug: Slug, payload: BodyPatchIn):
    body = get_object_or_404(Body, slug=slug)
    data = _resolve_references(payload.dict(exclude_unset=True))
    body = services.body_update(actor=actor(request), body=body, data=data)
    return selectors.body_detail(slug=body.slug)


# --- Seats --------------------------------------------------------------------------------------


@decorate_view(public_read)
@router.get("/seats", response=read(list[SeatOut]), summary="List seats")
@paginate(PagePagination)
def seat_list(request, body: Slug | None = None):
    body_obj = _lookup(Body, "body", slug=body) if body else None
    return selectors.seat_list(body=body_obj)


@router.post("/bodies/{slug}/seats", response=write(SeatOut, 201), auth=WRITE_AUTH)
def seat_create(request, slug: Slug, payload: SeatIn):
    body = get_object_or_404(Body, slug=slug)
    seat = services.seat_create(actor=actor(request), body=body, data=payload.dict())
    return Status(201, seat)


@router.patch("/seats/{id}", response=write(SeatOut), auth=WRITE_AUTH)
def seat_update(request, id: Id, payload: SeatPatchIn):
    return services.seat_update(actor=actor(request), seat=_seat(id),
                                data=payload.dict(exclude_unset=True))


@router.delete("/seats/{id}", response=write(None, 204), auth=WRITE_AUTH,
               summary="Delete a seat that never had members")
def seat_delete(request, id: Id):
    services.seat_delete(actor=actor(request), seat=_seat(id))
    return Status(204, None)


# --- Memberships --------------------------------------------------------------------------------


@decorate_view(public_read)
@router.get("/memberships", response=read(list[MembershipOut]), summary="List memberships")
@paginate(PagePagination)
def membership_list(request, filters: Query[MembershipFilters]):
    return selectors.membership_list(
        body=_lookup(Body, "body", slug=filters.body) if filters.body else None,
        organisation=(_lookup(Organisation, "organisation", pk=filters.organisation)
                      if filters.organisation else None),
        current=filters.current,
    )


@router.post("/seats/{id}/memberships", response=write(MembershipOut, 201), auth=WRITE_AUTH,
             summary="Appoint a person to a seat")
def membership_create(request, id: Id, payload: MembershipIn):
    data = _resolve_references(payload.dict(exclude_unset=True))
    membership = services.membership_create(actor=actor(request), seat=_seat(id), data=data)
    return Status(201, _membership(membership.pk))


@router.patch("/memberships/{id}", response=write(MembershipOut), auth=WRITE_AUTH)
def membership_update(request, id: Id, payload: MembershipPatchIn):
    data = _resolve_references(payload.dict(exclude_unset=True))
    membership = services.membership_update(actor=actor(request), membership=_membership(id),
                                            data=data)
    return _membership(membership.pk)


@router.delete("/memberships/{id}", response=write(None, 204), auth=WRITE_AUTH)
def membership_delete(request, id: Id):
    services.membership_delete(actor=actor(request), membership=_membership(id))
    return Status(204, None)


# --- Change history of seats and memberships --------------------------------------------------


@decorate_view(public_read)
@router.get("/seats/{id}/history", response=read(list[ChangeOut]),
            summary="Change history of a seat")
@paginate(PagePagination)
def seat_history(request, id: Id):
    return ChangeLog(get_object_or_404(Seat, pk=id), viewer=reader(request))


@decorate_view(public_read)
@router.get("/memberships/{id}/history", response=read(list[ChangeOut]),
            summary="Change history of a membership")
@paginate(PagePagination)
def membership_history(request, id: Id):
    return ChangeLog(get_object_or_404(Membership, pk=id), viewer=reader(request))
