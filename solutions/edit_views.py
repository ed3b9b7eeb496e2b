"""Forms of common solutions (under /rediger/losninger/): members' contacts record their own
adoption; the secretariat keeps the catalogue and benefit models, corrects recorded periods and
imports adoption in bulk. Every write goes through ``solutions.services`` (or the importer),
which checks the permission again.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.access import has_perm, require
from core.edit import call, edit_view, form_page, posted
from core.views import crumbs
from register.models import MEMBER_KINDS, Organisation

from . import forms, services
from .importers import AdoptionImportError, adoption_import
from .models import Adoption, AdoptionStatus, BenefitItem, BenefitModel, Solution, SolutionLink
from .views import catalogue_crumb, solution_crumb

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def _manager(user):
    if not has_perm(user, "solutions.manage"):
        raise PermissionDenied("solutions.manage not granted")


def _detail_url(solution):
    return reverse("solutions:solution_detail", args=[solution.slug])


# --- the catalogue ---------------------------------------------------------------------------

@login_required
@edit_view
def solution_create(request):
    _manager(request.user)
    form = forms.SolutionForm(posted(request))
    if request.method == "POST" and form.is_valid():
        solution = call(form, services.solution_save, actor=request.user,
                         **form.service_kwargs())
        if solution is not None:
            messages.success(request, _("%(name)s was added to the catalogue.")
                             % {"name": solution.name})
            return redirect(_detail_url(solution))
    return form_page(request, form, title=_("New common solution"), trail=[catalogue_crumb()],
                      cancel_url=reverse("solutions:solution_list"))


@login_required
@edit_view
def solution_edit(request, solution_slug: str):
    _manager(request.user)
    solution = get_object_or_404(Solution, slug=solution_slug)
    form = forms.SolutionForm(posted(request), instance=solution)
    if request.method == "POST" and form.is_valid() and call(
            form, services.solution_save, actor=request.user, solution=solution,
            **form.service_kwargs()):
        messages.success(request, _("The solution was saved."))
        return redirect(_detail_url(solution))
    links = list(solution.links.all())
    return form_page(request, form, title=_("Edit %(name)s") % {"name": solution.name},
                      trail=[catalogue_crumb(), solution_crumb(solution)],
                      cancel_url=_detail_url(solution), links=links,
                      template="solutions/solution_form.html", solution=solution)


@login_required
@edit_view
def link_add(request, solution_slug: str):
    _manager(request.user)
    solution = get_object_or_404(Solution, slug=solution_slug)
    form = forms.LinkForm(posted(request))
    if request.method == "POST" and form.is_valid() and call(
            form, services.link_save, actor=request.user, solution=solution,
            data=form.cleaned_data):
        messages.success(request, _("The link was added."))
        return redirect(reverse("solutions_edit:solution_edit", args=[solution.slug]))
    return form_page(request, form, title=_("New link"),
                      trail=[catalogue_crumb(), solution_crumb(solution)],
                      cancel_url=reverse("solutions_edit:solution_edit", args=[solution.slug]))


@login_required
@require_POST
def link_delete(request, solutionlink_pk: int):
    _manager(request.user)
    link = get_object_or_404(SolutionLink.objects.select_related("solution"),
                             pk=solutionlink_pk)
    services.link_delete(actor=request.user, link=link)
    messages.success(request, _("The link was removed."))
    return redirect(reverse("solutions_edit:solution_edit", args=[link.solution.slug]))


# --- benefit models --------------------------------------------------------------------------

def _benefits_url(solution):
    return reverse("solutions:solution_benefits", args=[solution.slug])


@login_required
@edit_view
def benefit_model_edit(request, solution_slug: str):
    _manager(request.user)
    solution = get_object_or_404(Solution, slug=solution_slug)
    model = BenefitModel.objects.filter(solution=solution).first()
    form = forms.BenefitModelForm(posted(request), instance=model)
    if model is None and not form.is_bound:
        form.initial.setdefault("base_year", timezone.localdate().year)
    if request.method == "POST" and form.is_valid() and call(
            form, services.benefit_model_save, actor=request.user, solution=solution,
            data=form.cleaned_data):
        messages.success(request, _("The benefit model was saved."))
        return redirect(_benefits_url(solution))
    return form_page(request, form, title=_("Benefit model of %(name)s") % {
        "name": solution.name}, trail=[catalogue_crumb(), solution_crumb(solution)],
        cancel_url=_benefits_url(solution),
        intro=_("The real discount rate is 4 % by default, as in the Ministry of Finance's "
                "circular R-109/2021; cash flows are discounted to the base year."))


@login_required
@edit_view
def benefit_item_edit(request, solution_slug: str, benefititem_pk: int | None = None):
    _manager(request.user)
    solution = get_object_or_404(Solution, slug=solution_slug)
    model = get_object_or_404(BenefitModel, solution=solution)
    item = (get_object_or_404(BenefitItem, pk=benefititem_pk, model=model)
            if benefititem_pk is not None else None)
    form = forms.BenefitItemForm(posted(request), instance=item)
    if request.method == "POST" and form.is_valid() and call(
            form, services.benefit_item_save, actor=request.user, model=model,
            data=form.cleaned_data, item=item):
        messages.success(request, _("The item was saved."))
        return redirect(_benefits_url(solution))
    title = (_("Edit %(title)s") % {"title": item.title}) if item else _("New cost or gain")
    extra = {}
    if item is not None:
        extra = {"delete_url": reverse("solutions_edit:benefit_item_delete", args=[item.pk]),
                 "delete_label": _("Remove the item")}
    return form_page(request, form, title=title,
                      trail=[catalogue_crumb(), solution_crumb(solution)],
                      cancel_url=_benefits_url(solution), **extra,
                      intro=_("A fixed amount a year, or an amount per unit times a yearly "
                              "quantity: from the register (members, inhabitants) or stated "
                              "for the whole sector. Low and high amounts feed the "
                              "sensitivity analysis."))


@login_required
@require_POST
def benefit_item_delete(request, benefititem_pk: int):
    _manager(request.user)
    item = get_object_or_404(BenefitItem.objects.select_related("model__solution"),
                             pk=benefititem_pk)
    services.benefit_item_delete(actor=request.user, item=item)
    messages.success(request, _("The item was removed."))
    return redirect(_benefits_url(item.model.solution))


# --- adoption --------------------------------------------------------------------------------

@login_required
@edit_view
def adoption_update(request, solution_slug: str, organisation_pk: int):
    """A member's contact (or the secretariat) records a status from a day."""
    solution = get_object_or_404(Solution, slug=solution_slug)
    organisation = get_object_or_404(Organisation, pk=organisation_pk, kind__in=MEMBER_KINDS)
    require(request.user, "solutions.update_adoption", organisation)
    current = Adoption.objects.filter(solution=solution, organisation=organisation,
                                      valid_to__isnull=True).first()
    initial = {"valid_from": timezone.localdate()}
    if current is not None:
        initial.update(status=current.status, contact=current.contact_id,
                       contact_role=current.contact_role, note=current.note)
    form = forms.AdoptionForm(posted(request), organisation=organisation, initial=initial)
    page = reverse("solutions:adoption_detail", args=[solution.slug, organisation.pk])
    if request.method == "POST" and form.is_valid() and call(
            form, services.adoption_record, actor=request.user, solution=solution,
            organisation=organisation, **form.cleaned_data):
        messages.success(request, _("The status of %(organisation)s was recorded.")
                         % {"organisation": organisation.name})
        return redirect(page)
    return form_page(request, form, title=_("%(organisation)s: %(solution)s") % {
        "organisation": organisation.name, "solution": solution.name},
        trail=[catalogue_crumb(), solution_crumb(solution), (organisation.name, page)],
        cancel_url=page, submit=_("Record the status"),
        intro=_("A new status starts on the day you give and ends the current one the day "
                "before. The same day corrects the current status. Earlier periods are "
                "corrected by the secretariat."))


@login_required
@edit_view
def adoption_correct(request, adoption_pk: int):
    _manager(request.user)
    adoption = get_object_or_404(Adoption.objects.select_related("solution", "organisation"),
                                 pk=adoption_pk)
    form = forms.CorrectionForm(posted(request), instance=adoption)
    page = reverse("solutions:adoption_detail",
                   args=[adoption.solution.slug, adoption.organisation_id])
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reason = data.pop("reason")
        if call(form, services.adoption_correct, actor=request.user, adoption=adoption,
                 data=data, reason=reason):
            messages.success(request, _("The period was corrected."))
            return redirect(page)
    return form_page(request, form, title=_("Correct a recorded period"),
                      trail=[catalogue_crumb(), solution_crumb(adoption.solution),
                             (adoption.organisation.name, page)],
                      cancel_url=page, submit=_("Correct"))


@login_required
@edit_view
def adoption_import_page(request):
    """Bulk import of adoption from CSV or XLSX: a dry run lists every error by row and
    column; a real run writes all rows or none."""
    _manager(request.user)
    form = forms.ImportForm(posted(request), request.FILES or None)
    result = errors = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            form.add_error("file", _("The file is larger than 20 MB."))
        else:
            try:
                result = adoption_import(actor=request.user, data=upload.read(),
                                         source=upload.name[:60],
                                         dry_run=form.cleaned_data["dry_run"])
            except AdoptionImportError as error:
                errors = error
            if result is not None and not result.dry_run:
                messages.success(request, _("The file was imported."))
    return render(request, "solutions/adoption_import.html", {
        "form": form, "result": result, "errors": errors,
        "title": _("Import adoption"), "statuses": AdoptionStatus.choices,
        "crumbs": crumbs(catalogue_crumb(), (_("Import adoption"), request.path)),
    }, status=422 if errors else 200)
