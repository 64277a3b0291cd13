"""`{% privacy_rows as rows %}` and `{% privacy_rights as rights %}`: the privacy page's table comes
from the same inventory as docs/privacy.md and `envol privacy check`."""

from __future__ import annotations

from django import template
from django.utils.translation import ngettext

from envol.core.config import CONFIG
from envol.privacy.document import RIGHTS, Right, Row, rows

register = template.Library()


@register.simple_tag
def privacy_rows() -> list[Row]:
    return rows()


@register.simple_tag
def privacy_rights() -> tuple[Right, ...]:
    return RIGHTS


@register.simple_tag
def retention_days() -> dict[str, int]:
    return {
        "edges_days": CONFIG.retention_edges_days,
        "inactive_days": CONFIG.retention_inactive_days,
        "grace_days": CONFIG.retention_grace_days,
    }


@register.filter
def days_in_words(days: str | int) -> str:
    """A duration read from the settings, as a sentence says it: "30 days", "2 years"."""
    count = int(days)
    if count >= 365 and count % 365 == 0:
        years = count // 365
        return ngettext("%(n)d year", "%(n)d years", years) % {"n": years}
    return ngettext("%(n)d day", "%(n)d days", count) % {"n": count}
