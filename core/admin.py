"""Admin bases shared by every app: a read-only window for superusers.

History is a record, never an undo button (QUALITY.md #21): history rows are not registered, and
``ReadOnlyHistoryAdmin`` shows past versions but refuses any POST to them (simple-history's
version view would otherwise save the old version over the current one even with revert hidden).
"""

from django.http import HttpResponseNotAllowed
from simple_history.admin import SimpleHistoryAdmin


class ReadOnlyAdminMixin:
    """Superusers may look; nobody adds, changes or deletes here."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyHistoryAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Read-only, with each object's history to look at (never to revert to)."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return super().history_form_view(request, object_id, version_id, extra_context)
