"""The register: member organisations, counties, regional networks, people and affiliations."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from stdnum.no import orgnr

from core.models import ValidityPeriod, ValidityQuerySet, validity_check


def validate_org_number(value: str) -> None:
    """Norwegian organisation number: nine digits with a modulus-11 check digit."""
    if value and not orgnr.is_valid(value):
        raise ValidationError(
            _("%(value)s is not a valid organisation number (nine digits, mod-11 check digit)."),
            code="invalid_org_number",
            params={"value": value},
        )


class County(ValidityPeriod):
    """A county (fylke). Invariant: the two-digit number is unique among counties."""

    number = models.CharField(_("county number"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=100)
    note = models.TextField(_("note"), blank=True)
    source = models.CharField(_("source"), max_length=500, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("county")
        verbose_name_plural = _("counties")
        ordering = ["number"]
        constraints = [validity_check("county_valid_period")]

    def __str__(self):
        return f"{self.number} {self.short_name}"

    def get_absolute_url(self):
        return reverse("register:county_detail", args=[self.number])


class OrganisationKind(models.TextChoices):
    MUNICIPALITY = "municipality", _("Municipality")
    COUNTY_MUNICIPALITY = "county_municipality", _("County municipality")
    KS = "ks", _("KS")
    STATE_AGENCY = "state_agency", _("State agency")
    VENDOR = "vendor", _("Vendor")
    OTHER = "other", _("Other")


MEMBER_KINDS = (OrganisationKind.MUNICIPALITY, OrganisationKind.COUNTY_MUNICIPALITY)


class OrganisationQuerySet(ValidityQuerySet):
    def members(self):
        return self.filter(kind__in=MEMBER_KINDS)


class Organisation(ValidityPeriod):
    """An organisation: a member (municipality, county municipality) or another actor.

    Invariants: (kind, number) is unique among rows with a number and the same start date, so
    a renumbered or re-established municipality is a new period, not a clash; the organisation
    number passes the mod-11 check and is unique per kind; an empty organisation number or
    population means *unknown*, never zero. Mergers and splits are expressed by validity
    periods and predecessor links, never by deleting rows.
    """

    kind = models.CharField(_("kind"), max_length=32, choices=OrganisationKind.choices)
    number = models.CharField(
        _("number"), max_length=4, blank=True,
        help_text=_("Municipality number (four digits) or county number (two digits)."),
    )
    name = models.CharField(
        _("name"), max_length=200,
        help_text=_("Official name as Statistics Norway writes it, with parallel Sami or "
                    "Kven names separated by ' - '."),
    )
    county = models.ForeignKey(
        County, verbose_name=_("county"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="organisations",
    )
    org_number = models.CharField(
        _("organisation number"), max_length=9, blank=True, validators=[validate_org_number]
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    population_date = models.DateField(_("population as of"), null=True, blank=True)
    website = models.URLField(_("website"), blank=True)
    predecessors = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="successors",
        verbose_name=_("predecessors"),
    )
    source = models.CharField(_("source of data"), max_length=500, blank=True)

    history = HistoricalRecords(m2m_fields=[predecessors])
    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["kind", "number", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "number", "valid_from"],
                condition=~Q(number=""),
                name="organisation_unique_number_period",
            ),
            models.UniqueConstraint(  # NULL start dates are distinct in SQL: a second rule
                fields=["kind", "number"],
                condition=~Q(number="") & Q(valid_from__isnull=True),
                name="organisation_unique_number_open_start",
            ),
            models.UniqueConstraint(
                fields=["kind", "org_number"],
                condition=~Q(org_number=""),
                name="organisation_unique_org_number",
            ),
            models.CheckConstraint(
                condition=Q(org_number="") | Q(org_number__regex=r"^[0-9]{9}$"),
                name="organisation_org_number_digits",
            ),
            validity_check("organisation_valid_period"),
        ]
        indexes = [models.Index(fields=["name"]), models.Index(fields=["org_number"])]

    def __str__(self):
        return f"{self.number} {self.name}" if self.number else self.name

    def get_absolute_url(self):
        return reverse("register:organisation_detail", args=[self.pk])

    @property
    def is_member(self) -> bool:
        return self.kind in MEMBER_KINDS

    @property
    def name_variants(self) -> list[str]:
        """The official name's parallel forms (Norwegian, Sami, Kven), as SSB lists them."""
        return [part.strip() for part in self.name.split(" - ") if part.strip()]


class Network(ValidityPeriod):
    """A regional digitalisation network (regionalt digitaliseringsnettverk)."""

    class Certainty(models.TextChoices):
        HIGH = "high", _("High")
        MEDIUM = "medium", _("Medium")
        LOW = "low", _("Low")

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    scope = models.TextField(_("scope"), blank=True)
    counties = models.ManyToManyField(County, verbose_name=_("counties"), blank=True,
                                      related_name="networks")
    stated_member_count = models.PositiveIntegerField(
        _("member count stated by the source"), null=True, blank=True
    )
    membership_certainty = models.CharField(
        _("certainty of the member list"), max_length=10, choices=Certainty.choices,
        default=Certainty.LOW,
    )
    source_url = models.TextField(_("source"), blank=True)
    source_date = models.CharField(_("source date"), max_length=100, blank=True)
    note = models.TextField(_("note"), blank=True)
    members = models.ManyToManyField(
        Organisation, through="NetworkMembership", related_name="networks", blank=True
    )

    history = HistoricalRecords(m2m_fields=[counties])

    class Meta:
        verbose_name = _("regional network")
        verbose_name_plural = _("regional networks")
        ordering = ["name"]
        constraints = [validity_check("network_valid_period")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("register:network_detail", args=[self.slug])


class NetworkMembership(ValidityPeriod):
    """An organisation's membership of a regional network for a period."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                     related_name="network_memberships")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("network membership")
        verbose_name_plural = _("network memberships")
        constraints = [
            models.UniqueConstraint(fields=["network", "organisation", "valid_from"],
                                    name="network_membership_unique"),
            models.UniqueConstraint(fields=["network", "organisation"],
                                    condition=Q(valid_from__isnull=True),
                                    name="network_membership_unique_open_start"),
            validity_check("network_membership_valid_period"),
        ]

    def __str__(self):
        return f"{self.organisation} – {self.network}"


class Person(models.Model):
    """A person who acts for organisations. Contact details are personal data: never public.

    Invariant: ``is_demo`` people are fictional and never mixed into the real register's
    imports; the public sees only the name.
    """

    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    history = HistoricalRecords(excluded_fields=[])

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("register:person_detail", args=[self.pk])


class Affiliation(ValidityPeriod):
    """A person working for or acting on behalf of an organisation, for a period."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="affiliations")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                     related_name="affiliations")
    title = models.CharField(_("title"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")
        ordering = ["-valid_from"]
        constraints = [validity_check("affiliation_valid_period")]

    def __str__(self):
        return f"{self.person} – {self.organisation}"
