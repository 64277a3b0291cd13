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
