"""Django admin: a read-only window for superusers; every write goes through a service.

History is a record, never an undo button (QUALITY.md #21): history rows are not registered, and
``ReadOnlyHistoryAdmin`` shows past versions but refuses any POST to them (simple-history's
version view would otherwise save the old version over the current one even with revert hidden).
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from core.access import has_perm
from core.admin import ReadOnlyAdminMixin, ReadOnlyHistoryAdmin

from . import services
from .models import ApiToken, RoleGrant, User


@admin.register(User)
class SamstyringUserAdmin(UserAdmin):
    """Superusers manage logins; unticking "active" ends the user's sessions at once."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    has_add_permission = has_change_permission = has_view_permission

    def get_readonly_fields(self, request, obj=None):
        # Powers come from role grants (with history), never from ticking a box here.
        return ("is_superuser", "is_staff", "groups", "user_permissions", "last_login",
                "date_joined")

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: history keeps pointing at the user


@admin.register(RoleGrant)
class RoleGrantAdmin(ReadOnlyHistoryAdmin):
    """Grants are added and ended through accounts.services by holders of accounts.grant_role."""

    list_display = ["user", "role", "organisation", "body", "valid_from", "valid_to"]
    list_filter = ["role"]
    search_fields = ["user__username"]
    list_select_related = ["user", "organisation", "body"]
    autocomplete_fields = ["user"]
    raw_id_fields = ["organisation", "body"]

    def _may_grant(self, request):
        return request.user.is_active and request.user.is_superuser and has_perm(
            request.user, "accounts.grant_role")

    def has_add_permission(self, request, obj=None):
        return self._may_grant(request)

    def has_change_permission(self, request, obj=None):
        return self._may_grant(request)

    def get_readonly_fields(self, request, obj=None):
        return ["user", "role", "organisation", "body"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            data = {name: form.cleaned_data[name] for name in ("valid_from", "valid_to")}
            stored = RoleGrant.objects.get(pk=obj.pk)  # the form has already changed ``obj``
            services.role_grant_update(actor=request.user, grant=stored, data=data)
        else:
            grant = services.role_grant_create(
                actor=request.user, user=obj.user, role=obj.role, organisation=obj.organisation,
                body=obj.body, valid_from=obj.valid_from, valid_to=obj.valid_to)
            obj.pk = grant.pk


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_select_related = ["user"]
    search_fields = ["name", "user__username"]
    exclude = ["key_hash"]
