"""The operator's start date for automatic reconnection (ENVOL_RECONNECT_FROM)."""

from __future__ import annotations

from datetime import datetime

from envol.core.config import CONFIG


def automatic_start() -> datetime | None:
    """The moment ENVOL_RECONNECT_FROM names (UTC); None while the operator has not set it."""
    return CONFIG.reconnect_from


def automatic_allowed(now: datetime) -> bool:
    start = automatic_start()
    return start is not None and now >= start
