"""Public pages of the register: organisations, counties, regional networks and people.

Thin adapters: parse the request, call selectors, render. Every page runs a bounded number of
queries whatever the number of rows; contact details are shown only where
``can_see_contact_details`` allows.
"""

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from core.cache import public_page
from core.views import history_context, paginate
from structure.selectors import memberships_of_organisation, memberships_of_person

from . import selectors
from .models import County, Network, Organisation, Person


def _label_empty_choices(form) -> None:
    """Name the empty choice of each select ("All", "Default order") instead of dashes."""
    for name, field in form.fields.items():
        if hasattr(field, "empty_label"):
            field.empty_label = _("Default order") if name == "ordering" else _("All")
            field.widget.choices = field.choices  # the widget holds a copy made before this


@public_page
def organisation_list(request):
    filterset, queryset = selectors.organisation_list(actor=request.user, filters=request.GET)
    _label_empty_choices(filterset.form)
    page, page_size = paginate(request, queryset)
    status = 400 if filterset.form.errors else 200
    return render(request, "register/organisation_list.html", {
        "filter": filterset, "page_obj": page, "page_size": page_size,
        "page_sizes": sorted({10, 25, 50, 100, 200, page_size}),
        "organisations": page.object_list,
    }, status=status)


@public_page
def organisation_detail(request, pk: int):
    try:
        organisation = selectors.organisation_detail(pk=pk)
    except Organisation.DoesNotExist as error:
        raise Http404 from error
    affiliations = list(selectors.organisation_people(organisation=organisation))
    visible = selectors.people_with_visible_contact_details(
        request.user, [a.person for a in affiliations])
    return render(request, "register/organisation_detail.html", {
        "organisation": organisation,
        "memberships": memberships_of_organisation(organisation=organisation),
        "people": [(a, a.person_id in visible) for a in affiliations],
        **history_context(organisation),
    })


@public_page
def county_list(request):
    county_municipalities = selectors.county_municipalities_by_county()
    counties = list(selectors.county_list())
    for county in counties:
        county.county_municipality = county_municipalities.get(county.pk)
    return render(request, "register/county_list.html", {"counties": counties})


@public_page
def county_detail(request, number: str):
    try:
        county = selectors.county_detail(number=number)
    except County.DoesNotExist as error:
        raise Http404 from error
    organisations = list(selectors.county_organisations(county=county))
    return render(request, "register/county_detail.html", {
        "county": county,
        "county_municipalities": [o for o in organisations if o.kind == "county_municipality"],
        "municipalities": [o for o in organisations if o.kind == "municipality"],
        "others": [o for o in organisations
                   if o.kind not in {"municipality", "county_municipality"}],
        **history_context(county),
    })


@public_page
def network_list(request):
    return render(request, "register/network_list.html", {"networks": selectors.network_list()})


@public_page
def network_detail(request, slug: str):
    try:
        network = Network.objects.prefetch_related("counties").get(slug=slug)
    except Network.DoesNotExist as error:
        raise Http404 from error
    return render(request, "register/network_detail.html", {
        "network": network,
        "members": selectors.network_members(network=network),
        **history_context(network),
    })


@public_page
def person_detail(request, pk: int):
    try:
        person = selectors.person_detail(pk=pk)
    except Person.DoesNotExist as error:
        raise Http404 from error
    show_contact = selectors.can_see_contact_details(request.user, person)
    memberships = list(memberships_of_person(person=person))
    return render(request, "register/person_detail.html", {
        "person": person, "show_contact": show_contact,
        "affiliations": selectors.person_affiliations(person=person),
        "membership_groups": [
            (_("Current"), [m for m in memberships if m.is_current]),
            (_("Earlier or future"), [m for m in memberships if not m.is_current]),
        ],
        **history_context(person, show_private=show_contact),
    })
