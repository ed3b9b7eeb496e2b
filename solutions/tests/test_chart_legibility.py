"""The benefit charts stay legible (found on SvarUt's benefits page): the value axis of a tornado
in kroner has no tick labels running into each other, and item titles that differ only at the
end ("… 2013–2014", "… 2015–2016") are still told apart when shortened to fit."""

from __future__ import annotations

from defusedxml import ElementTree

from core import charts
from core.charts import Segment

NS = "{http://www.w3.org/2000/svg}"


def _kroner(value) -> str:
    return f"{round(value):,} kr".replace(",", " ")


def tornado():
    periods = ["2013–2014", "2015–2016", "2017–2018", "2019–2030"]
    rows = [(f"Spart porto, trykk og konvolutter {p}", [-700e6 / (i + 1), 800e6 / (i + 1)])
            for i, p in enumerate(periods)]
    rows += [(f"Raskere og enklere mottak av post {p}", [-300e6 / (i + 1), 350e6 / (i + 1)])
             for i, p in enumerate(periods)]
    return charts.bar_chart(rows, title="Sensitivity", description="d", label_header="Item",
                            value_label="Change", grouped=True, value_format=_kroner,
                            segments=[Segment("Low", "hatch", "#b34700"),
                                      Segment("High", "solid", "#1d5fa6")])


def _root(chart):
    return ElementTree.fromstring(chart.svg.encode("utf-8"))


def test_value_axis_labels_do_not_overlap():
    root = _root(tornado())
    ticks = sorted(float(line.get("x1")) for line in root.iter(f"{NS}line")
                   if "chart-grid" in line.get("class", "").split())
    bottom = max(float(t.get("y")) for t in root.iter(f"{NS}text")
                 if t.get("text-anchor") == "middle" and t.text and t.text.endswith("kr"))
    labels = sorted((float(t.get("x")), t.text) for t in root.iter(f"{NS}text")
                    if t.get("y") and float(t.get("y")) == bottom)
    assert len(labels) == len(ticks) >= 2
    for (x1, a), (x2, b) in zip(labels, labels[1:], strict=False):
        # centred labels, at the generous width estimate the charts use (0.6 em a character)
        assert x2 - x1 >= (len(a) + len(b)) * 12 * 0.6 / 2, (a, b, x2 - x1)


def test_shortened_row_labels_stay_distinct_and_keep_the_end():
    root = _root(tornado())
    names = [t.text for t in root.iter(f"{NS}text") if t.get("text-anchor") == "end"
             and t.text and "…" in t.text]
    assert len(names) == 8, names  # every title was too long to show whole
    assert len(set(names)) == 8, names
    assert all(n.endswith(("2013–2014", "2015–2016", "2017–2018", "2019–2030")) for n in names)
