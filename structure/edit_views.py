"""Edit pages for the structure: a body's seats and who holds them, and the body itself.

Views are adapters: they check the permission for the page (GET included), bind a form and hand
its cleaned data to one service, which checks the permission again and writes the history.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from core.access import has_perm, require
from core.edit import edit_view, render_form
from core.forms import call_service
from register.forms import EndForm

from . import services
from .forms import BodyForm, MembershipCreateForm, MembershipForm, SeatForm
from .models import Body, Membership, Seat


def _seats_url(body) -> str:
    return reverse("structure_edit:body_seats", args=[body.slug])




def render_delete(request, obj, *, title, cancel_url, errors, explanation=""):
    return render(request, "edit/confirm_delete.html", {
        "object": obj, "title": title, "cancel_url": cancel_url, "errors": errors,
        "explanation": explanation,
    })


@login_required
@require_safe
def body_seats(request, slug):
    body = get_object_or_404(Body, slug=slug)
    require(request.user, "structure.change_seat", body)
    memberships = Membership.objects.select_related("person", "organisation").order_by(
        "-valid_from")
    seats = body.seats.prefetch_related(Prefetch("memberships", queryset=memberships))
    return render(request, "edit/body_seats.html", {
        "body": body, "seats": seats,
        "may_edit_body": has_perm(request.user, "structure.change_body"),
    })


@login_required
@edit_view
def body_edit(request, slug):
    body = get_object_or_404(Body, slug=slug)
    require(request.user, "structure.change_body")
    form = BodyForm(request.POST or None, instance=body)
    if form.is_valid() and call_service(form, services.body_update, actor=request.user,
                                        body=body, data=form.cleaned_data):
        messages.success(request, _("The body was saved."))
        return redirect(_seats_url(body))
    return render_form(request, form, title=_("Edit %(body)s") % {"body": body},
                       cancel_url=_seats_url(body))


@login_required
@edit_view
def seat_create(request, slug):
    body = get_object_or_404(Body, slug=slug)
    require(request.user, "structure.change_seat", body)
    form = SeatForm(request.POST or None)
    if form.is_valid() and call_service(form, services.seat_create, actor=request.user,
                                        body=body, data=form.cleaned_data):
        messages.success(request, _("The seat was added."))
        return redirect(_seats_url(body))
    return render_form(request, form, title=_("Add a seat to %(body)s") % {"body": body},
                       cancel_url=_seats_url(body), submit=_("Add seat"))


def _seat(request, pk) -> Seat:
    seat = get_object_or_404(Seat.objects.select_related("body"), pk=pk)
    require(request.user, "structure.change_seat", seat)
    return seat


@login_required
@edit_view
def seat_edit(request, pk):
    seat = _seat(request, pk)
    form = SeatForm(request.POST or None, instance=seat)
    if form.is_valid() and call_service(form, services.seat_update, actor=request.user,
                                        seat=seat, data=form.cleaned_data):
        messages.success(request, _("The seat was saved."))
        return redirect(_seats_url(seat.body))
    return render_form(request, form, title=_("Edit seat: %(seat)s") % {"seat": seat},
                       cancel_url=_seats_url(seat.body))


@login_required
@edit_view
def seat_delete(request, pk):
    seat = _seat(request, pk)
    errors = []
    if request.method == "POST":
        try:
            services.seat_delete(actor=request.user, seat=seat)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("The seat was deleted."))
            return redirect(_seats_url(seat.body))
    return render_delete(request, seat, title=_("Delete seat: %(seat)s") % {"seat": seat},
                         cancel_url=_seats_url(seat.body), errors=errors)


@login_required
@edit_view
def membership_create(request, pk):
    seat = get_object_or_404(Seat.objects.select_related("body"), pk=pk)
    require(request.user, "structure.change_membership", seat)
    form = MembershipCreateForm(request.POST or None)
    if form.is_valid() and call_service(form, services.membership_create, actor=request.user,
                                        seat=seat, data=form.cleaned_data):
        messages.success(request, _("The person was appointed."))
        return redirect(_seats_url(seat.body))
    return render_form(request, form, title=_("Appoint to %(seat)s") % {"seat": seat},
                       cancel_url=_seats_url(seat.body), submit=_("Appoint"))


def _membership(request, pk) -> Membership:
    membership = get_object_or_404(
        Membership.objects.select_related("seat__body", "person", "organisation"), pk=pk)
    require(request.user, "structure.change_membership", membership)
    return membership


@login_required
@edit_view
def membership_edit(request, pk):
    membership = _membership(request, pk)
    form = MembershipForm(request.POST or None, instance=membership)
    if form.is_valid() and call_service(form, services.membership_update, actor=request.user,
                                        membership=membership, data=form.cleaned_data):
        messages.success(request, _("The membership was saved."))
        return redirect(_seats_url(membership.seat.body))
    return render_form(request, form, title=_("Edit membership: %(m)s") % {"m": membership},
                       cancel_url=_seats_url(membership.seat.body))


@login_required
@edit_view
def membership_end(request, pk):
    membership = _membership(request, pk)
    form = EndForm(request.POST or None)
    if form.is_valid() and call_service(form, services.membership_update, actor=request.user,
                                        membership=membership, data=form.cleaned_data):
        messages.success(request, _("The membership was ended."))
        return redirect(_seats_url(membership.seat.body))
    return render_form(request, form, title=_("End membership: %(m)s") % {"m": membership},
                       cancel_url=_seats_url(membership.seat.body), submit=_("End"))


@login_required
@edit_view
def membership_delete(request, pk):
    membership = _membership(request, pk)
    errors = []
    if request.method == "POST":
        try:
            services.membership_delete(actor=request.user, membership=membership)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("The membership was deleted."))
            return redirect(_seats_url(membership.seat.body))
    return render_delete(
        request, membership, title=_("Delete membership: %(m)s") % {"m": membership},
        cancel_url=_seats_url(membership.seat.body), errors=errors,
        explanation=_("Deleting removes a membership registered by mistake. To record that "
                      "a term has ended, end it instead."))
