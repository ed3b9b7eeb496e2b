"""Number formats of the common-solutions pages: kroner, rates and shares, localised."""

from decimal import Decimal

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def nok(value) -> str:
    """Whole kroner with thousands separators: "1 234 567 kr" (bokmål), "NOK 1,234,567"."""
    if value is None or value == "":
        return "–"
    return _("NOK %(amount)s") % {
        "amount": number_format(Decimal(value).quantize(Decimal(1)), 0, force_grouping=True)}


@register.filter
def percent(value, decimals: int = 1) -> str:
    """A rate (0.04) as a percentage ("4 %"), trailing zero decimals dropped."""
    if value is None or value == "":
        return "–"
    number = Decimal(value) * 100
    places = 0 if number == number.to_integral() else int(decimals)
    return _("%(number)s%%") % {"number": number_format(number, places)}


@register.filter
def share(value) -> str:
    """A share (0.625) as a whole percentage ("63 %")."""
    if value is None:
        return "–"
    return _("%(number)s%%") % {"number": number_format(round(float(value) * 100), 0)}
