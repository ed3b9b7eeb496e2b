"""The charts of common solutions, drawn with ``core.charts``: the adoption curve, breakdowns,
the member grid, cash flows and the sensitivity tornado. Each returns a ``core.charts.Chart``
whose table holds the same figures (for the table beside the chart and the CSV export).

Statuses keep one colour *and* one fill pattern everywhere (STATUS_STYLE), the same as the
swatches in the tables (static/css/samstyring.css ``.status-swatch--<status>``).
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from django.http import Http404
from django.utils import dateformat
from django.utils.formats import date_format, get_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import charts

from . import selectors
from .models import ActorType, AdoptionStatus

FORMATS = {"svg", "png", "csv"}
# status → (fill pattern, colour): distinct by pattern as well as by colour (WCAG 1.4.1).
STATUS_STYLE = {
    AdoptionStatus.NOT_STARTED: ("outline", "#5e6470"),
    AdoptionStatus.PLANNED: ("dots", "#7a3f9d"),
    AdoptionStatus.IMPLEMENTING: ("hatch", "#b34700"),
    AdoptionStatus.PRODUCTION: ("solid", "#2a7a3b"),
    AdoptionStatus.DISCONTINUED: ("cross", "#a11d5a"),
}
ACTOR_STYLE = {
    ActorType.MUNICIPALITY: ("solid", "#1d5fa6"),
    ActorType.COUNTY_MUNICIPALITY: ("hatch", "#00707a"),
    ActorType.STATE: ("dots", "#8a5a00"),
    ActorType.INHABITANTS: ("backhatch", "#7a3f9d"),
}
BREAKDOWN_TITLES = {"county": gettext_lazy("By county"),
                    "network": gettext_lazy("By regional network"),
                    "size": gettext_lazy("By population size class")}
# Chart titles: one message each, so a translation can write them in its own order and case.
BREAKDOWN_CHART_TITLES = {"county": gettext_lazy("%(name)s by county"),
                          "network": gettext_lazy("%(name)s by regional network"),
                          "size": gettext_lazy("%(name)s by population size class")}


def _percent(value) -> str:
    return _("%(number)s%%") % {"number": number_format(round(float(value)), 0)}


def _share(value) -> str:
    return _percent(float(value) * 100)


def _kroner(value) -> str:
    return _("NOK %(amount)s") % {
        "amount": number_format(Decimal(value).quantize(Decimal(1)), 0, force_grouping=True)}


def day_formatter():
    """``date_format(day, "SHORT_DATE_FORMAT")`` with the format looked up once, for long
    lists (the lookup is most of the cost of one call)."""
    fmt = get_format("SHORT_DATE_FORMAT")
    return lambda day: dateformat.format(day, fmt)


def _day(value) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")


def curve(solution, points) -> charts.Chart:
    """Share of members and share of population in production, one point per year end."""
    members = _("Share of members")
    population = _("Share of population")
    chart = charts.line_chart(
        [charts.Series(members, [(p.on, p.share * 100) for p in points], pattern="solid"),
         charts.Series(population, [(p.on, p.population_share * 100) for p in points],
                       pattern="dashed")],
        title=_("%(name)s: members in production") % {"name": solution.name},
        description=_curve_text(solution, points), x_label=_("Date"),
        y_label=_("Share in production"), y_max=100, y_format=_percent, x_format=_day,
        id_prefix="curve")
    labels = selectors.status_labels()
    table = charts.Table(
        chart.title,
        (_("Date"), _("Members"), *labels.values(), _("Share of members in production"),
         _("Share of population in production")),
        tuple((p.on, p.members, *(p.counts[s] for s in labels), round(p.share, 4),
               round(p.population_share, 4)) for p in points),
        (_day, str, *[str] * len(labels), _share, _share))
    return dataclasses.replace(chart, table=table)


def _curve_text(solution, points) -> str:
    if not points:
        return _("No adoption is recorded.")
    first = next((p for p in points if p.production), None)
    last = points[-1]
    text = _("On %(day)s %(count)s of %(members)s members (%(share)s) were in production, "
             "covering %(population)s of the population.") % {
        "day": _day(last.on), "count": last.production, "members": last.members,
        "share": _share(last.share), "population": _share(last.population_share)}
    if first is not None:
        text += " " + _("The first was in production by the end of %(year)s.") % {
            "year": first.on.year}
    return text


def breakdown(solution, groups, by: str) -> charts.Chart:
    """Each group's members by status, as shares stacking to 100 %."""
    labels = selectors.status_labels()
    rows = [(g.label, [g.counts[s] / g.members * 100 if g.members else 0 for s in labels])
            for g in groups]
    leader = max(groups, key=lambda g: g.share, default=None)
    description = (_("Share of members by status in each group. Highest share in production: "
                     "%(group)s (%(share)s).") % {"group": leader.label,
                                                  "share": _share(leader.share)}
                   if leader else _("No members."))
    chart = charts.bar_chart(
        rows, title=str(BREAKDOWN_CHART_TITLES[by]) % {"name": solution.name},
        description=description,
        label_header=str(BREAKDOWN_TITLES[by]), value_label=_("Share"),
        segments=[charts.Segment(label, *STATUS_STYLE[s]) for s, label in labels.items()],
        value_max=100, value_format=_percent, id_prefix=f"breakdown-{by}")
    table = charts.Table(
        chart.title, (_("Group"), _("Members"), *labels.values(),
                      _("Share of members in production"),
                      _("Share of population in production")),
        tuple((g.label, g.members, *(g.counts[s] for s in labels), round(g.share, 4),
               round(g.population_share, 4)) for g in groups),
        (str, str, *[str] * len(labels), _share, _share))
    return dataclasses.replace(chart, table=table)


def grid(solution, rows, on) -> charts.Chart:
    """All members, one square each, coloured and patterned by status. The squares are not
    links (372 tab stops before the table); the table beside it links every member."""
    labels = selectors.status_labels()
    day = day_formatter()
    with_day, without_day = _("%(name)s: %(status)s since %(day)s"), _("%(name)s: %(status)s")
    cells = []
    for row in rows:
        row.since_text = day(row.since) if row.since else ""
        values = {"name": row.organisation.name, "status": labels[row.status],
                  "day": row.since_text}
        cells.append(charts.GridCell(
            label=row.organisation.name, status=row.status,
            text=(with_day if row.since else without_day) % values))
    counts = {s: sum(1 for r in rows if r.status == s) for s in labels}
    description = "; ".join(f"{labels[s]}: {n}" for s, n in counts.items())
    chart = charts.status_grid(
        cells, legend=[(s, label, *STATUS_STYLE[s]) for s, label in labels.items()],
        title=_("%(name)s: every member on %(day)s") % {"name": solution.name,
                                                         "day": _day(on)},
        description=description, label_header=_("Member"), id_prefix="grid")
    table = charts.Table(chart.title, (_("Member"), _("County"), _("Status"), _("Since")),
                         tuple((r.organisation.name,
                                r.organisation.county.short_name if r.organisation.county
                                else "", labels[r.status], r.since) for r in rows),
                         (str, str, str, lambda d: day(d) if d else ""))
    return dataclasses.replace(chart, table=table)


def _actors(appraisal) -> list[str]:
    return [a for a in ActorType.values if a in appraisal.net_by_actor]


def cash_flows(solution, appraisal) -> charts.Chart:
    """Net cash flow per year, stacked by actor: costs to the left of zero, gains right."""
    actors = _actors(appraisal)
    names = dict(ActorType.choices)
    rows = [(str(year), [float(appraisal.net_by_actor[a][year]) for a in actors])
            for year in appraisal.years]
    chart = charts.bar_chart(
        rows, title=_("%(name)s: net cash flow per year and actor") % {"name": solution.name},
        description=_("Net present value %(npv)s.") % {"npv": _kroner(appraisal.npv)} + " " + (
            _("Pays back in %(year)s.") % {"year": appraisal.payback_year}
            if appraisal.payback_year else _("Does not pay back within the model's years.")),
        label_header=_("Year"), value_label=_("Net"),
        segments=[charts.Segment(str(names[a]), *ACTOR_STYLE[a]) for a in actors],
        value_format=_kroner, id_prefix="cash-flows")
    return dataclasses.replace(chart, table=flow_table(appraisal, chart.title))


def flow_table(appraisal, caption) -> charts.Table:
    actors = _actors(appraisal)
    names = dict(ActorType.choices)
    return charts.Table(
        caption, (_("Year"), *(str(names[a]) for a in actors), _("Net, all actors"),
                  _("Present value")),
        tuple((year, *(appraisal.net_by_actor[a][year] for a in actors), appraisal.net[year],
               appraisal.present_value[year]) for year in appraisal.years),
        (str, *[_kroner] * (len(actors) + 2)))


def actor_rows(appraisal) -> list[dict]:
    """Who pays, who gains: present values of costs, gains and net per actor."""
    names = dict(ActorType.choices)
    return [{"actor": a, "label": names[a], "cost": appraisal.cost_pv_by_actor[a],
             "gain": appraisal.gain_pv_by_actor[a], "net": appraisal.npv_by_actor[a]}
            for a in _actors(appraisal)]


def sensitivity(solution, rows, appraisal) -> charts.Chart:
    """The tornado: how far each item at its low and high amount moves the NPV."""
    expected = appraisal.npv
    chart = charts.bar_chart(
        [(r.item.title, [float(r.npv_low - expected), float(r.npv_high - expected)])
         for r in rows],
        title=_("%(name)s: sensitivity of the net present value") % {"name": solution.name},
        description=_("Change in the net present value (%(npv)s expected) with each item at "
                      "its low and its high amount.") % {"npv": _kroner(expected)},
        label_header=_("Item"), value_label=_("Change"),
        segments=[charts.Segment(_("Low amount"), "hatch", "#b34700"),
                  charts.Segment(_("High amount"), "solid", "#1d5fa6")],
        value_format=_kroner, grouped=True, id_prefix="sensitivity")
    table = charts.Table(chart.title, (_("Item"), _("NPV, low"), _("NPV, expected"),
                                       _("NPV, high")),
                         tuple((r.item.title, r.npv_low, r.npv_expected, r.npv_high)
                               for r in rows), (str, _kroner, _kroner, _kroner))
    return dataclasses.replace(chart, table=table)


def export(chart: charts.Chart, fmt: str, filename: str):
    if fmt == "svg":
        return charts.svg_response(chart, filename)
    if fmt == "png":
        return charts.png_response(chart, filename)
    if fmt == "csv":
        return charts.csv_response(chart.table, filename)
    raise Http404
