"""The per-account executor: a background task that drives one source account for a while.

    claim ─► reconcile ─► read existing follows ─► batches within the budget ─► release

It never sleeps: it does what the budget allows, then releases the account's drive into the state
its outcome names (envol.reconnect.drive_states), due when the budget refills (or when a backoff
ends), and returns. Errors are per account, never global: a passing fault backs
off with jitter, a rate limit waits for the advertised reset, a lost authorisation puts the tasks
in waiting_auth and tells the person (registry.linking.mark_needs_reauth); a target that is gone is
skipped with the reason.
"""

from __future__ import annotations

import contextlib
import logging
import random
from datetime import UTC, datetime, timedelta

from django.db.models import Q
from django.tasks import task
from django.utils import timezone

from envol.platforms.errors import AuthExpired, OutOfScope, PlatformError, RateLimited
from envol.reconnect import budgets, claims, drive_states, follow_run, reputation, transitions
from envol.reconnect.connect import ports_for
from envol.reconnect.drive_states import Outcome
from envol.reconnect.models import AccountDrive, DriveRun
from envol.reconnect.promote import promote_due
from envol.reconnect.runtime import Clock, Run, lease_seconds, retry_seconds
from envol.reconnect.states import TaskState
from envol.registry.linking import mark_needs_reauth
from envol.registry.mastodon_apps import narrow_scopes_refused
from envol.registry.models import Account

logger = logging.getLogger("envol.reconnect")


@task()
def drive_due() -> str:
    """Claim the drive whose time came first (envol.reconnect.claims) and run it; a wake-up that
    finds nothing due ends at once."""
    holder = claims.new_holder()
    account_id = claims.claim_due(holder, now=datetime.now(UTC), seconds=lease_seconds())
    if account_id is None:
        return "nothing due"
    return _run_claimed(account_id, holder, timezone.now)


def enqueue_drive(when: datetime) -> None:
    """A wake-up for `when` (at once when it has come)."""
    if when > datetime.now(UTC):
        drive_due.using(run_after=when).enqueue()
    else:
        drive_due.enqueue()


def run_account(account_id: int, *, clock: Clock | None = None, holder: str | None = None) -> Outcome:
    """One run of this account now, whatever its schedule; returns what happened (for logs and
    tests). Safe to call concurrently: one caller claims the account, the others get BUSY."""
    holder = holder or claims.new_holder()
    if not claims.claim(account_id, holder, now=datetime.now(UTC), seconds=lease_seconds()):
        return Outcome.BUSY
    return _run_claimed(account_id, holder, clock or timezone.now)


def _run_claimed(account_id: int, holder: str, clock: Clock) -> Outcome:
    account = Account.objects.filter(pk=account_id).first()
    drive = AccountDrive.objects.filter(account_id=account_id).first()
    if account is None or drive is None:
        return Outcome.GONE
    log = DriveRun.objects.create(account_id=account_id, holder=holder, started_at=datetime.now(UTC))
    run = Run(account=account, drive=drive, holder=holder, clock=clock, log=log)
    paused_before = drive.paused_reason
    outcome, when = Outcome.ERROR, None
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
        if not _save_drive(drive, paused_before):
            when = run.now()  # resumed during the run, which the resume could not schedule: at once
        # Only the holder releases: a run whose claim was lost leaves the drive to its new holder.
        state = drive_states.after(outcome, paused=bool(drive.paused_reason))
        due = claims.release(account_id, holder, state, when)
        if due is not None:
            enqueue_drive(due)
        _wake_followers_back(account_id, run.followed_accounts)
    return outcome


def _save_drive(drive: AccountDrive, paused_before: str) -> bool:
    """Write what the run changed; False when the person lifted the pause while the run held the
    drive (service.resume): the pause is then written only if it is still the one the run read
    (compare and set), so that their word wins over the run's stale copy."""
    drive.save(update_fields=["budget", "follows_listed_at", "error_streak"])
    pause = {"paused_reason": drive.paused_reason, "last_error": drive.last_error}
    if AccountDrive.objects.filter(pk=drive.pk, paused_reason=paused_before).update(**pause):
        return True
    drive.paused_reason, drive.last_error = "", ""
    return False


def _wake_followers_back(account_id: int, followed: set[int]) -> None:
    """People Envol just followed who wait to follow back (verified on Envol, their follow ready):
    their drives run next, so that a follow-back comes within minutes, not days."""
    for _ in claims.wake(reputation.waiting_back(account_id, followed), datetime.now(UTC)):
        drive_due.enqueue()


def _drive(run: Run) -> tuple[Outcome, datetime | None]:
    account = run.account
    mine = Q(source_id=account.pk)
    if account.needs_reauth:
        transitions.move(mine, TaskState.READY, TaskState.WAITING_AUTH, now=run.now())
        return Outcome.WAITING_AUTH, None
    promote_due([account.pk], now=run.now())
    try:
        with contextlib.closing(ports_for(account)) as port:
            try:
                when = follow_run.drive(run, port)
            except AuthExpired:
                # A token refused before its time: renewed once when the platform can (a refusal
                # of the renewal is an AuthExpired too, handled below), then the run goes on.
                if not port.reauthorise():
                    raise
                when = follow_run.drive(run, port)
    except AuthExpired as error:
        transitions.move(mine, TaskState.READY, TaskState.WAITING_AUTH, now=run.now())
        mark_needs_reauth(account, error.code.value if error.specific else error.message or error.code.value)
        if isinstance(error, OutOfScope):
            narrow_scopes_refused(account)  # the next sign-in asks for what the server honours
        _note(run, error)
        return Outcome.WAITING_AUTH, None
    except RateLimited as error:
        run.budget = budgets.pause(run.budget, error.retry_at.timestamp())
        _note(run, error)
        return Outcome.RATE_LIMITED, max(error.retry_at, run.now())
    except PlatformError as error:
        # A passing fault (or an account-wide refusal): back off with jitter, per account.
        run.drive.error_streak += 1
        _note(run, error)
        wait = budgets.backoff(run.drive.error_streak, retry_seconds(), random.random())  # noqa: S311
        return Outcome.RETRY, run.now() + timedelta(seconds=wait)
    run.drive.error_streak = 0
    if when is not None and when > run.now():
        return Outcome.BUDGET, when
    return (Outcome.MORE if when is not None else Outcome.IDLE), when


def _note(run: Run, error: PlatformError) -> None:
    logger.info("account %s: %s", run.account.pk, error)
    run.drive.last_error = error.code.value[:64] + ": " + error.message[:180]
