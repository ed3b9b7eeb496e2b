"""Read-only admin for the structure; edits go through the edit pages and services."""

from django.contrib import admin

from core.admin import ReadOnlyHistoryAdmin

from .models import Body, Membership, Seat


@admin.register(Body)
class BodyAdmin(ReadOnlyHistoryAdmin):
    list_display = ["name", "kind", "parent", "valid_from", "valid_to"]
    list_select_related = ["parent"]
    search_fields = ["name", "slug"]


@admin.register(Seat)
class SeatAdmin(ReadOnlyHistoryAdmin):
    list_display = ["__str__", "role", "constituency", "sort_order"]
    list_select_related = ["body"]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyHistoryAdmin):
    list_display = ["person", "seat", "organisation", "valid_from", "valid_to"]
    list_select_related = ["person", "seat__body", "organisation"]
    search_fields = ["person__name"]
