"""The solutions scale hook: S-curve adoption of every solution by every member in contiguous
periods, deterministic for a seed, and a clear that removes exactly what it made."""

import datetime

import pytest

from core import scale
from core import testing as t
from core.access import SYSTEM
from solutions import services
from solutions.catalogue import load_fiks_catalogue
from solutions.models import Adoption, BenefitItem, BenefitModel, Solution
from solutions.scale import adoptions_from, clip_events, solutions_clear, solutions_generate

D = datetime.date
UNTIL = D(2025, 12, 31)


def ordinal(year, month=1, day=1):
    return D(year, month, day).toordinal()


def test_clipping_moves_early_changes_to_the_first_day_and_drops_late_ones():
    events = [("planned", ordinal(2019, 5)), ("implementing", ordinal(2020, 3)),
              ("production", ordinal(2021, 2)), ("discontinued", ordinal(2027))]
    assert clip_events(events, ordinal(2020, 6), ordinal(2025, 12, 31)) == [
        ("implementing", D(2020, 6, 1)), ("production", D(2021, 2, 1))]
    assert clip_events(events, ordinal(2024), ordinal(2025)) == [("production", D(2024, 1, 1))]
    assert clip_events(events, ordinal(2010), ordinal(2015)) == []


def test_periods_follow_each_other_and_the_last_is_open():
    rows = adoptions_from([("planned", D(2015, 1, 1)), ("production", D(2016, 3, 1))],
                          solution_id=1, organisation_id=2)
    assert [(a.status, a.valid_from, a.valid_to) for a in rows] == [
        ("planned", D(2015, 1, 1), D(2016, 2, 29)), ("production", D(2016, 3, 1), None)]
    assert all(scale.MARK in a.note for a in rows)
    assert adoptions_from([], solution_id=1, organisation_id=2) == []


@pytest.fixture
def members(db):
    """Members of every size, one county municipality, one formed and one dissolved within the
    span, and KS, which adopts nothing."""
    ks = t.OrganisationFactory(kind="ks", name="KS", number="")
    members = [t.OrganisationFactory(population=1000 * (i + 1) ** 2) for i in range(24)]
    members += [t.OrganisationFactory(kind="county_municipality", population=None),
                t.OrganisationFactory(valid_from=D(2024, 1, 1)),
                t.OrganisationFactory(valid_from=D(2020, 1, 1), valid_to=D(2023, 12, 31))]
    load_fiks_catalogue(actor=SYSTEM)
    return ks, members


def context(seed=7):
    return scale.ScaleContext(seed=seed, years=20, until=UNTIL, small=True)


def snapshot() -> list[tuple]:
    """What a seed must reproduce (keys differ per run)."""
    return sorted(Adoption.objects.filter(note__contains=scale.MARK).values_list(
        "solution__slug", "organisation__name", "status", "valid_from", "valid_to"))


def assert_contiguous(periods):
    pairs: dict[tuple, list] = {}
    for solution, organisation, valid_from, valid_to in periods:
        pairs.setdefault((solution, organisation), []).append((valid_from, valid_to))
    for rows in pairs.values():
        for (_start, end), (following, _end) in zip(rows, rows[1:], strict=False):
            assert end == following - datetime.timedelta(days=1)
        assert rows[-1][1] is None


def test_every_member_adopts_along_a_curve_in_contiguous_periods_and_clear_removes_them(members):
    ks, organisations = members
    svarut = Solution.objects.get(slug="svarut")
    real = services.adoption_record(actor=SYSTEM, solution=svarut, organisation=organisations[0],
                                    status="production", valid_from=D(2014, 2, 1))
    real_before = set(Solution.objects.values_list("slug", flat=True))

    counts = solutions_generate(context())

    generated = Solution.objects.filter(slug__startswith=scale.SLUG_PREFIX)
    assert counts["solutions"] == generated.count() == 10
    assert all(name.endswith(scale.GENERATED) for name in generated.values_list("name", flat=True))
    adoptions = Adoption.objects.filter(note__contains=scale.MARK)
    assert counts["adoptions"] == adoptions.count() > 1000
    assert adoptions.filter(solution__in=generated).exists()
    assert adoptions.exclude(solution__in=generated).exists()  # the real services too
    assert not Adoption.objects.filter(organisation=ks).exists()
    assert not adoptions.filter(solution=svarut, organisation=organisations[0]).exists()
    assert_contiguous(Adoption.objects.order_by("solution", "organisation", "valid_from")
                      .values_list("solution", "organisation", "valid_from", "valid_to"))
    assert not adoptions.filter(valid_from__gt=UNTIL).exists()
    born, dissolved = organisations[-2:]
    assert not adoptions.filter(organisation=born, valid_from__lt=born.valid_from).exists()
    assert not adoptions.filter(organisation=dissolved, valid_from__gt=dissolved.valid_to).exists()
    statuses = set(adoptions.values_list("status", flat=True))
    assert {"planned", "implementing", "production", "discontinued"} <= statuses
    history = Adoption.history.filter(history_type="+", id__in=adoptions.values("pk"))
    assert history.count() == adoptions.count()
    assert counts["benefit models"] == BenefitModel.objects.filter(solution__in=generated).count()
    assert BenefitItem.objects.filter(model__solution__in=generated).count() == 4 * 2
    first = snapshot()

    removed = solutions_clear()

    assert removed["adoptions"] == counts["adoptions"]
    assert set(Solution.objects.values_list("slug", flat=True)) == real_before
    assert list(Adoption.objects.all()) == [real]
    assert not Adoption.history.filter(note__contains=scale.MARK).exists()
    assert not BenefitModel.objects.exists()

    solutions_generate(context())
    assert snapshot() == first  # the same seed gives the same data
