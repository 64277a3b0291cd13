"""Progress per linked account: done, remaining, failed, an ETA from the real pace (the budgets and
the reputation pacing together, envol.reconnect.pacing.forecast), recent errors in plain words. The
same figures feed the person's page and `envol reconnect status`; `progress_read` reads them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from envol.core import reads
from envol.core.ids import Platform
from envol.reconnect import budgets, pacing, progress_read
from envol.reconnect.models import Mode, Pace
from envol.reconnect.progress_read import Linked, Tally
from envol.reconnect.runtime import pacing_limits, pacing_on, policy
from envol.reconnect.schedule_date import automatic_allowed, automatic_start
from envol.reconnect.states import ACCEPTED, OPEN, PENDING, TaskState

S = TaskState


@dataclass
class AccountProgress:
    account_id: int
    network: str
    handle: str
    directions: str  # "" while the person has not chosen
    mode: str
    counts: dict[str, int]
    done: int  # followed (accepted by the server), or already followed
    pending: int  # follow requests not accepted yet (re-checked, then waiting for the target)
    remaining: int
    failed: int
    retryable: int  # what "Try the failed ones again" takes up: failed, gone, pending requests
    eta: datetime | None
    starts_at: datetime | None  # automatic tasks wait for the operator's date
    paused: str  # plain words, "" when running normally
    errors: list[str] = field(default_factory=list)
    pace: str = Pace.GENTLE.value  # the person's choice: gently, or as fast as allowed
    daily_ceiling: int | None = None  # follows a day at most under the pace (None: the budget's)
    eta_budget: datetime | None = None  # when it would end at the published budgets' pace alone
    # Follows that can go before the follow-back rule holds the account (when `eta` is None while
    # some remain: the rest waits for people to follow back).
    reachable: int | None = None
    resumable: bool = False  # paused by a label: only the person resumes it (a button)
    undoable: int = 0  # follows Envol made and could remove, not asked to yet (the undo link)
    unanswered: int = 0  # of `retryable`, requests no longer re-checked (looked at again, not re-sent)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("eta", "starts_at", "eta_budget"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


def explain(code: str, detail: str = "") -> str:
    """A task's or an account's error code in plain words, in the active language."""
    if code == "follow_limit":
        limit = detail or "7,500"
        return _(
            "Your Mastodon account follows as many accounts as Mastodon allows (%(limit)s). Unfollow "
            "some, or wait to gain followers: Envol tries again every day."
        ) % {"limit": limit}
    if code == pacing.Hold.LABELLED:
        return _(
            "Your account was marked by its network's moderation (%(labels)s), so Envol stopped "
            "following for it at once. If you think this is a mistake, appeal: on Bluesky, in the app's "
            "Settings, Moderation; on Mastodon, write to your server's moderators. Envol goes on only "
            "when you resume it."
        ) % {"labels": detail or _("a label")}
    if code == pacing.Hold.FOLLOW_BACK:
        return _(
            "Envol paused at %(count)s follows: your account has fewer than 1 follower for every 100 "
            "accounts it follows, and some labellers mark such accounts as spam. It goes on by itself as "
            "people follow you back."
        ) % {"count": detail or "200"}
    if code == pacing.Hold.FEW_POSTS:
        return _(
            "Envol paused at %(count)s follows because your account has almost no posts: some labellers "
            "mark accounts that follow many without posting as spam. Post something; Envol goes on by "
            "itself."
        ) % {"count": detail or "200"}
    messages = {
        "gone": _("This account no longer exists or was suspended."),
        "not_found_yet": _(
            "Your instance cannot find this account right now; Envol looks for it again by itself."
        ),
        "not_found": _("Your instance has not found this account for a long time."),
        "declined": _("This person did not accept the follow request."),
        "not_allowed": _("The server does not allow this follow (a block, or an account that moved)."),
        "rejected": _("The server refused this follow."),
        "not_chosen": _("No longer part of what you chose to follow."),
        "no_credentials": _("Envol has no permission to act for this account yet: sign in with it."),
        "no_token": _("Envol has no permission to act for this account yet: sign in with it."),
        "authexpired": _("Envol lost the permission to act for this account: sign in with it again."),
        "ratelimited": _("The server asked Envol to slow down; it continues by itself."),
        "transient": _("The server did not answer properly; Envol tries again by itself."),
    }
    return messages.get(code, _("The server refused this follow."))


#: Stored errors whose detail (after the colon) goes into the sentence: a number, or label values.
DETAILED = frozenset({"follow_limit", *(hold.value for hold in pacing.Hold)})


def _code(text: str) -> tuple[str, str]:
    """("follow_limit", "7500") from a stored "follow_limit:7500" or "transient: …" error."""
    head, _, rest = text.partition(":")
    return head.strip(), rest.strip() if head.strip() in DETAILED else ""


def progress_for(person_id: int, *, now: datetime | None = None) -> list[AccountProgress]:
    """Each linked account's progress, in two statements whatever the number of accounts, sent
    together (envol.core.reads)."""
    accounts, tallies = reads.fetch_all(*progress_reads(person_id))
    return progress_of(accounts, tallies, now=now)


def progress_reads(person_id: int) -> tuple[reads.Read[list[Linked]], reads.Read[dict[int, Tally]]]:
    """What `progress_of` needs, for a page that sends them with its other reads."""
    return progress_read.linked_read(person_id), progress_read.tallies_read(person_id)


def progress_of(
    accounts: list[Linked], tallies: dict[int, Tally], *, now: datetime | None = None
) -> list[AccountProgress]:
    now = now or timezone.now()
    return [_one(a, tallies.get(a.account_id) or Tally(), now) for a in accounts]


def _one(account: Linked, tally: Tally, now: datetime) -> AccountProgress:
    c = {s.value: tally.states.get(s.value, 0) for s in TaskState}
    auto = account.mode == Mode.AUTOMATIC
    waiting_date = auto and not automatic_allowed(now)
    to_send = c[S.READY] + (c[S.PLANNED] if auto else 0)
    published = policy(budgets.FOLLOW[Platform(account.network)])
    state = account.budget
    start = max(now, automatic_start() or now) if waiting_date else now
    fast = account.pace == Pace.FAST
    eta = eta_budget = None
    reachable = daily = None
    if to_send:
        eta_budget = _moment(budgets.eta(published, state, to_send, start.timestamp()))
        eta = eta_budget
        if pacing_on():
            limits = pacing_limits()
            ahead = pacing.forecast(limits, published, state, to_send, start.timestamp(), fast=fast)
            eta, reachable = (_moment(ahead.at) if ahead.at is not None else None), ahead.reachable
            if not fast:
                daily = pacing.ceilings(limits, dict(state.get("pace") or {}), start.timestamp())[1]
    errors = []
    paused = ""
    if account.paused_reason:
        paused = explain(*_code(account.last_error)) if account.last_error else explain(account.paused_reason)
    if account.needs_reauth:
        errors.append(explain("authexpired"))
    if account.last_error and not account.paused_reason:
        errors.append(explain(*_code(account.last_error)))
    errors += [
        _("%(who)s: %(problem)s") % {"who": handle, "problem": explain(reason)}
        for handle, reason in tally.recent
    ]
    return AccountProgress(
        account_id=account.account_id,
        network=account.network,
        handle=account.handle,
        directions=account.directions or "",
        mode=account.mode or "",
        counts=c,
        done=sum(c[s] for s in ACCEPTED),
        pending=sum(c[s] for s in PENDING),
        remaining=sum(c[s] for s in OPEN),
        failed=c[S.FAILED],
        retryable=c[S.FAILED] + tally.gone + tally.unchecked,
        undoable=tally.undoable,
        unanswered=tally.unchecked,
        eta=eta,
        starts_at=automatic_start() if waiting_date else None,
        paused=paused,
        errors=errors,
        pace=account.pace or Pace.GENTLE.value,
        daily_ceiling=daily,
        eta_budget=eta_budget,
        reachable=reachable,
        resumable=account.has_drive and account.paused_reason in pacing.PERSON_LIFTS,
    )


def _moment(seconds: float) -> datetime:
    # To the minute, as the pages show it: an ETA counted from now would otherwise differ on every
    # reload, and the HTML of "Your people" would never be reused for someone whose follows are
    # under way (core/rendermemo.py).
    return datetime.fromtimestamp(seconds - seconds % 60, UTC)
