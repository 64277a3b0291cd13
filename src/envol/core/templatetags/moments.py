"""``{{ value|moment }}`` and ``{{ value|moment:"long" }}``: envol.core.moments in templates."""

from __future__ import annotations

from datetime import datetime

from django import template

from envol.core.moments import LONG_MOMENT, SHORT_MOMENT
from envol.core.moments import moment as written

register = template.Library()


@register.filter
def moment(value: datetime | None, length: str = "short") -> str:
    if value is None:
        return ""
    return written(value, LONG_MOMENT if length == "long" else SHORT_MOMENT)
