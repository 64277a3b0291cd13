"""The server-drawn SVG charts: a golden picture, and properties that hold for any numbers."""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from envol.stats.charts import HEIGHT, TICKS, WIDTH, Line, line_chart, tick_step

GOLDEN = Path(__file__).parent / "golden"
NS = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 (our own output, not untrusted input)


def _chart(lines: list[Line]) -> str:
    return line_chart(lines, chart_id="c", title="Accounts <per> network", description="Latest: 3 & 4",
                      x_labels=("1 Jan", "3 Jan"))  # fmt: skip


def test_golden_chart() -> None:
    day = 86400.0
    svg = _chart(
        [Line("Bluesky", [(0, 1), (day, 5), (2 * day, 12)]), Line("Mastodon", [(day, 2), (2 * day, 3)])]
    )
    golden = GOLDEN / "two-lines.svg"
    if os.environ.get("ENVOL_UPDATE_GOLDEN") == "1":
        golden.write_text(svg + "\n")
    assert svg + "\n" == golden.read_text()


def test_text_is_escaped_and_the_chart_is_labelled() -> None:
    root = _parse(_chart([Line("X", [(0, 1)])]))
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "c-t c-d"
    assert root.find(f"{NS}title").text == "Accounts <per> network"  # type: ignore[union-attr]
    assert root.find(f"{NS}desc").text == "Latest: 3 & 4"  # type: ignore[union-attr]


def test_no_data_still_draws_axes() -> None:
    root = _parse(_chart([]))
    assert len(root.findall(f"{NS}line")) == TICKS + 1
    assert root.findall(f"{NS}polyline") == []


@given(st.integers(min_value=0, max_value=10**12))
def test_tick_step_reaches_the_largest_value_with_a_round_step(largest: int) -> None:
    step = tick_step(largest)
    assert step * TICKS >= largest
    mantissa = int(str(step).rstrip("0") or "0")
    assert mantissa in {1, 2, 5}
    smaller = {1: step // 2, 2: step // 2, 5: step * 2 // 5}[mantissa]  # the round step just below
    assert step == 1 or smaller * TICKS < largest


points = st.lists(st.tuples(st.floats(min_value=0, max_value=1e9, allow_nan=False), st.integers(0, 10**9)),
                  max_size=30).map(sorted)  # fmt: skip


@given(st.lists(points, max_size=5))
def test_every_mark_stays_inside_the_picture(series: list[list[tuple[float, int]]]) -> None:
    svg = _chart([Line(f"line {i}", pts) for i, pts in enumerate(series)])
    root = _parse(svg)  # well-formed whatever the numbers
    for circle in root.iter(f"{NS}circle"):
        assert 0 <= float(circle.get("cx", "-1")) <= WIDTH
        assert 0 <= float(circle.get("cy", "-1")) <= HEIGHT
    for polyline in root.iter(f"{NS}polyline"):
        for x, y in re.findall(r"([\d.]+),([\d.]+)", polyline.get("points", "")):
            assert 0 <= float(x) <= WIDTH
            assert 0 <= float(y) <= HEIGHT
