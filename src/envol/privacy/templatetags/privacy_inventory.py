"""`{% privacy_rows as rows %}` and `{% privacy_rights as rights %}`: the privacy page's table comes
from the same inventory as docs/privacy.md and `envol privacy check`."""

from __future__ import annotations

from django import template

from envol.core.config import env
from envol.privacy.document import RIGHTS, Right, Row, rows

register = template.Library()


@register.simple_tag
def privacy_rows() -> list[Row]:
    return rows()


@register.simple_tag
def privacy_rights() -> tuple[Right, ...]:
    return RIGHTS


@register.simple_tag
def retention_days() -> dict[str, str]:
    return {
        "edges_days": env("ENVOL_RETENTION_EDGES_DAYS"),
        "inactive_days": env("ENVOL_RETENTION_INACTIVE_DAYS"),
        "grace_days": env("ENVOL_RETENTION_GRACE_DAYS"),
    }
