"""core.charts: the SVG maps the data, stays accessible and well-formed whatever the text, and
the downloads are safe."""

import csv
import io
import math
import re
from datetime import date

import pytest
from defusedxml import ElementTree
from django.utils.safestring import SafeString
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import charts
from core.charts import GridCell, Segment, Series

NS = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert('x')</script> & \"quoted\" ]]> \x00\x0b"


def parse(chart):
    root = ElementTree.fromstring(chart.svg.encode("utf-8"))
    assert root.tag == f"{NS}svg"
    return root


def by_class(root, name):
    return [el for el in root.iter() if name in el.get("class", "").split()]


def translate(el):
    x, y = re.fullmatch(r"translate\((\S+) (\S+)\)", el.get("transform")).groups()
    return float(x), float(y)


def plot_area(root):
    (plot,) = by_class(root, "chart-plot")
    x, y, w, h = (float(plot.get(k)) for k in ("x", "y", "width", "height"))
    return x, y, w, h


def adoption(**kwargs):
    series = [
        Series("Members in production", [(2016, 0), (2020, 50), (2024, 100)]),
        Series("Share of members", [(2016, 10), (2020, 20), (2024, 30)]),
        Series("Share of population", [(2016, 5), (2020, None), (2024, 60)]),
    ]
    options = {"title": "Adoption", "description": "Members over time", "x_label": "Year",
               "y_label": "Members", "y_max": 100} | kwargs
    return charts.line_chart(series, **options)


# --- mapping and scales --------------------------------------------------------------------------

def test_a_point_at_half_of_y_max_sits_mid_height_and_x_spans_the_plot():
    root = parse(adoption())
    x, y, w, h = plot_area(root)
    markers = [translate(m) for m in by_class(by_class(root, "chart-series")[0], "chart-marker")]
    assert markers[0] == pytest.approx((x, y + h))  # (2016, 0): bottom left
    assert markers[1] == pytest.approx((x + w / 2, y + h / 2))  # (2020, 50): the middle
    assert markers[2] == pytest.approx((x + w, y))  # (2024, 100): top right


@pytest.mark.parametrize(("lo", "hi"), [(0, 372), (0, 1), (-1_250_000, 3_400_000), (0, 0.037),
                                        (5, 5), (0, 1e9), (-3, -1)])
def test_ticks_are_round_and_cover_the_data(lo, hi):
    ticks, decimals = charts.nice_ticks(lo, hi)
    step = ticks[1] - ticks[0]
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert round(mantissa, 6) in (1, 2, 5)
    assert all(abs(t / step - round(t / step)) < 1e-6 for t in ticks)
    assert ticks[0] <= min(lo, hi) and ticks[-1] >= max(lo, hi)
    assert 2 <= len(ticks) <= 12
    assert all(round(t, decimals) == t for t in ticks)


def test_the_y_axis_ends_at_y_max_and_gridlines_carry_round_values():
    root = parse(adoption(y_max=372, title="Members"))
    values = [float(line.get("data-tick")) for line in by_class(root, "chart-grid")]
    assert values == [0, 100, 200, 300, 372]


@pytest.mark.parametrize("x_format", [None, lambda d: d.strftime("%d.%m.%Y")])
def test_dates_on_the_x_axis_tick_at_year_starts(x_format):
    chart = charts.line_chart([Series("A", [(date(2016, 5, 1), 1), (date(2024, 3, 1), 9)])],
                              title="t", description="d", x_label="Date", y_label="n",
                              x_format=x_format)
    labels = [t.text for t in parse(chart).iter(f"{NS}text")]
    assert {"2018", "2020", "2022", "2024"} <= set(labels)
    assert chart.table.rows[0] == (date(2016, 5, 1), 1)
    assert chart.table.display_rows[0][0] == ("01.05.2016" if x_format else "2016-05-01")


def test_the_table_has_one_row_per_x_and_a_column_per_series_with_gaps_empty():
    table = adoption().table
    assert table.headers == ("Year", "Members in production", "Share of members",
                             "Share of population")
    assert table.rows == ((2016, 0, 10, 5), (2020, 50, 20, None), (2024, 100, 30, 60))
    assert table.display_rows[1] == ["2020", "50", "20", ""]


# --- accessibility -------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [
    adoption,
    lambda: charts.bar_chart([("Agder", 40)], title="t", description="d", label_header="County",
                             value_label="%"),
    lambda: charts.status_grid([GridCell("Bergen", "prod")], legend=[("prod", "In production",
                               "solid")], title="t", description="d"),
])
def test_title_and_desc_name_the_chart(make):
    chart = make()
    root = parse(chart)
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root[0].tag == f"{NS}title" and root[0].get("id") == title_id
    assert root[1].tag == f"{NS}desc" and root[1].get("id") == desc_id
    assert root[0].text == chart.title and root[1].text == chart.description
    assert root.get("viewBox").startswith("0 0 ")


def test_series_differ_by_dash_pattern_and_marker_shape_not_only_colour():
    root = parse(adoption())
    series, legend = by_class(root, "chart-series"), by_class(root, "chart-legend-item")
    dashes = [item.find(f"{NS}line").get("stroke-dasharray", "") for item in legend]
    shapes = [s.find(f"{NS}path").get("d") for s in series]
    assert len(set(dashes)) == len(set(shapes)) == len(series) == 3
    assert [item.find(f"{NS}path").get("d") for item in legend] == shapes
    for dash, s in zip(dashes, series, strict=True):  # the third line is broken by a gap
        assert all(p.get("stroke-dasharray", "") == dash for p in s.iter(f"{NS}polyline"))
    ends = [t.text for t in by_class(root, "chart-end-label")]
    assert sorted(ends) == sorted(s.text for s in (i.find(f"{NS}text") for i in legend))


def test_palette_and_text_colours_have_enough_contrast():
    assert all(charts.contrast(c) >= 4.5 for c in charts.PALETTE)
    assert all(charts.contrast(c) >= 4.5 for c in (charts.TEXT, charts.MUTED))
    assert charts.contrast(charts.AXIS) >= 3
    with pytest.raises(ValueError):
        charts.line_chart([Series("pale", [(1, 1)], colour="#ffdd00")], title="t",
                          description="d", x_label="x", y_label="y")


def test_no_inline_style_or_script_for_the_strict_csp():
    for chart in (adoption(), cash_flow(), charts.status_grid(members(5), legend=LEGEND,
                                                              title="t", description="d")):
        root = parse(chart)
        assert not [el for el in root.iter() if el.get("style") is not None
                    or el.tag in (f"{NS}style", f"{NS}script", f"{NS}foreignObject")]
        assert not [el for el in root.iter() if any(k.startswith("on") for k in el.attrib)]


def test_two_charts_on_one_page_share_no_id_and_refer_only_to_their_own():
    first, second = parse(adoption()), parse(adoption())
    ids = [{el.get("id") for el in root.iter() if el.get("id")} for root in (first, second)]
    assert ids[0] and not ids[0] & ids[1]
    cash = parse(cash_flow())
    own = {el.get("id") for el in cash.iter() if el.get("id")}
    refs = {m for el in cash.iter() for m in re.findall(r"url\(#([^)]+)\)", el.get("fill", ""))}
    assert refs and refs <= own


# --- bars ----------------------------------------------------------------------------------------

def cash_flow(**kwargs):
    return charts.bar_chart(
        [("2023", [-800_000, 300_000]), ("2024", [-200_000, 900_000]), ("2025", [0, 1_500_000])],
        segments=[Segment("Costs", "hatch"), Segment("Benefits", "solid")], title="Cash flow",
        description="Costs and benefits by year", label_header="Year", value_label="NOK", **kwargs)


def test_negative_bars_lie_left_of_the_zero_line_and_positive_ones_right():
    root = parse(charts.bar_chart([("2023", -300), ("2024", 500), ("2025", 0)], title="Net",
                                  description="d", label_header="Year", value_label="NOK"))
    (zero,) = by_class(root, "chart-zero")
    zero_x = float(zero.get("x1"))
    bars = {float(b.get("data-value")): (float(b.get("x")), float(b.get("width")))
            for b in by_class(root, "chart-bar")}
    assert bars[-300][0] + bars[-300][1] == pytest.approx(zero_x)
    assert bars[500][0] == pytest.approx(zero_x)
    assert bars[500][1] / bars[-300][1] == pytest.approx(5 / 3)


def test_stacked_segments_differ_by_pattern_and_costs_go_below_zero():
    root = parse(cash_flow())
    zero_x = float(by_class(root, "chart-zero")[0].get("x1"))
    bars = by_class(root, "chart-bar")
    assert {b.get("data-pattern") for b in bars} == {"hatch", "solid"}
    assert all(float(b.get("x")) + float(b.get("width")) <= zero_x + 1e-6
               for b in bars if float(b.get("data-value")) < 0)
    patterns = root.find(f"{NS}defs").findall(f"{NS}pattern")
    assert len(patterns) == 1  # the hatch; solid needs none
    assert len(by_class(root, "chart-legend-item")) == 2


def test_grouped_segments_each_start_at_zero():
    root = parse(charts.bar_chart(
        [("Licences", [20, 50]), ("Training", [-30, 10])], grouped=True,
        segments=[Segment("Low", "hatch"), Segment("High", "solid")], title="Tornado",
        description="d", label_header="Item", value_label="Change"))
    zero_x = float(by_class(root, "chart-zero")[0].get("x1"))
    bars = {float(b.get("data-value")): b for b in by_class(root, "chart-bar")}
    for value, bar in bars.items():
        x, w = float(bar.get("x")), float(bar.get("width"))
        assert (x if value > 0 else x + w) == pytest.approx(zero_x)
    assert float(bars[20].get("y")) < float(bars[50].get("y"))  # one under the other
    assert float(bars[50].get("width")) == pytest.approx(2.5 * float(bars[20].get("width")))


def test_a_share_chart_ends_at_value_max_and_labels_each_bar():
    root = parse(charts.bar_chart([("Agder", 45.5), ("Oslo", 100)], title="t", description="d",
                                  label_header="County", value_label="%", value_max=100))
    assert [float(t.get("data-tick")) for t in by_class(root, "chart-grid")][-1] == 100
    assert len(by_class(root, "chart-value")) == 2


def test_rows_must_match_the_segments():
    with pytest.raises(ValueError):
        charts.bar_chart([("2023", [1])], segments=[Segment("a"), Segment("b")], title="t",
                         description="d", label_header="y", value_label="v")


# --- status grid ---------------------------------------------------------------------------------

LEGEND = [("prod", "In production", "solid"), ("impl", "Implementing", "hatch"),
          ("plan", "Planned", "dots"), ("no", "Declined", "cross"), ("none", "Not started",
                                                                     "outline")]


def members(n=372, link=True):
    statuses = [s for s, _label, _p in LEGEND]
    return [GridCell(f"Kommune {i}", statuses[i % 7 % 5], text=f"Kommune {i}: since 2016-05-01"
                     if i == 0 else "", href=f"/organisasjoner/{i}/" if link else None)
            for i in range(n)]


def test_the_grid_has_one_titled_cell_per_member_and_legend_counts_add_up():
    cells = members()
    root = parse(charts.status_grid(cells, legend=LEGEND, title="Members", description="d"))
    squares = by_class(root, "chart-cell")
    assert len(squares) == 372
    assert squares[0].find(f"{NS}title").text == "Kommune 0: since 2016-05-01"
    assert squares[1].find(f"{NS}title").text == "Kommune 1: Implementing"
    counts = {i.get("data-status"): int(i.get("data-count"))
              for i in by_class(root, "chart-legend-item")}
    assert sum(counts.values()) == 372
    assert counts == {s: sum(c.status == s for c in cells) for s, _l, _p in LEGEND}
    # each cell draws its status's square (fill and pattern written once per status)
    shapes = {f"#{r.get('id')}": (r.get("fill"), r.get("data-pattern"))
              for r in root.iter(f"{NS}rect") if r.get("id", "").count("-cell-")}
    assert len(set(shapes.values())) == 5
    by_status = {s.get("data-status"): shapes[s.get("href")] for s in squares}
    assert len(by_status) == 5 and len(set(by_status.values())) == 5


def test_linked_cells_are_named_links_and_the_grid_is_then_a_group():
    root = parse(charts.status_grid(members(3), legend=LEGEND, title="t", description="d"))
    links = root.findall(f".//{NS}a")
    assert [a.get("href") for a in links] == ["/organisasjoner/0/", "/organisasjoner/1/",
                                             "/organisasjoner/2/"]
    assert links[1].get("aria-label") == "Kommune 1: Implementing"
    assert root.get("role") == "group"  # focusable links inside role="img" would be hidden
    unlinked = parse(charts.status_grid(members(3, link=False), legend=LEGEND, title="t",
                                        description="d"))
    assert unlinked.get("role") == "img" and not unlinked.findall(f".//{NS}a")


@pytest.mark.parametrize("cell", [GridCell("x", "unknown"),
                                  GridCell("x", "prod", href="javascript:alert(1)")])
def test_the_grid_refuses_unknown_statuses_and_script_links(cell):
    with pytest.raises(ValueError):
        charts.status_grid([cell], legend=LEGEND, title="t", description="d")


# --- escaping, empty data, output ---------------------------------------------------------------

def test_hostile_text_is_escaped_everywhere():
    line = charts.line_chart([Series(HOSTILE, [(1, 1), (2, 2)])], title=HOSTILE,
                             description=HOSTILE, x_label=HOSTILE, y_label=HOSTILE,
                             y_format=lambda v: f"{v} {HOSTILE}")
    bar = charts.bar_chart([(HOSTILE, 3)], title=HOSTILE, description=HOSTILE,
                           label_header=HOSTILE, value_label=HOSTILE)
    grid = charts.status_grid([GridCell(HOSTILE, "prod", text=HOSTILE, href='/a?b=1&c="2"')],
                              legend=[("prod", HOSTILE, "dots")], title=HOSTILE,
                              description=HOSTILE)
    clean = HOSTILE.replace("\x00", "").replace("\x0b", "")
    for chart in (line, bar, grid):
        root = parse(chart)
        assert not [el for el in root.iter() if el.tag.endswith("script")]
        assert "<script>" not in chart.svg
        assert root.find(f"{NS}title").text == clean
    assert parse(grid).find(f".//{NS}a").get("href") == '/a?b=1&c="2"'


@pytest.mark.parametrize("chart", [
    lambda: charts.line_chart([], title="t", description="d", x_label="x", y_label="y"),
    lambda: charts.line_chart([Series("a", [(1, None), (2, float("nan"))])], title="t",
                              description="d", x_label="x", y_label="y"),
    lambda: charts.bar_chart([], title="t", description="d", label_header="l", value_label="v"),
    lambda: charts.status_grid([], legend=LEGEND, title="t", description="d"),
])
def test_empty_data_gives_a_valid_chart_saying_so(chart):
    root = parse(chart())
    (empty,) = by_class(root, "chart-empty")
    assert empty.text


def test_svg_is_a_document_and_inline_is_safe_markup_without_declaration():
    chart = adoption()
    assert chart.svg.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns=')
    assert isinstance(chart.inline, SafeString) and chart.inline.startswith("<svg ")


def test_png_export_is_a_png_attachment_with_a_safe_name():
    response = charts.png_response(adoption(), "Økonomi: gevinster/2024 «Fiks».png")
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == (
        'attachment; filename="Okonomi-gevinster-2024-Fiks.png"')


def test_svg_export_downloads_the_document():
    response = charts.svg_response(adoption(), '"; evil=1')
    assert response["Content-Disposition"] == 'attachment; filename="evil-1.svg"'
    parse(type("C", (), {"svg": response.content.decode()})())


def test_csv_export_guards_formula_like_text_and_keeps_numbers():
    chart = charts.bar_chart([("=HYPERLINK(\"http://x\")", -1200), ("@SUM(A1)", 3.5),
                              ("Oslo", None)], title="t", description="d",
                             label_header="+County", value_label="-NOK")
    response = charts.csv_response(chart.table, "kontantstrøm.csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows == [["'+County", "'-NOK"], ["'=HYPERLINK(\"http://x\")", "-1200"],
                    ["'@SUM(A1)", "3.5"], ["Oslo", ""]]
    assert response["Content-Disposition"] == 'attachment; filename="kontantstrom.csv"'


# --- property: random data never breaks a chart --------------------------------------------------

finite = st.floats(min_value=-1e12, max_value=1e12)
values = st.one_of(finite, st.none(), st.just(float("nan")), st.just(float("inf")))
xs = st.one_of(st.integers(1900, 2100), st.floats(-1e6, 1e6))
days = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))


@st.composite
def series_lists(draw):
    x = draw(st.sampled_from([xs, days]))
    return draw(st.lists(st.builds(Series, st.text(max_size=20),
                                   st.lists(st.tuples(x, values), max_size=25)), max_size=6))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(series=series_lists(), y_max=st.none() | finite, text=st.text(max_size=30))
def test_random_series_always_give_well_formed_svg(series, y_max, text):
    chart = charts.line_chart(series, title=text, description=text, x_label=text, y_label=text,
                              y_max=y_max)
    parse(chart)
    assert len(chart.table.rows) == len({x for s in series for x, _y in s.points})


@settings(max_examples=100, deadline=None)
@given(rows=st.lists(st.tuples(st.text(max_size=20), values), max_size=15),
       value_max=st.none() | finite)
def test_random_bars_always_give_well_formed_svg(rows, value_max):
    parse(charts.bar_chart(rows, title="t", description="d", label_header="l", value_label="v",
                           value_max=value_max))


@settings(max_examples=50, deadline=None)
@given(cells=st.lists(st.builds(GridCell, st.text(max_size=15), st.sampled_from(["a", "b"]),
                                st.text(max_size=15), st.none() | st.just("/x/?a=1&b=2"))),
       columns=st.integers(1, 40))
def test_random_grids_always_give_well_formed_svg(cells, columns):
    chart = charts.status_grid(cells, legend=[("a", "A", "cross"), ("b", "B", "outline")],
                               title="t", description="d", columns=columns)
    assert len(by_class(parse(chart), "chart-cell")) == len(cells) == len(chart.table.rows)
