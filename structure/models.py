"""The structure of the co-governance model: bodies, their seats and who sits in them."""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import ValidityPeriod, validity_check
from register.models import Organisation, Person


class BodyKind(models.TextChoices):
    COUNCIL = "council", _("Council")
    COMMITTEE = "committee", _("Committee")
    PROFESSIONAL_COUNCIL = "professional_council", _("Professional council")
    WORKING_GROUP = "working_group", _("Working group")
    USER_COUNCIL = "user_council", _("User council")
    POLITICAL_BODY = "political_body", _("Political body")
    EXTERNAL_BODY = "external_body", _("External body")


class Body(ValidityPeriod):
    """A body of the model (organ/råd/utvalg). ``parent`` is the body it reports to.

    Invariant: the reporting line has no cycles (checked in ``clean`` and the services).
    """

    kind = models.CharField(_("kind"), max_length=32, choices=BodyKind.choices)
    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    owner = models.ForeignKey(Organisation, verbose_name=_("owner"), on_delete=models.PROTECT,
                              related_name="owned_bodies", null=True, blank=True)
    parent = models.ForeignKey("self", verbose_name=_("reports to"), on_delete=models.PROTECT,
                               related_name="children", null=True, blank=True)
    mandate = models.TextField(_("mandate"), blank=True)
    mandate_date = models.DateField(_("mandate date"), null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=100)
    source = models.CharField(_("source"), max_length=500, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("body")
        verbose_name_plural = _("bodies")
        ordering = ["sort_order", "name"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(parent=models.F("id")),
                                   name="body_not_own_parent"),
            validity_check("body_valid_period"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("structure:body_detail", args=[self.slug])

    def clean(self):
        node, seen = self.parent, {self.pk}
        while node is not None:
            if node.pk in seen:
                raise ValidationError({"parent": _("The reporting line would form a cycle.")})
            seen.add(node.pk)
            node = node.parent

    def ancestors(self) -> list["Body"]:
        chain, node, seen = [], self.parent, {self.pk}
        while node is not None and node.pk not in seen:
            chain.append(node)
            seen.add(node.pk)
            node = node.parent
        return chain


class SeatRole(models.TextChoices):
    CHAIR = "chair", _("Chair")
    DEPUTY_CHAIR = "deputy_chair", _("Deputy chair")
    MEMBER = "member", _("Member")
    DEPUTY = "deputy", _("Deputy")
    OBSERVER = "observer", _("Observer")
    SECRETARY = "secretary", _("Secretary")


class Seat(models.Model):
    """A seat in a body, with a role and an optional constituency (region, kind of member)."""

    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="seats")
    role = models.CharField(_("role"), max_length=20, choices=SeatRole.choices)
    constituency = models.CharField(
        _("constituency"), max_length=200, blank=True,
        help_text=_("For example a region or 'county municipalities'."),
    )
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=100)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("seat")
        verbose_name_plural = _("seats")
        ordering = ["body", "sort_order", "id"]

    def __str__(self):
        label = self.get_role_display()
        return f"{self.body}: {label}" + (f" ({self.constituency})" if self.constituency else "")


class Membership(ValidityPeriod):
    """A person in a seat, representing an organisation, for a term, with the appointing decision.

    Invariant: one seat holds at most one person at a time (services check overlap).
    """

    seat = models.ForeignKey(Seat, on_delete=models.PROTECT, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships")
    organisation = models.ForeignKey(Organisation, verbose_name=_("representing"),
                                     on_delete=models.PROTECT, related_name="memberships",
                                     null=True, blank=True)
    decision_ref = models.CharField(_("appointing decision"), max_length=200, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["seat__sort_order", "-valid_from"]
        constraints = [validity_check("membership_valid_period")]

    def __str__(self):
        return f"{self.person} – {self.seat}"
