"""Forms of common solutions: the catalogue filter, the "as of" date, and the edit forms.

Edit forms never save: views pass ``cleaned_data`` to ``solutions.services``.
"""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import (
    DateInput,
    SafeModelChoiceField,
    SafeModelMultipleChoiceField,
    ServiceModelForm,
    https_formfield,
)
from register.models import MEMBER_KINDS, Organisation, Person

from .models import (
    AdoptionStatus,
    BenefitItem,
    BenefitModel,
    Lifecycle,
    Solution,
    SolutionKind,
    SolutionLink,
)
from .services import EARLIEST_ADOPTION

BREAKDOWNS = {"fylke": "county", "nettverk": "network", "storrelse": "size"}


class CatalogueFilter(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), required=False,
                             choices=[("", _("All kinds")), *SolutionKind.choices])
    lifecycle = forms.ChoiceField(label=_("Lifecycle"), required=False, choices=[
        ("", _("All")), *Lifecycle.choices, ("unstated", _("Not stated"))])


class AsOfForm(forms.Form):
    """``?dato=`` — the day the figures are for (default today), 1990 to today."""

    dato = forms.DateField(label=_("As of"), required=False, widget=DateInput())
    fordeling = forms.ChoiceField(label=_("Break down by"), required=False, choices=[
        ("fylke", _("County")), ("nettverk", _("Regional network")),
        ("storrelse", _("Population size class"))])
    medlem = SafeModelChoiceField(label=_("Your municipality or county municipality"),
                                  required=False, queryset=Organisation.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["medlem"].queryset = Organisation.objects.filter(kind__in=MEMBER_KINDS)

    def clean_dato(self):
        day = self.cleaned_data.get("dato")
        if day is not None and not EARLIEST_ADOPTION <= day <= timezone.localdate():
            raise forms.ValidationError(_("Choose a day from %(earliest)s to today.") % {
                "earliest": EARLIEST_ADOPTION.isoformat()})
        return day

    @property
    def on(self) -> datetime.date:
        return (self.cleaned_data.get("dato") if self.is_valid() else None) \
            or timezone.localdate()

    @property
    def breakdown(self) -> str:
        value = self.cleaned_data.get("fordeling") if self.is_valid() else ""
        return BREAKDOWNS.get(value or "fylke")


class AdoptionForm(forms.Form):
    """A member's status for a solution from a day (its contacts and the secretariat)."""

    status = forms.ChoiceField(label=_("Status"), choices=AdoptionStatus.choices)
    valid_from = forms.DateField(label=_("From"), widget=DateInput(),
                                 help_text=_("The day the status began; today or earlier."))
    contact = SafeModelChoiceField(label=_("Contact person"), required=False,
                                   queryset=Person.objects.none(),
                                   help_text=_("Shown only to those signed in."))
    contact_role = forms.CharField(label=_("Contact role"), required=False, max_length=200,
                                   help_text=_("Public: the role others can ask, e.g. "
                                               "“archive manager”."))
    note = forms.CharField(label=_("Note"), required=False, max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = Person.objects.filter(
            affiliations__in=organisation.affiliations.current()).distinct().order_by("name")


class SolutionForm(ServiceModelForm):
    depends_on = SafeModelMultipleChoiceField(label=_("Depends on"), required=False,
                                              queryset=Solution.objects.order_by("name"))
    replaces = SafeModelMultipleChoiceField(label=_("Replaces"), required=False,
                                            queryset=Solution.objects.order_by("name"))

    class Meta:
        model = Solution
        fields = ["name", "kind", "lifecycle", "provider", "user_council", "description",
                  "interfaces", "note", "source"]

    def __init__(self, *args, instance=None, **kwargs):
        super().__init__(*args, instance=instance, **kwargs)
        if instance is not None:
            others = Solution.objects.exclude(pk=instance.pk).order_by("name")
            self.fields["depends_on"].queryset = others
            self.fields["replaces"].queryset = others
            self.initial.setdefault("depends_on", list(instance.depends_on.all()))
            self.initial.setdefault("replaces", list(instance.replaces.all()))
        self.fields["provider"].queryset = Organisation.objects.current().order_by("name")

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        return {"depends_on": data.pop("depends_on"), "replaces": data.pop("replaces"),
                "data": data}


class LinkForm(ServiceModelForm):
    class Meta:
        model = SolutionLink
        fields = ["title", "url"]
        formfield_callback = https_formfield


class BenefitModelForm(ServiceModelForm):
    class Meta:
        model = BenefitModel
        fields = ["discount_rate", "base_year", "description", "source"]


class BenefitItemForm(ServiceModelForm):
    class Meta:
        model = BenefitItem
        fields = ["title", "direction", "actor_type", "first_year", "last_year", "driver",
                  "amount", "amount_low", "amount_high", "quantity_source", "quantity", "note"]


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File (CSV or XLSX)"),
                           help_text=_("Columns: organisation, solution, status, valid_from; "
                                       "optional contact_email, contact_role, note."))
    dry_run = forms.BooleanField(label=_("Check only (dry run): report errors, change "
                                         "nothing"), required=False, initial=True)


class CorrectionForm(ServiceModelForm):
    reason = forms.CharField(label=_("Reason for the correction"), max_length=100)

    class Meta:
        from .models import Adoption

        model = Adoption
        fields = ["status", "valid_from", "valid_to", "contact_role", "note"]
