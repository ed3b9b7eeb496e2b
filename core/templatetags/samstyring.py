"""Template helpers for the public pages: Designsystemet form widgets, navigation, sources."""

import re

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

register = template.Library()

# Which main-navigation section each page (url name) belongs to.
SECTIONS = {
    "home": "home",
    "organisation_list": "organisations", "organisation_detail": "organisations",
    "person_detail": "organisations",
    "county_list": "counties", "county_detail": "counties",
    "network_list": "networks", "network_detail": "networks",
    "body_list": "bodies", "body_detail": "bodies",
}


@register.simple_tag(takes_context=True)
def nav_section(context) -> str:
    match = getattr(context.get("request"), "resolver_match", None)
    return SECTIONS.get(getattr(match, "url_name", ""), "")


@register.filter
def ds_widget(bound_field):
    """Render a form field's widget with Designsystemet classes and its error ARIA."""
    attrs = {"class": "ds-input"}
    if bound_field.errors:
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = f"{bound_field.auto_id}-error"
    return bound_field.as_widget(attrs=attrs)


@register.filter
def split_sources(value) -> list[str]:
    """A source field holding several entries separated by ';' as a list."""
    return [part.strip() for part in str(value or "").split(";") if part.strip()]


@register.filter
def is_web_address(value) -> bool:
    return str(value).startswith(("https://", "http://"))


_COMPOUND_JOINTS = re.compile(r"(?<=[a-zæøå]{5})(ings|sjons|jons)(?=[a-zæøå]{4})")


@register.filter
def soft_hyphenate(value) -> str:
    """Allow long Norwegian compounds (Digitaliseringsutvalget) to break at their joint.

    Inserts a soft hyphen after the linking -ings/-sjons of words of 14 letters or more; the
    text is escaped first, so the result is safe.
    """
    def hyphenate(match):
        word = match.group(0)
        return _COMPOUND_JOINTS.sub(lambda m: m.group(1) + "\u00ad", word, count=1)

    return mark_safe(re.sub(r"\w{14,}", hyphenate, str(conditional_escape(value))))  # noqa: S308
