"""Every non-trivial read of the register, already restricted and prefetched for its page."""

from django.db.models import Count, Prefetch, Q, QuerySet

from core.access import has_perm, is_admin, scope_ids
from core.models import valid_on_q

from .filters import OrganisationFilter
from .models import Affiliation, County, Network, NetworkMembership, Organisation, Person


def organisation_list(
    *, actor=None, filters: dict | None = None
) -> tuple[OrganisationFilter, QuerySet]:
    """Current organisations, filtered by the allowlisted ``OrganisationFilter``."""
    queryset = Organisation.objects.current().select_related("county")
    filterset = OrganisationFilter(filters or {}, queryset=queryset)
    return filterset, (filterset.qs if filterset.is_valid() else queryset.none())


def organisation_detail(*, pk: int) -> Organisation:
    current_networks = NetworkMembership.objects.current().select_related("network")
    return (
        Organisation.objects.select_related("county")
        .prefetch_related(
            Prefetch("network_memberships", queryset=current_networks, to_attr="current_networks"),
            "predecessors", "successors",
        )
        .get(pk=pk)
    )


def organisation_people(*, organisation: Organisation) -> QuerySet:
    return (
        Affiliation.objects.current().filter(organisation=organisation)
        .select_related("person").order_by("person__name")
    )


def county_list() -> QuerySet:
    return County.objects.annotate(
        municipality_count=Count(
            "organisations",
            filter=Q(organisations__kind="municipality") & valid_on_q(prefix="organisations__"),
            distinct=True,
        )
    )


def network_list() -> QuerySet:
    return Network.objects.current().prefetch_related("counties").annotate(
        member_count=Count("memberships", filter=valid_on_q(prefix="memberships__"),
                           distinct=True)
    )


def network_members(*, network: Network) -> QuerySet:
    return (
        Organisation.objects.filter(network_memberships__in=network.memberships.current())
        .select_related("county").order_by("number")
    )


def person_list(*, actor=None) -> QuerySet:
    return Person.objects.prefetch_related(
        Prefetch("affiliations",
                 queryset=Affiliation.objects.current().select_related("organisation"),
                 to_attr="current_affiliations")
    )


def can_see_contact_details(actor, person: Person) -> bool:
    """Personal contact details: only administrators and contacts of the person's organisations."""
    if is_admin(actor):
        return True
    if not getattr(actor, "is_authenticated", False):
        return False
    return has_perm(actor, "register.change_person", person)


def key_figures() -> dict:
    """Counts for the front page: current members by kind (one query) and networks (one)."""
    figures = Organisation.objects.current().aggregate(
        municipalities=Count("pk", filter=Q(kind="municipality")),
        county_municipalities=Count("pk", filter=Q(kind="county_municipality")),
    )
    figures["networks"] = Network.objects.current().count()
    return figures


def county_detail(*, number: str) -> County:
    return County.objects.prefetch_related("networks").get(number=number)


def county_organisations(*, county: County) -> QuerySet:
    """The current organisations in a county: the county municipality, then municipalities."""
    return Organisation.objects.current().filter(county=county).order_by("kind", "number", "name")


def county_municipalities_by_county() -> dict[int, Organisation]:
    """The current county municipality of each county, keyed by county id (one query)."""
    rows = Organisation.objects.current().filter(kind="county_municipality")
    return {org.county_id: org for org in rows}


def person_detail(*, pk: int) -> Person:
    return Person.objects.get(pk=pk)


def person_affiliations(*, person: Person) -> QuerySet:
    return Affiliation.objects.current().filter(person=person).select_related("organisation")


def people_with_visible_contact_details(actor, people) -> set[int]:
    """Ids among ``people`` whose contact details ``actor`` may see: the batch form of
    ``can_see_contact_details``, in at most two queries whatever the number of people."""
    ids = [person.pk for person in people]
    if is_admin(actor):
        return set(ids)
    if not getattr(actor, "is_authenticated", False) or not ids:
        return set()
    organisations = scope_ids(actor, "register.change_person")
    if not organisations:
        return set()
    return set(
        Affiliation.objects.current()
        .filter(person_id__in=ids, organisation_id__in=organisations)
        .values_list("person_id", flat=True)
    )


# Reads for the API (register/api.py).


def county_with_organisations(*, number: str) -> County:
    """A county, annotated like ``county_list``, with ``current_organisations`` prefetched."""
    organisations = Organisation.objects.current().order_by("kind", "number", "name")
    return county_list().prefetch_related(
        Prefetch("organisations", queryset=organisations, to_attr="current_organisations")
    ).get(number=number)


def network_with_count(*, slug: str) -> Network:
    """A network, annotated like ``network_list`` (``member_count``, counties prefetched)."""
    return network_list().get(slug=slug)


def person_with_affiliations(*, pk: int) -> Person:
    """A person with ``current_affiliations`` (and their organisations) prefetched."""
    return person_list().get(pk=pk)
