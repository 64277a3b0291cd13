"""`{% privacy_rows as rows %}` and `{% privacy_rights as rights %}`: the privacy page's table comes
from the same inventory as docs/privacy.md and `envol privacy check`."""

from __future__ import annotations

from django import template

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
