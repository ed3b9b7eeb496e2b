"""Every write of common solutions: catalogue, adoption, benefit models. One function per
operation, whoever calls it (pages, API, import, commands).

Permissions: ``solutions.manage`` (the secretariat) for the catalogue, benefit models and bulk
import; ``solutions.update_adoption`` on the organisation for its own adoption (its contacts).

Adoption is business time (see ``models``): recording a status *from a date* closes the current
period the day before and opens a new one. The rules of what a change may do are in one pure
function, ``plan_adoption``, used by the single update and by the bulk import alike.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _

from core.access import require
from core.services import assign, history_delete, history_save
from register.models import MEMBER_KINDS, Organisation, Person

from . import benefits
from .models import (
    Adoption,
    AdoptionStatus,
    BenefitItem,
    BenefitModel,
    Solution,
    SolutionLink,
)

SOLUTION_FIELDS = {"name", "slug", "kind", "lifecycle", "provider", "description", "interfaces",
                   "user_council", "note", "source"}
LINK_FIELDS = {"title", "url"}
MODEL_FIELDS = {"discount_rate", "base_year", "description", "source"}
ITEM_FIELDS = {"title", "direction", "actor_type", "first_year", "last_year", "driver",
               "amount", "amount_low", "amount_high", "quantity_source", "quantity", "note"}
EARLIEST_ADOPTION = datetime.date(1990, 1, 1)  # before the first common solutions
# A benefit item's amounts and quantity: at most 13 digits before the decimal point. SQLite keeps
# decimals as floats and gives back 15 significant digits, so a 14-digit amount may come back
# changed, or rounded past the field's 16 digits, and then no page can read the item.
MAX_ITEM_VALUE = Decimal("9999999999999.99")
# Every figure of a benefit model (a year's costs or gains, present values, their sums) stays
# below this: far past any public budget, and far within the 28 digits decimals compute with
# (beyond those, rounding to whole kroner fails and no benefit page, export or API read answers).
MAX_BENEFIT_FIGURE = Decimal(10) ** 20


# --- catalogue -------------------------------------------------------------------------------

NORWEGIAN_LETTERS = str.maketrans({"æ": "ae", "Æ": "ae", "ø": "o", "Ø": "o", "å": "a",
                                   "Å": "a"})


def solution_slug(name: str) -> str:
    """The address of a solution from its name: "Fiks Matrikkelføring" → fiks-matrikkelforing
    (``slugify`` alone drops æ, ø and å)."""
    return slugify(str(name).translate(NORWEGIAN_LETTERS))[:100]


def solution_save(*, actor, data: dict, solution: Solution | None = None,
                  depends_on=None, replaces=None, reason: str = "") -> Solution:
    """Create or update a catalogue entry (slug from the name when not given)."""
    require(actor, "solutions.manage")
    solution = solution or Solution()
    data = dict(data)
    if not solution.pk and not data.get("slug"):
        data["slug"] = solution_slug(data.get("name", ""))
    with transaction.atomic():
        assign(solution, data, SOLUTION_FIELDS)
        history_save(solution, actor=actor, reason=reason)
        for name, targets in (("depends_on", depends_on), ("replaces", replaces)):
            if targets is None:
                continue
            targets = list(targets)
            if any(t.pk == solution.pk for t in targets):
                raise ValidationError({name: _("A solution cannot refer to itself.")})
            getattr(solution, name).set(targets)
    return solution


def link_save(*, actor, solution: Solution, data: dict,
              link: SolutionLink | None = None) -> SolutionLink:
    require(actor, "solutions.manage")
    link = link or SolutionLink(solution=solution)
    if link.solution_id != solution.pk:
        raise ValidationError(_("The link belongs to another solution."))
    assign(link, data, LINK_FIELDS)
    return history_save(link, actor=actor)


def link_delete(*, actor, link: SolutionLink) -> None:
    require(actor, "solutions.manage")
    history_delete(link, actor=actor)


# --- adoption --------------------------------------------------------------------------------

@dataclass(frozen=True)
class AdoptionChange:
    """One reported status: ``status`` from ``valid_from``, with contact and note."""

    status: str
    valid_from: datetime.date
    contact: Person | None = None
    contact_role: str = ""
    note: str = ""


@dataclass
class AdoptionPlan:
    """What a list of changes does to one (solution, organisation) pair."""

    close: list[Adoption] = field(default_factory=list)  # current periods given a valid_to
    update: list[Adoption] = field(default_factory=list)  # status/contact/note corrected
    create: list[Adoption] = field(default_factory=list)
    unchanged: int = 0


class AdoptionRefused(ValueError):
    """A change breaks a rule; ``field`` names the input it is about."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def plan_adoption(*, solution: Solution, organisation: Organisation,
                  current: Adoption | None, changes: list[AdoptionChange],
                  today: datetime.date) -> AdoptionPlan:
    """The writes that record ``changes`` (in date order) after the pair's ``current`` period.

    Rules: a status starts on a day between 1990 and today (a coming change is recorded as
    "planned", not dated ahead); a change dated before the current period's start is refused
    (the past is corrected by the secretariat, one period at a time, not by a late report);
    the same day as the current start corrects that period; the same status again only updates
    contact and note. A change identical to what is recorded is counted as unchanged, so
    importing the same file twice changes nothing.
    """
    plan = AdoptionPlan()
    latest = current
    for change in sorted(changes, key=lambda c: c.valid_from):
        if change.status not in AdoptionStatus.values:
            raise AdoptionRefused("status", _("unknown status %(status)r; use one of %(known)s")
                                  % {"status": change.status,
                                     "known": ", ".join(AdoptionStatus.values)})
        if change.valid_from > today:
            raise AdoptionRefused("valid_from", _(
                "%(date)s is in the future; record a coming change as the status "
                "“planned” from today") % {"date": change.valid_from.isoformat()})
        if change.valid_from < EARLIEST_ADOPTION:
            raise AdoptionRefused("valid_from", _("%(date)s is before %(earliest)s") % {
                "date": change.valid_from.isoformat(),
                "earliest": EARLIEST_ADOPTION.isoformat()})
        details = {"contact": change.contact, "contact_role": change.contact_role,
                   "note": change.note}
        if latest is not None and latest.valid_to is not None and latest not in plan.close:
            # The pair's last period has ended (a correction left a gap): a new status starts
            # after it and leaves it as it is.
            if change.valid_from <= latest.valid_to:
                raise AdoptionRefused("valid_from", _(
                    "%(date)s falls in the status recorded from %(start)s to %(end)s") % {
                    "date": change.valid_from.isoformat(),
                    "start": latest.valid_from.isoformat(), "end": latest.valid_to.isoformat()})
            latest = None
        if latest is None:
            latest = Adoption(solution=solution, organisation=organisation,
                              status=change.status, valid_from=change.valid_from, **details)
            plan.create.append(latest)
            continue
        if change.valid_from < latest.valid_from:
            raise AdoptionRefused("valid_from", _(
                "%(date)s is before the status recorded from %(start)s; a new status starts "
                "after the current one") % {"date": change.valid_from.isoformat(),
                                            "start": latest.valid_from.isoformat()})
        same_details = (latest.contact_id == (change.contact.pk if change.contact else None)
                        and latest.contact_role == change.contact_role
                        and latest.note == change.note)
        if change.status == latest.status or change.valid_from == latest.valid_from:
            if change.status == latest.status and same_details:
                plan.unchanged += 1
                continue
            latest.status = change.status
            for name, value in details.items():
                setattr(latest, name, value)
            if latest.pk and latest not in plan.update:
                plan.update.append(latest)
            continue
        latest.valid_to = change.valid_from - datetime.timedelta(days=1)
        if latest.pk and latest not in plan.close:
            plan.close.append(latest)
        latest = Adoption(solution=solution, organisation=organisation, status=change.status,
                          valid_from=change.valid_from, **details)
        plan.create.append(latest)
    return plan


def check_adopter(organisation: Organisation) -> None:
    if organisation.kind not in MEMBER_KINDS:
        raise ValidationError({"organisation": _(
            "Only members (municipalities and county municipalities) adopt solutions.")})


def check_contact(organisation: Organisation, contact: Person | None) -> None:
    """A contact person works for the organisation today (a current affiliation)."""
    if contact is not None and not contact.affiliations.current().filter(
            organisation=organisation).exists():
        raise ValidationError({"contact": _("%(person)s does not work for %(organisation)s.")
                               % {"person": contact.name, "organisation": organisation.name}})


def adoption_record(*, actor, solution: Solution, organisation: Organisation, status: str,
                    valid_from: datetime.date, contact: Person | None = None,
                    contact_role: str = "", note: str = "", reason: str = "") -> Adoption:
    """Record ``organisation``'s status for ``solution`` from ``valid_from``.

    Its contacts (``solutions.update_adoption`` on the organisation) and the secretariat may.
    The pair's current period is locked, so two reports at once cannot both open a period.
    """
    require(actor, "solutions.update_adoption", organisation)
    check_adopter(organisation)
    check_contact(organisation, contact)
    change = AdoptionChange(status=status, valid_from=valid_from, contact=contact,
                            contact_role=contact_role.strip(), note=note.strip())
    with transaction.atomic():
        # Two reports for the same member at once: the member's row is the lock (a pair with no
        # period yet has no row of its own to lock), so the second waits and plans after.
        Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
        current = (Adoption.objects.select_for_update()  # the latest period, open or ended
                   .filter(solution=solution, organisation=organisation)
                   .order_by("-valid_from").first())
        try:
            plan = plan_adoption(solution=solution, organisation=organisation, current=current,
                                 changes=[change], today=timezone.localdate())
        except AdoptionRefused as refused:
            raise ValidationError({refused.field: refused.message}) from refused
        for adoption in plan.close + plan.update + plan.create:
            history_save(adoption, actor=actor, reason=reason)
    return plan.create[-1] if plan.create else (current or plan.update[-1])


def adoption_correct(*, actor, adoption: Adoption, data: dict, reason: str) -> Adoption:
    """The secretariat corrects one recorded period (status, dates, contact, note).

    Periods of the pair must still not overlap; the reason is kept in the history.
    """
    require(actor, "solutions.manage")
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the recorded adoption is corrected.")})
    with transaction.atomic():
        changed = assign(adoption, data, {"status", "valid_from", "valid_to", "contact",
                                          "contact_role", "note"})
        if "contact" in changed:
            check_contact(adoption.organisation, adoption.contact)
        today = timezone.localdate()
        for name in ("valid_from", "valid_to"):
            day = getattr(adoption, name)
            if day is not None and not EARLIEST_ADOPTION <= day <= today:
                raise ValidationError({name: _("Choose a day from %(earliest)s to today.") % {
                    "earliest": EARLIEST_ADOPTION.isoformat()}})
        others = (Adoption.objects.select_for_update()
                  .filter(solution_id=adoption.solution_id,
                          organisation_id=adoption.organisation_id)
                  .exclude(pk=adoption.pk))
        for other in others:
            if _overlaps(adoption, other):
                raise ValidationError({"valid_from": _(
                    "The period overlaps the status %(status)s recorded from %(start)s.") % {
                    "status": other.get_status_display(),
                    "start": date_format(other.valid_from, "SHORT_DATE_FORMAT")}})
        history_save(adoption, actor=actor, reason=reason)
    return adoption


def _overlaps(a: Adoption, b: Adoption) -> bool:
    far = datetime.date.max
    return a.valid_from <= (b.valid_to or far) and b.valid_from <= (a.valid_to or far)


# --- benefit models --------------------------------------------------------------------------

def benefit_model_save(*, actor, solution: Solution, data: dict) -> BenefitModel:
    """Make or change a solution's benefit model; its figures must stay computable
    (``check_benefit_figures``: a high rate far from the base year can make them huge)."""
    require(actor, "solutions.manage")
    try:
        model = solution.benefit_model
    except BenefitModel.DoesNotExist:
        model = BenefitModel(solution=solution)
    assign(model, data, MODEL_FIELDS)
    with transaction.atomic():
        history_save(model, actor=actor)
        check_benefit_figures(model)
    return model


def benefit_item_save(*, actor, model: BenefitModel, data: dict,
                      item: BenefitItem | None = None) -> BenefitItem:
    """Add or change a cost or gain: amounts and quantity from 0 to MAX_ITEM_VALUE, and the
    model's figures computable with it (``check_benefit_figures``)."""
    require(actor, "solutions.manage")
    item = item or BenefitItem(model=model)
    if item.model_id != model.pk:
        raise ValidationError(_("The item belongs to another benefit model."))
    assign(item, data, ITEM_FIELDS)
    with transaction.atomic():
        history_save(item, actor=actor)
        _check_item_values(item)
        check_benefit_figures(model)
    return item


def _check_item_values(item: BenefitItem) -> None:
    errors = {name: _("Give a number from 0 to %(max)s.") % {"max": MAX_ITEM_VALUE}
              for name in ("amount", "amount_low", "amount_high", "quantity")
              if getattr(item, name) is not None
              and not 0 <= Decimal(getattr(item, name)) <= MAX_ITEM_VALUE}
    if errors:
        raise ValidationError(errors)


def check_benefit_figures(model: BenefitModel) -> None:
    """Refuse a model whose figures could reach MAX_BENEFIT_FIGURE: the sum over its items of
    the largest yearly amount (low, expected or high, for the whole sector) times each year's
    discount factor or 1, whichever is larger. Every figure the pages show (a year's flows,
    present values, their totals, sensitivity, realised gains, a member's share) is at most
    that sum."""
    items = list(model.items.all())
    if not items:
        return
    sector = benefits.sector_drivers()
    years = range(min(i.first_year for i in items), max(i.last_year for i in items) + 1)
    weights = {year: max(Decimal(1), benefits.discount_factor(year, model.base_year,
                                                              model.discount_rate))
               for year in years}
    bound = sum((max(abs(benefits.item_amount(item, sector, level)) for level in benefits.LEVELS)
                 * sum(weights[year] for year in range(item.first_year, item.last_year + 1))
                 for item in items), Decimal(0))
    if bound >= MAX_BENEFIT_FIGURE:
        raise ValidationError(_(
            "With these amounts, quantities, years and discount rate the model's figures run "
            "past %(max)s kroner, more than any budget: check them.") % {
            "max": f"{MAX_BENEFIT_FIGURE:,.0f}".replace(",", " ")})


def benefit_item_delete(*, actor, item: BenefitItem) -> None:
    require(actor, "solutions.manage")
    history_delete(item, actor=actor)
