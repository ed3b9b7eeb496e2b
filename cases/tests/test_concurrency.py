"""Concurrent writes on a real server: one submission per idempotency key, gap-free numbers.

These need separate connections writing at once, which the in-memory SQLite test database
cannot give (each thread would see its own empty database); CI runs them in its PostgreSQL run.
"""

import threading

import pytest
from django.db import connection

from cases import services
from cases.models import Case, InputVersion
from core import testing as t

from .conftest import answers, make_case, make_round

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql",
                                reason="needs concurrent connections (PostgreSQL run)")


def run_at_once(count: int, work) -> list:
    """Run ``work(i)`` in ``count`` threads released together; return results or exceptions."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def runner(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as error:  # noqa: BLE001 - reported to the test
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.fixture
def world(transactional_db):
    admin = t.user_with_role(t.Role.ADMIN)
    body = t.BodyFactory(name="Organ K")
    organisation = t.OrganisationFactory(name="Kommune K")
    contact = t.user_with_role(t.Role.ORG_CONTACT, organisation=organisation)
    contact.email = "post@k.kommune.no"
    contact.save()
    case = make_case(admin, body, status="in_progress")
    step = services.step_create(actor=admin, case=case, data={"body": body, "purpose": "input"})
    return {"admin": admin, "body": body, "organisation": organisation, "contact": contact,
            "round": make_round(admin, step)}


def test_same_input_from_two_threads_gives_one_submission_and_one_receipt(world, mailoutbox):
    round_ = world["round"]
    given = answers(round_, "Vi støtter forslaget")

    def submit(_i):
        version, created = services.input_submit(
            actor=world["contact"], round_=round_, organisation=world["organisation"],
            answers=given, idempotency_key="dobbeltklikk")
        return version.pk, created

    results = run_at_once(2, submit)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len({pk for pk, _created in results}) == 1
    assert sorted(created for _pk, created in results) == [False, True]
    assert InputVersion.objects.count() == 1
    assert len(mailoutbox) == 1


def test_fifty_retries_with_one_key_store_one_input(world):
    round_ = world["round"]
    given = answers(round_, "Samme innspill")

    def submit(_i):
        return services.input_submit(actor=world["contact"], round_=round_,
                                     organisation=world["organisation"], answers=given,
                                     idempotency_key="k")[0].pk

    results = run_at_once(50, submit)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(set(results)) == 1 and InputVersion.objects.count() == 1


def test_concurrent_cases_get_unique_gap_free_numbers(world):
    results = run_at_once(10, lambda i: make_case(world["admin"], world["body"],
                                                  title=f"Sak {i}").sequence)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(results) == list(range(2, 12))  # the fixture's case took number 1
    assert Case.objects.count() == 11
