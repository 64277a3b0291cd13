"""Shared fixtures. Tests run on the database that DATABASE_URL names (SQLite when unset)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["support.atproto_plugin", "fakes.mastodon.fixtures", "fakes.x.fixtures"]

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture
def repo_dir() -> Path:
    return REPO


@pytest.fixture(autouse=True)
def generous_rate_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """The suite signs in and uploads far more often from 127.0.0.1 than any person would, and the
    counters outlive each test; the limits' own tests (tests/core/test_ratelimit*.py) set theirs."""
    monkeypatch.setenv("ENVOL_RATE_LIMIT_SIGN_IN", "1000000/1")
    monkeypatch.setenv("ENVOL_RATE_LIMIT_UPLOAD", "1000000/1")
