"""One run of the Mastodon executor for one account.

Mastodon de-duplicates follows itself (following twice creates nothing), so exactly-once is easy
here; what matters is the budget (400 follows a UTC day, 300 requests per 5 minutes), the 7,500
rule, and resolving each target through the person's own instance, whose id for it is recorded.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q

from envol.core.listparam import texts_in
from envol.platforms.errors import NotFound, RateLimited, Rejected
from envol.reconnect import budgets, transitions
from envol.reconnect.models import FollowTask
from envol.reconnect.ports import MastodonAccount
from envol.reconnect.runtime import Run
from envol.reconnect.runtime import policy as runtime_policy
from envol.reconnect.states import TaskState

FOLLOW_LIMIT = "follow_limit"


def follow_limit(following: int, followers: int, *, threshold: int = 7500, ratio: float = 1.1) -> int:
    """Mastodon's FollowLimitValidator: past `threshold` follows, one needs followers × ratio."""
    return threshold if following < threshold else max(round(followers * ratio), threshold)


def _observe(run: Run, client: MastodonAccount, policy: budgets.Policy) -> None:
    seen, retry_at = budgets.parse_headers(client.rate_headers, run.ts())
    run.budget = budgets.observe(policy, run.budget, seen, run.ts())
    if retry_at is not None:
        run.budget = budgets.pause(run.budget, retry_at)


def _later(run: Run, policy: budgets.Policy) -> datetime:
    return datetime.fromtimestamp(budgets.refill_at(policy, run.budget, run.ts()), tz=run.now().tzinfo)


def _pause_for_limit(run: Run, limit: int) -> datetime:
    run.drive.paused_reason = FOLLOW_LIMIT
    run.drive.last_error = f"follow_limit:{limit}"
    run.drive.last_error_at = run.now()
    return run.now() + timedelta(days=1)  # the person may unfollow some, or gain followers


def follow_all(run: Run, client: MastodonAccount) -> datetime | None:
    policy = runtime_policy(budgets.MASTODON)
    mine = Q(source_id=run.account.pk, state=TaskState.READY)
    if not FollowTask.objects.filter(mine).exists():
        return None
    if budgets.max_items(policy, run.budget, run.ts()) == 0:
        return _later(run, policy)
    me = client.me()
    run.budget = budgets.spend_requests(policy, run.budget, 1, run.ts())
    limit = follow_limit(me.following_count, me.followers_count)
    if me.following_count >= limit:
        return _pause_for_limit(run, limit)
    run.drive.paused_reason = ""
    _read_existing(run, client, me.id)
    while True:
        task = FollowTask.objects.filter(mine).order_by("pk").first()
        if task is None:
            return None
        if budgets.max_items(policy, run.budget, run.ts()) == 0:
            return _later(run, policy)
        if run.out_of_time() or not run.still_holds():
            return run.now()
        try:
            outcome = _follow_one(run, client, task)
        except Rejected as error:
            if error.code == FOLLOW_LIMIT:
                return _pause_for_limit(run, limit)
            to = TaskState.SKIPPED if error.code == "not_allowed" else TaskState.FAILED
            reason, message = error.code or "rejected", error.message[:255]
            transitions.move_ids([task.pk], to, now=run.now(), reason=reason, last_error=message)
            continue
        except NotFound as error:
            message = error.message[:255]
            transitions.move_ids(
                [task.pk], TaskState.SKIPPED, now=run.now(), reason="gone", last_error=message
            )
            continue
        except RateLimited as error:
            _observe(run, client, policy)
            run.budget = budgets.pause(run.budget, error.retry_at.timestamp())
            raise
        finally:
            run.log.requests = client.requests
        _observe(run, client, policy)
        transitions.move_ids([task.pk], outcome, now=run.now())
        run.log.followed += outcome != TaskState.ALREADY_FOLLOWING


def _read_existing(run: Run, client: MastodonAccount, my_id: str) -> None:
    """Ready targets the account already follows → already_following (a full read of its follows,
    done again only when new tasks appeared since the last one)."""
    mine = Q(source_id=run.account.pk, state=TaskState.READY, remote_id="")
    listed = run.drive.follows_listed_at
    if listed is not None and not FollowTask.objects.filter(mine, created_at__gt=listed).exists():
        return
    started = run.now()
    followed: set[str] = set()
    pages_before = client.requests
    for account in client.following(my_id):
        followed.update({account.uri, account.acct})
    pages = client.requests - pages_before
    run.budget = budgets.spend_requests(runtime_policy(budgets.MASTODON), run.budget, pages, run.ts())
    # Two addresses per follow, and an account may follow tens of thousands: one parameter.
    transitions.move(mine & texts_in("target_id", followed), TaskState.ALREADY_FOLLOWING, now=run.now())
    run.drive.follows_listed_at = started


def _follow_one(run: Run, client: MastodonAccount, task: FollowTask) -> TaskState:
    """Resolve (once), check the relationship, follow. The relationship check keeps a follow the
    person made themselves out of Envol's count, so that undo never removes it."""
    policy = runtime_policy(budgets.MASTODON)
    if not task.remote_id:
        target = client.resolve(task.target_id)
        run.budget = budgets.spend_requests(policy, run.budget, 1, run.ts())
        if target.moved_to is not None:
            target = target.moved_to  # a moved account refuses follows: follow its new address
        task.remote_id, task.followed_acct = target.id, target.acct
        FollowTask.objects.filter(pk=task.pk).update(remote_id=target.id, followed_acct=target.acct)
    current = client.relationships([task.remote_id]).get(task.remote_id)
    run.budget = budgets.spend_requests(policy, run.budget, 1, run.ts())
    if current is not None and (current.following or current.requested):
        return TaskState.ALREADY_FOLLOWING
    relationship = client.follow(task.remote_id)
    run.budget = budgets.charge(policy, run.budget, {"follows": 1, "requests": 1}, run.ts())
    if relationship.following:
        return TaskState.DONE
    return TaskState.REQUESTED  # a locked account: the follow waits for its approval


def unfollow_all(run: Run, client: MastodonAccount) -> datetime | None:
    policy = runtime_policy(budgets.MASTODON_UNFOLLOW)
    asked = FollowTask.objects.filter(
        source_id=run.account.pk, undo_requested=True, state__in=[TaskState.DONE, TaskState.REQUESTED]
    ).exclude(remote_id="")
    while True:
        task = asked.order_by("pk").first()
        if task is None:
            return None
        if budgets.max_items(policy, run.budget, run.ts()) == 0:
            return _later(run, policy)
        if run.out_of_time() or not run.still_holds():
            return run.now()
        try:
            client.unfollow(task.remote_id)
        except NotFound:
            pass  # the account is gone: so is the follow
        finally:
            run.log.requests = client.requests
        run.budget = budgets.spend(policy, run.budget, 1, run.ts())
        _observe(run, client, policy)
        transitions.move_ids([task.pk], TaskState.UNDONE, now=run.now(), undo_requested=False)
