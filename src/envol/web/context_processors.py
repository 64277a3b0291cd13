"""Values every page may show: the operator's details and the reconnection start date."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest

from envol.core.config import env
from envol.registry.session import current_person


def reconnect_from() -> date | None:
    raw = env("ENVOL_RECONNECT_FROM")
    return date.fromisoformat(raw) if raw else None


def site(request: HttpRequest) -> dict[str, Any]:
    return {
        "reconnect_from": reconnect_from(),
        "operator": {
            "name": env("ENVOL_OPERATOR_NAME"),
            "address": env("ENVOL_OPERATOR_ADDRESS"),
            "email": env("ENVOL_CONTACT_EMAIL"),
            "host": env("ENVOL_HOSTING_PROVIDER"),
        },
    }


def person(request: HttpRequest) -> dict[str, Any]:
    return {"person": current_person(request)}
