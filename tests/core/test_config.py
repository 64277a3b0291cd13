"""The settings object: one parser per setting, read live, every value checked at start-up."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from envol.core.config import CONFIG, SETTINGS, SettingError, validate
from envol.core.config_parse import start_moment
from envol.reconnect.schedule_date import automatic_start
from envol.web.context_processors import reconnect_from


def test_a_start_day_is_midnight_utc() -> None:
    assert start_moment("2027-01-20") == datetime(2027, 1, 20, tzinfo=UTC)
    assert start_moment("") is None


def test_a_start_date_time_is_utc_unless_it_says_otherwise() -> None:
    assert start_moment("2027-01-20T00:00") == datetime(2027, 1, 20, tzinfo=UTC)
    assert start_moment("2027-01-20T09:30:00+01:00") == datetime(2027, 1, 20, 8, 30, tzinfo=UTC)
    assert start_moment("2027-01-20 18:00Z") == datetime(2027, 1, 20, 18, tzinfo=UTC)


@pytest.mark.parametrize("text", ["20/01/2027", "2027-13-01", "2027-01-20T25:00", "20270120", "tomorrow"])
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        start_moment(text)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2999, 12, 31)))
def test_a_day_and_its_midnight_are_the_same_start(day: date) -> None:
    assert start_moment(day.isoformat()) == start_moment(f"{day.isoformat()}T00:00")


@pytest.mark.parametrize("value", ["2027-01-20", "2027-01-20T00:00", "2027-01-19T23:30-01:00"])
def test_the_pages_and_the_engine_read_the_same_start(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    """Issue 17: the page parsed the whole value and the engine its first ten characters."""
    monkeypatch.setenv("ENVOL_RECONNECT_FROM", value)
    start = automatic_start()
    assert start == datetime(2027, 1, 20, 0, 30 if value.endswith("-01:00") else 0, tzinfo=UTC)
    assert reconnect_from() == start


def test_reads_follow_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVOL_RETENTION_EDGES_DAYS", "12")
    assert CONFIG.retention_edges_days == 12
    monkeypatch.delenv("ENVOL_RETENTION_EDGES_DAYS")
    assert CONFIG.retention_edges_days == 30


def test_every_declared_setting_reads_its_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for setting in SETTINGS:
        monkeypatch.delenv(setting.name, raising=False)
    validate()


def test_a_bad_value_names_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVOL_RECONNECT_FROM", "next monday")
    monkeypatch.setenv("ENVOL_HEARTBEAT_SECONDS", "-1")
    monkeypatch.setenv("ENVOL_RATE_LIMIT_UPLOAD", "30 per hour")
    with pytest.raises(SettingError) as caught:
        validate()
    message = str(caught.value)
    for name in ("ENVOL_RECONNECT_FROM", "ENVOL_HEARTBEAT_SECONDS", "ENVOL_RATE_LIMIT_UPLOAD"):
        assert name in message


def _start(env: dict[str, str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ENVOL_") and k != "DATABASE_URL"}
    clean.update(env, ENVOL_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="envol.core.settings")
    code = "import django; django.setup()"
    return subprocess.run(
        [sys.executable, "-c", code], env=clean, capture_output=True, text=True, check=False
    )


def test_a_bad_value_stops_start_up_naming_the_variable(tmp_path: Path) -> None:
    result = _start({"ENVOL_RECONNECT_FROM": "20/01/2027"}, tmp_path)
    assert result.returncode != 0
    assert "ENVOL_RECONNECT_FROM" in result.stderr.strip().splitlines()[-1]


def test_good_values_start(tmp_path: Path) -> None:
    result = _start({"ENVOL_RECONNECT_FROM": "2027-01-20T00:00"}, tmp_path)
    assert result.returncode == 0, result.stderr
