"""What erasure asks of the engine (registered by name in envol.privacy.hooks by this package's
ready(), so that the engine loads only when erasure asks):
how many follows Envol made for a person, undo them all, and where that undo stands.

The undo itself is the engine's ordinary one (service.request_undo, then the per-account executor
under the networks' budgets); erasure waits for it through ``progress`` and revokes the tokens
only afterwards, so every count here is one aggregate query over the person's tasks.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q

from envol.privacy.hooks import UndoProgress
from envol.reconnect.models import FollowTask
from envol.reconnect.service import NETWORKS, created_by_envol, request_undo
from envol.reconnect.states import CREATED_BY_ENVOL, TaskState
from envol.registry.models import Account, Verification

#: Where a task waits for its undo: created (done, requested), or a Bluesky write of unknown
#: outcome (ready, or waiting_auth since the access was lost) that reconciliation settles first.
UNDO_PENDING = [*CREATED_BY_ENVOL, TaskState.READY, TaskState.WAITING_AUTH]


def _accounts(person_id: int) -> list[Account]:
    return list(
        Account.objects.filter(
            person_id=person_id, platform__in=NETWORKS, verification=Verification.VERIFIED
        ).order_by("pk")
    )


def undoable(person_id: int) -> int:
    """How many follows undo would remove (request_undo's own condition, for all the accounts)."""
    return FollowTask.objects.filter(created_by_envol(), source__person_id=person_id).count()


def start(person_id: int) -> int:
    """Ask the engine to undo every account's follows (it stops sending new ones first)."""
    return sum(request_undo(account) for account in _accounts(person_id))


def progress(person_id: int, since: datetime) -> UndoProgress:
    asked = Q(undo_requested=True, state__in=UNDO_PENDING)
    counts = FollowTask.objects.filter(source__person_id=person_id).aggregate(
        remaining=Count("pk", filter=asked),
        stuck=Count("pk", filter=asked & Q(source__needs_reauth=True)),
        undone=Count("pk", filter=Q(state=TaskState.UNDONE, finished_at__gte=since)),
    )
    return UndoProgress(remaining=counts["remaining"], stuck=counts["stuck"], undone=counts["undone"])
