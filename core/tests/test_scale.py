"""generate-scale: deterministic fictional volume on top of the real register, with history."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core import scale
from register.models import Affiliation, Person
from structure.models import Body, Membership, Seat

pytestmark = pytest.mark.django_db


def generate(*args: str) -> str:
    out = StringIO()
    call_command("generate_scale", "--small", "--seed", "7", "--until-year", "2025", *args,
                 stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    """What a seed must reproduce: counts, names and terms (not keys, which differ per run)."""
    people = Person.objects.filter(name__contains=scale.MARK)
    bodies = Body.objects.filter(slug__startswith=scale.SLUG_PREFIX)
    memberships = Membership.objects.filter(seat__body__in=bodies)
    return {
        "people": sorted(people.values_list("name", flat=True)),
        "affiliations": Affiliation.objects.filter(person__in=people).count(),
        "bodies": sorted(bodies.values_list("slug", "name", "parent__slug")),
        "seats": Seat.objects.filter(body__in=bodies).count(),
        "terms": sorted(memberships.values_list("seat__body__slug", "seat__sort_order",
                                                "person__name", "valid_from", "valid_to")),
    }


def assert_terms_never_overlap():
    terms: dict[int, list] = {}
    for m in Membership.objects.order_by("seat_id", "valid_from"):
        terms.setdefault(m.seat_id, []).append(m)
    for seat_terms in terms.values():
        for before, after in zip(seat_terms, seat_terms[1:], strict=False):
            assert before.valid_to is not None and before.valid_to < after.valid_from


def assert_every_row_has_history(model, queryset):
    ids = set(queryset.values_list("pk", flat=True))
    created = set(model.history.filter(history_type="+", id__in=ids)
                  .values_list("id", flat=True))
    assert ids and created == ids


def test_refuses_without_the_real_register():
    with pytest.raises(CommandError, match="load-register"):
        generate()


def test_small_set_is_deterministic_marked_historied_and_replaceable(monkeypatch):
    extra = []  # a later capability's hook, registered the documented way
    monkeypatch.setitem(scale.SCALE_HOOKS, "extra", scale.ScaleHook(
        name="extra", order=100, clear=lambda: {"extra": len(extra)},
        generate=lambda ctx: extra.append(ctx.volume("extra", full=10, small=2)) or {"extra": 2}))
    call_command("load_register", stdout=StringIO(), stderr=StringIO())

    output = generate()
    first = snapshot()
    assert len(first["people"]) == 300 and len(first["bodies"]) == 10
    assert len(first["terms"]) == 200 and extra == [2]
    assert "extra: extra 2" in output and "rows" in output
    people = Person.objects.filter(name__contains=scale.MARK)
    assert not people.filter(is_demo=False).exists()
    assert all(name.endswith(")") for name in first["people"])
    assert not Membership.objects.filter(seat__body__slug__startswith="gen-",
                                         is_demo=False).exists()
    real = set(Body.objects.exclude(slug__startswith="gen-").values_list("slug", flat=True))
    assert {parent for _, _, parent in first["bodies"]} & real  # the tree hangs under them
    assert_terms_never_overlap()
    bodies = Body.objects.filter(slug__startswith="gen-")
    for model, queryset in [(Person, people), (Affiliation, Affiliation.objects.filter(
            person__in=people)), (Body, bodies), (Seat, Seat.objects.filter(body__in=bodies)),
            (Membership, Membership.objects.filter(seat__body__in=bodies))]:
        assert_every_row_has_history(model, queryset)

    with pytest.raises(CommandError, match="--replace"):
        generate()

    generate("--replace")
    assert snapshot() == first
    # the removed rows took their history with them: one "+" record per row, no "-" records
    assert Person.history.filter(name__contains=scale.MARK).count() == 300
    assert not Membership.history.filter(history_type="-").exists()
    assert_terms_never_overlap()


def test_volumes_can_be_chosen_per_hook():
    ctx = scale.ScaleContext(seed=1, years=20, until=scale.datetime.date(2025, 12, 31),
                             small=True, volumes={"people": 12})
    assert ctx.volume("people", full=5000, small=300) == 12
    assert ctx.volume("bodies", full=100, small=10) == 10
    assert ctx.start == scale.datetime.date(2006, 1, 1)
    assert ctx.rng("people").random() == ctx.rng("people").random()
