"""Edit forms for the register. Each exposes exactly the fields its service allows."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import DateInput, ServiceModelForm, https_formfield

from .models import Affiliation, Organisation, Person


class PersonForm(ServiceModelForm):
    class Meta:
        model = Person
        fields = ["name", "email", "phone"]


class PersonCreateForm(PersonForm):
    """A new person and their affiliation to the organisation in one step."""

    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    valid_from = forms.DateField(label=_("From date"), required=False, widget=DateInput,
                                 help_text=_("When the person started acting for the "
                                             "organisation."))

    PERSON_FIELDS = ("name", "email", "phone")

    def person_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.PERSON_FIELDS}


class AffiliationForm(ServiceModelForm):
    class Meta:
        model = Affiliation
        fields = ["title", "valid_from", "valid_to"]


class EndForm(forms.Form):
    """Ends a period on ``valid_to``, the last day it applies (validity ends are inclusive)."""

    valid_to = forms.DateField(label=_("End date"), widget=DateInput,
                               help_text=_("The last day it applies."))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"valid_to": timezone.localdate()})
        super().__init__(*args, **kwargs)


class OrganisationForm(ServiceModelForm):
    class Meta:
        model = Organisation
        formfield_callback = https_formfield
        fields = ["name", "org_number", "population", "population_date", "website",
                  "valid_from", "valid_to", "source"]
