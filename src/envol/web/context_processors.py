"""Values every page may show: the operator's details and the reconnection start date."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest

from envol.core.config import CONFIG
from envol.registry.session import current_person


def reconnect_from() -> datetime | None:
    """The moment automatic reconnection starts (UTC), as the engine reads it; pages show its day."""
    return CONFIG.reconnect_from


def site(request: HttpRequest) -> dict[str, Any]:
    return {
        "reconnect_from": reconnect_from(),
        "operator": {
            "name": CONFIG.operator_name,
            "address": CONFIG.operator_address,
            "email": CONFIG.contact_email,
            "host": CONFIG.hosting_provider,
        },
    }


def person(request: HttpRequest) -> dict[str, Any]:
    return {"person": current_person(request)}
