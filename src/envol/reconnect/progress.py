"""Progress per linked account: done, remaining, failed, an ETA from the budgets, recent errors in
plain words. The same figures feed the person's page and `envol reconnect status`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from envol.core.ids import Platform
from envol.reconnect import budgets
from envol.reconnect.models import AccountDrive, FollowTask, Mode, ReconnectChoice
from envol.reconnect.runtime import policy
from envol.reconnect.schedule_date import automatic_allowed, automatic_start
from envol.reconnect.states import ACCEPTED, OPEN, PENDING, TaskState
from envol.registry.models import Account, Verification

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

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("eta", "starts_at"):
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


def _code(text: str) -> tuple[str, str]:
    """("follow_limit", "7500") from a stored "follow_limit:7500" or "transient: …" error."""
    head, _, rest = text.partition(":")
    return head.strip(), rest.strip() if head.strip() == "follow_limit" else ""


def retryable(account_id: int) -> dict[str, int]:
    """Targets called gone and requests no longer re-checked: the person may take them up again."""
    mine = FollowTask.objects.filter(source_id=account_id)
    return {
        "gone": mine.filter(state=S.SKIPPED, reason="gone").count(),
        "pending": mine.filter(state=S.REQUESTED, check_at__isnull=True).count(),
    }


def progress_for(person_id: int, *, now: datetime | None = None) -> list[AccountProgress]:
    now = now or timezone.now()
    accounts = Account.objects.filter(
        person_id=person_id,
        verification=Verification.VERIFIED,
        platform__in=[Platform.BLUESKY, Platform.MASTODON],
    ).order_by("platform", "pk")
    ids = [a.pk for a in accounts]
    counts: dict[int, dict[str, int]] = {i: {} for i in ids}
    rows = FollowTask.objects.filter(source_id__in=ids).values("source_id", "state").annotate(n=Count("pk"))
    for row in rows:
        counts[row["source_id"]][row["state"]] = row["n"]
    choices = {c.account_id: c for c in ReconnectChoice.objects.filter(account_id__in=ids)}
    drives = {d.account_id: d for d in AccountDrive.objects.filter(account_id__in=ids)}
    return [_one(a, counts[a.pk], choices.get(a.pk), drives.get(a.pk), now) for a in accounts]


def _one(
    account: Account, counts: dict[str, int], choice: ReconnectChoice | None, drive: AccountDrive | None,
    now: datetime,
) -> AccountProgress:  # fmt: skip
    c = {s.value: counts.get(s.value, 0) for s in TaskState}
    auto = choice is not None and choice.mode == Mode.AUTOMATIC
    waiting_date = auto and not automatic_allowed(now)
    to_send = c[S.READY] + (c[S.PLANNED] if auto else 0)
    published = budgets.FOLLOW[Platform(account.platform)]
    state = dict(drive.budget) if drive is not None else {}
    start = max(now, automatic_start() or now) if waiting_date else now
    eta = None
    if to_send:
        eta = datetime.fromtimestamp(budgets.eta(policy(published), state, to_send, start.timestamp()), UTC)
    errors = []
    paused = ""
    if drive is not None and drive.paused_reason:
        paused = explain(*_code(drive.last_error)) if drive.last_error else explain(drive.paused_reason)
    if account.needs_reauth:
        errors.append(explain("authexpired"))
    if drive is not None and drive.last_error and not drive.paused_reason:
        errors.append(explain(*_code(drive.last_error)))
    retry = retryable(account.pk)
    recent = (
        FollowTask.objects.filter(source=account, state__in=[S.FAILED, S.SKIPPED])
        .exclude(reason="not_chosen")
        .order_by("-updated_at")
        .values_list("target_handle", "reason")[:5]
    )
    errors += [
        _("%(who)s: %(problem)s") % {"who": handle, "problem": explain(reason)} for handle, reason in recent
    ]
    return AccountProgress(
        account_id=account.pk,
        network=account.platform,
        handle=account.handle,
        directions=choice.directions if choice else "",
        mode=choice.mode if choice else "",
        counts=c,
        done=sum(c[s] for s in ACCEPTED),
        pending=sum(c[s] for s in PENDING),
        remaining=sum(c[s] for s in OPEN),
        failed=c[S.FAILED],
        retryable=c[S.FAILED] + retry.get("gone", 0) + retry.get("pending", 0),
        eta=eta,
        starts_at=automatic_start() if waiting_date else None,
        paused=paused,
        errors=errors,
    )
