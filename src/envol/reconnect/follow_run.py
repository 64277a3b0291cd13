"""One run of the engine for one account, on any platform, through its follow port
(envol.platforms.follows.FollowPort): reconcile, undo, read what it follows, follow in batches.

Exactly once, even across crashes and zombie workers:

1. A task's record key is obtained (`prepare`) and committed together with `sent_at` BEFORE the
   write that carries it, and never changes afterwards.
2. A run first reconciles every task with `sent_at` set (a write whose outcome is unknown: crash,
   timeout, 5xx) from what the platform holds (`present`): there → done (or requested); absent →
   sent again, with the same key. A stale Bluesky write that lands late can therefore never add a
   second record: the PDS refuses a create whose key exists, and the whole batch with it; Mastodon
   makes nothing of a second follow. When undo was asked meanwhile, an absent write goes back to
   planned instead (never sent), and a present one is undone.
3. Before the first write (and whenever new tasks appeared since), it lists the account's follows:
   a target already followed by a record not Envol's becomes already_following, and is never sent.

Looking again (envol.reconnect.rechecks): follow requests are re-checked in batches (`present`)
until accepted (done); a target the person's instance cannot find now waits, ready, until its next
lookup, and is skipped as gone only by the rule of rechecks (with its home server's 404 or 410);
a gone target is looked at again weekly.

Budgets: each call is charged what it cost (the policy's units per follow, and the requests the
port counted), then corrected by the server's own reading (envol.reconnect.budgets).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q

from envol.core.config import CONFIG
from envol.platforms.errors import ErrorCode, NotFound, PlatformError, RateLimited, Rejected
from envol.platforms.follows import FollowPort, FollowResult, Room
from envol.platforms.mastodon.follow_port import FOLLOW_LIMIT
from envol.reconnect import budgets, rechecks, reputation, transitions
from envol.reconnect.models import FollowTask
from envol.reconnect.runtime import Run, follow_policy, unfollow_policy
from envol.reconnect.states import CREATED_BY_ENVOL, TaskState

#: Refusals about the target itself: it is skipped. Any other refusal fails (the person may retry).
TARGET_REFUSALS = frozenset({ErrorCode.GONE, ErrorCode.NOT_ALLOWED, ErrorCode.INVALID})
RESULT_STATE = {
    FollowResult.FOLLOWING: TaskState.DONE,
    FollowResult.REQUESTED: TaskState.REQUESTED,
    FollowResult.ALREADY: TaskState.ALREADY_FOLLOWING,
}

#: What sending a batch reads of each task (_prepared, _missed, record_keys, _send): loading only
#: these keeps a batch of 200 cheap to build (a field left out would cost a query per task).
BATCH_FIELDS = (
    "id",
    "target_id",
    "target_account_id",
    "record_key",
    "followed_acct",
    "misses",
    "missed_since",
)


def drive(run: Run, port: FollowPort) -> datetime | None:
    """The whole run; returns when to run again (None: nothing to do before a re-check falls due,
    which the engine's heartbeat wakes the account for)."""
    reconcile(run, port)
    later = undo_batches(run, port)
    if later is not None:
        return later
    look_again_at_gone(run)
    later = follow_batches(run, port)
    checks = recheck_requests(run, port)
    return min((t for t in (later, checks) if t is not None), default=None)


def _sendable(run: Run) -> Q:
    """Ready tasks that may be sent now: not waiting for their next lookup."""
    return Q(source_id=run.account.pk, state=TaskState.READY) & (
        Q(check_at__isnull=True) | Q(check_at__lte=run.now())
    )


def _requested(now: datetime) -> dict[str, object]:
    """What entering `requested` sets: the first re-check of the schedule."""
    return {"sent_at": None, "checks": 0, "check_at": rechecks.next_request_check(now, 0)}


def look_again_at_gone(run: Run) -> int:
    """Gone targets whose weekly look is due become ready: the next lookup decides again."""
    due = Q(source_id=run.account.pk, reason=ErrorCode.GONE.value, check_at__lte=run.now())
    return transitions.move(
        due, TaskState.SKIPPED, TaskState.READY, now=run.now(), check_at=None, finished_at=None
    )


def recheck_requests(run: Run, port: FollowPort) -> datetime | None:
    """Look again at the follow requests whose re-check is due, in batches (one `present` call
    each) within the budget: accepted ones are done, refused ones skipped as declined, the others
    wait for the next re-check of the schedule (none after the last: a pending request). Returns
    when to go on if the budget or the run's time stopped it."""
    policy = rechecks.check_policy(follow_policy(run.account.platform))
    due = FollowTask.objects.filter(
        source_id=run.account.pk, state=TaskState.REQUESTED, check_at__lte=run.now()
    ).exclude(record_key="")
    while True:
        batch = list(
            due.order_by("check_at", "pk").values_list("pk", "record_key", "checks", "finished_at")[
                : rechecks.CHECK_BATCH
            ]
        )
        if not batch:
            return None
        if budgets.max_items(policy, run.budget, run.ts()) == 0:
            return later(run, policy)
        if run.out_of_time():
            return run.now()
        before = port.requests
        found = port.present([key for _, key, _, _ in batch])
        charge(run, port, policy, before)
        now = run.now()
        accepted = [pk for pk, key, _, _ in batch if found.get(key) == FollowResult.FOLLOWING]
        transitions.move_ids(accepted, TaskState.REQUESTED, TaskState.DONE, now=now, check_at=None)
        declined = [pk for pk, key, _, _ in batch if key not in found]
        transitions.move_ids(
            declined, TaskState.REQUESTED, TaskState.SKIPPED, now=now, check_at=None, reason="declined"
        )
        waiting = [
            FollowTask(pk=pk, checks=checks + 1, check_at=rechecks.next_request_check(at or now, checks + 1))
            for pk, key, checks, at in batch
            if found.get(key) == FollowResult.REQUESTED
        ]
        FollowTask.objects.bulk_update(waiting, ["checks", "check_at"])


def charge(run: Run, port: FollowPort, policy: budgets.Policy, before: int, items: int = 0) -> None:
    """Charge what a call cost, then let the server's reading correct our counting."""
    cost = {unit: amount * items for unit, amount in policy.per_item.items() if unit != "requests"}
    cost["requests"] = port.requests - before
    run.budget = budgets.charge(policy, run.budget, cost, run.ts())
    run.budget = budgets.observe(policy, run.budget, port.rate_limit, run.ts())
    run.log.requests = port.requests


def later(run: Run, policy: budgets.Policy) -> datetime:
    return datetime.fromtimestamp(budgets.refill_at(policy, run.budget, run.ts()), tz=run.now().tzinfo)


def reconcile(run: Run, port: FollowPort) -> None:
    """Settle tasks whose write may or may not have happened, from what the platform holds."""
    pending = list(
        FollowTask.objects.filter(source_id=run.account.pk, state=TaskState.READY, sent_at__isnull=False)
        .exclude(record_key="")
        .values_list("pk", "record_key")
    )
    if not pending:
        return
    before = port.requests
    present = port.present([key for _, key in pending])
    charge(run, port, follow_policy(run.account.platform), before)
    written = [pk for pk, key in pending if present.get(key) == FollowResult.FOLLOWING]
    transitions.move_ids(written, TaskState.READY, TaskState.DONE, now=run.now(), sent_at=None)
    asked = [pk for pk, key in pending if present.get(key) == FollowResult.REQUESTED]
    transitions.move_ids(asked, TaskState.READY, TaskState.REQUESTED, now=run.now(), **_requested(run.now()))
    absent = [pk for pk, key in pending if key not in present]
    FollowTask.objects.filter(pk__in=absent).update(sent_at=None)
    # Undo was asked while these writes were on their way: they never landed, so none is sent again.
    undone = Q(pk__in=absent, undo_requested=True)
    transitions.move(undone, TaskState.READY, TaskState.PLANNED, now=run.now(), undo_requested=False)


def undo_batches(run: Run, port: FollowPort) -> datetime | None:
    """Remove the follows Envol created for tasks whose undo was asked, under the same budget."""
    policy = unfollow_policy(run.account.platform)
    asked = FollowTask.objects.filter(
        source_id=run.account.pk, undo_requested=True, state__in=list(CREATED_BY_ENVOL)
    ).exclude(record_key="")
    while True:
        if not asked.exists():
            return None
        allowed = budgets.max_items(policy, run.budget, run.ts())
        if allowed == 0:
            return later(run, policy)
        if run.out_of_time() or not run.still_holds():
            return run.now()
        batch = list(asked.order_by("pk").values_list("pk", "record_key")[:allowed])
        before = port.requests
        try:
            port.unfollow([key for _, key in batch])  # those already gone count as removed
        finally:
            run.log.requests = port.requests
        charge(run, port, policy, before, len(batch))
        undone = [pk for pk, _ in batch]
        transitions.move_ids(undone, CREATED_BY_ENVOL, TaskState.UNDONE, now=run.now(), undo_requested=False)


def read_existing(run: Run, port: FollowPort) -> None:
    """Ready targets the account already follows: done when by Envol's own record (a key of ours),
    already_following otherwise. A full read, done again only when new tasks appeared since."""
    mine = Q(source_id=run.account.pk, state=TaskState.READY)
    listed = run.drive.follows_listed_at
    if listed is not None and not FollowTask.objects.filter(mine, created_at__gt=listed).exists():
        return
    started = run.now()
    keys_of: dict[str, set[str]] = {}
    before = port.requests
    for followed in port.following():
        for subject in followed.subjects:
            keys_of.setdefault(subject, set()).add(followed.key)
    charge(run, port, follow_policy(run.account.platform), before)
    ours: list[int] = []
    others: list[int] = []
    rows = FollowTask.objects.filter(mine).values_list("pk", "target_id", "record_key")
    for pk, target, key in rows.iterator(chunk_size=5000):
        keys = keys_of.get(target)
        if keys:
            (ours if key and key in keys else others).append(pk)
    transitions.move_ids(ours, TaskState.READY, TaskState.DONE, now=run.now(), sent_at=None)
    transitions.move_ids(others, TaskState.READY, TaskState.ALREADY_FOLLOWING, now=run.now())
    run.drive.follows_listed_at = started


def _pause_for_limit(run: Run, limit: int) -> datetime:
    run.drive.paused_reason = ErrorCode.FOLLOW_LIMIT.value
    run.drive.last_error = f"{ErrorCode.FOLLOW_LIMIT.value}:{limit}"
    return run.now() + timedelta(days=1)  # the person may unfollow some, or gain followers


def follow_batches(run: Run, port: FollowPort) -> datetime | None:
    """Send ready follows while the budget, the pace (envol.reconnect.reputation), the claim and the
    run's time slice allow; returns when to run again (None: nothing left)."""
    policy = follow_policy(run.account.platform)
    ready = FollowTask.objects.filter(_sendable(run))
    if not ready.exists():
        return None
    held = reputation.held_by_person(run)
    if held is not None:
        return held
    if budgets.max_items(policy, run.budget, run.ts()) == 0:
        return later(run, policy)
    held = reputation.watch(run, port)
    if held is not None:
        return held
    before = port.requests
    room = port.room()
    charge(run, port, policy, before)
    if room is not None and room.full:
        return _pause_for_limit(run, room.limit)
    run.drive.paused_reason = ""
    read_existing(run, port)
    fast, since_watch = reputation.is_fast(run), 0
    while True:
        if not ready.exists():
            return None
        allowed = budgets.max_items(policy, run.budget, run.ts())
        if allowed == 0:
            return later(run, policy)
        if since_watch >= CONFIG.pacing_check_every:
            held, since_watch = reputation.watch(run, port), 0
            if held is not None:
                return held
        paced = reputation.paced(run, allowed, fast=fast)
        if isinstance(paced, datetime):
            return paced
        if run.out_of_time() or not run.still_holds():
            return run.now()
        batch = list(reputation.ordered(ready, run.account.pk).only(*BATCH_FIELDS)[:paced])
        reputation.sent(run, len(batch))
        since_watch += len(batch)
        paused = _send(run, port, policy, batch, room)
        if paused is not None:
            return paused


def record_keys(batch: list[FollowTask], now: datetime) -> None:
    """Commit each task's record key (and the address followed) with `sent_at` in one UPDATE … FROM a
    JSON array, before the write that uses them (a key, once stored, never changes)."""
    table = connection.ops.quote_name(FollowTask._meta.db_table)
    if connection.vendor == "postgresql":
        rows = (
            "SELECT (e->>0)::bigint AS id, e->>1 AS record_key, e->>2 AS followed_acct "
            "FROM jsonb_array_elements(%s::jsonb) e"
        )
    else:
        rows = (
            "SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS record_key, "
            "json_extract(value, '$[2]') AS followed_acct FROM json_each(%s)"
        )
    sql = f"""
        UPDATE {table} SET record_key = j.record_key, followed_acct = j.followed_acct, sent_at = %s,
            updated_at = %s, misses = 0, missed_since = NULL, check_at = NULL, reason = ''
        FROM ({rows}) j WHERE {table}.id = j.id
    """  # noqa: S608 (only the quoted table name and fixed fragments are formatted in)
    payload = json.dumps([[t.pk, t.record_key, t.followed_acct] for t in batch])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [now, now, payload])


def _refuse(run: Run, task: FollowTask, error: PlatformError) -> None:
    to = TaskState.SKIPPED if error.code in TARGET_REFUSALS else TaskState.FAILED
    transitions.move_ids(
        [task.pk],
        TaskState.READY,
        to,
        now=run.now(),
        reason=error.code.value,
        last_error=error.message[:255],
        sent_at=None,
    )


def _missed(run: Run, port: FollowPort, task: FollowTask, error: NotFound) -> None:
    """The target could not be found now. It is gone only by the rule of envol.reconnect.rechecks
    (enough misses over long enough, and its home server's 404 or 410): then skipped, looked at
    again weekly; else it waits, ready, for its next lookup (failed once nobody has found it for
    90 days without its server saying it is gone)."""
    now = run.now()
    misses, since = task.misses + 1, task.missed_since or now
    mine = Q(pk=task.pk)
    common = {"misses": misses, "missed_since": since, "last_error": error.message[:255], "sent_at": None}
    if rechecks.may_be_gone(misses, since, now) and port.confirms_gone(task.target_id):
        when = rechecks.next_gone_check(now, since)
        transitions.move(mine, TaskState.READY, TaskState.SKIPPED, now=now, reason=ErrorCode.GONE.value,
                         check_at=when, **common)  # fmt: skip
    elif rechecks.given_up(since, now):
        transitions.move(mine, TaskState.READY, TaskState.FAILED, now=now, reason="not_found", check_at=None,
                         **common)  # fmt: skip
    else:
        FollowTask.objects.filter(mine, state=TaskState.READY).update(
            reason="not_found_yet", check_at=rechecks.next_lookup(now, misses), updated_at=now, **common
        )


def _prepared(run: Run, port: FollowPort, batch: list[FollowTask]) -> list[FollowTask]:
    """Give each task its record key (once: a key, once stored, is kept); targets that cannot be
    prepared (nobody answers to them now, or refused) are settled here and left out."""
    kept = []
    for task in batch:
        if not task.record_key:
            try:
                prepared = port.prepare(task.target_id)
            except NotFound as error:
                _missed(run, port, task, error)
                continue
            except Rejected as error:
                _refuse(run, task, error)
                continue
            task.record_key, task.followed_acct = prepared.key, prepared.followed_as
        kept.append(task)
    return kept


def _send(
    run: Run, port: FollowPort, policy: budgets.Policy, batch: list[FollowTask], room: Room | None
) -> datetime | None:
    before = port.requests
    try:
        batch = _prepared(run, port, batch)
    finally:
        charge(run, port, policy, before)
    if not batch:
        return None
    now = run.now()
    record_keys(batch, now)
    before = port.requests
    try:
        results = port.follow([(t.record_key, t.target_id) for t in batch], now)
    except RateLimited as error:
        charge(run, port, policy, before)
        run.budget = budgets.pause(run.budget, error.retry_at.timestamp())
        raise
    except (Rejected, NotFound) as error:
        # Refused whole: nothing was written. Halve it to find the culprit; alone, it is settled.
        FollowTask.objects.filter(pk__in=[t.pk for t in batch]).update(sent_at=None)
        charge(run, port, policy, before)
        if error.code == ErrorCode.FOLLOW_LIMIT:
            return _pause_for_limit(run, room.limit if room is not None else FOLLOW_LIMIT)
        if len(batch) > 1:
            half = len(batch) // 2
            paused = _send(run, port, policy, batch[:half], room)
            return paused or _send(run, port, policy, batch[half:], room)
        if isinstance(error, NotFound):
            _missed(run, port, batch[0], error)
        else:
            _refuse(run, batch[0], error)
        return None
    except PlatformError:
        run.log.requests = port.requests
        raise  # outcome unknown: sent_at stays, the next run reconciles
    charge(run, port, policy, before, len(batch))
    for result, state in RESULT_STATE.items():
        ids = [t.pk for t, r in zip(batch, results, strict=True) if r == result]
        fields = _requested(run.now()) if state == TaskState.REQUESTED else {"sent_at": None}
        transitions.move_ids(ids, TaskState.READY, state, now=run.now(), **fields)
    run.log.followed += sum(r != FollowResult.ALREADY for r in results)
    run.followed_accounts.update(t.target_account_id for t in batch if t.target_account_id is not None)
    run.record()
    return None
