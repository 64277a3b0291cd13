"""A moment as every page writes it: the day bound to its month and the month to its year (no line
break between them on a narrow screen), and the first of a month as each language writes it."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from envol.core.moments import LONG_MOMENT, SHORT_MOMENT, moment

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
