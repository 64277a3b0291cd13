"""How pages write a moment in time or a day (the public figures, an outlet's counts and dates,
progress, a person's data): day, month name and 24-hour time in every language, "6 Dec. 2026,
00:22" and "6 déc. 2026, 00:22", never "12/06/2026 12:22 a.m.", which reads as June in Europe; a
day alone as "20 January 2027" and "20 janvier 2027", never "Jan. 20, 2027". One place, so that
every page agrees.

The day, the month and the year are joined by no-break spaces, so that a narrow screen never puts
"6" at the end of one line and "décembre" at the start of the next; the first of a month is written
as the language writes it ("1er décembre" in French, "1 December" in English: a translation).
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import formats, timezone
from django.utils.translation import pgettext

#: What follows the day (`moment` writes the day itself): Django's date format characters.
SHORT_MOMENT = "N Y, H:i"
LONG_MOMENT = "F Y, H:i"
DAY = "F Y"  # a day alone
NO_BREAK = "\u00a0"


def moment(value: date | datetime, format_string: str = SHORT_MOMENT) -> str:
    """``value`` in the active language, a moment in the server's time zone (UTC): its day, then
    ``format_string`` (the month first) with the month and the year kept together."""
    local = timezone.localtime(value) if isinstance(value, datetime) else value
    month_on = formats.date_format(local, format_string).replace(" ", NO_BREAK, 1)
    return f"{day_of_month(local.day)}{NO_BREAK}{month_on}"


def day(value: date | datetime) -> str:
    """The day alone: "20 January 2027", "1er janvier 2027" (a moment's day in UTC)."""
    return moment(value, DAY)


def day_of_month(number: int) -> str:
    if number == 1:
        return pgettext("the first day of a month, written before the month's name", "1")
    return str(number)
