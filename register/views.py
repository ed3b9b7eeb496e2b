"""Public pages of the register: organisations, counties, regional networks and people.

Thin adapters: parse the request, call selectors, render. Every page runs a bounded number of
queries whatever the number of rows; contact details are shown only where
``can_see_contact_details`` allows.
"""

from functools import partial

from django.core.paginator import Paginator
from django.forms import Select
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from core.access import is_admin
from core.cache import public_page
from core.views import history_context, history_page, paginate, period_label, url_maker
from structure.selectors import memberships_of_organisation, memberships_of_person

from . import selectors
from .models import County, Network, Organisation, OrganisationKind, Person


def _label_empty_choices(form) -> None:
    """Name the empty choice of each select ("All", "Default order") instead of dashes."""
    for name, field in form.fields.items():
        if hasattr(field, "empty_label"):
            field.empty_label = _("Default order") if name == "ordering" else _("All")
            field.widget.choices = field.choices  # the widget holds a copy made before this
        if isinstance(field.widget, Select) and not field.widget.allow_multiple_selected:
            field.widget.render = partial(_render_select, field.widget)


def _attrs(attrs: dict) -> str:
    return "".join(f" {name}" if value is True else f' {name}="{escape(value)}"'
                   for name, value in attrs.items() if value is not False)


def _render_select(widget, name, value, attrs=None, renderer=None):
    """Django's select markup, built in Python: the template engine renders an included
    template per option, which took a third of the organisation list's time."""
    context = widget.get_context(name, value, attrs)["widget"]
    options = []
    for group, choices, _index in context["optgroups"]:
        rendered = "".join(f'<option value="{escape(option["value"])}"{_attrs(option["attrs"])}>'
                           f'{escape(option["label"])}</option>' for option in choices)
        options.append(f'<optgroup label="{escape(group)}">{rendered}</optgroup>' if group
                       else rendered)
    return mark_safe(f'<select name="{escape(name)}"{_attrs(context["attrs"])}>'  # noqa: S308
                     f'{"".join(options)}</select>')


@public_page
def organisation_list(request):
    filterset, queryset = selectors.organisation_list(actor=request.user, filters=request.GET)
    _label_empty_choices(filterset.form)
    page, page_size = paginate(request, queryset)
    status = 400 if filterset.form.errors else 200
    return render(request, "register/organisation_list.html", {
        "filter": filterset, "page_obj": page, "page_size": page_size,
        "page_sizes": sorted({10, 25, 50, 100, 200, page_size}),
        "organisations": with_urls(page.object_list),
    }, status=status)


def with_urls(organisations) -> list:
    """Organisations with ``url``, ``county_url`` and ``kind_label`` set.

    Each route is reversed and each kind's label translated once, not per row: on a 200-row
    page ``get_kind_display`` alone was a fifth of the render.
    """
    organisation_url = url_maker("register:organisation_detail")
    kind_labels = {value: str(label) for value, label in OrganisationKind.choices}
    county_urls: dict = {}
    rows = list(organisations)
    for organisation in rows:
        organisation.url = organisation_url(organisation.pk)
        organisation.kind_label = kind_labels.get(organisation.kind, organisation.kind)
        if (organisation.county_id and organisation.county_id not in county_urls
                and Organisation.county.is_cached(organisation)):  # never a query per row
            county_urls[organisation.county_id] = organisation.county.get_absolute_url()
        organisation.county_url = county_urls.get(organisation.county_id)
    return rows


PEOPLE_PER_PAGE = MEMBERS_PER_PAGE = 50  # long lists on detail pages: 50 a page (?page=N)


@public_page
def organisation_detail(request, pk: int):
    try:
        organisation = selectors.organisation_detail(pk=pk)
    except Organisation.DoesNotExist as error:
        raise Http404 from error
    people_page = Paginator(selectors.organisation_people(organisation=organisation),
                            PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    affiliations = list(people_page.object_list)
    visible = selectors.people_with_visible_contact_details(
        request.user, [a.person for a in affiliations])
    person_url, body_url = url_maker("register:person_detail"), url_maker("structure:body_detail")
    memberships = list(memberships_of_organisation(organisation=organisation))
    for membership in memberships:
        membership.person_url = person_url(membership.person_id)
        membership.body_url = body_url(membership.seat.body.slug)
        membership.period_label = period_label(membership)
    for affiliation in affiliations:
        affiliation.person_url = person_url(affiliation.person_id)
    return render(request, "register/organisation_detail.html", {
        "organisation": organisation,
        "memberships": memberships,
        "people": [(a, a.person_id in visible) for a in affiliations],
        "people_page": people_page,
        **history_context(organisation, show_actors=is_admin(request.user),
                          history_url=reverse("register:organisation_history", args=[pk])),
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
    organisations = with_urls(selectors.county_organisations(county=county))
    return render(request, "register/county_detail.html", {
        "county": county,
        "county_municipalities": [o for o in organisations if o.kind == "county_municipality"],
        "municipalities": [o for o in organisations if o.kind == "municipality"],
        "others": [o for o in organisations
                   if o.kind not in {"municipality", "county_municipality"}],
        **history_context(county, show_actors=is_admin(request.user),
                          history_url=reverse("register:county_history", args=[number])),
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
    members_page = Paginator(selectors.network_members(network=network),
                             MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "register/network_detail.html", {
        "network": network,
        "members": with_urls(members_page.object_list), "members_page": members_page,
        **history_context(network, show_actors=is_admin(request.user),
                          history_url=reverse("register:network_history", args=[slug])),
    })


@public_page
def person_detail(request, pk: int):
    try:
        person = selectors.person_detail(pk=pk)
    except Person.DoesNotExist as error:
        raise Http404 from error
    show_contact = selectors.can_see_contact_details(request.user, person)
    memberships = list(memberships_of_person(person=person))
    for membership in memberships:
        membership.period_label = period_label(membership)
    return render(request, "register/person_detail.html", {
        "person": person, "show_contact": show_contact,
        "affiliations": selectors.person_affiliations(person=person),
        "membership_groups": [
            (_("Current"), [m for m in memberships if m.is_current]),
            (_("Earlier or future"), [m for m in memberships if not m.is_current]),
        ],
        **history_context(person, show_private=show_contact, show_actors=is_admin(request.user),
                          history_url=reverse("register:person_history", args=[pk])),
    })


# The full change log of each object: its page's newest changes link here.

@public_page
def organisation_history(request, pk: int):
    organisation = get_object_or_404(Organisation, pk=pk)
    return history_page(request, organisation, show_actors=is_admin(request.user), crumbs=[
        (_("Organisations"), reverse("register:organisation_list")),
        (organisation.name, organisation.get_absolute_url())])


@public_page
def county_history(request, number: str):
    county = get_object_or_404(County, number=number)
    return history_page(request, county, show_actors=is_admin(request.user), crumbs=[
        (_("Counties"), reverse("register:county_list")), (county.name, county.get_absolute_url())])


@public_page
def network_history(request, slug: str):
    network = get_object_or_404(Network, slug=slug)
    return history_page(request, network, show_actors=is_admin(request.user), crumbs=[
        (_("Regional networks"), reverse("register:network_list")),
        (network.name, network.get_absolute_url())])


@public_page
def person_history(request, pk: int):
    person = get_object_or_404(Person, pk=pk)
    return history_page(
        request, person, crumbs=[(person.name, person.get_absolute_url())],
        show_private=selectors.can_see_contact_details(request.user, person),
        show_actors=is_admin(request.user))
