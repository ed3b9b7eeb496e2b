"""One filter definition per list, feeding both the HTML page and the API (allowlisted fields)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.search import folded_q

from .models import County, Network, Organisation, OrganisationKind


class OrganisationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name or number"), method="search", max_length=100)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=OrganisationKind.choices)
    county = django_filters.ModelChoiceFilter(
        label=_("County"), queryset=County.objects.all(), to_field_name="number",
        field_name="county",
    )
    network = django_filters.ModelChoiceFilter(
        label=_("Regional network"), queryset=Network.objects.all(), to_field_name="slug",
        method="in_network",
    )
    ordering = django_filters.OrderingFilter(
        label=_("Sort by"),
        fields=(("number", "number"), ("name", "name"), ("population", "population")),
        # Explicit lazy labels: django-filter formats its default "(descending)" labels once, at
        # import, in whatever language is active then, and has no Norwegian catalogue.
        field_labels={
            "number": _("Number"), "-number": _("Number (descending)"),
            "name": _("Name"), "-name": _("Name (descending)"),
            "population": _("Population"), "-population": _("Population (descending)"),
        },
    )

    class Meta:
        model = Organisation
        fields = ["q", "kind", "county", "network"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        digits = value.replace(" ", "")
        annotation, name_matches = folded_q("name", value)
        return queryset.annotate(**annotation).filter(
            name_matches | Q(number=value) | Q(org_number=digits)
        )

    def in_network(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(
            network_memberships__in=value.memberships.current()
        ).distinct()
