"""Forms render with Designsystemet markup: label, description, error and ARIA in one template."""

from django.forms.renderers import TemplatesSetting


class DesignsystemetFormRenderer(TemplatesSetting):
    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
