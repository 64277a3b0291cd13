"""An outlet's migration figures, where its accounts are linked in Envol.

Computed by the periodic task (`tasks.refresh_directory`) into OutletFigure rows, never per request:
"followers found" counts the outlet's rows in matching's materialised candidate table.

"Reconnected" counts the follows of the outlet's accounts that the reconnection engine made for
its readers (tasks done), per network.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from envol.core.ids import Platform
from envol.matching.models import Candidate as MatchedCandidate
from envol.matching.models import Kind
from envol.media.models import MediaOutlet, OutletFigure
from envol.reconnect.models import FollowTask
from envol.reconnect.states import TaskState
from envol.registry.models import Account, Verification


def followers_found(person_id: int) -> dict[str, int]:
    """Per network, how many of the person's X followers Envol found there (verified accounts in
    matching's materialised table; every network present, zeros included)."""
    rows = (
        MatchedCandidate.objects.filter(person_id=person_id, kind=Kind.VERIFIED, follower=True)
        .values_list("network")
        .annotate(n=Count("pk"))
        .order_by()
    )
    found = dict.fromkeys((str(Platform.BLUESKY), str(Platform.MASTODON)), 0)
    found.update({str(network): int(n) for network, n in rows})
    return found


def reconnected(person_id: int) -> dict[str, int]:
    """Per network, how many people Envol made follow the person's accounts (one grouped query)."""
    rows = (
        FollowTask.objects.filter(target_account__person_id=person_id, state=TaskState.DONE)
        .values_list("network")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {str(network): int(n) for network, n in rows}


def linked_person(outlet: MediaOutlet) -> int | None:
    """The person whose verified accounts are the outlet's, or None (none linked, or ambiguous).

    Accounts are matched by stable id where the directory has one (a Bluesky DID), else by handle.
    """
    match = Q(pk__in=[])
    if outlet.bluesky:
        match |= Q(platform=Platform.BLUESKY, stable_id=outlet.bluesky) | Q(
            platform=Platform.BLUESKY, handle__iexact=outlet.bluesky
        )
    if outlet.mastodon:
        match |= Q(platform=Platform.MASTODON, handle__iexact=outlet.mastodon)
    if outlet.x_handle:
        match |= Q(platform=Platform.X, handle__iexact=outlet.x_handle)
    persons = set(
        Account.objects.filter(match, verification=Verification.VERIFIED).values_list("person_id", flat=True)
    )
    return persons.pop() if len(persons) == 1 else None


def refresh_figures() -> int:
    """Recompute every published outlet's figures; returns how many outlets have some."""
    now = timezone.now()
    rows: list[OutletFigure] = []
    for outlet in MediaOutlet.objects.filter(published=True).order_by("pk"):
        person_id = linked_person(outlet)
        if person_id is None:
            continue
        made = reconnected(person_id)
        rows += [
            OutletFigure(
                outlet=outlet,
                network=network,
                followers_found=count,
                reconnected=made.get(network, 0),
                computed_at=now,
            )
            for network, count in followers_found(person_id).items()
        ]
    with transaction.atomic():
        OutletFigure.objects.all().delete()
        OutletFigure.objects.bulk_create(rows)
    return len({row.outlet_id for row in rows})
