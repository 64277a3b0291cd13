"""Line charts as inline SVG, drawn on the server: no JavaScript, no chart service, no font download.

Pure: numbers and labels in, SVG text out (escaped). Pages put a table with the same numbers beside
each chart, so the chart itself is a picture with a title and a short description for screen readers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 36
TICKS = 4
# Distinguishable colours with at least 4.5:1 contrast on white; lines also differ by dash pattern
# so that the chart reads without colour.
COLOURS = ("#1f4fbf", "#b3470a", "#1e6b34", "#6b2fa0", "#7a5c00")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 5")


@dataclass(frozen=True, slots=True)
class Line:
    label: str
    points: Sequence[tuple[float, int]]  # (x: e.g. a timestamp, y: a count), x increasing


def tick_step(largest: int) -> int:
    """The smallest step of the form 1, 2 or 5 × 10^k with TICKS steps reaching `largest` (≥ 1)."""
    if largest <= TICKS:
        return 1
    raw = largest / TICKS
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return int(factor * power)
    raise AssertionError("unreachable")  # pragma: no cover


def _number(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f")  # a narrow no-break space groups digits in both languages


def line_chart(lines: Sequence[Line], *, chart_id: str, title: str, description: str,
               x_labels: tuple[str, str]) -> str:  # fmt: skip
    """An SVG line chart of `lines` on a shared scale from 0; `x_labels` name the first and last x."""
    xs = [x for line in lines for x, _y in line.points]
    ys = [y for line in lines for _x, y in line.points]
    step = tick_step(max(ys, default=0))
    top = step * TICKS
    x0, x1 = (min(xs), max(xs)) if xs else (0.0, 1.0)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(x: float) -> float:
        return LEFT + (plot_w / 2 if x1 == x0 else (x - x0) / (x1 - x0) * plot_w)

    def py(y: int) -> float:
        return TOP + plot_h - y / top * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" class="chart">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(description)}</desc>',
    ]
    for k in range(TICKS + 1):
        y = py(k * step)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d5dae6"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="12" '
                     f'fill="#4a4f5c">{_number(k * step)}</text>')  # fmt: skip
    base = HEIGHT - BOTTOM + 22
    parts.append(f'<text x="{LEFT}" y="{base}" font-size="12" fill="#4a4f5c">{escape(x_labels[0])}</text>')
    parts.append(f'<text x="{WIDTH - RIGHT}" y="{base}" text-anchor="end" font-size="12" '
                 f'fill="#4a4f5c">{escape(x_labels[1])}</text>')  # fmt: skip
    for index, line in enumerate(lines):
        colour, dash = COLOURS[index % len(COLOURS)], DASHES[index % len(DASHES)]
        coords = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in line.points)
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        if len(line.points) > 1:
            parts.append(
                f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2.5"{dashed}/>'
            )
        for x, y in line.points[-1:] if len(line.points) > 1 else line.points:
            parts.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="4" fill="{colour}"/>')
    parts.append("</svg>")
    return "".join(parts)


def legend_style(index: int) -> tuple[str, str]:
    """The colour and dash pattern of the `index`-th line, for the legend beside the chart."""
    return COLOURS[index % len(COLOURS)], DASHES[index % len(DASHES)]
