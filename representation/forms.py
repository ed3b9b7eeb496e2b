"""Forms of the representation pages. Each exposes exactly what its service takes; forms check
shape, the services check meaning (permissions, open vacancies, affiliations, overlaps)."""

from __future__ import annotations

from django import forms
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from core.forms import CheckboxList, DateInput, RadioList, ServiceModelForm
from register.models import Affiliation, County, Organisation
from structure.models import Body, Membership

from .models import (
    Gender,
    ReportingSchedule,
    RepresentativityRule,
    RuleKind,
    Vacancy,
)


class CompetencesField(forms.CharField):
    """Competences as comma-separated text ("arkitektur, e-helse"); cleans to a list of names.
    New names become competences in the service (``competences_named``)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("Separate with commas, for example “arkitektur, "
                                         "e-helse”."))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if value is None or isinstance(value, str):
            return value
        return ", ".join(str(item) for item in value)

    def clean(self, value) -> list[str]:
        text = super().clean(value) or ""
        return [part.strip() for part in text.split(",") if part.strip()]


def seat_label(seat) -> str:
    """"Member (Vestlandet) – now Kari Berg, until 31.12.2027" (with the current holders
    prefetched as ``current``)."""
    label = seat.get_role_display() + (f" ({seat.constituency})" if seat.constituency else "")
    for membership in getattr(seat, "current", []):
        holder = _("now %(person)s") % {"person": membership.person.name}
        if membership.valid_to:
            holder += ", " + _("until %(date)s") % {
                "date": date_format(membership.valid_to, "SHORT_DATE_FORMAT")}
        label += f" – {holder}"
    return label


def seats_with_holders(seats):
    """Seats with their current holders (``current``), for seat choices: two queries."""
    current = Membership.objects.current().select_related("person")
    return seats.prefetch_related(
        Prefetch("memberships", queryset=current, to_attr="current")).order_by(
        "sort_order", "id")


# --- vacancies -------------------------------------------------------------------------------

class VacancyForm(ServiceModelForm):
    required_competences = CompetencesField(label=_("Required competences"))
    desired_competences = CompetencesField(label=_("Desired competences"))

    class Meta:
        model = Vacancy
        fields = ["title", "description", "seats", "term_start", "term_end", "deadline",
                  "required_competences", "desired_competences"]
        widgets = {"seats": CheckboxList, "description": forms.Textarea(attrs={"rows": 4})}

    DATA_FIELDS = ("title", "description", "term_start", "term_end", "deadline")

    def __init__(self, *args, body: Body, **kwargs):
        super().__init__(*args, **kwargs)
        seats = self.fields["seats"]
        seats.queryset = seats_with_holders(body.seats.all())
        seats.label_from_instance = seat_label
        seats.help_text = _("The seats of %(body)s to fill.") % {"body": body.name}
        self.fields["title"].label = _("Name of the vacancy")
        self.fields["deadline"].help_text = _("Nominations are accepted up to and including "
                                              "this day.")

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {"data": {name: data[name] for name in self.DATA_FIELDS},
                "seats": list(data["seats"]),
                "required_competences": data["required_competences"],
                "desired_competences": data["desired_competences"]}


class BodyChoiceForm(forms.Form):
    """Step one of announcing a vacancy: which body (its seats come next)."""

    body = forms.ModelChoiceField(label=_("Body"), to_field_name="slug",
                                  queryset=Body.objects.only("id", "slug", "name")
                                  .order_by("name"))


class RegisterFilterForm(forms.Form):
    body = forms.ModelChoiceField(label=_("Body"), required=False, to_field_name="slug",
                                  empty_label=_("All bodies"),
                                  queryset=Body.objects.only("id", "slug", "name")
                                  .order_by("name"))
    date = forms.DateField(label=_("Date"), required=False, widget=DateInput,
                           help_text=_("Who held the seats on this day. Empty: today."))


class VacancyFilterForm(forms.Form):
    ALL = "all"
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[
        *Vacancy._meta.get_field("status").choices, (ALL, _("All vacancies"))])

    def status_filter(self) -> str:
        """The status to show: open vacancies unless another (or all) is asked for."""
        return (self.cleaned_data.get("status") if self.is_valid() else "") or "open"


# --- nominations -----------------------------------------------------------------------------

class OrganisationChoiceForm(forms.Form):
    """Step one of a nomination: which of the user's organisations nominates."""

    organisation = forms.ModelChoiceField(label=_("Nominating organisation"), queryset=None,
                                          empty_label=_("Choose an organisation"))

    def __init__(self, *args, organisations, label=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        if label:
            self.fields["organisation"].label = label


def affiliated_people(organisation: Organisation):
    """People acting for the organisation today: the only people it may nominate."""
    return (Affiliation.objects.current().filter(organisation=organisation)
            .select_related("person").order_by("person__name", "person_id"))


class NominationForm(forms.Form):
    person = forms.TypedChoiceField(label=_("Person"), coerce=int)
    motivation = forms.CharField(label=_("Motivation"), widget=forms.Textarea(attrs={"rows": 4}),
                                 help_text=_("Why this person, and what they bring to the "
                                             "body."))
    competences = CompetencesField(label=_("Competences"))
    consent = forms.BooleanField(label=_("The person has agreed to be nominated"),
                                 help_text=_("Nominate only people who have agreed: their name "
                                             "is kept with the nomination."))

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {a.person_id: a.person for a in affiliated_people(organisation)}
        self.fields["person"].choices = [("", _("Choose a person"))] + [
            (pk, person.name) for pk, person in self.people.items()]
        self.fields["person"].help_text = _("People registered as acting for %(org)s.") % {
            "org": organisation.name}

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {"person": self.people[data["person"]], "motivation": data["motivation"],
                "competences": data["competences"], "consent": data["consent"]}


# --- rules -----------------------------------------------------------------------------------

SEAT_BOUNDS = ["role", "minimum", "maximum"]
KIND_FIELDS = {
    RuleKind.COUNTY_SEATS: ["name", "counties", *SEAT_BOUNDS],
    RuleKind.KIND_SEATS: ["organisation_kind", *SEAT_BOUNDS],
    RuleKind.SIZE_CLASS_SEATS: ["name", "population_from", "population_to", *SEAT_BOUNDS],
    RuleKind.NETWORK: ["preferred"],
    RuleKind.ONE_PER_ORGANISATION: [],
    RuleKind.MAX_LOAD: ["limit"],
    RuleKind.COMPETENCES: ["competences"],
    RuleKind.CONTINUITY: ["limit"],
    RuleKind.GENDER_BALANCE: [],
}
LIMIT_LABELS = {
    RuleKind.MAX_LOAD: (_("Most appointments per person"),
                        _("Counting this one and the person's other current appointments.")),
    RuleKind.CONTINUITY: (_("Incumbents to keep, at least"),
                          _("People holding one of the seats now who must be re-appointed.")),
}


class KindChoiceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of rule"), choices=RuleKind.choices,
                             widget=RadioList)


class RuleForm(ServiceModelForm):
    """The fields of one kind of rule (``KIND_FIELDS``), its explanation and, when editing,
    whether it is active. The kind itself never changes: add a new rule instead."""

    competences = CompetencesField(label=_("Competences"),
                                   help_text=_("The slate must cover each of these. Separate "
                                               "with commas."))

    class Meta:
        model = RepresentativityRule
        fields = ["name", "counties", "organisation_kind", "population_from", "population_to",
                  "role", "minimum", "maximum", "limit", "competences", "preferred",
                  "explanation", "active"]
        widgets = {"counties": CheckboxList,
                   "explanation": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, kind: str, editing: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = RuleKind(kind)
        keep = {*KIND_FIELDS[self.kind], "explanation"} | ({"active"} if editing else set())
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        if "counties" in self.fields:
            self.fields["counties"].queryset = County.objects.current().order_by("number")
            self.fields["counties"].label_from_instance = lambda c: f"{c.number} {c.name}"
        if "role" in self.fields:
            self.fields["role"].choices = [("", _("Members and deputies together")),
                                           ("member", _("Members only")),
                                           ("deputy", _("Deputies only"))]
            self.fields["role"].help_text = ""
        if "organisation_kind" in self.fields:
            self.fields["organisation_kind"].required = True
        if self.kind in LIMIT_LABELS:
            self.fields["limit"].label, self.fields["limit"].help_text = LIMIT_LABELS[self.kind]
            self.fields["limit"].required = True
        self.fields["explanation"].required = True

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        fields = {name: data[name] for name in self.fields
                  if name not in {"counties", "competences"}}
        kwargs = {"data": fields}
        if "counties" in self.fields:
            kwargs["counties"] = list(data["counties"])
        if "competences" in self.fields:
            kwargs["competences"] = data["competences"]
        return kwargs


# --- the optimiser ---------------------------------------------------------------------------

FREE, ANY_ROLE, EXCLUDE = "", "any", "exclude"
LOCK_CHOICES = [(FREE, _("Free choice")), ("member", _("Lock as member")),
                ("deputy", _("Lock as deputy")), (ANY_ROLE, _("Lock, either role")),
                (EXCLUDE, _("Exclude"))]
GENDER_CHOICES = [("", _("Not recorded")), *Gender.choices]


class CandidateChoicesForm(forms.Form):
    """One select per candidate (``c-<key>``): free, locked to a role, or excluded."""

    def __init__(self, *args, candidates, roles, initial_locked=None, initial_excluded=(),
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = list(candidates)
        choices = [(value, label) for value, label in LOCK_CHOICES
                   if value not in {"member", "deputy"} or value in roles]
        locked, excluded = dict(initial_locked or {}), set(initial_excluded)
        for candidate in self.candidates:
            if candidate.key in excluded:
                value = EXCLUDE
            elif candidate.key in locked:
                value = locked[candidate.key] or ANY_ROLE
            else:
                value = FREE
            self.fields[f"c-{candidate.key}"] = forms.ChoiceField(
                label=candidate.name, choices=choices, required=False, initial=value,
                widget=forms.Select(attrs={"form": "run-form"}))

    def locks(self) -> tuple[dict, list]:
        locked, excluded = {}, []
        for candidate in self.candidates:
            value = self.cleaned_data.get(f"c-{candidate.key}") or FREE
            if value == EXCLUDE:
                excluded.append(candidate.key)
            elif value != FREE:
                locked[candidate.key] = None if value == ANY_ROLE else value
        return locked, excluded


class GenderForm(forms.Form):
    """Recorded gender per candidate (``g-<key>``), for the § 28 rule only."""

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = list(candidates)
        for candidate in self.candidates:
            self.fields[f"g-{candidate.key}"] = forms.ChoiceField(
                label=candidate.name, choices=GENDER_CHOICES, required=False,
                initial=candidate.gender, widget=forms.Select(attrs={"form": "gender-form"}))

    def changes(self) -> list[tuple[int, str]]:
        """(person id, new gender) for each candidate whose recorded gender changed."""
        return [(int(c.key[1:]), self.cleaned_data[f"g-{c.key}"]) for c in self.candidates
                if self.cleaned_data.get(f"g-{c.key}", "") != c.gender]


# --- appointments ----------------------------------------------------------------------------

def candidate_value(person_id: int, organisation_id: int | None) -> str:
    return f"{person_id}:{organisation_id or 0}"


class AppointmentForm(forms.Form):
    """Who (a candidate: person and the organisation they represent), which seat, and KS'
    decision. ``candidates`` are (value, label, group) from the view: the vacancy's nominees,
    the seats' incumbents and, when chosen, the people of one more organisation."""

    candidate = forms.ChoiceField(label=_("Person"))
    seat = forms.TypedChoiceField(label=_("Seat"), coerce=int)
    decision_ref = forms.CharField(label=_("Decision reference"), max_length=200,
                                   help_text=_("For example the case number of KS' decision."))
    decision_date = forms.DateField(label=_("Decision date"), widget=DateInput)
    decided_by = forms.ModelChoiceField(label=_("Decided by"), required=False,
                                        empty_label=_("Not recorded"),
                                        queryset=Body.objects.only("id", "name")
                                        .order_by("name"))
    valid_from = forms.DateField(label=_("Term starts"), widget=DateInput)
    valid_to = forms.DateField(label=_("Term ends"), widget=DateInput, required=False)
    reporting = forms.ChoiceField(label=_("Reports back"), choices=ReportingSchedule.choices)
    report_every_months = forms.IntegerField(
        label=_("Every N months"), min_value=1, max_value=60, initial=6,
        help_text=_("Used when the representative reports every N months."))

    def __init__(self, *args, candidates, seats, **kwargs):
        super().__init__(*args, **kwargs)
        groups: dict[str, list] = {}
        for value, label, group in candidates:
            groups.setdefault(str(group), []).append((value, label))
        self.fields["candidate"].choices = [("", _("Choose a person")), *groups.items()]
        self.seats = {seat.pk: seat for seat in seats}
        self.fields["seat"].choices = [(pk, seat_label(seat)) for pk, seat in self.seats.items()]

    def clean_candidate(self) -> tuple[int, int | None]:
        person, _sep, organisation = self.cleaned_data["candidate"].partition(":")
        return int(person), int(organisation) or None

    def clean(self):
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", _("The term cannot end before it starts."))
        return data


class EndAppointmentForm(forms.Form):
    end_date = forms.DateField(label=_("Last day of the term"), widget=DateInput)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False,
                             help_text=_("For example “resigned” or “left the organisation”."))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"end_date": timezone.localdate()})
        super().__init__(*args, **kwargs)


class RenewAppointmentForm(forms.Form):
    decision_ref = AppointmentForm.base_fields["decision_ref"]
    decision_date = AppointmentForm.base_fields["decision_date"]
    decided_by = AppointmentForm.base_fields["decided_by"]
    valid_to = forms.DateField(label=_("New term ends"), widget=DateInput, required=False)


def current_organisations(ids=None):
    """Current organisations, for choosing one; ``ids`` restricts them (None: every one)."""
    organisations = Organisation.objects.current().only("id", "name", "number", "kind")
    if ids is not None:
        organisations = organisations.filter(pk__in=list(ids))
    return organisations.order_by("name", "id")

