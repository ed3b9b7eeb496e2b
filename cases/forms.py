"""Forms of the case pages. Each exposes exactly what its service takes; forms check shape,
``cases.services`` checks meaning (permissions, transitions, open rounds, invitations)."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import (
    BoundedDateTimeField,
    CheckboxList,
    DateInput,
    RadioList,
    SafeModelChoiceField,
    SafeModelMultipleChoiceField,
    ServiceModelForm,
    https_formfield,
)
from register.models import County, Network
from structure.models import Body

from . import selectors
from .models import (
    AgendaItem,
    AnchoringStep,
    Case,
    CaseDocument,
    CaseStatus,
    CaseType,
    ExemptionBasis,
    Input,
    InputRound,
    Meeting,
    Resolution,
    Topic,
)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class ListField(forms.CharField):
    """Comma-separated text ("arkiv, e-helse"); cleans to a list of the non-empty parts."""

    def __init__(self, *, separator: str = ",", **kwargs):
        self.separator = separator
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if value is None or isinstance(value, str):
            return value
        return f"{self.separator} ".join(str(item) for item in value)

    def clean(self, value) -> list[str]:
        text = super().clean(value) or ""
        return [part.strip() for part in text.split(self.separator) if part.strip()]


def body_choices(ids: list[int] | None):
    """Bodies to choose from: those with ``ids`` (None: every body), by name."""
    bodies = Body.objects.only("id", "slug", "name").order_by("name")
    return bodies if ids is None else bodies.filter(pk__in=ids)


def cases_by_number(user, numbers: list[str]) -> tuple[list[Case], list[str]]:
    """The cases ``user`` may see with these numbers ("26/00042"), and the numbers not found."""
    found, missing = [], []
    for number in numbers:
        year, _sep, sequence = number.partition("/")
        case = None
        if year.isdigit() and sequence.isdigit():
            case = (selectors.cases_visible(user)
                    .filter(year=2000 + int(year) % 100, sequence=int(sequence)).first())
        (found.append(case) if case else missing.append(number))
    return found, missing


# --- the list --------------------------------------------------------------------------------

class CaseFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search"}),
                        help_text=_("Words in the title, or a case number such as 26/00042."))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All statuses")), *CaseStatus.choices])
    body = SafeModelChoiceField(label=_("Owning body"), required=False, to_field_name="slug",
                                  empty_label=_("All bodies"), queryset=body_choices(None))
    topic = SafeModelChoiceField(label=_("Topic"), required=False, to_field_name="slug",
                                   empty_label=_("All topics"), queryset=Topic.objects.all())
    case_type = forms.ChoiceField(label=_("Case type"), required=False,
                                  choices=[("", _("All types")), *CaseType.choices])

    def selector_kwargs(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {"q": data["q"], "status": data["status"], "case_type": data["case_type"],
                "body": data["body"].pk if data["body"] else None,
                "topic": data["topic"].slug if data["topic"] else ""}


# --- cases -----------------------------------------------------------------------------------

class CaseForm(ServiceModelForm):
    topics = ListField(label=_("Topics"), max_length=1000,
                       help_text=_("Separate with commas, for example “arkiv, e-helse”. New "
                                   "topics are created."))
    related = ListField(label=_("Related cases"), max_length=1000,
                        help_text=_("Case numbers separated by commas, for example "
                                    "“26/00012, 25/00140”."))

    class Meta:
        model = Case
        fields = ["title", "summary", "case_type", "owner", "exempt", "exemption_basis"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["owner"].queryset = body_choices(selectors.managed_bodies(user))
        self.fields["title"].help_text = _("The title is public even when the case is exempt: "
                                           "write it so that it can be published.")
        self.fields["summary"].help_text = _("The matter, what is asked of the sector, and the "
                                             "background.")
        self.fields["exemption_basis"].help_text = _("Required when the case is exempt.")
        if self.instance and self.instance.pk:
            self.initial.setdefault("topics", [t.name for t in self.instance.topics.all()])
            self.initial.setdefault("related", [c.number for c in self.instance.related.all()])

    def clean_related(self):
        cases, missing = cases_by_number(self.user, self.cleaned_data["related"])
        if missing:
            raise forms.ValidationError(_("No case numbered %(numbers)s.") % {
                "numbers": ", ".join(missing)})
        return cases

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {"data": {name: data[name] for name in self.Meta.fields},
                "topics": data["topics"], "related": data["related"]}


class CaseStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), widget=RadioList)
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Required only when the secretariat overrides the "
                                         "usual order of statuses; kept in the change log."))

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = choices


class CaseFromReportForm(forms.Form):
    """"Make this a case": the body that will own the case raised by a report back."""

    owner = SafeModelChoiceField(label=_("Owning body"), queryset=Body.objects.none(),
                                   empty_label=_("Choose a body"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = body_choices(selectors.managed_bodies(user))


class FollowForm(forms.Form):
    action = forms.ChoiceField(choices=[("follow", "follow"), ("unfollow", "unfollow")])


# --- the anchoring path ----------------------------------------------------------------------

class StepForm(ServiceModelForm):
    class Meta:
        model = AnchoringStep
        fields = ["order", "body", "purpose", "description", "planned_date", "status",
                  "completed_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = body_choices(None)
        self.fields["order"].required = False
        self.fields["order"].help_text = _("Empty: after the last step.")
        self.fields["completed_on"].help_text = _("Empty: today, when the step is done.")

    def service_kwargs(self) -> dict:
        return {"data": {name: self.cleaned_data[name] for name in self.Meta.fields}}


class DocumentForm(forms.Form):
    file = forms.FileField(label=_("File"), help_text=_(
        "PDF, Word, Excel, PowerPoint, OpenDocument, PNG, JPEG, plain text or CSV; at most 20 "
        "MB. The type is read from the file's content."))
    title = forms.CharField(label=_("Title"), max_length=300, required=False,
                            help_text=_("Empty: the file name."))
    exempt = forms.BooleanField(label=_("Exempt from public access"), required=False)
    exemption_basis = forms.ChoiceField(
        label=_("Legal basis for exemption"), required=False,
        choices=[("", "–"), *ExemptionBasis.choices])


class DocumentEditForm(ServiceModelForm):
    class Meta:
        model = CaseDocument
        fields = ["title", "exempt", "exemption_basis"]


# --- input rounds ----------------------------------------------------------------------------

class RoundForm(ServiceModelForm):
    questions = forms.CharField(label=_("Questions"), widget=forms.Textarea(attrs={"rows": 5}),
                                help_text=_("One question a line, in order."))

    class Meta:
        model = InputRound
        fields = ["title", "description", "all_members", "counties", "networks", "bodies",
                  "opens_at", "closes_at", "allow_late", "exempt", "exemption_basis"]
        field_classes = {"counties": SafeModelMultipleChoiceField,
                         "networks": SafeModelMultipleChoiceField,
                         "bodies": SafeModelMultipleChoiceField,
                         "opens_at": BoundedDateTimeField, "closes_at": BoundedDateTimeField}
        widgets = {"description": forms.Textarea(attrs={"rows": 4}),
                   "counties": CheckboxList, "networks": CheckboxList,
                   "opens_at": DateTimeInput, "closes_at": DateTimeInput}

    AUDIENCE = ("counties", "networks", "bodies")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["counties"].queryset = County.objects.current().order_by("number")
        self.fields["networks"].queryset = Network.objects.order_by("name")
        self.fields["bodies"].queryset = body_choices(None)
        self.fields["all_members"].help_text = _("Every member organisation is invited. Leave "
                                                 "unticked to invite the members in the chosen "
                                                 "counties, networks and bodies.")
        if self.instance and self.instance.pk:
            self.initial.setdefault("questions", "\n".join(
                q.text for q in self.instance.questions.all()))
            if self.instance.inputs.exclude(current=None).exists():
                del self.fields["questions"]  # answered questions stay as they were asked

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {"data": {name: data[name] for name in self.Meta.fields
                           if name not in self.AUDIENCE},
                  **{name: list(data[name]) for name in self.AUDIENCE}}
        if "questions" in self.fields:
            kwargs["questions"] = data["questions"].splitlines()
        return kwargs


class InputForm(forms.Form):
    """One organisation's answers to a round's questions (``q-<question id>``), and the
    idempotency key of this rendering: a double click or a retry posts the same key."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args, questions, answers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        answers = answers or {}
        self.fields["idempotency_key"].initial = uuid.uuid4().hex
        for number, question in enumerate(self.questions, start=1):
            self.fields[f"q-{question.pk}"] = forms.CharField(
                label=_("Question %(number)s: %(text)s") % {"number": number,
                                                            "text": question.text},
                required=False, initial=answers.get(str(question.pk), ""),
                widget=forms.Textarea(attrs={"rows": 4}), strip=False)

    def answers(self) -> dict[str, str]:
        return {str(q.pk): self.cleaned_data.get(f"q-{q.pk}", "") for q in self.questions}


def input_label(item) -> str:
    """An input as a choice: the organisation, and the version when there are several."""
    return item.organisation.name


class SynthesisPointForm(forms.Form):
    text = forms.CharField(label=_("Point"), widget=forms.Textarea(attrs={"rows": 3}))
    cited = SafeModelMultipleChoiceField(label=_("Inputs behind the point"), queryset=None,
                                           widget=CheckboxList)

    def __init__(self, *args, round_: InputRound, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cited"].queryset = (round_.inputs.exclude(current=None)
                                         .select_related("organisation")
                                         .order_by("organisation__name"))
        self.fields["cited"].label_from_instance = input_label


class ResolutionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Resolution.Kind.choices, widget=RadioList)
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 6}))
    decided_on = forms.DateField(label=_("Date"), widget=DateInput)
    considered = SafeModelMultipleChoiceField(
        label=_("Inputs considered"), queryset=None, required=False, widget=CheckboxList)
    agenda_item = SafeModelChoiceField(label=_("Agenda item"), queryset=None, required=False,
                                         empty_label=_("Not recorded at a meeting"))
    override_reason = forms.CharField(
        label=_("Reason for deciding before the input rounds have closed"), max_length=500,
        required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed only while an input round of the case is still open."))

    def __init__(self, *args, step: AnchoringStep, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["considered"].queryset = (
            Input.objects.filter(round__step__case_id=step.case_id)
            .exclude(current=None).select_related("organisation", "round")
            .order_by("round__closes_at", "organisation__name"))
        self.fields["considered"].label_from_instance = lambda i: f"{i.organisation.name} " \
                                                               f"({i.round.title})"
        self.fields["agenda_item"].queryset = (AgendaItem.objects.filter(case_id=step.case_id)
                                               .select_related("meeting")
                                               .order_by("-meeting__starts_at", "order"))
        self.fields["agenda_item"].label_from_instance = lambda item: f"{item.meeting.title}, " \
                                                                      f"{item}"

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {"kind": data["kind"], "text": data["text"], "decided_on": data["decided_on"],
                "considered": list(data["considered"]), "agenda_item": data["agenda_item"],
                "override_reason": data["override_reason"]}


# --- meetings --------------------------------------------------------------------------------

class MeetingForm(ServiceModelForm):
    body = SafeModelChoiceField(label=_("Body"), queryset=Body.objects.none(),
                                  empty_label=_("Choose a body"))

    class Meta:
        model = Meeting
        fields = ["title", "starts_at", "ends_at", "place", "video_url", "status",
                  "minutes_approved"]
        widgets = {"starts_at": DateTimeInput, "ends_at": DateTimeInput}
        field_classes = {"starts_at": BoundedDateTimeField, "ends_at": BoundedDateTimeField}
        formfield_callback = https_formfield

    DATA_FIELDS = Meta.fields

    def __init__(self, *args, user, creating: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if creating:
            self.fields["body"].queryset = body_choices(selectors.managed_bodies(user))
            self.order_fields(["body"])
        else:
            del self.fields["body"]

    def service_kwargs(self) -> dict:
        return {"data": {name: self.cleaned_data[name] for name in self.DATA_FIELDS}}


class AgendaItemForm(ServiceModelForm):
    case_number = forms.CharField(label=_("Case number"), max_length=20, required=False,
                                  help_text=_("For example 26/00042. Empty: an item without "
                                              "a case."))
    papers = SafeModelMultipleChoiceField(label=_("Papers"), queryset=None, required=False,
                                            widget=CheckboxList,
                                            help_text=_("Documents of the item's case."))

    class Meta:
        model = AgendaItem
        fields = ["order", "title", "minutes"]
        widgets = {"minutes": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        case_id = self.instance.case_id if self.instance else None
        self.fields["order"].required = False
        self.fields["order"].help_text = _("Empty: after the last item.")
        self.fields["title"].required = False
        self.fields["title"].help_text = _("Empty: the case's title.")
        self.fields["papers"].queryset = CaseDocument.objects.filter(case_id=case_id) \
            .order_by("uploaded_at", "pk")
        if case_id:
            self.initial.setdefault("case_number", self.instance.case.number)
            self.initial.setdefault("papers", list(self.instance.papers.all()))
        else:
            del self.fields["papers"]
        self.order_fields(["order", "case_number", "title", "papers", "minutes"])

    def clean_case_number(self):
        number = self.cleaned_data["case_number"].strip()
        if not number:
            return None
        cases, missing = cases_by_number(self.user, [number])
        if missing:
            raise forms.ValidationError(_("No case numbered %(numbers)s.") % {"numbers": number})
        return cases[0]

    def clean(self):
        data = super().clean()
        if not data.get("title") and not data.get("case_number") and not self.errors:
            self.add_error("title", _("Give the item a title or a case."))
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        case = data["case_number"]
        kwargs = {"data": {"order": data["order"], "title": data["title"], "case": case,
                           "minutes": data["minutes"]}}
        if "papers" in self.fields:
            same_case = case is not None and case.pk == self.instance.case_id
            kwargs["papers"] = list(data["papers"]) if same_case else []
        return kwargs


class MeetingFilterForm(forms.Form):
    body = SafeModelChoiceField(label=_("Body"), required=False, to_field_name="slug",
                                  empty_label=_("All bodies"), queryset=body_choices(None))
    when = forms.ChoiceField(label=_("When"), required=False, choices=[
        ("", _("Upcoming")), ("past", _("Past")), ("all", _("All meetings"))])
