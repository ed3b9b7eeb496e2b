"""Structure write services: bodies, seats, memberships; permissions, overlap, reporting line."""

import datetime
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from core import testing as t
from core.access import SYSTEM
from structure import services
from structure.models import Body, Membership, Seat

D = datetime.date
BODIES = Path(__file__).resolve().parents[1] / "data" / "bodies.csv"


def state() -> list:
    """Every row of bodies, seats, memberships and their history: equal means unchanged."""
    models = [Body, Seat, Membership, Body.history.model, Seat.history.model,
              Membership.history.model]
    return [list(m.objects.order_by("pk").values()) for m in models]


@pytest.fixture
def seat_x(body_x):
    return t.SeatFactory(body=body_x)


@pytest.fixture
def seat_y(body_y):
    return t.SeatFactory(body=body_y)


@pytest.fixture
def actors(db, admin_user, contact_a, secretary_x, body_x):
    inactive = t.user_with_role(t.Role.BODY_SECRETARY, body=body_x)
    inactive.is_active = False
    inactive.save()
    expired = t.UserFactory()
    t.grant(expired, t.Role.BODY_SECRETARY, body=body_x, valid_from=D(2020, 1, 1),
            valid_to=datetime.date.today() - datetime.timedelta(days=1))  # ended yesterday
    future = t.UserFactory()
    t.grant(future, t.Role.BODY_SECRETARY, body=body_x,
            valid_from=datetime.date.today() + datetime.timedelta(days=1))
    return {"anonymous": AnonymousUser(), "admin": admin_user, "contact_a": contact_a,
            "secretary_x": secretary_x, "inactive_secretary_x": inactive,
            "expired_secretary_x": expired, "future_secretary_x": future}


# actor -> allowed on body X's seats and memberships? (body Y: only the administrator)
ON_X = {"anonymous": False, "admin": True, "contact_a": False, "secretary_x": True,
        "inactive_secretary_x": False, "expired_secretary_x": False,
        "future_secretary_x": False}


def attempt(allowed: bool, operation):
    before = state()
    if allowed:
        return operation()
    with pytest.raises(PermissionDenied):
        operation()
    assert state() == before
    return None


CASES = [(who, where, allowed if where == "X" else who == "admin")
         for who, allowed in ON_X.items() for where in ("X", "Y")]


@pytest.mark.parametrize(("who", "where", "allowed"), CASES)
def test_seat_create_permission(actors, body_x, body_y, who, where, allowed):
    body = body_x if where == "X" else body_y
    seat = attempt(allowed, lambda: services.seat_create(
        actor=actors[who], body=body, data={"role": "member", "constituency": "Nord-Norge"}))
    if seat:
        record = seat.history.get()
        assert (record.history_user, record.history_change_reason) == (actors[who], "created")


@pytest.mark.parametrize(("who", "where", "allowed"), CASES)
def test_seat_update_and_delete_permission(actors, seat_x, seat_y, who, where, allowed):
    seat = seat_x if where == "X" else seat_y
    attempt(allowed, lambda: services.seat_update(actor=actors[who], seat=seat,
                                                  data={"constituency": "Oslo"}))
    attempt(allowed, lambda: services.seat_delete(actor=actors[who], seat=seat))
    assert Seat.objects.filter(pk=seat.pk).exists() != allowed


@pytest.mark.parametrize(("who", "where", "allowed"), CASES)
def test_membership_create_permission(actors, seat_x, seat_y, who, where, allowed):
    seat = seat_x if where == "X" else seat_y
    person = t.PersonFactory()
    membership = attempt(allowed, lambda: services.membership_create(
        actor=actors[who], seat=seat,
        data={"person": person, "valid_from": D(2024, 1, 1), "decision_ref": "Sak 1/24"}))
    if membership:
        record = membership.history.get()
        assert (record.history_user, record.history_change_reason) == (actors[who], "appointed")


@pytest.mark.parametrize(("who", "where", "allowed"), CASES)
def test_membership_update_and_delete_permission(actors, seat_x, seat_y, who, where, allowed):
    membership = t.MembershipFactory(seat=seat_x if where == "X" else seat_y)
    attempt(allowed, lambda: services.membership_update(
        actor=actors[who], membership=membership, data={"decision_ref": "Sak 2/24"}))
    if allowed:
        record = Membership.objects.get(pk=membership.pk).history.first()
        assert (record.history_type, record.history_user) == ("~", actors[who])
        assert record.history_change_reason == "updated"
    attempt(allowed, lambda: services.membership_delete(actor=actors[who],
                                                        membership=membership))
    assert Membership.objects.filter(pk=membership.pk).exists() != allowed


@pytest.mark.parametrize("who", ON_X)
def test_body_update_is_for_administrators_only(actors, body_x, who):
    allowed = who == "admin"
    attempt(allowed, lambda: services.body_update(actor=actors[who], body=body_x,
                                                  data={"mandate": "Nytt mandat."}))
    assert (Body.objects.get(pk=body_x.pk).mandate == "Nytt mandat.") == allowed


# --- mass assignment ----------------------------------------------------------------------


@pytest.mark.parametrize(("service", "extra"), [
    ("seat_update", {"body": "Y"}),
    ("seat_update", {"id": 1}),
    ("membership_update", {"seat": "Y"}),
    ("membership_update", {"person": "P"}),
    ("membership_update", {"is_demo": True}),
    ("body_update", {"slug": "ny"}),
    ("body_update", {"id": 1}),
])
def test_extra_fields_are_refused_and_nothing_changes(admin_user, seat_x, seat_y, service,
                                                      extra):
    values = {"Y": seat_y, "P": t.PersonFactory()}
    extra = {k: values.get(v, v) if isinstance(v, str) else v for k, v in extra.items()}
    membership = t.MembershipFactory(seat=seat_x)
    target = {"seat_update": {"seat": seat_x}, "membership_update": {"membership": membership},
              "body_update": {"body": seat_x.body}}[service]
    allowed = {"membership_update": {"decision_ref": "Sak 3/24"}}.get(service, {"sort_order": 5})
    before = state()
    with pytest.raises(ValidationError) as info:
        getattr(services, service)(actor=admin_user, data={**allowed, **extra}, **target)
    assert set(info.value.message_dict) == set(extra)
    assert state() == before


def test_secretary_cannot_move_a_seat_to_another_body(secretary_x, seat_x, body_y):
    before = state()
    with pytest.raises(ValidationError):
        services.seat_update(actor=secretary_x, seat=seat_x, data={"body": body_y})
    assert state() == before


def test_secretary_cannot_create_a_membership_in_another_seat(secretary_x, seat_x, seat_y):
    before = state()
    with pytest.raises(ValidationError):
        services.membership_create(actor=secretary_x, seat=seat_x,
                                   data={"seat": seat_y, "person": t.PersonFactory()})
    assert state() == before


# --- one person per seat at a time --------------------------------------------------------


# The existing term is 2024-01-01 to 2027-12-31, both days included.
@pytest.mark.parametrize(("start", "end", "clash"), [
    (D(2023, 1, 1), D(2024, 1, 1), True),    # ends on the existing term's first day
    (D(2027, 12, 31), None, True),           # starts on the existing term's last day
    (D(2025, 1, 1), D(2026, 1, 1), True),    # inside
    (D(2020, 1, 1), D(2030, 1, 1), True),    # around
    (None, None, True),                       # open-ended both ways
    (None, D(2024, 6, 1), True),              # open start
    (D(2023, 1, 1), D(2023, 12, 31), False),  # ends the day before the existing term starts
    (D(2028, 1, 1), None, False),            # starts the day after the existing term ends
])
def test_membership_overlap_in_the_same_seat_is_refused(secretary_x, seat_x, start, end, clash):
    t.MembershipFactory(seat=seat_x, valid_from=D(2024, 1, 1), valid_to=D(2027, 12, 31))
    before = state()
    data = {"person": t.PersonFactory(), "valid_from": start, "valid_to": end}
    if clash:
        with pytest.raises(ValidationError) as info:
            services.membership_create(actor=secretary_x, seat=seat_x, data=data)
        assert "valid_from" in info.value.message_dict
        assert state() == before
    else:
        services.membership_create(actor=secretary_x, seat=seat_x, data=data)
        assert seat_x.memberships.count() == 2


def test_open_ended_term_clashes_with_any_later_term(secretary_x, seat_x):
    t.MembershipFactory(seat=seat_x, valid_from=D(2024, 1, 1), valid_to=None)
    with pytest.raises(ValidationError):
        services.membership_create(actor=secretary_x, seat=seat_x, data={
            "person": t.PersonFactory(), "valid_from": D(2040, 1, 1)})


def test_overlap_in_another_seat_is_allowed(secretary_x, seat_x, body_x):
    other = t.SeatFactory(body=body_x)
    existing = t.MembershipFactory(seat=seat_x, valid_from=D(2024, 1, 1), valid_to=D(2028, 1, 1))
    services.membership_create(actor=secretary_x, seat=other, data={
        "person": existing.person, "valid_from": D(2024, 1, 1), "valid_to": D(2028, 1, 1)})


def test_membership_update_into_an_overlap_is_refused(secretary_x, seat_x):
    t.MembershipFactory(seat=seat_x, valid_from=D(2024, 1, 1), valid_to=D(2027, 12, 31))
    later = t.MembershipFactory(seat=seat_x, valid_from=D(2028, 1, 1), valid_to=D(2031, 12, 31))
    before = state()
    with pytest.raises(ValidationError):
        services.membership_update(actor=secretary_x, membership=later,
                                   data={"valid_from": D(2027, 6, 1)})
    assert state() == before


def test_membership_term_must_end_after_it_starts(secretary_x, seat_x):
    before = state()
    with pytest.raises(ValidationError):
        services.membership_create(actor=secretary_x, seat=seat_x, data={
            "person": t.PersonFactory(), "valid_from": D(2025, 1, 1), "valid_to": D(2024, 1, 1)})
    assert state() == before


def test_a_seat_that_has_had_members_cannot_be_deleted(secretary_x, seat_x):
    t.MembershipFactory(seat=seat_x)
    before = state()
    with pytest.raises(ValidationError):
        services.seat_delete(actor=secretary_x, seat=seat_x)
    assert state() == before


# --- reporting line ---------------------------------------------------------------------


def test_a_body_cannot_report_to_itself(admin_user, body_x):
    before = state()
    with pytest.raises(ValidationError) as info:
        services.body_update(actor=admin_user, body=body_x, data={"parent": body_x})
    assert "parent" in info.value.message_dict
    assert state() == before


def test_reporting_line_cannot_form_a_cycle(admin_user):
    top = t.BodyFactory()
    middle = t.BodyFactory(parent=top)
    bottom = t.BodyFactory(parent=middle)
    before = state()
    with pytest.raises(ValidationError) as info:
        services.body_update(actor=admin_user, body=top, data={"parent": bottom})
    assert "parent" in info.value.message_dict
    assert state() == before
    assert Body.objects.get(pk=top.pk).parent is None


def test_reporting_line_may_be_moved_without_a_cycle(admin_user):
    top, other = t.BodyFactory(), t.BodyFactory()
    child = t.BodyFactory(parent=top)
    services.body_update(actor=admin_user, body=child, data={"parent": other})
    assert Body.objects.get(pk=child.pk).parent == other
    assert Body.objects.get(pk=child.pk).history.first().history_change_reason == "updated"


# --- loading the model's bodies ----------------------------------------------------------


def test_bodies_load_is_idempotent(db):
    data = BODIES.read_text(encoding="utf-8")
    first = services.bodies_load(actor=SYSTEM, data=data, source="bodies.csv")
    assert first["created"] == Body.objects.count() > 5
    assert Body.objects.get(slug="hovedstyret").parent.slug == "landstinget"
    before = state()
    second = services.bodies_load(actor=SYSTEM, data=data, source="bodies.csv")
    assert (second["created"], second["updated"]) == (0, 0)
    assert state() == before


def test_bodies_load_needs_permission(secretary_x):
    with pytest.raises(PermissionDenied):
        services.bodies_load(actor=secretary_x, data=BODIES.read_text(encoding="utf-8"),
                             source="bodies.csv")


@pytest.mark.parametrize(("change", "message"), [
    (lambda text: text.replace(",landstinget,KS,20,", ",ukjent,KS,20,", 1), "line 3: parent"),
    (lambda text: text.replace(",KS,10,", ",KS,ti,", 1), "line 2: sort_order"),
    (lambda text: text.replace("slug,name,", "slugg,name,", 1), "the column 'slug' is missing"),
    (lambda text: text.replace(",KS,10,", ",999999999,10,", 1), "line 2: owner"),
])
def test_bodies_load_names_the_bad_line_and_writes_nothing(db, change, message):
    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.bodies_load(actor=SYSTEM, data=change(BODIES.read_text(encoding="utf-8")),
                             source="bodies.csv")
    assert message in " ".join(error.value.messages)
    assert not Body.objects.exists()


def test_external_body_is_owned_by_the_state_agency_named_by_organisation_number(db):
    agency = t.OrganisationFactory(kind="state_agency", number="", county=None,
                                   org_number="983544622")
    t.OrganisationFactory(kind="state_agency", number="", county=None, org_number="991825827")
    external = BODIES.with_name("external-bodies.csv")
    services.bodies_load(actor=SYSTEM, data=external.read_text(encoding="utf-8"),
                         source="external-bodies.csv")
    assert Body.objects.get(slug="nasjonalt-e-helsestyre").owner == agency
