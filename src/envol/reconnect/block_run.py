"""One run's blocks and mutes for one account (decision 0026), through its port
(envol.platforms.blocks.BlockPort), before its follows and under the same budgets:
reconcile, undo, then send.

Exactly once, as for follows (envol.reconnect.follow_run): a task's record key is committed with
`sent_at` before the write that carries it; a run first settles every task with `sent_at` set from
what the platform holds (there → done; absent → sent again with the same key, or, when undo was
asked meanwhile, skipped as withdrawn). A block the account had before Envol's write is `already`:
the person's own, never undone. Blocks are not paced like follows (envol.reconnect.pacing): they are
no spam signal, so only the budgets bound them.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q

from envol.platforms.blocks import AccountPort, BlockAction, BlockResult
from envol.platforms.errors import NotFound, OutOfScope, PlatformError, RateLimited, Rejected
from envol.reconnect import block_moves, budgets
from envol.reconnect.block_models import BlockTask
from envol.reconnect.block_states import BlockState
from envol.reconnect.follow_run import charge, later
from envol.reconnect.runtime import Run, block_policy, unfollow_policy

B = BlockState
WITHDRAWN = "not_chosen"


def work_anywhere() -> Q:
    """Something to send or undo, whatever the account (what wakes accounts)."""
    return Q(state=B.READY) | Q(state=B.DONE, undo_requested=True)


def work(account_id: int) -> Q:
    """Something to send or undo for this account."""
    return Q(source_id=account_id) & work_anywhere()


def drive(run: Run, port: AccountPort) -> datetime | None:
    """Returns when to go on (the budget or the run's time ran out), or None: nothing left."""
    if not BlockTask.objects.filter(work(run.account.pk)).exists():
        return None
    reconcile(run, port)
    return undo(run, port) or send(run, port)


def _actions(rows: list[tuple[int, str, str]]) -> dict[BlockAction, list[tuple[int, str]]]:
    grouped: dict[BlockAction, list[tuple[int, str]]] = {}
    for pk, action, key in rows:
        grouped.setdefault(BlockAction(action), []).append((pk, key))
    return grouped


def reconcile(run: Run, port: AccountPort) -> None:
    mine = BlockTask.objects.filter(source_id=run.account.pk, state=B.READY, sent_at__isnull=False)
    rows = list(mine.exclude(record_key="").values_list("pk", "action", "record_key"))
    for action, tasks in _actions(rows).items():
        before = port.requests
        present = port.blocks_present(action, [key for _, key in tasks])
        charge(run, port, block_policy(run.account.platform), before)
        written = [pk for pk, key in tasks if key in present]
        block_moves.move_ids(written, B.READY, B.DONE, now=run.now(), sent_at=None)
        absent = [pk for pk, key in tasks if key not in present]
        BlockTask.objects.filter(pk__in=absent).update(sent_at=None)
        # Withdrawn while the write was on its way, and it never landed: nothing to send or undo.
        withdrawn = Q(pk__in=absent, undo_requested=True)
        block_moves.move(withdrawn, B.READY, B.SKIPPED, now=run.now(), undo_requested=False, reason=WITHDRAWN)


def undo(run: Run, port: AccountPort) -> datetime | None:
    """Remove the blocks Envol made whose undo was asked, within the budget."""
    policy = unfollow_policy(run.account.platform)
    asked = BlockTask.objects.filter(source_id=run.account.pk, state=B.DONE, undo_requested=True)
    while True:
        allowed = budgets.max_items(policy, run.budget, run.ts())
        rows = list(
            asked.order_by("action", "pk").values_list("pk", "action", "record_key")[: max(allowed, 1)]
        )
        if not rows:
            return None
        if allowed == 0:
            return later(run, policy)
        if run.out_of_time() or not run.still_holds():
            return run.now()
        action = BlockAction(rows[0][1])
        batch = [(pk, key) for pk, act, key in rows if act == action]
        before = port.requests
        port.unblock(action, [key for _, key in batch])
        charge(run, port, policy, before, len(batch))
        done = [pk for pk, _ in batch]
        block_moves.move_ids(done, B.DONE, B.UNDONE, now=run.now(), undo_requested=False)


def send(run: Run, port: AccountPort) -> datetime | None:
    policy = block_policy(run.account.platform)
    ready = BlockTask.objects.filter(source_id=run.account.pk, state=B.READY, sent_at__isnull=True)
    while True:
        allowed = min(budgets.max_items(policy, run.budget, run.ts()), policy.max_batch)
        first = ready.order_by("action", "pk").first()
        if first is None:
            return None
        if allowed == 0:
            return later(run, policy)
        if run.out_of_time() or not run.still_holds():
            return run.now()
        batch = list(ready.filter(action=first.action).order_by("pk")[:allowed])
        _send(run, port, policy, BlockAction(first.action), batch)


def _why(error: PlatformError) -> dict[str, object]:
    """What a task that did not go keeps of the refusal (and no write on its way any more)."""
    return {"reason": error.code.value, "last_error": error.message[:255], "sent_at": None}


def _settle(run: Run, task: BlockTask, error: PlatformError, to: BlockState = B.SKIPPED) -> None:
    block_moves.move_ids([task.pk], B.READY, to, now=run.now(), **_why(error))


def _prepared(run: Run, port: AccountPort, batch: list[BlockTask]) -> list[BlockTask]:
    kept = []
    for task in batch:
        if not task.record_key:
            try:
                task.record_key = port.prepare(task.target_id).key
            except (NotFound, Rejected) as error:
                _settle(run, task, error)  # nobody answers to the target now: nothing to block
                continue
        kept.append(task)
    return kept


def _send(
    run: Run, port: AccountPort, policy: budgets.Policy, action: BlockAction, batch: list[BlockTask]
) -> None:
    before = port.requests
    try:
        batch = _prepared(run, port, batch)
    finally:
        charge(run, port, policy, before)
    if not batch:
        return
    now = run.now()
    BlockTask.objects.bulk_update(
        [BlockTask(pk=t.pk, record_key=t.record_key, sent_at=now, updated_at=now) for t in batch],
        ["record_key", "sent_at", "updated_at"],
    )  # committed before the write that uses the keys: a key, once stored, never changes
    before = port.requests
    try:
        results = port.block(action, [(t.record_key, t.target_id) for t in batch], now)
    except RateLimited as error:
        charge(run, port, policy, before)
        run.budget = budgets.pause(run.budget, error.retry_at.timestamp())
        raise
    except OutOfScope as error:
        # The grant does not cover blocks (or mutes, decision 0026): every one of this kind fails at
        # once, rather than each costing its requests, and the follows go on.
        same = Q(source_id=run.account.pk, action=action.value)
        block_moves.move(same, B.READY, B.FAILED, now=run.now(), **_why(error))
        return
    except (Rejected, NotFound) as error:
        BlockTask.objects.filter(pk__in=[t.pk for t in batch]).update(sent_at=None)
        charge(run, port, policy, before)
        if len(batch) > 1:
            half = len(batch) // 2
            _send(run, port, policy, action, batch[:half])
            _send(run, port, policy, action, batch[half:])
        else:
            _settle(run, batch[0], error)
        return
    charge(run, port, policy, before, len(batch))
    for result, state in ((BlockResult.DONE, B.DONE), (BlockResult.ALREADY, B.ALREADY)):
        ids = [t.pk for t, r in zip(batch, results, strict=True) if r == result]
        block_moves.move_ids(ids, B.READY, state, now=run.now(), sent_at=None)
