"""Forms render with Designsystemet markup: label, description, error and ARIA in one template.

Edit forms only check shape; services check meaning. ``ServiceModelForm`` validates a *copy* of
the instance, so the object a view hands to a service is untouched until the service writes it,
and ``call_service`` maps a service's ValidationError back onto the form's fields.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting
from django.utils.translation import gettext as _

INPUT_CLASSES = {
    forms.Select: "ds-input ds-select",
    forms.SelectMultiple: "ds-input ds-select",
    forms.Textarea: "ds-input ds-textarea",
}


class DesignsystemetBoundField(BoundField):
    """Adds the ds-input class, aria-invalid and aria-describedby (hint and error) to widgets."""

    @property
    def helptext_id(self) -> str:
        return f"{self.auto_id}_helptext"

    @property
    def error_id(self) -> str:
        return f"{self.auto_id}_error"

    @property
    def describedby(self) -> str:
        ids = []
        if self.help_text and self.auto_id:
            ids.append(self.helptext_id)
        if self.errors and self.auto_id:
            ids.append(self.error_id)
        return " ".join(ids)

    @property
    def aria_describedby(self):
        return self.describedby or None

    def build_widget_attrs(self, attrs, widget=None):
        widget = widget or self.field.widget
        attrs = super().build_widget_attrs(attrs, widget)
        if widget.is_hidden:
            return attrs
        css = next((c for cls, c in INPUT_CLASSES.items() if isinstance(widget, cls)), "ds-input")
        existing = widget.attrs.get("class", "")
        attrs["class"] = f"{existing} {css}".strip()
        if self.describedby and not self.use_fieldset:
            attrs["aria-describedby"] = self.describedby
        return attrs


class DesignsystemetFormRenderer(TemplatesSetting):
    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
    bound_field_class = DesignsystemetBoundField


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def https_formfield(db_field, **kwargs):
    """A ModelForm ``formfield_callback``: URL fields assume https (Django 6's default)."""
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class ServiceModelForm(forms.ModelForm):
    """A ModelForm whose fields are a service's allowed fields and that never saves itself."""

    def __init__(self, *args, instance=None, **kwargs):
        # Validate a copy: the caller's object keeps its stored values for the service to compare.
        super().__init__(*args, instance=copy.copy(instance) if instance else None, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateField):
                field.widget = DateInput(attrs=field.widget.attrs)

    def save(self, commit=True):
        raise NotImplementedError("Edit forms never save: pass cleaned_data to a service.")


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the field it names, else on the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for name, errors in exc.error_dict.items():
        messages = [m for e in errors for m in e.messages]
        form.add_error(name if name in form.fields else None, messages)


def call_service(form: forms.BaseForm, service: Callable[..., Any], **kwargs) -> bool:
    """Call ``service``; on a ValidationError show it on ``form`` and return False."""
    try:
        service(**kwargs)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return False
    return True


class CheckboxList(forms.CheckboxSelectMultiple):
    """Checkboxes in Designsystemet markup: one ``ds-field`` per option, label after input."""

    template_name = "representation/forms/choice_list.html"
    option_template_name = "representation/forms/choice_option.html"


class RadioList(forms.RadioSelect):
    template_name = CheckboxList.template_name
    option_template_name = CheckboxList.option_template_name


MAX_ID = 2**63 - 1  # the largest key any supported database stores (as core.api.MAX_ID)


def _refuse_impossible_ids(field, values) -> None:
    """An id no database integer can hold makes SQLite raise OverflowError inside the query:
    refuse it as an invalid choice first, as Django does for a non-number."""
    if getattr(field, "to_field_name", None):
        return
    for value in values:
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            continue  # Django's own check names it
        if not -MAX_ID <= number <= MAX_ID:
            raise ValidationError(field.error_messages["invalid_pk_value"] if hasattr(
                field, "_check_values") else field.error_messages["invalid_choice"],
                code="invalid_pk_value", params={"pk": value})


class SafeModelChoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values:
            _refuse_impossible_ids(self, [value])
        return super().to_python(value)


class SafeModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        _refuse_impossible_ids(self, value)
        return super()._check_values(value)


class BoundedDateTimeField(forms.DateTimeField):
    """A moment between 1900 and 2199 (as the API's): a local time in year 1 or 9999 cannot be
    turned into UTC or stored by PostgreSQL, and is never meant."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is not None and not 1900 <= moment.year <= 2199:
            raise ValidationError(_("Give a time between the years 1900 and 2199."),
                                  code="out_of_range")
        return moment
