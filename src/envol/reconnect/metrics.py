"""The reconnection engine's public figure: follows Envol made, per network (stats/metrics.py)."""

from __future__ import annotations

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from envol.core.ids import Platform
from envol.reconnect.models import FollowTask
from envol.reconnect.states import TaskState
from envol.stats.metrics import Counts, metric

NETWORKS = (str(Platform.BLUESKY), str(Platform.MASTODON))


@metric("follows", _("Follows made by Envol on each network"), NETWORKS)
def follows_done() -> Counts:
    """Done follows only: already_following, requested, undone and the rest are not Envol's links."""
    rows = (
        FollowTask.objects.filter(state=TaskState.DONE)
        .values_list("network")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = dict.fromkeys(NETWORKS, 0)
    counts.update({str(network): int(n) for network, n in rows if str(network) in counts})
    return counts
