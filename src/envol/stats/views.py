"""The public figures page: every registered metric over time, as SVG charts with their tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.humanize.templatetags.humanize import intcomma
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from envol.core.ids import Platform
from envol.core.moments import LONG_MOMENT, SHORT_MOMENT, moment
from envol.media.models import Status
from envol.stats.charts import Line, legend_style, line_chart
from envol.stats.service import Figure, figures


@dataclass(frozen=True, slots=True)
class Chart:
    name: str
    title: str
    svg: SafeString
    legend: list[tuple[str, str, str, int | None]]  # (label, colour, dash, latest value)
    columns: list[str]
    rows: list[tuple[str, list[int | None]]]  # (date, one value per column)


#: A chart needs two counts to draw a line; with fewer, the page says so instead of drawing a dot.
MIN_POINTS = 2


def _key_labels() -> dict[str, str]:
    labels = {"": "", "follower": _("followers"), "following": _("accounts followed")}
    labels.update({str(p): p.name.title() if p != Platform.X else "X" for p in Platform})
    labels.update({value: str(label) for value, label in Status.choices})
    return labels


def _when(value: datetime, format_string: str = SHORT_MOMENT) -> str:
    return moment(value, format_string)


def _chart(figure: Figure, labels: dict[str, str]) -> Chart:
    title = str(figure.metric.label)
    names = [labels.get(s.key, s.key) or title for s in figure.series]
    lines = [
        Line(name, [(t.timestamp(), v) for t, v in s.points])
        for name, s in zip(names, figure.series, strict=True)
    ]
    moments = sorted({t for s in figure.series for t, _v in s.points})
    first, last = (_when(moments[0]), _when(moments[-1])) if moments else ("", "")
    latest = figure.latest
    description = ", ".join(
        _("%(name)s: %(value)s") % {"name": n, "value": intcomma(latest.get(s.key, 0))}
        for n, s in zip(names, figure.series, strict=True)
    )
    summary = _("Latest values: %(values)s") % {"values": description}
    svg = ""
    if len(moments) >= MIN_POINTS:
        svg = line_chart(
            lines,
            chart_id=f"chart-{figure.metric.name}",
            title=title,
            description=summary,
            x_labels=(first, last),
        )
    by_time = [{t: v for t, v in s.points} for s in figure.series]
    rows = [(_when(t), [values.get(t) for values in by_time]) for t in reversed(moments)]
    legend = [
        (n, *legend_style(i), latest.get(s.key))
        for i, (n, s) in enumerate(zip(names, figure.series, strict=True))
    ]
    return Chart(figure.metric.name, title, mark_safe(svg), legend, names, rows)  # noqa: S308 (escaped in charts.py)


def figures_page(request: HttpRequest) -> HttpResponse:
    found, taken_at = figures()
    labels = _key_labels()
    charts = [_chart(f, labels) for f in found] if taken_at else []
    context = {
        "page": "figures",
        "charts": charts,
        "taken_at": _when(taken_at, LONG_MOMENT) if taken_at else "",
    }
    return render(request, "stats/figures.html", context)
