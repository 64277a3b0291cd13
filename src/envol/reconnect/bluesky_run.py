"""One run of the Bluesky executor for one account: reconcile, read what it follows, write batches.

Exactly once, even across crashes and zombie workers:

1. A task's record key (TID) is chosen and committed together with `sent_at` BEFORE the
   applyWrites that carries it, and never changes afterwards.
2. A run first reconciles every task with `sent_at` set (a write whose outcome is unknown: crash,
   timeout, 5xx) by reading the newest records back: key present → done; absent → sent again, with
   the same key. A stale write that lands late can therefore never add a second record: the PDS
   refuses a create whose key exists, and the whole batch with it. When undo was asked meanwhile,
   an absent write goes back to planned instead (never sent), and a present one is undone.
3. Before the first write (and whenever new tasks appeared since), it lists the account's follows:
   a target already followed becomes already_following, and is never written.
"""

from __future__ import annotations

import json
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Q

from envol.platforms.errors import PlatformError, RateLimited, Rejected
from envol.reconnect import budgets, transitions
from envol.reconnect.models import FollowTask
from envol.reconnect.ports import BlueskyRepo
from envol.reconnect.runtime import Run
from envol.reconnect.runtime import policy as runtime_policy
from envol.reconnect.states import TaskState


def _observe(run: Run, repo: BlueskyRepo, policy: budgets.Policy) -> None:
    seen, retry_at = budgets.parse_headers(repo.rate_headers, run.ts())
    run.budget = budgets.observe(policy, run.budget, seen, run.ts())
    if retry_at is not None:
        run.budget = budgets.pause(run.budget, retry_at)


def _later(run: Run, policy: budgets.Policy) -> datetime:
    return datetime.fromtimestamp(budgets.refill_at(policy, run.budget, run.ts()), tz=run.now().tzinfo)


def reconcile(run: Run, repo: BlueskyRepo) -> None:
    """Settle tasks whose write may or may not have happened, from what the repository holds."""
    pending = list(
        FollowTask.objects.filter(source_id=run.account.pk, state=TaskState.READY, sent_at__isnull=False)
        .exclude(rkey="")
        .values_list("pk", "rkey")
    )
    if not pending:
        return
    present = repo.existing_rkeys([rkey for _, rkey in pending])
    run.log.requests = repo.requests
    written = [pk for pk, rkey in pending if rkey in present]
    transitions.move_ids(written, TaskState.DONE, now=run.now(), sent_at=None)
    absent = [pk for pk, rkey in pending if rkey not in present]
    FollowTask.objects.filter(pk__in=absent).update(sent_at=None)
    # Undo was asked while these writes were on their way: they never landed, so none is sent again.
    undone = Q(pk__in=absent, undo_requested=True)
    transitions.move(undone, TaskState.PLANNED, now=run.now(), undo_requested=False)


def read_existing(run: Run, repo: BlueskyRepo) -> None:
    """Mark as already_following every ready target the account follows by a record not ours."""
    mine = Q(source_id=run.account.pk, state=TaskState.READY)
    listed = run.drive.follows_listed_at
    if listed is not None and not FollowTask.objects.filter(mine, created_at__gt=listed).exists():
        return
    started = run.now()
    by_subject: dict[str, set[str]] = {}
    for rkey, subject in repo.follows():
        by_subject.setdefault(subject, set()).add(rkey)
    run.log.requests = repo.requests
    ours: list[int] = []
    others: list[int] = []
    for pk, target, rkey in FollowTask.objects.filter(mine).values_list("pk", "target_id", "rkey"):
        keys = by_subject.get(target)
        if keys:
            (ours if rkey and rkey in keys else others).append(pk)
    transitions.move_ids(ours, TaskState.DONE, now=run.now(), sent_at=None)
    transitions.move_ids(others, TaskState.ALREADY_FOLLOWING, now=run.now())
    run.drive.follows_listed_at = started


def write_batches(run: Run, repo: BlueskyRepo) -> datetime | None:
    """Send ready follows while the budget, the lease and the run's time slice allow; returns when
    to run again (None: nothing left)."""
    policy = runtime_policy(budgets.BLUESKY)
    while True:
        ready = FollowTask.objects.filter(source_id=run.account.pk, state=TaskState.READY)
        if not ready.exists():
            return None
        allowed = budgets.max_items(policy, run.budget, run.ts())
        if allowed == 0:
            return _later(run, policy)
        if run.out_of_time() or not run.still_holds():
            return run.now()
        batch = list(ready.order_by("pk")[:allowed])
        _send(run, repo, policy, batch)


def record_keys(batch: list[FollowTask], now: datetime) -> None:
    """Commit each task's record key and `sent_at` in one UPDATE … FROM a JSON array, before the
    write that uses them (a key, once stored, never changes)."""
    table = connection.ops.quote_name(FollowTask._meta.db_table)
    if connection.vendor == "postgresql":
        rows = "SELECT (e->>0)::bigint AS id, e->>1 AS rkey FROM jsonb_array_elements(%s::jsonb) e"
    else:
        rows = (
            "SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS rkey FROM json_each(%s)"
        )
    sql = f"""
        UPDATE {table} SET rkey = j.rkey, sent_at = %s, updated_at = %s
        FROM ({rows}) j WHERE {table}.id = j.id
    """  # noqa: S608 (only the quoted table name and fixed fragments are formatted in)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [now, now, json.dumps([[t.pk, t.rkey] for t in batch])])


def _send(run: Run, repo: BlueskyRepo, policy: budgets.Policy, batch: list[FollowTask]) -> None:
    now = run.now()
    for task in batch:
        task.rkey = task.rkey or repo.new_rkey()
    record_keys(batch, now)
    try:
        repo.create_follows([(t.rkey, t.target_id) for t in batch], now)
    except RateLimited as error:
        _observe(run, repo, policy)
        run.budget = budgets.pause(run.budget, error.retry_at.timestamp())
        raise
    except Rejected as error:
        # The PDS refuses the whole batch for one bad record: nothing was written. Halve it to find
        # the culprit; alone, it is skipped with the reason.
        FollowTask.objects.filter(pk__in=[t.pk for t in batch]).update(sent_at=None)
        run.budget = budgets.spend(policy, run.budget, 0, run.ts())
        if len(batch) > 1:
            half = len(batch) // 2
            _send(run, repo, policy, batch[:half])
            _send(run, repo, policy, batch[half:])
        else:
            reason, message = error.code or "rejected", error.message[:255]
            transitions.move_ids(
                [batch[0].pk],
                TaskState.SKIPPED,
                now=run.now(),
                reason=reason,
                last_error=message,
                sent_at=None,
            )
        return
    except PlatformError:
        run.log.requests = repo.requests
        raise  # outcome unknown: sent_at stays, the next run reconciles
    run.budget = budgets.spend(policy, run.budget, len(batch), run.ts())
    _observe(run, repo, policy)
    transitions.move_ids([t.pk for t in batch], TaskState.DONE, now=run.now(), sent_at=None)
    run.log.followed += len(batch)
    run.log.requests = repo.requests


def undo_batches(run: Run, repo: BlueskyRepo) -> datetime | None:
    """Delete the records Envol created for tasks whose undo was asked, under the same budget."""
    policy = runtime_policy(budgets.BLUESKY_DELETE)
    while True:
        asked = FollowTask.objects.filter(
            source_id=run.account.pk, undo_requested=True, state=TaskState.DONE
        ).exclude(rkey="")
        if not asked.exists():
            return None
        allowed = budgets.max_items(policy, run.budget, run.ts())
        if allowed == 0:
            return _later(run, policy)
        if run.out_of_time() or not run.still_holds():
            return run.now()
        batch = list(asked.order_by("pk").values_list("pk", "rkey")[:allowed])
        repo.delete_follows([rkey for _, rkey in batch])  # those already gone count as deleted
        run.budget = budgets.spend(policy, run.budget, len(batch), run.ts())
        _observe(run, repo, policy)
        transitions.move_ids([pk for pk, _ in batch], TaskState.UNDONE, now=run.now(), undo_requested=False)
        run.log.requests = repo.requests
