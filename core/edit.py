"""Shared pieces of the edit pages: the allowed methods and the form page."""

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.forms import add_service_errors
from core.views import crumbs

edit_view = require_http_methods(["GET", "POST"])


def render_form(request, form, *, title, cancel_url, submit=None, intro="", **extra):
    context = {"form": form, "title": title, "cancel_url": cancel_url,
               "submit_label": submit or _("Save"), "intro": intro, **extra}
    return render(request, "edit/form.html", context)


def posted(request):
    """The POST data to bind a form to (also when empty: an empty POST is still a submission)."""
    return request.POST if request.method == "POST" else None


def call(form, service, **kwargs):
    """Call a service and return what it returns; on a ValidationError show it on ``form``
    (on the field it names) and return None."""
    try:
        return service(**kwargs)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None


def form_page(request, form, *, title, trail, cancel_url, submit=None, intro="", **extra):
    """An edit form under its crumbs: ``trail`` leads to the page, the form's title ends it;
    ``template`` (default edit/form_page.html) for a page that adds to it."""
    return render(request, extra.pop("template", "edit/form_page.html"), {
        "form": form, "title": title, "crumbs": crumbs(*trail, (title, request.path)),
        "cancel_url": cancel_url, "submit_label": submit or _("Save"), "intro": intro,
        **extra})
