"""``{{ value|moment }}``, ``{{ value|moment:"long" }}`` and ``{{ value|moment:"day" }}``:
envol.core.moments in templates."""

from __future__ import annotations

from datetime import date, datetime

from django import template

from envol.core.moments import DAY, LONG_MOMENT, SHORT_MOMENT
from envol.core.moments import moment as written

register = template.Library()

_FORMATS = {"short": SHORT_MOMENT, "long": LONG_MOMENT, "day": DAY}


@register.filter
def moment(value: date | datetime | None, length: str = "short") -> str:
    if value is None or value == "":
        return ""
    return written(value, _FORMATS[length])
