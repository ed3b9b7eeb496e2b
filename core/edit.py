"""Shared pieces of the edit pages: the allowed methods and the form page."""

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

edit_view = require_http_methods(["GET", "POST"])


def render_form(request, form, *, title, cancel_url, submit=None, intro="", **extra):
    context = {"form": form, "title": title, "cancel_url": cancel_url,
               "submit_label": submit or _("Save"), "intro": intro, **extra}
    return render(request, "edit/form.html", context)
