"""Template context: how many people joined since the signed-in person last reviewed their list."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from envol.matching.notify import visit_state
from envol.registry.session import current_person


def seen_all(request: HttpRequest) -> None:
    """The review page has just recorded the visit: nothing is new since, and the header need not ask."""
    request._envol_new_people = 0  # type: ignore[attr-defined]


def new_people(request: HttpRequest) -> dict[str, Any]:
    """``new_people``: shown beside "Your people" in the header (one indexed query, signed-in only)."""
    person = current_person(request)
    if person is None:
        return {}
    if not hasattr(request, "_envol_new_people"):  # once per request, however often it is asked
        request._envol_new_people = visit_state(person.pk).new  # type: ignore[attr-defined]
    return {"new_people": request._envol_new_people}  # type: ignore[attr-defined]
