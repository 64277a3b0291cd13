"""How pages write a moment in time (the public figures, an outlet's counts): day, month name and
24-hour time in every language, "6 Dec. 2026, 00:22" and "6 déc. 2026, 00:22", never
"12/06/2026 12:22 a.m.", which reads as June in Europe. One place, so that every page agrees."""

from __future__ import annotations

from datetime import datetime

from django.utils import formats, timezone

SHORT_MOMENT = "j N Y, H:i"
LONG_MOMENT = "j F Y, H:i"


def moment(value: datetime, format_string: str = SHORT_MOMENT) -> str:
    """``value`` in the active language, in the server's time zone (UTC)."""
    return formats.date_format(timezone.localtime(value), format_string)
