"""`/favicon.ico` is served (it was a 404 logged as a warning on every first visit, issue #20)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest
from django.test import Client

from envol.core.favicon import ICON

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.django_db  # on PostgreSQL the rate-limit cache is a table, purged by the middleware
def test_the_favicon_is_an_icon_and_logs_no_warning(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/vnd.microsoft.icon"
    assert response.content[:4] == b"\0\0\1\0"  # an ICO header
    assert "max-age" in response["Cache-Control"]
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_the_icon_file_is_what_the_drawing_script_makes() -> None:
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import favicon
    finally:
        sys.path.pop(0)
    assert ICON.read_bytes() == favicon.ico()
