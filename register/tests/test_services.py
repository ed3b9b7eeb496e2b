"""Register write services: who may do what, no change on refusal, history with actor and reason."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from core import testing as t
from core.access import SYSTEM
from register import services
from register.models import Affiliation, Organisation, Person

PAST = datetime.date(2020, 1, 1)
YESTERDAY = datetime.date.today() - datetime.timedelta(days=1)


def state() -> list:
    """Every row (all values) of the register's people, affiliations and organisations, and
    their history tables: equal before and after means nothing changed."""
    models = [Person, Affiliation, Organisation, Person.history.model,
              Affiliation.history.model, Organisation.history.model]
    return [list(m.objects.order_by("pk").values()) for m in models]


@pytest.fixture
def person_a(org_a):
    return t.AffiliationFactory(organisation=org_a).person


@pytest.fixture
def person_b(org_b):
    return t.AffiliationFactory(organisation=org_b).person


@pytest.fixture
def contact_b(org_b):
    return t.user_with_role(t.Role.ORG_CONTACT, organisation=org_b)


@pytest.fixture
def actors(db, admin_user, contact_a, contact_b, secretary_x):
    inactive = t.user_with_role(t.Role.ORG_CONTACT, organisation=contact_a.role_grants.get()
                                .organisation)
    inactive.is_active = False
    inactive.save()
    expired = t.UserFactory()
    t.grant(expired, t.Role.ORG_CONTACT, organisation=contact_a.role_grants.get().organisation,
            valid_from=PAST, valid_to=YESTERDAY)
    return {
        "anonymous": AnonymousUser(), "admin": admin_user, "contact_a": contact_a,
        "contact_b": contact_b, "secretary_x": secretary_x, "inactive_contact_a": inactive,
        "expired_contact_a": expired,
    }


# actor -> allowed on organisation A's people and affiliations?
ON_A = {
    "anonymous": False, "admin": True, "contact_a": True, "contact_b": False,
    "secretary_x": False, "inactive_contact_a": False, "expired_contact_a": False,
}


def attempt(allowed: bool, operation):
    """Run ``operation``; refused operations must raise PermissionDenied and change nothing."""
    before = state()
    if allowed:
        return operation()
    with pytest.raises(PermissionDenied):
        operation()
    assert state() == before
    return None


@pytest.mark.parametrize("who", ON_A)
def test_person_create_permission(actors, org_a, who):
    actor = actors[who]
    person = attempt(ON_A[who], lambda: services.person_create(
        actor=actor, organisation=org_a, data={"name": "Ny Person", "email": "ny@example.invalid"},
        title="Rådgiver"))
    if person:
        assert person.affiliations.get().organisation == org_a
        assert person.history.get().history_user == actor
        assert person.history.get().history_change_reason == "created"


@pytest.mark.parametrize("who", ON_A)
def test_person_update_permission(actors, person_a, who):
    actor = actors[who]
    person = attempt(ON_A[who], lambda: services.person_update(
        actor=actor, person=person_a, data={"phone": "+47 999 99 999"}))
    if person:
        record = Person.objects.get(pk=person_a.pk).history.first()
        assert (record.history_type, record.history_user) == ("~", actor)
        assert record.history_change_reason == "updated"
        assert record.phone == "+47 999 99 999"


@pytest.mark.parametrize("who", ON_A)
def test_affiliation_create_permission(actors, org_a, person_a, who):
    actor = actors[who]
    affiliation = attempt(ON_A[who], lambda: services.affiliation_create(
        actor=actor, person=person_a, organisation=org_a, data={"title": "Leder"}))
    if affiliation:
        assert affiliation.history.get().history_user == actor


@pytest.mark.parametrize("who", ON_A)
def test_affiliation_update_permission(actors, person_a, who):
    affiliation = person_a.affiliations.get()
    attempt(ON_A[who], lambda: services.affiliation_update(
        actor=actors[who], affiliation=affiliation, data={"title": "Direktør"}))
    assert (Affiliation.objects.get(pk=affiliation.pk).title == "Direktør") == ON_A[who]


@pytest.mark.parametrize("who", ON_A)
def test_affiliation_delete_permission(actors, person_a, who):
    affiliation = person_a.affiliations.get()
    attempt(ON_A[who], lambda: services.affiliation_delete(
        actor=actors[who], affiliation=affiliation))
    assert Affiliation.objects.filter(pk=affiliation.pk).exists() != ON_A[who]


@pytest.mark.parametrize("who", ["anonymous", "contact_a", "secretary_x", "inactive_contact_a"])
def test_contacts_cannot_touch_organisation_b(actors, org_b, person_b, who):
    actor = actors[who]
    affiliation = person_b.affiliations.get()
    for operation in [
        lambda: services.person_create(actor=actor, organisation=org_b, data={"name": "X"}),
        lambda: services.person_update(actor=actor, person=person_b, data={"name": "X"}),
        lambda: services.affiliation_create(actor=actor, person=person_b, organisation=org_b,
                                            data={}),
        lambda: services.affiliation_update(actor=actor, affiliation=affiliation,
                                            data={"title": "X"}),
        lambda: services.affiliation_delete(actor=actor, affiliation=affiliation),
    ]:
        attempt(False, operation)


def test_contact_of_a_cannot_adopt_a_person_of_b(contact_a, org_a, person_b):
    """Affiliating B's person with A would give A's contact write access to that person."""
    attempt(False, lambda: services.affiliation_create(
        actor=contact_a, person=person_b, organisation=org_a, data={}))


@pytest.mark.parametrize("who", ON_A)
def test_organisation_update_is_for_administrators_only(actors, org_a, who):
    actor = actors[who]
    allowed = who == "admin"
    attempt(allowed, lambda: services.organisation_update(
        actor=actor, organisation=org_a, data={"population": 4242}))
    org = Organisation.objects.get(pk=org_a.pk)
    assert (org.population == 4242) == allowed
    if allowed:
        record = org.history.first()
        assert (record.history_user, record.history_change_reason) == (actor, "updated")
        assert record.prev_record.population == 1000


# --- mass assignment and validation: nothing changes ---------------------------------------


@pytest.mark.parametrize("extra", [
    {"is_demo": True}, {"id": 999}, {"organisation": "B"}, {"is_staff": True},
])
def test_person_update_refuses_extra_fields(contact_a, person_a, extra):
    before = state()
    with pytest.raises(ValidationError) as info:
        services.person_update(actor=contact_a, person=person_a, data={"name": "Ny", **extra})
    assert set(info.value.message_dict) == set(extra)
    assert state() == before
    assert person_a.name != "Ny"  # not even the caller's object was touched


@pytest.mark.parametrize("extra", [{"organisation": "B"}, {"person": "X"}, {"role": "admin"}])
def test_affiliation_update_refuses_extra_fields(contact_a, person_a, org_b, extra):
    affiliation = person_a.affiliations.get()
    extra = {k: org_b if v == "B" else v for k, v in extra.items()}
    before = state()
    with pytest.raises(ValidationError):
        services.affiliation_update(actor=contact_a, affiliation=affiliation, data=extra)
    assert state() == before


def test_person_create_refuses_extra_fields(contact_a, org_a):
    before = state()
    with pytest.raises(ValidationError):
        services.person_create(actor=contact_a, organisation=org_a,
                               data={"name": "X", "is_demo": True})
    assert state() == before


@pytest.mark.parametrize("extra", [{"kind": "vendor"}, {"number": "0301"}, {"county": None}])
def test_organisation_update_refuses_identity_fields(admin_user, org_a, extra):
    before = state()
    with pytest.raises(ValidationError):
        services.organisation_update(actor=admin_user, organisation=org_a, data=extra)
    assert state() == before


def test_invalid_values_roll_back_everything(contact_a, org_a):
    before = state()
    with pytest.raises(ValidationError) as info:
        services.person_create(actor=contact_a, organisation=org_a,
                               data={"name": "X", "email": "not an address"})
    assert "email" in info.value.message_dict
    assert state() == before


def test_invalid_org_number_is_refused(admin_user, org_a):
    before = state()
    with pytest.raises(ValidationError) as info:
        services.organisation_update(actor=admin_user, organisation=org_a,
                                     data={"org_number": "958935421"})
    assert "org_number" in info.value.message_dict
    assert state() == before


def test_affiliation_must_end_after_it_starts(contact_a, person_a):
    affiliation = person_a.affiliations.get()
    before = state()
    with pytest.raises(ValidationError):
        services.affiliation_update(actor=contact_a, affiliation=affiliation,
                                    data={"valid_to": datetime.date(2019, 1, 1)})
    assert state() == before


def test_unchanged_update_writes_no_history(contact_a, person_a):
    before = state()
    services.person_update(actor=contact_a, person=person_a, data={"name": person_a.name})
    assert state() == before


def test_ended_affiliation_ends_the_contacts_access(contact_a, person_a):
    services.affiliation_update(actor=contact_a, affiliation=person_a.affiliations.get(),
                                data={"valid_to": YESTERDAY})
    with pytest.raises(PermissionDenied):
        services.person_update(actor=contact_a, person=person_a, data={"name": "X"})


def test_system_actor_is_recorded_as_no_user(person_a):
    services.person_update(actor=SYSTEM, person=person_a, data={"name": "Systemendret"})
    record = person_a.history.first()
    assert (record.history_user, record.history_change_reason) == (None, "updated")
