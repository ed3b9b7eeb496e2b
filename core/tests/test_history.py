"""core.history.change_log: who, when, what (before → after); private fields only on request."""

import pytest
from django.utils import timezone, translation

from core import testing as t
from core.history import change_log as full_log
from register import services as register_services
from structure import services as structure_services
from structure.models import Seat


def change_log(obj, **kwargs):
    """The object's own entries (its children's entries are tested below), actors shown."""
    kwargs.setdefault("show_actors", True)
    return [entry for entry in full_log(obj, **kwargs) if not entry.subject]


@pytest.fixture
def person(contact_a, org_a):
    return register_services.person_create(
        actor=contact_a, organisation=org_a,
        data={"name": "Kari Nordmann", "email": "kari@example.invalid", "phone": "+47 400 00 001"})


def test_change_log_shows_who_when_and_before_after(person, contact_a, admin_user):
    started = timezone.now()
    register_services.person_update(actor=admin_user, person=person,
                                    data={"name": "Kari Nordmann-Hansen"})

    newest, created = change_log(person)

    assert (newest.type, newest.who, newest.reason) == ("~", admin_user.username, "updated")
    assert newest.when >= started
    assert [(c.field, c.old, c.new) for c in newest.changes] == [
        ("name", "Kari Nordmann", "Kari Nordmann-Hansen")]
    assert str(newest.changes[0].label) in {"name", "navn"}  # the field's verbose name
    assert (created.type, created.who, created.reason) == ("+", contact_a.username, "created")
    assert created.when <= newest.when
    assert ("name", None, "Kari Nordmann") in [(c.field, c.old, c.new) for c in created.changes]


def test_private_fields_never_in_the_log_by_default(person, contact_a):
    register_services.person_update(actor=contact_a, person=person, data={
        "email": "kari.ny@example.invalid", "phone": "+47 999 99 999", "name": "Kari N."})

    log = change_log(person)

    fields = {c.field for entry in log for c in entry.changes}
    assert fields == {"name", "is_demo"}  # is_demo=False is shown on creation
    text = repr(log)
    for secret in ("kari@example.invalid", "kari.ny@example.invalid", "400 00 001", "999 99"):
        assert secret not in text


def test_change_of_only_private_fields_shows_an_entry_without_values(person, contact_a):
    register_services.person_update(actor=contact_a, person=person,
                                    data={"email": "ny@example.invalid"})
    newest = change_log(person)[0]
    assert (newest.type, newest.who, newest.changes) == ("~", contact_a.username, [])
    assert "ny@example.invalid" not in repr(newest)


def test_private_fields_shown_with_show_private(person, contact_a):
    register_services.person_update(actor=contact_a, person=person,
                                    data={"email": "kari.ny@example.invalid"})
    newest, created = change_log(person, show_private=True)
    assert [(c.field, c.old, c.new) for c in newest.changes] == [
        ("email", "kari@example.invalid", "kari.ny@example.invalid")]
    created_fields = {c.field: c.new for c in created.changes}
    assert created_fields["phone"] == "+47 400 00 001"


def test_system_changes_are_labelled_system(db):
    org = t.OrganisationFactory()
    org.history.update(history_user=None)
    assert change_log(org)[0].who == "system"


def test_deletion_is_in_the_log(secretary_x, body_x, contact_a):
    seat = structure_services.seat_create(actor=secretary_x, body=body_x,
                                          data={"role": "member"})
    seat_id = seat.pk
    structure_services.seat_delete(actor=secretary_x, seat=seat)
    deleted, created = change_log(Seat(pk=seat_id, body=body_x))  # delete() cleared seat.pk
    assert (deleted.type, deleted.who, deleted.reason) == ("-", secretary_x.username, "deleted")
    assert created.type == "+"


def test_log_is_newest_first_and_bounded(person, contact_a):
    for n in range(5):
        register_services.person_update(actor=contact_a, person=person, data={"name": f"N{n}"})
    log = change_log(person, limit=3)
    assert len(log) == 3
    assert [entry.changes[0].new for entry in log] == ["N4", "N3", "N2"]
    assert log[-1].changes[0].old == "N1"  # the row beyond the page still gives "before"


def test_change_log_query_count_does_not_grow(person, contact_a):
    register_services.person_update(actor=contact_a, person=person, data={"name": "A"})
    few = t.count_queries(lambda: change_log(person))
    for n in range(10):
        register_services.person_update(actor=contact_a, person=person, data={"name": f"B{n}"})
    assert t.count_queries(lambda: change_log(person)) == few


def test_public_log_names_no_user(person, contact_a):
    """Usernames may identify people (even be e-mail addresses): the public sees "user"."""
    with translation.override("en"):
        entries = full_log(person)
    assert {entry.who for entry in entries} == {"user"}
    assert contact_a.username not in repr(entries)


def test_log_includes_child_records_with_their_subject(person, org_a, secretary_x, body_x,
                                                       admin_user):
    seat = structure_services.seat_create(actor=secretary_x, body=body_x,
                                          data={"role": "member", "constituency": "Nord"})
    structure_services.membership_create(actor=secretary_x, seat=seat, data={
        "person": person, "organisation": org_a})
    body_log = full_log(body_x, show_actors=True)
    subjects = {(entry.model.__name__, entry.subject) for entry in body_log}
    assert ("Seat", "Medlem (Nord)") in subjects or ("Seat", "Member (Nord)") in subjects
    assert ("Membership", "Kari Nordmann") in subjects
    person_log = full_log(person)
    assert ("Affiliation", str(org_a)) in {(e.model.__name__, e.subject) for e in person_log}
    org_log = full_log(org_a)
    assert ("Affiliation", "Kari Nordmann") in {(e.model.__name__, e.subject) for e in org_log}


def test_child_log_query_count_does_not_grow(person, secretary_x, body_x, org_a):
    seat = structure_services.seat_create(actor=secretary_x, body=body_x, data={"role": "member"})
    structure_services.seat_update(actor=secretary_x, seat=seat, data={"constituency": "Y"})
    few = t.count_queries(lambda: full_log(body_x))
    for n in range(5):
        other = structure_services.seat_create(actor=secretary_x, body=body_x,
                                               data={"role": "member", "sort_order": n})
        structure_services.seat_update(actor=secretary_x, seat=other, data={"constituency": "X"})
    assert seat.pk and t.count_queries(lambda: full_log(body_x)) == few
