"""Edit pages for the register: an organisation's people and affiliations, organisation facts.

Views are adapters: they check the permission for the page (GET included), bind a form and hand
its cleaned data to one service, which checks the permission again and writes the history.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from core.access import has_perm, require
from core.edit import edit_view, render_form
from core.forms import call_service

from . import services
from .forms import AffiliationForm, EndForm, OrganisationForm, PersonCreateForm, PersonForm
from .models import Affiliation, Organisation, Person


def _people_url(organisation) -> str:
    return reverse("register_edit:organisation_people", args=[organisation.pk])




@login_required
@require_safe
def organisation_people(request, pk):
    organisation = get_object_or_404(Organisation, pk=pk)
    require(request.user, "register.change_affiliation", organisation)
    affiliations = (organisation.affiliations.select_related("person")
                    .order_by("person__name", "-valid_from"))
    return render(request, "edit/organisation_people.html", {
        "organisation": organisation, "affiliations": affiliations,
        "may_edit_organisation": has_perm(request.user, "register.change_organisation"),
    })


@login_required
@edit_view
def person_create(request, pk):
    organisation = get_object_or_404(Organisation, pk=pk)
    require(request.user, "register.change_affiliation", organisation)
    form = PersonCreateForm(request.POST or None)
    if form.is_valid() and call_service(
        form, services.person_create, actor=request.user, organisation=organisation,
        data=form.person_data(), title=form.cleaned_data["title"],
        valid_from=form.cleaned_data["valid_from"],
    ):
        messages.success(request, _("The person was added."))
        return redirect(_people_url(organisation))
    return render_form(request, form, title=_("Add a person to %(org)s") % {"org": organisation},
                       cancel_url=_people_url(organisation), submit=_("Add person"))


@login_required
@edit_view
def person_edit(request, pk, person_pk):
    organisation = get_object_or_404(Organisation, pk=pk)
    person = get_object_or_404(Person.objects.filter(affiliations__organisation=organisation)
                               .distinct(), pk=person_pk)
    require(request.user, "register.change_person", person)
    form = PersonForm(request.POST or None, instance=person)
    if form.is_valid() and call_service(form, services.person_update, actor=request.user,
                                        person=person, data=form.cleaned_data):
        messages.success(request, _("The person was saved."))
        return redirect(_people_url(organisation))
    return render_form(request, form, title=_("Edit %(person)s") % {"person": person},
                       cancel_url=_people_url(organisation))


def _affiliation(request, pk) -> Affiliation:
    affiliation = get_object_or_404(Affiliation.objects.select_related("person", "organisation"),
                                    pk=pk)
    require(request.user, "register.change_affiliation", affiliation)
    return affiliation


@login_required
@edit_view
def affiliation_edit(request, pk):
    affiliation = _affiliation(request, pk)
    form = AffiliationForm(request.POST or None, instance=affiliation)
    if form.is_valid() and call_service(form, services.affiliation_update, actor=request.user,
                                        affiliation=affiliation, data=form.cleaned_data):
        messages.success(request, _("The affiliation was saved."))
        return redirect(_people_url(affiliation.organisation))
    return render_form(request, form, title=_("Edit affiliation: %(a)s") % {"a": affiliation},
                       cancel_url=_people_url(affiliation.organisation))


@login_required
@edit_view
def affiliation_end(request, pk):
    affiliation = _affiliation(request, pk)
    form = EndForm(request.POST or None)
    if form.is_valid() and call_service(form, services.affiliation_update, actor=request.user,
                                        affiliation=affiliation, data=form.cleaned_data):
        messages.success(request, _("The affiliation was ended."))
        return redirect(_people_url(affiliation.organisation))
    return render_form(request, form, title=_("End affiliation: %(a)s") % {"a": affiliation},
                       cancel_url=_people_url(affiliation.organisation), submit=_("End"))


@login_required
@edit_view
def affiliation_delete(request, pk):
    affiliation = _affiliation(request, pk)
    errors = []
    if request.method == "POST":
        try:
            services.affiliation_delete(actor=request.user, affiliation=affiliation)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("The affiliation was deleted."))
            return redirect(_people_url(affiliation.organisation))
    return render(request, "edit/confirm_delete.html", {
        "object": affiliation, "errors": errors,
        "title": _("Delete affiliation: %(a)s") % {"a": affiliation},
        "cancel_url": _people_url(affiliation.organisation),
        "explanation": _("Deleting removes an affiliation registered by mistake. To record "
                         "that it has ended, end it instead."),
    })


@login_required
@edit_view
def organisation_edit(request, pk):
    organisation = get_object_or_404(Organisation, pk=pk)
    require(request.user, "register.change_organisation")
    form = OrganisationForm(request.POST or None, instance=organisation)
    if form.is_valid() and call_service(form, services.organisation_update, actor=request.user,
                                        organisation=organisation, data=form.cleaned_data):
        messages.success(request, _("The organisation was saved."))
        return redirect(_people_url(organisation))
    return render_form(request, form, title=_("Edit %(org)s") % {"org": organisation},
                       cancel_url=_people_url(organisation))
