"""Every write to the structure: bodies, seats and memberships."""

from __future__ import annotations

import csv
import io

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from core.access import require
from core.services import assign, history_delete, history_save
from register.models import Organisation, OrganisationKind

from .models import Body, Membership, Seat

BODY_FIELDS = {"name", "short_name", "kind", "mandate", "mandate_date", "parent", "owner",
               "sort_order", "valid_from", "valid_to", "source"}
SEAT_FIELDS = {"role", "constituency", "sort_order"}
MEMBERSHIP_FIELDS = {"person", "organisation", "valid_from", "valid_to", "decision_ref"}


@transaction.atomic
def body_update(*, actor, body: Body, data: dict) -> Body:
    require(actor, "structure.change_body")
    if assign(body, data, BODY_FIELDS):
        # history_save runs full_clean, and Body.clean refuses a cycle in the reporting line
        history_save(body, actor=actor, reason="updated")
    return body


@transaction.atomic
def seat_create(*, actor, body: Body, data: dict) -> Seat:
    require(actor, "structure.change_seat", body)
    seat = Seat(body=body)
    assign(seat, data, SEAT_FIELDS)
    return history_save(seat, actor=actor, reason="created")


@transaction.atomic
def seat_update(*, actor, seat: Seat, data: dict) -> Seat:
    require(actor, "structure.change_seat", seat)
    if assign(seat, data, SEAT_FIELDS):
        history_save(seat, actor=actor, reason="updated")
    return seat


@transaction.atomic
def seat_delete(*, actor, seat: Seat) -> None:
    require(actor, "structure.change_seat", seat)
    if seat.memberships.exists():
        raise ValidationError(_("A seat that has had members cannot be deleted; end it instead."))
    history_delete(seat, actor=actor, reason="deleted")


def _check_overlap(membership: Membership) -> None:
    """A seat holds at most one person at a time."""
    clashes = Membership.objects.filter(seat=membership.seat).exclude(pk=membership.pk)
    if membership.valid_to:
        clashes = clashes.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=membership.valid_to))
    if membership.valid_from:
        clashes = clashes.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=membership.valid_from))
    clash = clashes.select_related("person").first()
    if clash:
        raise ValidationError({"valid_from": _(
            "The seat is held by %(person)s in an overlapping term.") % {"person": clash.person}})


@transaction.atomic
def membership_create(*, actor, seat: Seat, data: dict) -> Membership:
    require(actor, "structure.change_membership", seat)
    membership = Membership(seat=seat)
    assign(membership, data, MEMBERSHIP_FIELDS)
    Seat.objects.select_for_update().filter(pk=seat.pk).first()  # serialise terms per seat
    _check_overlap(membership)
    return history_save(membership, actor=actor, reason="appointed")


@transaction.atomic
def membership_update(*, actor, membership: Membership, data: dict) -> Membership:
    require(actor, "structure.change_membership", membership)
    if assign(membership, data, MEMBERSHIP_FIELDS - {"person"}):
        Seat.objects.select_for_update().filter(pk=membership.seat_id).first()
        _check_overlap(membership)
        history_save(membership, actor=actor, reason="updated")
    return membership


@transaction.atomic
def membership_delete(*, actor, membership: Membership) -> None:
    require(actor, "structure.change_membership", membership)
    history_delete(membership, actor=actor, reason="deleted")


@transaction.atomic
def bodies_load(*, actor, data: str, source: str) -> dict[str, int]:
    """Load the bodies of the model from CSV (structure/data/bodies.csv); idempotent by slug.

    ``owner`` is "KS" or the owning organisation's organisation number (a state agency for an
    external body), which must be in the register already. A bad row raises ValidationError
    naming its line and column, and nothing is written.
    """
    require(actor, "structure.change_body")
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    rows = list(csv.DictReader(io.StringIO(data)))
    bodies = {b.slug: b for b in Body.objects.all()}
    ks = Organisation.objects.filter(kind=OrganisationKind.KS).first()
    for line, row in enumerate(rows, start=2):  # parents are listed before their children
        try:
            values = _body_values(row, bodies, ks)
        except KeyError as error:
            raise ValidationError(_("%(source)s line %(line)s: the column %(column)s is missing")
                                  % {"source": source, "line": line, "column": error}) from error
        except ValueError as error:
            raise ValidationError(_("%(source)s line %(line)s: %(error)s") % {
                "source": source, "line": line, "error": error}) from error
        body = bodies.get(row["slug"])
        if body is None:
            body = history_save(Body(slug=row["slug"], **values), actor=actor,
                                reason=f"load {source}")
            counts["created"] += 1
        elif assign(body, values, set(values)):
            history_save(body, actor=actor, reason=f"load {source}")
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
        bodies[body.slug] = body
    return counts


def _body_values(row: dict, bodies: dict, ks) -> dict:
    if row.get("parent") and row["parent"] not in bodies:
        raise ValueError(_("parent: no body %(slug)s listed above") % {"slug": row["parent"]})
    owner = None
    if row.get("owner") == "KS":
        owner = ks
    elif row.get("owner"):
        owner = Organisation.objects.filter(org_number=row["owner"]).first()
        if owner is None:
            raise ValueError(_("owner: no organisation with organisation number %(n)s")
                             % {"n": row["owner"]})
    if not (row["slug"] or "").strip():
        raise ValueError(_("slug: empty"))
    if not (row["sort_order"] or "").isdigit():
        raise ValueError(_("sort_order: %(value)r is not a whole number")
                         % {"value": row["sort_order"]})
    return {
        "name": row["name"], "short_name": row["short_name"], "kind": row["kind"],
        "mandate": row["mandate"], "source": row["source"],
        "sort_order": int(row["sort_order"]),
        "parent": bodies[row["parent"]] if row["parent"] else None, "owner": owner,
    }
