"""The register's API: organisations, counties, networks, people and affiliations.

Reads are open and call the same selectors as the pages; writes call ``register.services``
alone, which check permissions. Contact details of people are given only to those
``can_see_contact_details`` allows.
"""

import datetime
from typing import Annotated

from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.pagination import paginate
from ninja.responses import Status

from core.api import (
    WRITE_AUTH,
    ChangeLog,
    ChangeOut,
    ErrorOut,
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

from . import selectors, services
from .models import Affiliation, County, Network, Organisation, OrganisationKind, Person

router = Router(tags=["register"])
CountyNumber = Annotated[str, Field(pattern=r"^[0-9]{2}$")]


# --- Output schemas -----------------------------------------------------------------------------


class CountyRef(Schema):
    number: str
    name: str


class OrganisationRef(Schema):
    id: int
    kind: str
    number: str
    name: str


class OrganisationOut(Schema):
    id: int
    kind: OrganisationKind
    number: str
    name: str
    county: CountyRef | None
    org_number: str
    population: int | None
    population_date: datetime.date | None
    website: str
    valid_from: datetime.date | None
    valid_to: datetime.date | None


class NetworkRef(Schema):
    slug: str
    name: str


class OrganisationDetailOut(OrganisationOut):
    source: str
    networks: list[NetworkRef]
    predecessors: list[int]
    successors: list[int]

    @staticmethod
    def resolve_networks(obj):
        return [m.network for m in getattr(obj, "current_networks", [])]

    @staticmethod
    def resolve_predecessors(obj):
        return [o.pk for o in obj.predecessors.all()]

    @staticmethod
    def resolve_successors(obj):
        return [o.pk for o in obj.successors.all()]


class CountyOut(Schema):
    number: str
    name: str
    short_name: str
    municipality_count: int
    valid_from: datetime.date | None
    valid_to: datetime.date | None


class CountyDetailOut(CountyOut):
    note: str
    source: str
    organisations: list[OrganisationRef]

    @staticmethod
    def resolve_organisations(obj):
        return obj.current_organisations


class NetworkOut(Schema):
    slug: str
    name: str
    scope: str
    counties: list[str]
    member_count: int
    stated_member_count: int | None
    membership_certainty: str
    source_url: str
    source_date: str
    note: str

    @staticmethod
    def resolve_counties(obj):
        return [c.number for c in obj.counties.all()]


class NetworkDetailOut(NetworkOut):
    members: list[OrganisationRef] = Field(description="Current member organisations")

    @staticmethod
    def resolve_members(obj):
        return obj.current_members


class AffiliationOut(Schema):
    id: int
    person: int
    organisation: OrganisationRef
    title: str
    valid_from: datetime.date | None
    valid_to: datetime.date | None

    @staticmethod
    def resolve_person(obj):
        return obj.person_id


class PersonOut(Schema):
    """A person as everyone sees them: no contact details."""

    id: int
    name: str
    is_demo: bool
    affiliations: list[AffiliationOut] = Field(description="Current affiliations.")

    @staticmethod
    def resolve_affiliations(obj):
        return obj.current_affiliations


class PersonContactOut(PersonOut):
    """A person as administrators and the contacts of their organisations see them."""

    email: str
    phone: str


# --- Input schemas ------------------------------------------------------------------------------


class OrganisationFilters(Schema):
    q: str | None = Field(None, max_length=100, description="Name, number or organisation number")
    kind: OrganisationKind | None = None
    county: str | None = Field(None, max_length=2, description="County number")
    network: Slug | None = Field(None, description="Regional network slug")
    ordering: str | None = Field(
        None, max_length=20,
        description="number, name or population; prefix with - for descending",
    )


class PersonCreateIn(InputSchema):
    name: str
    email: str = ""
    phone: str = ""
    title: str = Field("", description="Title in the organisation (the new affiliation)")
    valid_from: datetime.date | None = None


class PersonPatchIn(InputSchema):
    name: str = None
    email: str = None
    phone: str = None


class AffiliationCreateIn(InputSchema):
    organisation: Id
    title: str = ""
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None


class AffiliationPatchIn(InputSchema):
    title: str = None
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None


class OrganisationPatchIn(InputSchema):
    name: str = None
    org_number: str = None
    population: int | None = Field(None, ge=0)
    population_date: datetime.date | None = None
    website: str = None
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None
    source: str = None


# --- Helpers ------------------------------------------------------------------------------------


def _person_out(request, pk: int, status: int = 200) -> JsonResponse:
    """The person, with contact details only for those allowed to see them.

    Answered directly (not re-validated against the union of both schemas), so the choice of
    schema made here is exactly what is sent.
    """
    person = selectors.person_with_affiliations(pk=pk)
    private = selectors.can_see_contact_details(reader(request), person)
    schema = PersonContactOut if private else PersonOut
    return JsonResponse(schema.from_orm(person).model_dump(mode="json"), status=status)


def _patch_data(payload: InputSchema) -> dict:
    return payload.dict(exclude_unset=True)


# --- Organisations ------------------------------------------------------------------------------


@decorate_view(public_read)
@router.get("/organisations", response=read(list[OrganisationOut]), summary="List organisations")
@paginate(PagePagination)
def organisation_list(request, filters: Query[OrganisationFilters]):
    """Current organisations, filtered exactly like the register page."""
    filterset, organisations = selectors.organisation_list(
        actor=actor(request), filters=filters.dict(exclude_none=True)
    )
    if not filterset.is_valid():
        raise ValidationError({name: [e["message"] for e in errors]
                               for name, errors in filterset.errors.get_json_data().items()})
    return organisations


@decorate_view(public_read)
@router.get("/organisations/{id}", response=read(OrganisationDetailOut))
def organisation_detail(request, id: Id):
    return selectors.organisation_detail(pk=id)


@decorate_view(public_read)
@router.get("/organisations/{id}/history", response=read(list[ChangeOut]),
            summary="Change history of an organisation")
@paginate(PagePagination)
def organisation_history(request, id: Id):
    return ChangeLog(get_object_or_404(Organisation, pk=id), viewer=reader(request))


@router.patch("/organisations/{id}", response=write(OrganisationDetailOut), auth=WRITE_AUTH,
              summary="Correct an organisation (administrators)")
def organisation_update(request, id: Id, payload: OrganisationPatchIn):
    organisation = get_object_or_404(Organisation, pk=id)
    services.organisation_update(actor=actor(request), organisation=organisation,
                                 data=_patch_data(payload))
    return selectors.organisation_detail(pk=id)


# --- Counties and networks ----------------------------------------------------------------------


@decorate_view(public_read)
@router.get("/counties", response=read(list[CountyOut]))
@paginate(PagePagination)
def county_list(request):
    return selectors.county_list()


@decorate_view(public_read)
@router.get("/counties/{number}", response=read(CountyDetailOut))
def county_detail(request, number: CountyNumber):
    return selectors.county_with_organisations(number=number)


@decorate_view(public_read)
@router.get("/networks", response=read(list[NetworkOut]), summary="List regional networks")
@paginate(PagePagination)
def network_list(request):
    return selectors.network_list()


@decorate_view(public_read)
@router.get("/networks/{slug}", response=read(NetworkDetailOut))
def network_detail(request, slug: Slug):
    network = selectors.network_with_count(slug=slug)
    network.current_members = list(selectors.network_members(network=network))
    return network


# --- People and affiliations --------------------------------------------------------------------


@decorate_view(public_read)
@router.get("/people/{id}", response={**read(PersonContactOut | PersonOut), 401: ErrorOut},
            summary="A person (contact details only for authorised users)")
def person_detail(request, id: Id):
    return _person_out(request, id)


@router.post("/organisations/{id}/people", response=write(PersonContactOut, 201),
             auth=WRITE_AUTH, summary="Create a person affiliated with an organisation")
def person_create(request, id: Id, payload: PersonCreateIn):
    organisation = get_object_or_404(Organisation, pk=id)
    data = payload.dict(include={"name", "email", "phone"})
    person = services.person_create(actor=actor(request), organisation=organisation, data=data,
                                    title=payload.title, valid_from=payload.valid_from)
    return _person_out(request, person.pk, status=201)


@router.patch("/people/{id}", response=write(PersonContactOut), auth=WRITE_AUTH)
def person_update(request, id: Id, payload: PersonPatchIn):
    person = get_object_or_404(Person, pk=id)
    services.person_update(actor=actor(request), person=person, data=_patch_data(payload))
    return _person_out(request, id)


def _affiliation(pk: int) -> Affiliation:
    return get_object_or_404(Affiliation.objects.select_related("organisation"), pk=pk)


@router.post("/people/{id}/affiliations", response=write(AffiliationOut, 201), auth=WRITE_AUTH)
def affiliation_create(request, id: Id, payload: AffiliationCreateIn):
    person = get_object_or_404(Person, pk=id)
    organisation = Organisation.objects.filter(pk=payload.organisation).first()
    if organisation is None:
        raise ValidationError({"organisation": "No organisation with this id."})
    affiliation = services.affiliation_create(
        actor=actor(request), person=person, organisation=organisation,
        data=payload.dict(exclude_unset=True, exclude={"organisation"}),
    )
    return Status(201, _affiliation(affiliation.pk))


@router.patch("/affiliations/{id}", response=write(AffiliationOut), auth=WRITE_AUTH)
def affiliation_update(request, id: Id, payload: AffiliationPatchIn):
    affiliation = services.affiliation_update(actor=actor(request), affiliation=_affiliation(id),
                                              data=_patch_data(payload))
    return affiliation


@router.delete("/affiliations/{id}", response=write(None, 204), auth=WRITE_AUTH)
def affiliation_delete(request, id: Id):
    services.affiliation_delete(actor=actor(request), affiliation=_affiliation(id))
    return Status(204, None)


# --- Change history of every register object ------------------------------------------------


@decorate_view(public_read)
@router.get("/counties/{number}/history", response=read(list[ChangeOut]),
            summary="Change history of a county")
@paginate(PagePagination)
def county_history(request, number: CountyNumber):
    return ChangeLog(get_object_or_404(County, number=number), viewer=reader(request))


@decorate_view(public_read)
@router.get("/networks/{slug}/history", response=read(list[ChangeOut]),
            summary="Change history of a network, including its memberships")
@paginate(PagePagination)
def network_history(request, slug: Slug):
    return ChangeLog(get_object_or_404(Network, slug=slug), viewer=reader(request))


@decorate_view(public_read)
@router.get("/people/{id}/history", response=read(list[ChangeOut]),
            summary="Change history of a person (contact details only for authorised users)")
@paginate(PagePagination)
def person_history(request, id: Id):
    person = get_object_or_404(Person, pk=id)
    viewer = reader(request)  # authenticate once: a token check is a query and a write
    private = selectors.can_see_contact_details(viewer, person)
    return ChangeLog(person, viewer=viewer, show_private=private)


@decorate_view(public_read)
@router.get("/affiliations/{id}/history", response=read(list[ChangeOut]),
            summary="Change history of an affiliation")
@paginate(PagePagination)
def affiliation_history(request, id: Id):
    return ChangeLog(get_object_or_404(Affiliation, pk=id), viewer=reader(request))


# --- CSV export (appended; register/exports.py) --------------------------------------------------

from core.api import ValidationErrorOut  # noqa: E402 - appended section


@decorate_view(public_read)
@router.get("/organisations.csv", summary="Organisations as CSV",
            openapi_extra={"responses": {200: {
                "description": "The filtered organisation list as CSV (formula cells escaped)",
                "content": {"text/csv": {"schema": {"type": "string"}}}}}},
            response={422: ValidationErrorOut})
def organisation_export(request, filters: Query[OrganisationFilters]):
    """Current organisations as CSV, filtered exactly like the list and the register page.
    Cells that a spreadsheet would read as a formula start with ``'`` (see register/exports.py).
    """
    from .exports import csv_response

    filterset, organisations = selectors.organisation_list(
        actor=actor(request), filters=filters.dict(exclude_none=True)
    )
    if not filterset.is_valid():
        raise ValidationError({name: [e["message"] for e in errors]
                               for name, errors in filterset.errors.get_json_data().items()})
    return csv_response(organisations)
