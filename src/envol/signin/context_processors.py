"""Template context: whether the signed-in person still has to choose who can find them, or must be
told once that the choice exists (persons who predate it keep "everyone")."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from envol.registry.findable import acknowledge_notice, needs_asking
from envol.registry.session import current_person


def findable(request: HttpRequest) -> dict[str, Any]:
    """``findable_unchosen`` on every page until the person answers; ``findable_notice`` on the one
    page after which the notice counts as given (cleared in the same request, one UPDATE)."""
    person = current_person(request)
    if person is None:
        return {}
    if needs_asking(person):
        return {"findable_unchosen": True}
    return {"findable_notice": acknowledge_notice(person)}
