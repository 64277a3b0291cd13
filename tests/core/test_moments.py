"""A moment as every page writes it: the day bound to its month and the month to its year (no line
break between them on a narrow screen), and the first of a month as each language writes it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import translation

from envol.core.moments import LONG_MOMENT, SHORT_MOMENT, day, moment

NB = "\u00a0"


@pytest.mark.parametrize(
    ("language", "day", "length", "written"),
    [
        ("en", 6, SHORT_MOMENT, f"6{NB}Dec.{NB}2026, 18:06"),
        ("fr", 6, SHORT_MOMENT, f"6{NB}déc.{NB}2026, 18:06"),
        ("en", 6, LONG_MOMENT, f"6{NB}December{NB}2026, 18:06"),
        ("fr", 6, LONG_MOMENT, f"6{NB}décembre{NB}2026, 18:06"),
        ("en", 1, LONG_MOMENT, f"1{NB}December{NB}2026, 18:06"),
        ("fr", 1, LONG_MOMENT, f"1er{NB}décembre{NB}2026, 18:06"),
        ("fr", 1, SHORT_MOMENT, f"1er{NB}déc.{NB}2026, 18:06"),
        ("fr", 11, LONG_MOMENT, f"11{NB}décembre{NB}2026, 18:06"),
        ("fr", 21, LONG_MOMENT, f"21{NB}décembre{NB}2026, 18:06"),
    ],
)
def test_a_moment_in_each_language(language: str, day: int, length: str, written: str) -> None:
    with translation.override(language):
        assert moment(datetime(2026, 12, day, 18, 6, tzinfo=UTC), length) == written


def test_the_day_is_that_of_the_servers_time_zone() -> None:
    """23:30 in New York on the 30th is already the 1st in UTC, the zone pages are written in."""
    late = datetime(2026, 11, 30, 23, 30, tzinfo=ZoneInfo("America/New_York"))
    with translation.override("fr"):
        assert moment(late, LONG_MOMENT) == f"1er{NB}décembre{NB}2026, 04:30"


@pytest.mark.parametrize(
    ("language", "value", "written"),
    [
        ("en", date(2027, 1, 20), f"20{NB}January{NB}2027"),
        ("fr", date(2027, 1, 1), f"1er{NB}janvier{NB}2027"),
        ("fr", datetime(2027, 1, 1, 0, 30, tzinfo=UTC), f"1er{NB}janvier{NB}2027"),
    ],
)
def test_a_day_alone_in_code_and_in_templates(language: str, value: date, written: str) -> None:
    template = Template('{% load moments %}{{ value|moment:"day" }}|{{ nothing|moment:"day" }}')
    with translation.override(language):
        assert day(value) == written
        assert template.render(Context({"value": value, "nothing": None})) == f"{written}|"
