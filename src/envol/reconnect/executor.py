"""The per-account executor: a background task that drives one source account for a while.

    lease ─► reconcile ─► read existing follows ─► batches within the budget ─► re-enqueue

It never sleeps: it does what the budget allows, then schedules itself for when the budget refills
(or when a backoff ends) and returns. Errors are per account, never global: a passing fault backs
off with jitter, a rate limit waits for the advertised reset, a lost authorisation puts the tasks
in waiting_auth and tells the person (registry.linking.mark_needs_reauth); a target that is gone is
skipped with the reason.
"""

from __future__ import annotations

import contextlib
import logging
import random
from datetime import UTC, datetime, timedelta
from typing import cast

from django.db.models import Q
from django.tasks import task
from django.utils import timezone

from envol.core.ids import Platform
from envol.platforms.errors import AuthExpired, PlatformError, RateLimited
from envol.reconnect import budgets, lease, transitions
from envol.reconnect.bluesky_run import read_existing, reconcile, undo_batches, write_batches
from envol.reconnect.connect import ports_for
from envol.reconnect.mastodon_run import follow_all, unfollow_all
from envol.reconnect.models import AccountDrive, DriveRun
from envol.reconnect.plan import promote_due
from envol.reconnect.ports import BlueskyRepo, MastodonAccount
from envol.reconnect.runtime import Clock, Run, lease_seconds, retry_seconds
from envol.reconnect.scheduling import has_work, schedule
from envol.reconnect.states import TaskState
from envol.registry.linking import mark_needs_reauth
from envol.registry.models import Account

logger = logging.getLogger("envol.reconnect")


@task()
def drive_account(account_id: int) -> str:
    return run_account(account_id)


def run_account(account_id: int, *, clock: Clock | None = None, holder: str | None = None) -> str:
    """One run; returns what happened (for logs and tests). Safe to call concurrently: the lease
    lets one caller in per account, the others return "busy"."""
    holder = holder or lease.new_holder()
    clock = clock or timezone.now
    if not lease.take(account_id, holder, lease_seconds(), now=datetime.now(UTC)):
        return "busy"
    account = Account.objects.filter(pk=account_id).first()
    if account is None:
        return "gone"
    drive = AccountDrive.objects.get(account_id=account_id)
    log = DriveRun.objects.create(account_id=account_id, holder=holder, started_at=datetime.now(UTC))
    run = Run(account=account, drive=drive, holder=holder, clock=clock, log=log)
    outcome, when = "error", None
    try:
        outcome, when = _drive(run)
    except Exception:
        # A bug or a database fault: try again later rather than never (the queue marks it failed).
        when = datetime.now(UTC) + timedelta(seconds=retry_seconds())
        raise
    finally:
        log.ended_at, log.outcome = datetime.now(UTC), outcome
        log.save(update_fields=["ended_at", "outcome", "followed", "requests"])
        drive.budget = run.budget
        drive.save(
            update_fields=[
                "budget",
                "follows_listed_at",
                "paused_reason",
                "error_streak",
                "last_error",
                "last_error_at",
            ]
        )
        # Only a live holder may schedule: a run whose lease ran out leaves that to the new holder.
        if lease.holds(account_id, holder, now=datetime.now(UTC)):
            if outcome == "idle" and has_work(account_id):
                # Work came while this run held the lease (an undo asked meanwhile): the run queued
                # for it found the lease taken and gave up, so this one must not leave it unscheduled.
                when = datetime.now(UTC)
            schedule(account_id, when)
        lease.release(account_id, holder)
    return outcome


def _drive(run: Run) -> tuple[str, datetime | None]:
    account = run.account
    mine = Q(source_id=account.pk)
    if account.needs_reauth:
        transitions.move(mine, TaskState.WAITING_AUTH, now=run.now())
        return "waiting_auth", None
    promote_due([account.pk], now=run.now())
    try:
        port = ports_for(account)
        with contextlib.closing(port) if hasattr(port, "close") else contextlib.nullcontext():
            when = _platform_run(run, port)
    except AuthExpired as error:
        transitions.move(mine, TaskState.WAITING_AUTH, now=run.now())
        mark_needs_reauth(account, error.code or error.message)
        _note(run, error)
        return "waiting_auth", None
    except RateLimited as error:
        run.budget = budgets.pause(run.budget, error.retry_at.timestamp())
        _note(run, error)
        return "rate_limited", max(error.retry_at, run.now())
    except PlatformError as error:
        # A passing fault (or an account-wide refusal): back off with jitter, per account.
        run.drive.error_streak += 1
        _note(run, error)
        wait = budgets.backoff(run.drive.error_streak, retry_seconds(), random.random())  # noqa: S311
        return "retry", run.now() + timedelta(seconds=wait)
    run.drive.error_streak = 0
    if when is not None and when > run.now():
        return "budget", when
    return ("more" if when is not None else "idle"), when


def _platform_run(run: Run, port: object) -> datetime | None:
    if run.account.platform == Platform.BLUESKY:
        repo = cast(BlueskyRepo, port)
        reconcile(run, repo)
        later = undo_batches(run, repo)
        if later is not None:
            return later
        read_existing(run, repo)
        return write_batches(run, repo)
    client = cast(MastodonAccount, port)
    later = unfollow_all(run, client)
    if later is not None:
        return later
    return follow_all(run, client)


def _note(run: Run, error: PlatformError) -> None:
    logger.info("account %s: %s", run.account.pk, error)
    run.drive.last_error = (error.code or type(error).__name__.lower())[:64] + ": " + error.message[:180]
    run.drive.last_error_at = run.now()
