"""Common solutions (felleløsninger): the catalogue, adoption by members, and benefit models.

Adoption is kept in business time: one ``Adoption`` row per status period of an organisation
and a solution (``valid_from`` the day the status began, ``valid_to`` the day before the next
status began, empty for the current one). "Where was Bergen with SvarUt on 1 March 2016" is a
query (``valid_on_q``), not a rebuild of the change log; the change log (django-simple-history)
additionally keeps who recorded what when, so corrections of the past are visible too.

Business rules live in ``solutions.services``; this module holds fields, constraints and cheap
properties only.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import PlainTextModel, ValidityPeriod, validity_check
from register.models import Organisation, Person
from structure.models import Body


class SolutionKind(models.TextChoices):
    SERVICE = "service", _("Service")
    COMPONENT = "component", _("Component")
    STANDARD = "standard", _("Standard")
    NATIONAL_COMPONENT = "national_component", _("National component")


class Lifecycle(models.TextChoices):
    PLANNED = "planned", _("Planned")
    PILOT = "pilot", _("Pilot")
    PRODUCTION = "production", _("In production")
    RETIRING = "retiring", _("Being retired")
    RETIRED = "retired", _("Retired")


class Solution(PlainTextModel):
    """A common solution or component offered to the members (e.g. SvarUt on the Fiks platform)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=24, choices=SolutionKind.choices)
    lifecycle = models.CharField(_("lifecycle"), max_length=16, choices=Lifecycle.choices,
                                 default=Lifecycle.PRODUCTION, blank=True,
                                 help_text=_("Empty when the source does not say."))
    provider = models.ForeignKey(Organisation, verbose_name=_("provider"), null=True,
                                 blank=True, on_delete=models.PROTECT,
                                 related_name="provided_solutions")
    description = models.TextField(_("description"), blank=True)
    interfaces = models.CharField(_("interfaces"), max_length=300, blank=True,
                                  help_text=_("How members use it, e.g. web portal, "
                                              "machine-to-machine."))
    user_council = models.ForeignKey(Body, verbose_name=_("user council"), null=True,
                                     blank=True, on_delete=models.PROTECT,
                                     related_name="solutions")
    depends_on = models.ManyToManyField("self", symmetrical=False, blank=True,
                                        related_name="dependants",
                                        verbose_name=_("depends on"))
    replaces = models.ManyToManyField("self", symmetrical=False, blank=True,
                                      related_name="replaced_by", verbose_name=_("replaces"))
    note = models.TextField(_("note"), blank=True)
    source = models.CharField(_("source of data"), max_length=500, blank=True)

    history = HistoricalRecords(m2m_fields=[depends_on, replaces])

    class Meta:
        verbose_name = _("common solution")
        verbose_name_plural = _("common solutions")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("solutions:solution_detail", args=[self.slug])


class SolutionLink(PlainTextModel):
    """A link about a solution: documentation, status page, sign-up."""

    solution = models.ForeignKey(Solution, on_delete=models.CASCADE, related_name="links")
    title = models.CharField(_("title"), max_length=200)
    url = models.URLField(_("address"), max_length=500)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("link")
        verbose_name_plural = _("links")
        ordering = ["title", "pk"]

    def __str__(self):
        return self.title


class AdoptionStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    PLANNED = "planned", _("Planned")
    IMPLEMENTING = "implementing", _("Implementing")
    PRODUCTION = "production", _("In production")
    DISCONTINUED = "discontinued", _("Discontinued")


class Adoption(ValidityPeriod, PlainTextModel):
    """One status period of an organisation's adoption of a solution.

    Invariants (database constraints): a period has a start and does not end before it starts;
    one period per (solution, organisation) starts on a given day; at most one is open-ended
    (the current status). Periods of a pair never overlap: ``services.record_adoption`` closes
    the current period the day before the next begins. No period means *not started*.
    """

    solution = models.ForeignKey(Solution, on_delete=models.CASCADE, related_name="adoptions")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                     related_name="adoptions")
    status = models.CharField(_("status"), max_length=16, choices=AdoptionStatus.choices)
    contact = models.ForeignKey(Person, verbose_name=_("contact person"), null=True,
                                blank=True, on_delete=models.SET_NULL, related_name="+")
    contact_role = models.CharField(
        _("contact role"), max_length=200, blank=True,
        help_text=_("Public: the role others can ask, e.g. “archive manager”."))
    note = models.TextField(_("note"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("adoption")
        verbose_name_plural = _("adoptions")
        ordering = ["solution_id", "organisation_id", "valid_from"]  # no joins to order
        constraints = [
            models.CheckConstraint(condition=Q(valid_from__isnull=False),
                                   name="adoption_has_start"),
            validity_check("adoption_valid_period"),
            models.UniqueConstraint(fields=["solution", "organisation", "valid_from"],
                                    name="adoption_unique_start"),
            models.UniqueConstraint(fields=["solution", "organisation"],
                                    condition=Q(valid_to__isnull=True),
                                    name="adoption_one_current"),
        ]
        indexes = [
            models.Index(fields=["solution", "valid_from"], name="adoption_solution_from"),
            # Counting members in production: per solution (the catalogue, curves) and per
            # group of members (a member's peers), each without reading the table.
            models.Index(fields=["status", "solution", "organisation", "valid_from", "valid_to"],
                         name="adoption_status_covering"),
            models.Index(fields=["status", "organisation", "solution", "valid_from", "valid_to"],
                         name="adoption_status_org_covering"),
            models.Index(fields=["organisation", "solution"], name="adoption_org_solution"),
        ]

    def __str__(self):
        return f"{self.organisation} – {self.solution}: {self.get_status_display()}"


class ActorType(models.TextChoices):
    MUNICIPALITY = "municipality", _("Municipalities")
    COUNTY_MUNICIPALITY = "county_municipality", _("County municipalities")
    STATE = "state", _("The state")
    INHABITANTS = "inhabitants", _("Inhabitants and businesses")


class Driver(models.TextChoices):
    FIXED = "fixed", _("Fixed amount a year")
    PER_MEMBER = "per_member", _("Per adopting member")
    PER_INHABITANT = "per_inhabitant", _("Per inhabitant")
    PER_SHIPMENT = "per_shipment", _("Per shipment")
    PER_CASE = "per_case", _("Per case")


class QuantitySource(models.TextChoices):
    """Where a unit driver's yearly quantity comes from."""

    NONE = "", _("None (fixed amount)")
    REGISTER = "register", _("The register (population, number of members)")
    STATED = "stated", _("Stated yearly quantity for the whole sector")


class BenefitModel(PlainTextModel):
    """The benefit model of a solution: its cost and gain items and how they are discounted."""

    solution = models.OneToOneField(Solution, on_delete=models.CASCADE,
                                    related_name="benefit_model")
    discount_rate = models.DecimalField(
        _("real discount rate"), max_digits=5, decimal_places=4, default="0.0400",
        help_text=_("Default 4 %, as in the Ministry of Finance's circular R-109/2021."))
    base_year = models.PositiveSmallIntegerField(
        _("base year"), help_text=_("Cash flows are discounted to this year."))
    description = models.TextField(_("assumptions"), blank=True)
    source = models.CharField(_("source"), max_length=500, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("benefit model")
        verbose_name_plural = _("benefit models")
        constraints = [
            models.CheckConstraint(condition=Q(discount_rate__gte=0) & Q(discount_rate__lt=1),
                                   name="benefit_model_rate_range"),
            models.CheckConstraint(condition=Q(base_year__gte=1900) & Q(base_year__lte=2200),
                                   name="benefit_model_base_year_range"),
        ]

    def __str__(self):
        return str(self.solution)


class BenefitItem(PlainTextModel):
    """A cost or a gain for one actor type over a range of years.

    The yearly amount is ``amount`` (fixed) or ``amount`` × the yearly quantity of the driver
    (from the register, or ``quantity`` as stated for the whole sector). ``amount_low`` and
    ``amount_high`` bound the estimate for the sensitivity analysis; empty means "as expected".
    """

    class Direction(models.TextChoices):
        COST = "cost", _("Cost")
        GAIN = "gain", _("Gain")

    model = models.ForeignKey(BenefitModel, on_delete=models.CASCADE, related_name="items")
    title = models.CharField(_("title"), max_length=200)
    direction = models.CharField(_("cost or gain"), max_length=4, choices=Direction.choices)
    actor_type = models.CharField(_("actor"), max_length=24, choices=ActorType.choices)
    first_year = models.PositiveSmallIntegerField(_("first year"))
    last_year = models.PositiveSmallIntegerField(_("last year"))
    driver = models.CharField(_("driver"), max_length=16, choices=Driver.choices,
                              default=Driver.FIXED)
    amount = models.DecimalField(_("amount (NOK)"), max_digits=16, decimal_places=2,
                                 help_text=_("A year's amount, or the amount per unit."))
    amount_low = models.DecimalField(_("low amount (NOK)"), max_digits=16, decimal_places=2,
                                     null=True, blank=True)
    amount_high = models.DecimalField(_("high amount (NOK)"), max_digits=16,
                                      decimal_places=2, null=True, blank=True)
    quantity_source = models.CharField(_("quantity source"), max_length=8, blank=True,
                                       choices=QuantitySource.choices)
    quantity = models.DecimalField(_("stated yearly quantity"), max_digits=16,
                                   decimal_places=2, null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("benefit item")
        verbose_name_plural = _("benefit items")
        ordering = ["direction", "actor_type", "first_year", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(last_year__gte=models.F("first_year")),
                                   name="benefit_item_years"),
            models.CheckConstraint(condition=Q(first_year__gte=1900) & Q(last_year__lte=2200),
                                   name="benefit_item_year_range"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="benefit_item_amount"),
            models.CheckConstraint(
                condition=(Q(driver="fixed", quantity_source="")
                           | (~Q(driver="fixed") & ~Q(quantity_source=""))),
                name="benefit_item_quantity_source"),
            models.CheckConstraint(
                condition=~Q(quantity_source="stated") | Q(quantity__isnull=False),
                name="benefit_item_stated_quantity"),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        errors = {}
        if self.driver == Driver.FIXED and self.quantity_source:
            errors["quantity_source"] = _("A fixed amount has no quantity source.")
        if self.driver != Driver.FIXED and not self.quantity_source:
            errors["quantity_source"] = _("Choose where the driver's quantity comes from.")
        if (self.driver in (Driver.PER_SHIPMENT, Driver.PER_CASE)
                and self.quantity_source == QuantitySource.REGISTER):
            errors["quantity_source"] = _("The register does not count shipments or cases: "
                                          "state the yearly quantity.")
        if self.quantity_source == QuantitySource.STATED and self.quantity is None:
            errors["quantity"] = _("State the yearly quantity for the whole sector.")
        if self.amount is not None:
            if self.amount_low is not None and self.amount_low > self.amount:
                errors["amount_low"] = _("The low amount cannot exceed the expected amount.")
            if self.amount_high is not None and self.amount_high < self.amount:
                errors["amount_high"] = _("The high amount cannot be below the expected "
                                          "amount.")
        if (self.first_year is not None and self.last_year is not None
                and self.last_year < self.first_year):
            errors["last_year"] = _("The last year cannot come before the first year.")
        if errors:
            raise ValidationError(errors)
