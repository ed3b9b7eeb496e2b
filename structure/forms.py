"""Edit forms for the structure. Each exposes exactly the fields its service allows."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import ServiceModelForm
from register.models import Organisation, Person

from .models import Body, Membership, Seat


class BodyForm(ServiceModelForm):
    class Meta:
        model = Body
        fields = ["name", "short_name", "kind", "mandate", "mandate_date", "parent", "owner",
                  "sort_order", "valid_from", "valid_to", "source"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        parents = Body.objects.only("id", "name").order_by("name")
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents
        self.fields["owner"].queryset = Organisation.objects.only("id", "number", "name")


class SeatForm(ServiceModelForm):
    class Meta:
        model = Seat
        fields = ["role", "constituency", "sort_order"]


def _organisation_choices():
    return Organisation.objects.only("id", "number", "name").order_by("name", "id")


class MembershipForm(ServiceModelForm):
    """Edits a term; the person of an appointment never changes (appoint someone new)."""

    class Meta:
        model = Membership
        fields = ["organisation", "valid_from", "valid_to", "decision_ref"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = _organisation_choices()


class MembershipCreateForm(MembershipForm):
    person = forms.ModelChoiceField(
        label=_("Person"), queryset=Person.objects.only("id", "name").order_by("name", "id"),
    )

    class Meta(MembershipForm.Meta):
        fields = ["person", "organisation", "valid_from", "valid_to", "decision_ref"]
