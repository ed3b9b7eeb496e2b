"""Fixtures of the representation tests: an external body with seats, nominees, a vacancy."""

import datetime

import pytest

from core import testing as t
from register.models import OrganisationKind
from representation import services
from structure.models import BodyKind


@pytest.fixture
def state_agency(db):
    return t.OrganisationFactory(kind=OrganisationKind.STATE_AGENCY, name="Helsedirektoratet",
                                 number="", county=None)


@pytest.fixture
def external_body(state_agency):
    body = t.BodyFactory(kind=BodyKind.EXTERNAL_BODY, name="Nasjonalt e-helsestyre",
                         slug="nasjonalt-e-helsestyre", owner=state_agency)
    for role in ["member", "member", "deputy"]:
        t.SeatFactory(body=body, role=role)
    return body


@pytest.fixture
def vacancy(external_body, admin_user):
    return services.vacancy_create(
        actor=admin_user, body=external_body, seats=list(external_body.seats.all()),
        data={"title": "Tre plasser i e-helsestyret", "term_start": datetime.date(2027, 1, 1),
              "term_end": datetime.date(2028, 12, 31),
              "deadline": datetime.date.today() + datetime.timedelta(days=30)},
        required_competences=["e-helse"], desired_competences=["e-helse", "arkitektur"])


def nominee(organisation, name: str):
    """A person affiliated with ``organisation``."""
    affiliation = t.AffiliationFactory(organisation=organisation, person__name=name)
    return affiliation.person
