"""How pages write a moment in time (the public figures, an outlet's counts, progress): day, month
name and 24-hour time in every language, "6 Dec. 2026, 00:22" and "6 déc. 2026, 00:22", never
"12/06/2026 12:22 a.m.", which reads as June in Europe. One place, so that every page agrees.

The day, the month and the year are joined by no-break spaces, so that a narrow screen never puts
"6" at the end of one line and "décembre" at the start of the next; the first of a month is written
as the language writes it ("1er décembre" in French, "1 December" in English: a translation).
"""

from __future__ import annotations

from datetime import datetime

from django.utils import formats, timezone
from django.utils.translation import pgettext

#: What follows the day (`moment` writes the day itself): Django's date format characters.
SHORT_MOMENT = "N Y, H:i"
LONG_MOMENT = "F Y, H:i"
NO_BREAK = "\u00a0"


def moment(value: datetime, format_string: str = SHORT_MOMENT) -> str:
    """``value`` in the active language, in the server's time zone (UTC): its day, then
    ``format_string`` (the month first) with the month and the year kept together."""
    local = timezone.localtime(value)
    month_on = formats.date_format(local, format_string).replace(" ", NO_BREAK, 1)
    return f"{day_of_month(local.day)}{NO_BREAK}{month_on}"


def day_of_month(day: int) -> str:
    if day == 1:
        return pgettext("the first day of a month, written before the month's name", "1")
    return str(day)
