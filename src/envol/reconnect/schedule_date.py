"""The operator's start date for automatic reconnection (ENVOL_RECONNECT_FROM)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from django.conf import settings


def automatic_start() -> datetime | None:
    """Midnight UTC of ENVOL_RECONNECT_FROM; None while the operator has not set it (or set it wrong)."""
    raw = str(getattr(settings, "RECONNECT_FROM", "") or "").strip()
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw[:10])
    except ValueError:
        return None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def automatic_allowed(now: datetime) -> bool:
    start = automatic_start()
    return start is not None and now >= start
