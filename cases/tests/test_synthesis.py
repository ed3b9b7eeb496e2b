"""Grouping of inputs by theme (`cases.synthesis`): pure functions, no database."""

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases.synthesis import MAX_TERMS, Theme, content_lemmas, group_inputs

REPO = Path(__file__).resolve().parents[2]

# Twelve inputs on three themes, inflected as organisations write them.
POST = {
    1: "Vi opplever at forsendelsene via SvarUt ofte blir liggende uten kvittering. "
    "Digital post til innbyggerne må bli mer pålitelig.",
    2: "Forsendelser som feiler i SvarUt bør varsles automatisk, slik at kommunen kan sende "
    "brevet på nytt som digital post.",
    3: "Kommunen sender mange forsendelser hver dag. SvarUt og digital postkasse er viktig for "
    "oss, men forsendelsen må kunne spores.",
    4: "Det trengs bedre oversikt over forsendelser som ikke er levert, og SvarUt bør gi "
    "kvittering når posten er åpnet.",
}
PRIVACY = {
    5: "Personvernet til innbyggerne må ivaretas. Vi savner en felles databehandleravtale og en "
    "vurdering av informasjonssikkerheten.",
    6: "Databehandleravtalen bør være standardisert, slik at hver kommune slipper å vurdere "
    "personvern og informasjonssikkerhet på nytt.",
    7: "Informasjonssikkerhet og personvern er avgjørende. Databehandleravtaler med leverandøren "
    "må være på plass før oppstart.",
    8: "Vi anbefaler en risikovurdering av personvernet og en gjennomgang av "
    "databehandleravtalene med hensyn til informasjonssikkerhet.",
}
FUNDING = {
    9: "Kostnadene for kommunene er uklare. Finansieringen må avklares før budsjettet for neste "
    "år vedtas.",
    10: "Små kommuner har ikke budsjett til dette. Kostnader bør fordeles etter innbyggertall, "
    "og finansiering må sikres nasjonalt.",
    11: "Budsjettet vårt tåler ikke økte kostnader. Vi ber om en plan for finansieringen og "
    "fordelingen av kostnadene.",
    12: "Finansiering via statlige tilskudd er nødvendig; ellers blir kostnaden for høy for "
    "kommunens budsjett.",
}
ROUND = [*POST.items(), *PRIVACY.items(), *FUNDING.items()]


def test_three_clear_themes_are_recovered_with_their_lemmas():
    themes = group_inputs(ROUND)

    groups = {frozenset(theme.input_ids): theme.terms for theme in themes}
    assert set(groups) == {frozenset(POST), frozenset(PRIVACY), frozenset(FUNDING)}
    assert {"forsendelse", "svarut"} <= set(groups[frozenset(POST)])
    assert {"personvern", "databehandleravtale"} <= set(groups[frozenset(PRIVACY)])
    assert {"kostnad", "budsjett", "finansiering"} <= set(groups[frozenset(FUNDING)])


def test_inflected_forms_share_their_lemmas():
    definite = "Forsendelsene og personvernet i kommunene"
    indefinite = "Forsendelser og personvern i kommuner"

    assert content_lemmas(definite) == content_lemmas(indefinite)
    assert content_lemmas(definite) == ["forsendelse", "personvern", "kommune"]
    [theme] = group_inputs([(1, definite), (2, indefinite)])
    assert set(theme.terms) == {"forsendelse", "personvern", "kommune"}


def test_nynorsk_and_english_are_lemmatised_too():
    assert content_lemmas("Kommunane sine sendingar") == ["kommune", "sending"]
    assert content_lemmas("The budgets of the municipalities") == ["budget", "municipality"]


def test_stop_words_short_tokens_and_numbers_are_dropped():
    assert content_lemmas("Vi er ikke på 2024 og 3,5 % av det, men nå -- ja.") == []
    assert content_lemmas("") == []


def test_terms_are_capped_and_ordered_by_weight_then_term():
    text = "alfa beta gamma delta epsilon zeta eta theta iota kappa"
    [theme] = group_inputs([(1, text)])
    assert len(theme.terms) == MAX_TERMS
    assert list(theme.terms) == sorted(theme.terms)  # equal weights: alphabetical


def test_central_inputs_come_first():
    items = [(1, "budsjett kostnad"), (2, "budsjett"), (3, "budsjett kostnad")]
    [theme] = group_inputs(items, max_groups=1)
    assert theme.input_ids == (1, 3, 2)


def test_no_items_give_no_themes():
    assert group_inputs([]) == []


def test_one_item_gives_one_theme():
    assert group_inputs([(7, "Forsendelsene via SvarUt")]) == [
        Theme(terms=("forsendelse", "svarut"), input_ids=(7,))
    ]


def test_identical_texts_give_one_theme():
    [theme] = group_inputs([(i, POST[1]) for i in (5, 3, 9, 1)])
    assert theme.input_ids == (1, 3, 5, 9)
    assert "forsendelse" in theme.terms


def test_inputs_without_content_words_are_uncategorised_last():
    themes = group_inputs([*ROUND, (40, ""), (30, "Og så er det det."), (20, "12 345")])
    assert themes[-1] == Theme(terms=(), input_ids=(20, 30, 40))
    assert all(theme.terms for theme in themes[:-1])


def test_an_input_sharing_no_word_is_uncategorised():
    themes = group_inputs([*ROUND, (13, "Sykehjem legevakt hjemmetjeneste")])
    assert themes[-1] == Theme(terms=(), input_ids=(13,))


def test_max_groups_bounds_the_themes():
    themes = group_inputs(ROUND, max_groups=2)
    assert len(themes) == 2
    [theme] = group_inputs(ROUND, max_groups=1)
    assert sorted(theme.input_ids) == list(range(1, 13))


def test_duplicate_ids_and_bad_max_groups_are_refused():
    with pytest.raises(ValueError, match="unique"):
        group_inputs([(1, "budsjett"), (1, "kostnad")])
    with pytest.raises(ValueError, match="max_groups"):
        group_inputs(ROUND, max_groups=0)


def test_order_of_items_does_not_matter():
    expected = group_inputs(ROUND)
    for seed in range(5):
        shuffled = ROUND.copy()
        random.Random(seed).shuffle(shuffled)
        assert group_inputs(shuffled) == expected


def test_same_result_in_other_processes():
    script = (
        "import json, sys\n"
        "from cases.synthesis import group_inputs\n"
        "items = [tuple(item) for item in json.load(sys.stdin)]\n"
        "print(json.dumps([[t.terms, t.input_ids] for t in group_inputs(items)]))\n"
    )
    expected = [[list(t.terms), list(t.input_ids)] for t in group_inputs(ROUND)]
    result = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(ROUND[::-1]),
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONHASHSEED": "12345"},  # another order of sets and dicts' hashes
        check=True,
    )
    assert json.loads(result.stdout) == expected


HOSTILE = [
    "",
    " ",
    "<script>alert('personvern')</script>",
    "<p>Forsendelsene <b>feiler</b></p>",
    "'; DROP TABLE cases_input; --",
    "budsjett " * 600,
    "ø" * 5000,
    POST[1],
    PRIVACY[5],
    FUNDING[9],
    "\u202e\u200b\x00\ufeff",
    "🙂 emoji 🙂 kostnader",
]
texts = st.one_of(st.text(max_size=200), st.sampled_from(HOSTILE))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ids=st.lists(st.integers(-(2**63), 2**63 - 1), unique=True, max_size=25),
    data=st.data(),
    max_groups=st.integers(1, 8),
)
def test_every_input_lands_in_exactly_one_theme(ids, data, max_groups):
    items = [(input_id, data.draw(texts)) for input_id in ids]

    themes = group_inputs(items, max_groups=max_groups)

    placed = [input_id for theme in themes for input_id in theme.input_ids]
    assert sorted(placed) == sorted(ids)
    assert all(theme.input_ids for theme in themes)
    assert len([theme for theme in themes if theme.terms]) <= max_groups
    assert all(theme.terms for theme in themes[:-1])
    assert all(len(theme.terms) <= MAX_TERMS for theme in themes)
    assert group_inputs(items[::-1], max_groups=max_groups) == themes
