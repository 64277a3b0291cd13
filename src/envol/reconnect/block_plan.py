"""The person's opt-in to carry their X blocks and mutes over (decision 0026), and the BlockTask
rows that follow from it: set-based and idempotent, as follows are planned (envol.reconnect.plan).

On: every verified Bluesky or Mastodon account of the person gets a ready task per target
(envol.reconnect.block_targets) that its network can act on (Bluesky blocks; Mastodon blocks and
mutes); targets chosen again after an undo are made ready afresh. Off (or no longer listed): what
was not sent is withdrawn, and what Envol blocked is undone; the person's own blocks (`already`)
are never touched. Matching's refreshes call `plan_blocks` again (envol.reconnect.hooks), and so
does a periodic repair (`plan_everyones_blocks`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from envol.core.config import CONFIG
from envol.core.ids import Platform
from envol.core.listparam import texts_in
from envol.platforms.blocks import BlockAction
from envol.privacy.pending import persons_pending
from envol.reconnect import block_moves
from envol.reconnect.block_models import BlockChoice, BlockTask
from envol.reconnect.block_states import BlockState
from envol.reconnect.block_targets import BlockTarget, block_targets
from envol.reconnect.models import FollowTask
from envol.reconnect.scheduling import wake_if_work
from envol.reconnect.service import created_by_envol
from envol.registry.models import Account, Person, Verification

B = BlockState
WITHDRAWN = "not_chosen"
#: What each network can carry over with a record key the engine can check (decision 0026).
SUPPORTED = {
    Platform.BLUESKY.value: frozenset({BlockAction.BLOCK}),
    Platform.MASTODON.value: frozenset({BlockAction.BLOCK, BlockAction.MUTE}),
}


def enabled(person_id: int) -> bool:
    return BlockChoice.objects.filter(person_id=person_id, enabled=True).exists()


def choose(person: Person, on: bool, *, now: datetime | None = None) -> int:
    """Record the person's answer and plan accordingly (what failed is tried again: the person may
    have signed in again with the right to block); returns how many tasks changed."""
    BlockChoice.objects.update_or_create(person=person, defaults={"enabled": on})
    return plan_blocks([person.pk], now=now, retry=True)


def repair_interval() -> timedelta:
    """As often as matching's periodic repair (ENVOL_MATCHING_REFRESH_HOURS)."""
    return timedelta(hours=CONFIG.matching_refresh_hours)


def plan_everyones_blocks() -> int:
    """The periodic repair (`reconnect.blocks`, declared by name in this package's ready()): every
    opted-in person's blocks planned again. Matching tells the engine
    only about persons whose candidates changed, and the people one blocked are never candidates:
    one of them proving an account, or changing who can find them, is caught here."""
    return plan_blocks(BlockChoice.objects.filter(enabled=True).values_list("person_id", flat=True))


def plan_blocks(person_ids: Iterable[int], *, now: datetime | None = None, retry: bool = False) -> int:
    now = now or timezone.now()
    changed = 0
    touched: list[int] = []
    ids = set(person_ids)
    for person_id in sorted(ids - persons_pending(ids)):
        accounts = list(
            Account.objects.filter(
                person_id=person_id, verification=Verification.VERIFIED, platform__in=list(SUPPORTED)
            )
        )
        if not accounts:
            continue
        on = enabled(person_id)
        targets = block_targets(person_id, now) if on else []
        with transaction.atomic():
            for account in accounts:
                mine = [
                    t
                    for t in targets
                    if t.network == account.platform and t.action in SUPPORTED[account.platform]
                ]
                changed += _plan_account(account, mine, now, retry=retry)
                touched.append(account.pk)
    if touched:
        wake_if_work(touched, now=now)
    return changed


def _plan_account(account: Account, targets: list[BlockTarget], now: datetime, *, retry: bool) -> int:
    ids = [t.stable_id for t in targets]
    mine = Q(source_id=account.pk)
    wanted = texts_in("target_id", ids)
    # No longer wanted: unsent ones are withdrawn, sent ones undone once settled, Envol's undone.
    changed = block_moves.move(
        mine & ~wanted & Q(sent_at__isnull=True), B.READY, B.SKIPPED, now=now, reason=WITHDRAWN
    )
    changed += BlockTask.objects.filter(
        mine & ~wanted & (Q(state=B.DONE) | Q(state=B.READY, sent_at__isnull=False)), undo_requested=False
    ).update(undo_requested=True, updated_at=now)
    # Wanted again: a pending undo is called off; what was withdrawn, undone or failed is sent afresh.
    changed += BlockTask.objects.filter(mine & wanted, undo_requested=True).update(
        undo_requested=False, updated_at=now
    )
    fresh = {"reason": "", "last_error": "", "record_key": "", "sent_at": None, "finished_at": None,
             "created_at": now}  # fmt: skip
    # Failed ones only when the person answers again: a repair never retries a refusal by itself.
    again = (
        mine
        & wanted
        & (Q(reason=WITHDRAWN) | Q(state=B.UNDONE) | (Q(state=B.FAILED) if retry else Q(pk=None)))
    )
    changed += block_moves.move(again, frozenset({B.SKIPPED, B.UNDONE, B.FAILED}), B.READY, now=now, **fresh)
    rows = [_new(account, t, now) for t in targets]
    created = BlockTask.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return changed + len(created) + _unfollow_blocked(account, targets, now)


def _unfollow_blocked(account: Account, targets: list[BlockTarget], now: datetime) -> int:
    """Someone the person blocked is never followed for them: a follow Envol made before the block
    was known (an earlier upload without the block list) is undone by the engine's ordinary undo.
    A mute is no reason to stop following; the person's own follows are not Envol's to remove."""
    blocked = [t.stable_id for t in targets if t.action == BlockAction.BLOCK]
    if not blocked:
        return 0
    made = FollowTask.objects.filter(created_by_envol(), source_id=account.pk, undo_requested=False)
    return made.filter(texts_in("target_id", blocked)).update(undo_requested=True, updated_at=now)


def _new(account: Account, target: BlockTarget, now: datetime) -> BlockTask:
    return BlockTask(
        source=account,
        network=account.platform,
        target_account_id=target.account_id,
        target_id=target.stable_id,
        target_handle=target.handle,
        action=target.action.value,
        state=B.READY.value,
        created_at=now,
        updated_at=now,
    )
