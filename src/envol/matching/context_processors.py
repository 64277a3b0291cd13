"""Template context: how many people joined since the signed-in person last reviewed their list."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from envol.matching.notify import new_since_last_visit, preference_for
from envol.registry.session import current_person


def new_people(request: HttpRequest) -> dict[str, Any]:
    """``new_people``: shown beside "Your people" in the header (two indexed queries, signed-in only)."""
    person = current_person(request)
    if person is None:
        return {}
    return {"new_people": new_since_last_visit(person.pk, preference_for(person.pk))}
