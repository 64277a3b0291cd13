"""`/favicon.ico`: browsers ask for it on every site whatever the page says, so it is answered
here (from the static file, drawn by scripts/favicon.py) instead of being a 404 logged as a warning
on every first visit."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

ICON = Path(__file__).resolve().parent / "static" / "envol" / "favicon.ico"
ONE_WEEK = 7 * 24 * 3600


@cache
def _icon() -> bytes:
    return ICON.read_bytes()


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(_icon(), content_type="image/vnd.microsoft.icon")
    response["Cache-Control"] = f"public, max-age={ONE_WEEK}"
    return response
