"""The public figures, each a registered function returning {key: count}.

Register a metric with `@metric(name, label, keys=...)`; the periodic snapshot runs every registered
function and stores what it returns. Every figure is defined here, over the tables of the packages
below (the reconnection engine's follows done per network too), so that no package imports stats.

Each function is one or two aggregate SQL queries: the snapshot reads the whole database, so it
runs in the background, never per request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from envol.archive.models import ArchiveImport
from envol.core.ids import Platform
from envol.graph.models import Direction, Edge
from envol.matching.models import Candidate as MatchedCandidate
from envol.matching.models import Kind
from envol.media.models import MediaOutlet, Status
from envol.reconnect.models import FollowTask
from envol.reconnect.states import PENDING, TaskState
from envol.registry.models import Account, Person, Verification

Counts = dict[str, int]


@dataclass(frozen=True, slots=True)
class Metric:
    name: str
    label: Promise  # lazily translated title of its chart
    keys: tuple[str, ...]  # every key it reports ("" for a single number), in display order
    compute: Callable[[], Counts]


REGISTRY: dict[str, Metric] = {}
NETWORK_KEYS = tuple(str(p) for p in (Platform.X, Platform.BLUESKY, Platform.MASTODON))


def metric(
    name: str, label: Promise, keys: tuple[str, ...] = ("",)
) -> Callable[[Callable[[], Counts]], Callable[[], Counts]]:
    def register(compute: Callable[[], Counts]) -> Callable[[], Counts]:
        if name in REGISTRY:
            raise ValueError(f"metric {name} registered twice")
        REGISTRY[name] = Metric(name, label, keys, compute)
        return compute

    return register


def _by_key(rows: list[tuple[str, int]], keys: tuple[str, ...]) -> Counts:
    counts = dict.fromkeys(keys, 0)
    counts.update({str(k): int(n) for k, n in rows if str(k) in counts})
    return counts


@metric("persons", _("People"))
def persons() -> Counts:
    return {"": Person.objects.count()}


@metric("accounts", _("Verified accounts per network"), NETWORK_KEYS)
def accounts() -> Counts:
    rows = (
        Account.objects.filter(verification=Verification.VERIFIED)
        .values_list("platform")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return _by_key(list(rows), NETWORK_KEYS)


@metric("archives", _("X archives shared"))
def archives() -> Counts:
    return {"": ArchiveImport.objects.count()}


@metric(
    "edges", _("Links in the X lists shared (followers and accounts followed)"), ("follower", "following")
)
def edges() -> Counts:
    # Blocks and mutes are edges too, but not links of the graph: never counted here.
    follows = (Direction.FOLLOWER, Direction.FOLLOWING)
    rows = (
        Edge.objects.filter(direction__in=follows).values_list("direction").annotate(n=Count("*")).order_by()
    )
    names = {int(Direction.FOLLOWER): "follower", int(Direction.FOLLOWING): "following"}
    return _by_key([(names[int(d)], n) for d, n in rows], ("follower", "following"))


@metric("candidates", _("People found on each network (pairs of people who knew each other on X)"),
        (str(Platform.BLUESKY), str(Platform.MASTODON)))  # fmt: skip
def candidates() -> Counts:
    return candidate_totals()


@metric("media", _("Media outlets per position"), tuple(Status.values))
def media() -> Counts:
    rows = MediaOutlet.objects.filter(published=True).values_list("status").annotate(n=Count("pk")).order_by()
    return _by_key(list(rows), tuple(Status.values))


def candidate_totals() -> Counts:
    """Candidate pairs (person, verified account of someone they knew on X) per network, everyone at
    once: one grouped count over matching's materialised table, which its refreshes keep current."""
    rows = (
        MatchedCandidate.objects.filter(kind=Kind.VERIFIED)
        .values_list("network")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return _by_key(list(rows), (str(Platform.BLUESKY), str(Platform.MASTODON)))


FOLLOW_NETWORKS = (str(Platform.BLUESKY), str(Platform.MASTODON))


@metric("follows", _("Follows made by Envol on each network"), FOLLOW_NETWORKS)
def follows_done() -> Counts:
    """Done follows only, accepted by the server: already_following, requests not accepted yet,
    undone and the rest are not Envol's links."""
    rows = FollowTask.objects.filter(state=TaskState.DONE).values_list("network").annotate(n=Count("pk"))
    return _by_key(list(rows.order_by()), FOLLOW_NETWORKS)


@metric("follow_requests", _("Follow requests sent by Envol and waiting for approval"), FOLLOW_NETWORKS)
def follow_requests() -> Counts:
    """Requests not accepted yet (the engine re-checks them): shown apart from the follows made."""
    pending = FollowTask.objects.filter(state__in=list(PENDING))
    rows = pending.values_list("network").annotate(n=Count("pk"))
    return _by_key(list(rows.order_by()), FOLLOW_NETWORKS)
