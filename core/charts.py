"""Server-rendered SVG charts: line charts, horizontal bar charts and status grids.

No script and no inline CSS (strict CSP): every colour, dash and pattern is an SVG presentation
attribute, so the same markup renders in the page, as an .svg file and, through CairoSVG, as a
PNG. static/css/charts.css only makes charts responsive and shows focus on linked cells.

Accessibility (WCAG 2.1 AA): the root is named by its <title> and <desc>; series, segments and
statuses differ by dash pattern, marker shape or fill pattern as well as by colour; every palette
colour has 4.5:1 contrast against white (so it serves for text too); and every chart carries its
data as a ``Table``, for the data table beside it and for CSV.

Every text goes through ``_text`` (XML-invalid characters dropped, then Django's ``escape``)
before it reaches the markup; only then is the markup marked safe.
"""

from __future__ import annotations

import csv
import html
import io
import math
import re
import secrets
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import urlsplit

from django.http import HttpResponse
from django.utils import formats
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from core.csvcells import escape_cell

# Okabe-Ito hues darkened to at least 4.5:1 against white (tested).
PALETTE = ("#1d5fa6", "#b34700", "#2a7a3b", "#7a3f9d", "#a11d5a", "#00707a", "#8a5a00", "#5e6470")
TEXT, MUTED, AXIS, GRID, WHITE = "#1e2b3c", "#4b5563", "#5d6270", "#d9dde3", "#ffffff"
# CairoSVG takes only the first family and lets fontconfig substitute it (DejaVu Sans on Debian);
# browsers walk the list. charts.css sets the page's own font on inline charts.
FONT = "Inter, 'Segoe UI', Roboto, Arial, 'DejaVu Sans', 'Liberation Sans', sans-serif"
LINE_PATTERNS = {"solid": "", "dashed": "8 4", "dotted": "2 3", "dashdot": "10 3 2 3",
                 "longdash": "16 5", "dense": "4 2"}
FILL_PATTERNS = ("solid", "hatch", "dots", "cross", "outline", "backhatch", "stripes")
_MARKS = {"hatch": "M0 6L6 0M-1 1L1-1M5 7L7 5", "backhatch": "M0 0L6 6M5-1L7 1M-1 5L1 7",
          "cross": "M0 6L6 0M-1 1L1-1M5 7L7 5M0 0L6 6M5-1L7 1M-1 5L1 7", "stripes": "M0 3H6"}
MARKERS = (  # centred on 0,0: circle, square, triangle, diamond, triangle down, plus
    "M-4.5 0a4.5 4.5 0 1 0 9 0a4.5 4.5 0 1 0-9 0Z", "M-4-4h8v8h-8Z", "M0-5.5L5 3.5H-5Z",
    "M0-5.5L5.5 0 0 5.5-5.5 0Z", "M0 5.5L5-3.5H-5Z",
    "M-1.6-5h3.2v3.4h3.4v3.2h-3.4v3.4h-3.2v-3.4h-3.4v-3.2h3.4Z")
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Series:
    """One line. ``points``: (x, y), x a number or a date (one kind per chart); a y of None or
    NaN leaves a gap. ``pattern``: a key of LINE_PATTERNS (default by position)."""

    name: str
    points: Sequence[tuple]
    pattern: str | None = None
    colour: str | None = None  # #rrggbb with 3:1 on white; default from PALETTE by position


@dataclass(frozen=True)
class Segment:
    """One stacked part of every bar (e.g. costs, benefits). ``pattern``: see FILL_PATTERNS."""

    name: str
    pattern: str = "solid"
    colour: str | None = None


@dataclass(frozen=True)
class GridCell:
    """One square of a status grid; ``text`` its tooltip and link name (default "label: status
    label"); ``href`` a relative or http(s) URL."""

    label: str
    status: str
    text: str = ""
    href: str | None = None


@dataclass(frozen=True)
class Table:
    """A chart's data: ``rows`` hold raw values (numbers, dates, text, None) for CSV;
    ``display_rows`` the texts the chart shows, for the HTML table."""

    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple, ...]
    formats: tuple[Callable, ...] = field(default=(), repr=False)

    @property
    def display_rows(self) -> list[list[str]]:
        fmts = self.formats or (str,) * len(self.headers)
        return [["" if v is None else f(v) for f, v in zip(fmts, row, strict=True)]
                for row in self.rows]


@dataclass(frozen=True)
class Chart:
    markup: str  # the <svg> element, every text escaped
    table: Table
    title: str
    description: str

    @property
    def svg(self) -> str:
        """A standalone SVG document, for a file or CairoSVG."""
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + self.markup + "\n"

    @property
    def inline(self) -> SafeString:
        return mark_safe(self.markup)  # noqa: S308 - every text went through _text()


# --- markup ----------------------------------------------------------------------------------

def _text(value) -> str:
    # The standard library's escape (as Django's does, without its lazy/SafeString wrapping:
    # a 372-cell grid calls this thousands of times).
    return html.escape(_XML_INVALID.sub("", str(value)))


def _attr(value) -> str:
    if isinstance(value, float):
        return _n(value)
    if isinstance(value, int):
        return str(value)
    return _text(value)


def _n(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _tag(name: str, *children: str, **attrs) -> str:
    """An element; in attribute names "_" stands for "-" (class_ for class). None and "" are
    left out; floats are rounded to two decimals."""
    parts = "".join(f' {key.rstrip("_").replace("_", "-")}="{_attr(v)}"'
                    for key, v in attrs.items() if v is not None and v != "")
    return f"<{name}{parts}>{''.join(children)}</{name}>" if children else f"<{name}{parts}/>"


def _line(x1, y1, x2, y2, stroke: str = AXIS, **attrs) -> str:
    return _tag("line", x1=float(x1), y1=float(y1), x2=float(x2), y2=float(y2), stroke=stroke,
                **attrs)


def _label(x, y, text, anchor="start", size=12, fill=TEXT, **attrs) -> str:
    return _tag("text", _text(text), x=float(x), y=float(y), font_size=size, text_anchor=anchor,
                fill=fill, **attrs)


def _at(x: float, y: float) -> str:
    return f"translate({_n(x)} {_n(y)})"


def _width(text, size: float = 12) -> float:
    """A generous estimate of the rendered width (DejaVu Sans, the widest font we may get)."""
    return len(str(text)) * size * 0.6


def _clip(text, size: float, room: float) -> str:
    text, keep = str(text), max(1, int(room / (size * 0.6)))
    return text if len(text) <= keep else text[: max(1, keep - 1)] + "…"


def _clip_middle(text, size: float, room: float) -> str:
    """Like ``_clip``, but keeps the start and the end (at word boundaries where it can): row
    labels that differ only at the end ("Postage 2013–2014", "Postage 2015–2016") stay
    distinguishable when shortened."""
    text, keep = str(text), max(1, int(room / (size * 0.6)))
    if len(text) <= keep:
        return text
    if keep < 12:
        return _clip(text, size, room)
    mark = " … " if " " in text else "…"
    tail = text[-((keep - len(mark)) // 2):]
    if " " in tail[:-1]:
        tail = tail[tail.index(" "):]
    head = text[: keep - len(mark) - len(tail)]
    if " " in head[len(head) // 2:]:
        head = head[: head.rindex(" ")]
    return f"{head.rstrip()}{mark}{tail.lstrip()}"


def contrast(colour: str, background: str = WHITE) -> float:
    """WCAG contrast ratio of two #rrggbb colours."""
    def luminance(hex_colour: str) -> float:
        rgb = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(colour), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _colour(colour: str | None, index: int) -> str:
    colour = colour or PALETTE[index % len(PALETTE)]
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", colour) or contrast(colour) < 3:
        raise ValueError(f"{colour!r}: charts need #rrggbb colours with 3:1 contrast on white")
    return colour


def _number(value: float, decimals: int | None = None) -> str:
    """Localised, grouped; without ``decimals`` at most two, none for whole numbers."""
    if decimals is None:
        value = round(float(value), 2)
        decimals = 0 if value.is_integer() else None
    return formats.number_format(value, decimal_pos=decimals, force_grouping=True)


def _finite(value) -> float | None:
    """The value as a float, or None if it cannot be drawn (None, NaN, infinite, beyond ±1e15:
    more than any amount of kroner, and where floats lose whole numbers)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if abs(number) <= 1e15 else None


# --- scales ----------------------------------------------------------------------------------

def nice_ticks(lo: float, hi: float, count: int = 5, *, extend: bool = True,
               integer: bool = False) -> tuple[list[float], int]:
    """About ``count`` round ticks (1, 2 or 5 times a power of ten apart) and their decimal
    places. ``extend``: the ticks cover [lo, hi]; otherwise they lie within it."""
    lo, hi = min(lo, hi), max(lo, hi)
    if hi - lo <= 1e-9 * max(1.0, abs(lo), abs(hi)):
        lo, hi = (lo - 1, hi + 1) if lo else (0.0, 1.0)
    raw = (hi - lo) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if raw <= m * power * (1 + 1e-9))
    step = max(1, round(step)) if integer else step
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    slack = 1e-9 if extend else -1e-9  # float noise must neither add nor drop a tick
    first = (math.floor if extend else math.ceil)(lo / step + slack)
    last = (math.ceil if extend else math.floor)(hi / step - slack)
    return [round(i * step, decimals) for i in range(first, last + 1)], decimals


def _value_ticks(lo: float, hi: float, top: float | None,
                 count: int = 5) -> tuple[list[float], int]:
    """About ``count`` ticks for a value axis from zero (or below) to ``hi``; ending exactly at
    ``top`` if given and the data stays within it (100 for percentages, 372 members)."""
    lo, hi = min(0.0, lo), max(0.0, hi)
    if top is None or float(top) < hi or float(top) <= lo:
        return nice_ticks(lo, hi, count)
    top = float(top)
    ticks, decimals = nice_ticks(lo, top, count)
    ticks = [t for t in ticks if t < top - (ticks[1] - ticks[0]) / 2] + [top]
    if len(ticks) < 2:  # a top too close to zero to draw
        return nice_ticks(lo, hi, count)
    while round(top, decimals) != top and decimals < 6:
        decimals += 1
    return ticks, decimals


def _date_ticks(lo: date, hi: date) -> tuple[list[date], Callable]:
    """Year starts over two years or more, month starts over two months, else days."""
    months = (hi.year - lo.year) * 12 + hi.month - lo.month
    if months >= 24:
        years, _d = nice_ticks(lo.year, hi.year, 6, extend=False, integer=True)
        ticks = [date(int(y), 1, 1) for y in years]
        return [t for t in ticks if lo <= t <= hi], lambda d: str(d.year)
    if months >= 2:
        step = next(s for s in (1, 2, 3, 6, 12) if months / s <= 8)
        ticks, m = [], lo.year * 12 + lo.month - 1 + (lo.day > 1)
        while (tick := date(m // 12, m % 12 + 1, 1)) <= hi:
            ticks += [tick] if (m % 12) % step == 0 else []
            m += 1
        return ticks, lambda d: formats.date_format(d, "M Y")
    days, _d = nice_ticks(lo.toordinal(), hi.toordinal(), 5, extend=False, integer=True)
    return [date.fromordinal(int(d)) for d in days], date.isoformat


def _x_number(x) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 10000 else _number(x)  # years


# --- shared pieces ---------------------------------------------------------------------------

def _prefix(id_prefix: str | None) -> str:
    if id_prefix and not re.fullmatch(r"[A-Za-z][\w-]*", id_prefix):
        raise ValueError(f"{id_prefix!r} is not a valid id prefix")
    return id_prefix or "chart-" + secrets.token_hex(4)


def _chart(kind: str, prefix: str, title: str, description: str, size: tuple[float, float],
           body: list[str], table: Table, defs: Sequence[str] = (), role: str = "img") -> Chart:
    width, height = size
    return Chart(_tag(
        "svg", _tag("title", _text(title), id=f"{prefix}-title"),
        _tag("desc", _text(description), id=f"{prefix}-desc"),
        _tag("defs", *defs) if defs else "", _tag("rect", width=width, height=height, fill=WHITE),
        *body, xmlns="http://www.w3.org/2000/svg", viewBox=f"0 0 {_n(width)} {_n(height)}",
        width=float(width), height=float(height), role=role, id=prefix,
        aria_labelledby=f"{prefix}-title {prefix}-desc", class_=f"chart chart--{kind}",
        font_family=FONT, fill=TEXT), table, title, description)


def _heading(title: str, width: float, show: bool) -> tuple[list[str], float]:
    """The visible title (exported files need it) and where the content starts below it."""
    if not show:
        return [], 12
    return [_label(16, 26, _clip(title, 16, width - 32), size=16, font_weight="bold")], 44


def _no_data(x: float, y: float) -> str:
    return _label(x, y, _("No data"), "middle", 14, MUTED, class_="chart-empty")


def _fills(prefix: str, styles: list[tuple[str, str]]) -> tuple[list[str], list[dict]]:
    """For each (pattern, colour): <pattern> defs, and the attributes of a shape so filled. The
    outline is always the colour, so every shape has 3:1 against white at its edge."""
    defs, attrs = [], []
    for i, (pattern, colour) in enumerate(styles):
        if pattern not in FILL_PATTERNS:
            raise ValueError(f"{pattern!r} is not one of {FILL_PATTERNS}")
        fill = colour if pattern == "solid" else WHITE
        if pattern in _MARKS or pattern == "dots":
            tile = ((_tag("rect", width=6, height=6, fill=colour),  # white lines on the colour
                     _tag("path", d=_MARKS[pattern], stroke=WHITE, stroke_width=1.6))
                    if pattern in _MARKS else  # coloured dots on white
                    (_tag("rect", width=6, height=6, fill=WHITE),
                     _tag("circle", cx=3, cy=3, r=1.7, fill=colour)))
            fill = f"url(#{prefix}-fill-{i})"
            defs.append(_tag("pattern", *tile, id=f"{prefix}-fill-{i}", width=6, height=6,
                             patternUnits="userSpaceOnUse"))
        attrs.append({"fill": fill, "stroke": colour, "data_pattern": pattern,
                      "stroke_width": 2 if pattern == "outline" else 1.2})
    return defs, attrs


def _legend(items: list[tuple[str, str, dict]], top: float, width: float) -> tuple[
        list[str], float]:
    """Entries (swatch markup, text, attributes) in rows across ``width``; the markup and the
    height it takes."""
    out, x, y = [], 16.0, top
    for swatch, text, attrs in items:
        text = _clip(text, 12, width - 72)
        if x > 16 and x + 34 + _width(text) > width - 16:
            x, y = 16.0, y + 22
        out.append(_tag("g", swatch, _label(28, 4.5, text), class_="chart-legend-item",
                        transform=_at(x, y), **attrs))
        x += 50 + _width(text)
    return ([_tag("g", *out, class_="chart-legend")], y - top + 22) if out else ([], 0)


# --- line chart ------------------------------------------------------------------------------

def line_chart(series: Sequence[Series], *, title: str, description: str, x_label: str,
               y_label: str, y_max: float | None = None, y_format: Callable | None = None,
               x_format: Callable | None = None, width: int = 720, height: int = 320,
               id_prefix: str | None = None, show_title: bool = True) -> Chart:
    """Lines over numbers or dates, told apart by colour, dash pattern and marker shape, named
    in the legend and at their ends. The y axis starts at zero (lower for negative data) and ends
    at ``y_max`` unless the data goes beyond. Formats take one value and return its text;
    ``x_format`` serves the table and tooltips, and tick labels only for numbers: date ticks
    fall on year or month starts and are labelled as such ("2018", "mai 2018")."""
    prefix = _prefix(id_prefix)
    kept = [sorted(((_day(x), y) for x, y in s.points
                    if isinstance(x, date) or _finite(x) is not None), key=lambda p: p[0])
            for s in series]
    lines = [[(x, _finite(y)) for x, y in pts] for pts in kept]
    xs = sorted({x for pts in lines for x, _y in pts})
    dates = bool(xs) and isinstance(xs[0], date)
    x_text, y_text = x_format or (date.isoformat if dates else _x_number), y_format or _number
    raw = [{x: y for x, y in pts if _finite(y) is not None} for pts in kept]
    table = Table(title, (x_label, *(s.name for s in series)),
                  tuple((x, *(r.get(x) for r in raw)) for x in xs), (x_text, *[y_text] * len(raw)))
    styles = []
    for i, s in enumerate(series):
        pattern = s.pattern or list(LINE_PATTERNS)[i % len(LINE_PATTERNS)]
        if pattern not in LINE_PATTERNS:
            raise ValueError(f"{pattern!r} is not one of {tuple(LINE_PATTERNS)}")
        styles.append((_colour(s.colour, i), LINE_PATTERNS[pattern], MARKERS[i % len(MARKERS)]))
    body, top = _heading(title, width, show_title)
    legend, used = _legend([(_line_swatch(*style), s.name, {"data_series": i})
                            for i, (s, style) in enumerate(zip(series, styles, strict=True))],
                           top, width)
    body, top = body + legend, top + used + 22
    ys = [y for pts in lines for _x, y in pts if y is not None]
    if not ys:
        body.append(_no_data(width / 2, (top + height) / 2))
        return _chart("line", prefix, title, description, (width, height), body, table)
    y_ticks, decimals = _value_ticks(min(ys), max(ys), y_max)
    tick_text = [(y_format or (lambda v: _number(v, decimals)))(t) for t in y_ticks]
    named = [_width(s.name) for s, pts in zip(series, lines, strict=True)
             if any(y is not None for _x, y in pts)]
    left, right = 24 + max(map(_width, tick_text)), width - 16 - min(max(named) + 12, width * 0.3)
    bottom = height - 48
    pos = (lambda x: float(x.toordinal())) if dates else float  # noqa: E731
    lo_x, hi_x = pos(xs[0]), pos(xs[-1])
    lo_x, hi_x = (lo_x - 1, hi_x + 1) if lo_x == hi_x else (lo_x, hi_x)
    sx = lambda x: left + (pos(x) - lo_x) / (hi_x - lo_x) * (right - left)  # noqa: E731
    sy = lambda y: bottom - (y - y_ticks[0]) / (y_ticks[-1] - y_ticks[0]) * (  # noqa: E731
        bottom - top)
    body += [_tag("rect", class_="chart-plot", x=left, y=top, width=right - left,
                  height=bottom - top, fill="none"),
             _label(16, top - 14, _clip(y_label, 12, width - 32), fill=MUTED)]
    for t, text in zip(y_ticks, tick_text, strict=True):
        body.append(_line(left, sy(t), right, sy(t), GRID, class_="chart-grid", data_tick=_n(t)))
        body.append(_label(left - 8, sy(t) + 4, text, "end", fill=MUTED))
    if y_ticks[0] < 0:
        body.append(_line(left, sy(0), right, sy(0), class_="chart-zero", stroke_width=1.5))
    if dates:
        x_ticks, tick_x = _date_ticks(xs[0], xs[-1])
    else:
        x_ticks = [t for t in nice_ticks(lo_x, hi_x, max(2, int((right - left) // 90)),
                                         extend=False, integer=all(x == int(x) for x in xs))[0]
                   if lo_x <= t <= hi_x]
        tick_x = x_format or _x_number
    for t in x_ticks:
        body.append(_line(sx(t), bottom, sx(t), bottom + 5))
        body.append(_label(sx(t), bottom + 19, tick_x(t), "middle", fill=MUTED))
    body += [_line(left, bottom, right, bottom, class_="chart-axis"),
             _label((left + right) / 2, height - 10, _clip(x_label, 12, width - 32), "middle",
                    fill=MUTED)]
    ends = []
    for i, (s, pts, style) in enumerate(zip(series, lines, styles, strict=True)):
        markup, end = _series(i, s.name, pts, style, sx, sy,
                              lambda x, y, name=s.name: f"{name}, {x_text(x)}: {y_text(y)}")
        body.append(markup)
        ends += [end] if end else []
    body += _end_labels(ends, top, bottom, width - 16)
    return _chart("line", prefix, title, description, (width, height), body, table)


def _day(x):
    return x.date() if isinstance(x, datetime) else x


def _line_swatch(colour: str, dash: str, marker: str) -> str:
    return (_line(0, 0, 24, 0, colour, stroke_width=2.5, stroke_dasharray=dash)
            + _tag("path", d=marker, fill=colour, transform="translate(12 0)"))


def _series(index: int, name: str, points: list, style: tuple, sx: Callable, sy: Callable,
            describe: Callable) -> tuple[str, list | None]:
    """One line, broken at gaps, with markers titled with their values (at most about 40); and
    the position of its end label."""
    colour, dash, marker = style
    runs = [[]]
    for x, y in points:
        if y is None:
            runs.append([])
        else:
            runs[-1].append((x, y))
    shown = [p for run in runs for p in run]
    every = max(1, math.ceil(len(shown) / 40))
    parts = [_tag("polyline", points=" ".join(f"{_n(sx(x))},{_n(sy(y))}" for x, y in run),
                  fill="none", stroke=colour, stroke_width=2.5, stroke_dasharray=dash,
                  stroke_linejoin="round") for run in runs if len(run) > 1]
    parts += [_tag("path", _tag("title", _text(describe(x, y))), class_="chart-marker", d=marker,
                   fill=colour, stroke=WHITE, transform=_at(sx(x), sy(y)))
              for j, (x, y) in enumerate(shown) if j % every == 0 or j == len(shown) - 1]
    end = [sy(shown[-1][1]), sx(shown[-1][0]), name, colour] if shown else None
    return _tag("g", *parts, class_="chart-series", data_series=index), end


def _end_labels(labels: list, top: float, bottom: float, edge: float) -> list[str]:
    """Names at the line ends, pushed apart so that they do not overlap."""
    labels.sort()
    for above, below in zip(labels, labels[1:], strict=False):
        below[0] = max(below[0], above[0] + 14)
    shift = max(0.0, labels[-1][0] - bottom) if labels else 0.0
    return [_label(x + 8, max(top, y - shift) + 4, _clip(name, 12, edge - x - 8), fill=colour,
                   class_="chart-end-label") for y, x, name, colour in labels]


# --- bar chart -------------------------------------------------------------------------------

def bar_chart(rows: Sequence[tuple], *, title: str, description: str, label_header: str,
              value_label: str, segments: Sequence[Segment] | None = None,
              grouped: bool = False, value_max: float | None = None,
              value_format: Callable | None = None, width: int = 720,
              id_prefix: str | None = None, show_title: bool = True) -> Chart:
    """Horizontal bars from a zero line, one per (label, value) row; negative values go left.
    With ``segments`` each row is (label, [a value per segment]), each segment in its own fill
    pattern and colour. The parts stack outwards from zero (positive right, negative left), or,
    ``grouped``, lie one under another, each from zero (e.g. a tornado of low and high
    estimates). The height follows from the number of rows."""
    prefix = _prefix(id_prefix)
    fmt, stacked = value_format or _number, segments is not None
    segments = list(segments) if stacked else [Segment(value_label)]
    given = [list(value) if stacked else [value] for _name, value in rows]
    if any(len(v) != len(segments) for v in given):
        raise ValueError("every row needs one value per segment")
    values = [[_finite(v) for v in row] for row in given]
    table = Table(title, (label_header, *(s.name for s in segments)),
                  tuple((name, *(v if f is not None else None for v, f in zip(g, row, strict=True)))
                        for (name, _v), g, row in zip(rows, given, values, strict=True)),
                  (str, *[fmt] * len(segments)))
    defs, fills = _fills(prefix, [(s.pattern, _colour(s.colour, i))
                                  for i, s in enumerate(segments)])
    band, gap = max(28, 6 + 11 * len(segments)) if grouped else 28, 6
    body, top = _heading(title, width, show_title)
    if stacked:
        legend, used = _legend([(_tag("rect", y=-6, width=20, height=14, **f), s.name, {})
                                for s, f in zip(segments, fills, strict=True)], top, width)
        body, top = body + legend, top + used + 6
    height = top + max(1, len(rows)) * band + 56
    if all(v is None for row in values for v in row):
        body.append(_no_data(width / 2, top + band / 2 + 24))
        return _chart("bar", prefix, title, description, (width, height), body, table, defs)
    spans = [(v, v) for row in values for v in row if v is not None] if grouped else [
        (sum(v for v in row if v and v < 0), sum(v for v in row if v and v > 0)) for row in values]
    value_room = 0 if stacked else 8 + max(_width(fmt(r[0])) for r in values if r[0] is not None)
    label_room = min(max(_width(name) for name, _v in rows), width * 0.35)
    lo, hi = min(s[0] for s in spans), max(s[1] for s in spans)

    def axis(count: int) -> tuple[list[float], list[str], float, float]:
        ticks, decimals = _value_ticks(lo, hi, value_max, count)
        tick_text = [(value_format or (lambda v: _number(v, decimals)))(t) for t in ticks]
        left = 28 + label_room + max(value_room * (ticks[0] < 0), _width(tick_text[0]) / 2 - 12)
        right = width - 16 - max(value_room, _width(tick_text[-1]) / 2)
        return ticks, tick_text, left, right

    def readable(ticks, tick_text, left, right) -> bool:
        """Neighbouring tick labels (centred on their ticks) do not run into each other."""
        scale = (right - left) / (ticks[-1] - ticks[0])
        return all((b - a) * scale >= (_width(ta) + _width(tb)) / 2 + 8 for a, b, ta, tb in
                   zip(ticks, ticks[1:], tick_text, tick_text[1:], strict=False))

    # fewer ticks until their labels fit (long amounts in kroner on a narrow plot)
    ticks, tick_text, left, right = next(
        (a for a in map(axis, (5, 4, 3)) if readable(*a)), None) or axis(2)
    sx = lambda v: left + (v - ticks[0]) / (ticks[-1] - ticks[0]) * (right - left)  # noqa: E731
    bottom = top + len(rows) * band
    for t, text in zip(ticks, tick_text, strict=True):
        body.append(_line(sx(t), top, sx(t), bottom, GRID, class_="chart-grid", data_tick=_n(t)))
        body.append(_label(sx(t), bottom + 18, text, "middle", fill=MUTED))
    for i, ((name, _v), row) in enumerate(zip(rows, values, strict=True)):
        y, middle = top + i * band + gap / 2, top + i * band + band / 2 + 4  # text baseline
        body.append(_label(16 + label_room, middle, _clip_middle(name, 12, label_room), "end"))
        neg = pos = 0.0
        thick = (band - gap) / (len(segments) if grouped else 1)
        for j, (segment, value, fill) in enumerate(zip(segments, row, fills, strict=True)):
            if value:
                start = min(0.0, value) if grouped else neg + value if value < 0 else pos
                neg, pos = neg + min(0.0, value), pos + max(0.0, value)
                text = f"{name} – {segment.name}" if stacked else f"{name}"
                body.append(_tag("rect", _tag("title", _text(f"{text}: {fmt(value)}")),
                                 class_="chart-bar", x=sx(start), y=y + j * thick * grouped,
                                 height=thick, width=sx(start + abs(value)) - sx(start),
                                 data_value=_n(value), **fill))
        if not stacked and row[0] is not None:
            body.append(_label(sx(row[0]) + (6 if row[0] >= 0 else -6), middle, fmt(row[0]),
                               "start" if row[0] >= 0 else "end", class_="chart-value"))
    body += [_line(sx(0), top - 4, sx(0), bottom + 4, class_="chart-zero", stroke_width=1.5),
             _label((left + right) / 2, bottom + 44, _clip(value_label, 12, width - 32),
                    "middle", fill=MUTED)]
    return _chart("bar", prefix, title, description, (width, height), body, table, defs)


# --- status grid -----------------------------------------------------------------------------

def status_grid(cells: Sequence[GridCell], *, legend: Sequence[tuple], title: str,
                description: str, columns: int = 24, label_header: str | None = None,
                id_prefix: str | None = None, show_title: bool = True) -> Chart:
    """One square per item (e.g. every member), its status shown by colour and fill pattern.
    ``legend``: (status, label, pattern[, colour]) in display order, covering every status of
    ``cells``; it shows counts. With links the root is a group, not an image (links inside
    role="img" are hidden from assistive technology); each link is named by its cell's text."""
    prefix = _prefix(id_prefix)
    index = {entry[0]: i for i, entry in enumerate(legend)}
    names = {entry[0]: entry[1] for entry in legend}
    if unknown := {c.status for c in cells} - set(index):
        raise ValueError(f"statuses missing from the legend: {sorted(unknown)}")
    defs, fills = _fills(prefix, [(entry[2], _colour(entry[3] if len(entry) > 3 else None, i))
                                  for i, entry in enumerate(legend)])
    detailed = any(c.text for c in cells)
    table = Table(title, (label_header or _("Name"), _("Status"), *[_("Details")] * detailed),
                  tuple((c.label, names[c.status], *[c.text] * detailed) for c in cells))
    size, step = 16, 20
    width = max(360, 32 + columns * step - (step - size))
    body, top = _heading(title, width, show_title)
    counts = Counter(c.status for c in cells)
    legend_markup, used = _legend([
        (_tag("rect", y=-6, width=20, height=14, **fills[i]), f"{label} ({counts[status]})",
         {"data_status": status, "data_count": counts[status]})
        for i, (status, label, *_rest) in enumerate(legend)], top, width)
    body, top = body + legend_markup, top + used + 8
    if not cells:
        body.append(_no_data(width / 2, top + 20))
    # One square per status in <defs>, every cell a <use> of it: a 372-cell grid is then a
    # third of the markup and of the time (fill, stroke and pattern written once per status).
    for status, i in index.items():
        defs.append(_tag("rect", id=f"{prefix}-cell-{i}", width=size, height=size,
                         data_status=status, **fills[i]))
    squares = []
    for i, cell in enumerate(cells):
        text = cell.text or f"{cell.label}: {names[cell.status]}"
        square = (f'<use class="chart-cell" data-status="{_text(cell.status)}" '
                  f'href="#{prefix}-cell-{index[cell.status]}" x="{16 + i % columns * step}" '
                  f'y="{_n(float(top + i // columns * step))}"><title>{_text(text)}</title>'
                  "</use>")
        if cell.href:
            if urlsplit(cell.href).scheme not in ("", "http", "https"):
                raise ValueError(f"{cell.href!r}: only relative or http(s) links")
            square = _tag("a", square, href=cell.href, aria_label=text)
        squares.append(square)
    body.append(_tag("g", *squares, class_="chart-cells"))
    height = top + max(1, math.ceil(len(cells) / columns)) * step + 12
    role = "group" if any(c.href for c in cells) else "img"
    return _chart("grid", prefix, title, description, (width, height), body, table, defs, role)


# --- downloads -------------------------------------------------------------------------------

def _download(content, content_type: str, filename: str, extension: str) -> HttpResponse:
    """An attachment with a plain ASCII file name (æ→ae, ø→o, å→a, anything else unsafe → -)."""
    name = unicodedata.normalize("NFKD", filename.translate(
        str.maketrans({"æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O"})))
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", name.encode("ascii", "ignore").decode()).strip("-.")
    name = re.sub(rf"\.{extension}$", "", name, flags=re.IGNORECASE)[:80].strip("-.") or "chart"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def svg_response(chart: Chart, filename: str) -> HttpResponse:
    return _download(chart.svg, "image/svg+xml; charset=utf-8", filename, "svg")


def png_response(chart: Chart, filename: str) -> HttpResponse:
    """The chart at twice its size. CairoSVG (which needs libcairo2) is imported only here. It
    fetches nothing: the markup has no external references and ``unsafe`` stays off."""
    import cairosvg

    return _download(cairosvg.svg2png(bytestring=chart.svg.encode("utf-8"), scale=2),
                     "image/png", filename, "png")


def csv_response(table: Table, filename: str) -> HttpResponse:
    """The table as CSV with a BOM (for Excel). Text cells are guarded against formula injection
    (core.csvcells.escape_cell); numbers stay numbers, so that costs stay negative."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([escape_cell(h) for h in table.headers])
    for row in table.rows:
        writer.writerow(["" if v is None else v if isinstance(v, int | float | Decimal)
                         and not isinstance(v, bool) else escape_cell(v) for v in row])
    return _download("\ufeff" + out.getvalue(), "text/csv; charset=utf-8", filename, "csv")
