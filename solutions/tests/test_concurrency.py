"""Concurrent status reports on a real server: one open period per member and solution.

These need separate connections writing at once, which the in-memory SQLite test database
cannot give; CI runs them in its PostgreSQL run (as cases/tests/test_concurrency.py).
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from cases.tests.test_concurrency import run_at_once
from core import testing as t
from solutions import services
from solutions.models import Adoption

from .factories import SolutionFactory

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql",
                                reason="needs concurrent connections (PostgreSQL run)")
STATUSES = ["planned", "implementing", "production"]


@pytest.fixture
def world(transactional_db):
    organisation = t.OrganisationFactory(name="Kommune K")
    return {"organisation": organisation, "solution": SolutionFactory(name="SvarUt"),
            "contact": t.user_with_role(t.Role.ORG_CONTACT, organisation=organisation)}


def test_first_reports_at_once_leave_one_open_period(world):
    """Ten first reports for a pair with no period yet (nothing of its own to lock): every one
    is recorded or refused with a clear error, never a crash, and one period is open."""
    def report(i):
        return services.adoption_record(
            actor=world["contact"], solution=world["solution"],
            organisation=world["organisation"], status=STATUSES[i % 3],
            valid_from=datetime.date(2020, 1, 1 + i))

    results = run_at_once(10, report)
    # a report dated before one recorded a moment earlier is refused on its date, as it
    # would be one after the other; nothing else may go wrong
    crashes = [r for r in results if isinstance(r, Exception)
               and not (isinstance(r, ValidationError) and "valid_from" in r.message_dict)]
    assert not crashes, crashes
    assert any(isinstance(r, Adoption) for r in results)
    periods = list(Adoption.objects.filter(organisation=world["organisation"])
                   .order_by("valid_from").values_list("valid_from", "valid_to"))
    assert sum(1 for _start, end in periods if end is None) == 1
    for (_start, end), (next_start, _end) in zip(periods, periods[1:], strict=False):
        assert end == next_start - datetime.timedelta(days=1)  # contiguous, no overlap
