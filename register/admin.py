"""Read-only admin for the register; edits go through the edit pages and services."""

from django.contrib import admin

from core.admin import ReadOnlyHistoryAdmin

from .models import Affiliation, County, Network, NetworkMembership, Organisation, Person


@admin.register(County)
class CountyAdmin(ReadOnlyHistoryAdmin):
    list_display = ["number", "name", "valid_from", "valid_to"]
    search_fields = ["number", "name"]


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyHistoryAdmin):
    list_display = ["number", "name", "kind", "county", "org_number", "valid_from", "valid_to"]
    list_filter = ["kind"]
    list_select_related = ["county"]
    search_fields = ["number", "name", "org_number"]


@admin.register(Network)
class NetworkAdmin(ReadOnlyHistoryAdmin):
    list_display = ["name", "membership_certainty"]
    search_fields = ["name"]


@admin.register(NetworkMembership)
class NetworkMembershipAdmin(ReadOnlyHistoryAdmin):
    list_display = ["network", "organisation", "valid_from", "valid_to"]
    list_select_related = ["network", "organisation"]


@admin.register(Person)
class PersonAdmin(ReadOnlyHistoryAdmin):
    list_display = ["name", "is_demo"]
    search_fields = ["name"]


@admin.register(Affiliation)
class AffiliationAdmin(ReadOnlyHistoryAdmin):
    list_display = ["person", "organisation", "title", "valid_from", "valid_to"]
    list_select_related = ["person", "organisation"]
    search_fields = ["person__name", "organisation__name"]
