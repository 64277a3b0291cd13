"""What the command line and (later) the web pages call to learn who of a person's X people is where."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from envol.core.ids import Platform
from envol.matching.candidates import NETWORKS, DirectionCounts
from envol.matching.review import counts
from envol.registry.models import Person, Verification


class UnknownPersonError(LookupError):
    """No person has this id."""

    def __init__(self, person_id: int) -> None:
        super().__init__(f"no person has the id {person_id}")
        self.person_id = person_id


def persons_to_match() -> list[int]:
    """Ids of every person who can have candidates: an import (a) or a verified X account (b)."""
    has_links = Q(archive_imports__isnull=False) | Q(
        accounts__platform=Platform.X, accounts__verification=Verification.VERIFIED
    )
    return list(Person.objects.filter(has_links).distinct().order_by("pk").values_list("pk", flat=True))


def match_summary(person_id: int, *, check: bool = True) -> dict[str, Any]:
    """``{"person_id": N, "bluesky": DirectionCounts, "mastodon": DirectionCounts}`` for one person.

    With ``check``, an unknown id raises UnknownPersonError (one extra query) instead of reporting
    zeros, which would look like a person nobody knows yet.
    """
    if check and not Person.objects.filter(pk=person_id).exists():
        raise UnknownPersonError(person_id)
    found = counts(person_id)  # from the materialised table (envol match --recompute rebuilds it)
    summary: dict[str, Any] = {"person_id": person_id}
    for network in NETWORKS:
        c = found[network.value]
        summary[network.value] = DirectionCounts(
            followee_only=c["followee_only"],
            follower_only=c["follower_only"],
            mutual=c["mutual"],
            total=c["total"],
        )
    return summary


def all_match_summaries() -> list[dict[str, Any]]:
    """One summary per person of persons_to_match(): one indexed counting query per person."""
    return [match_summary(pid, check=False) for pid in persons_to_match()]
