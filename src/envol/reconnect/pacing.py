"""Pacing for reputation, as pure functions: how many follows an account may send now so that it is
never taken for a spammer, on top of the platforms' budgets (envol.reconnect.budgets).

The budgets say what a platform lets an account do; these rules say what a person's reputation can
bear (evidence and defaults: docs/decisions/0022-pacing-for-reputation.md):

- bursts: at most `burst` follows within any `burst_seconds` (a starter pack's click: 150);
- a daily ceiling: at most `daily` follows within any 24 hours, so a long list is spread over days;
- a gentle start: a young account with few followers has smaller ones (`new_burst`, `new_daily`);
- the follow-back rule: past `floor` follows, an account follows only while its followers are at
  least `follow_back` of the accounts it follows, and its posts at least `posts_ratio` of them
  (a labeller's rules: 200 follows, 1 % following back, 0.1 % posts). A hold by this rule lifts
  by itself once the counts allow it.

No clock, no database, no network: the executor passes `now` (epoch seconds) and keeps the state
(a JSON-able dict) under the key `pace` of its drive's budget. The state holds the follows sent in
the last day (per minute, stamped with the latest send of the minute, so a window never counts
fewer than were sent), and the account's counts as the platform last showed them. A person who
chose "as fast as allowed" (`fast`) lifts the bursts, the ceilings and the gentle start, never the
follow-back rule nor the label watch.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from envol.platforms.follows import Standing
from envol.reconnect import budgets

DAY = 86400.0
MERGE_SECONDS = 60.0  # follows sent within a minute share one entry of the log
State = dict[str, Any]


class Hold(enum.StrEnum):
    """Why the rules hold an account (its drive's paused_reason). Those the person lifts are in
    PERSON_LIFTS; the others lift by themselves."""

    FOLLOW_BACK = "follow_back"  # too few followers for the accounts it follows
    FEW_POSTS = "few_posts"  # too few posts for the accounts it follows
    LABELLED = "labelled"  # a moderation label or a limitation on the account itself


PERSON_LIFTS = frozenset({Hold.LABELLED.value})


@dataclass(frozen=True, slots=True)
class Limits:
    burst: int
    burst_seconds: float
    daily: int
    new_burst: int
    new_daily: int
    new_seconds: float
    new_followers: int
    floor: int
    follow_back: float  # a share: 0.01 is 1 %
    posts_ratio: float  # a share: 0.001 is 0.1 %


@dataclass(frozen=True, slots=True)
class Decision:
    count: int  # follows allowed now (0: wait)
    hold: Hold | None = None  # the follow-back or posts rule holds the account
    wait_until: float | None = None  # when a window frees room (count 0 and no hold)


def _known(state: State) -> dict[str, Any]:
    known = state.get("standing")
    return known if isinstance(known, dict) else {}


def remember(state: State, standing: Standing | None, now: float) -> State:
    """The state after reading the account's standing: its counts replace the last ones, and the
    follows counted since restart from zero (the platform's count includes them now). An unread
    standing (None) leaves the state as it was."""
    if standing is None:
        return state
    known = {
        "followers": standing.followers,
        "following": standing.following,
        "posts": standing.posts,
        "created": standing.created_at.timestamp() if standing.created_at is not None else None,
        "at": now,
    }
    return {**state, "standing": known, "since": 0}


def is_new(limits: Limits, state: State, now: float) -> bool:
    """A young account with few followers; unknown age or followers count as young and few."""
    known = _known(state)
    created, followers = known.get("created"), known.get("followers")
    young = created is None or now - float(created) < limits.new_seconds
    few = followers is None or int(followers) < limits.new_followers
    return young and few


def ceilings(limits: Limits, state: State, now: float) -> tuple[int, int]:
    """(burst, daily) in force for this account now."""
    if is_new(limits, state, now):
        return min(limits.new_burst, limits.burst), min(limits.new_daily, limits.daily)
    return limits.burst, limits.daily


def _log(state: State) -> list[tuple[float, int]]:
    raw = state.get("log")
    return [(float(t), int(n)) for t, n in raw] if isinstance(raw, list) else []


def sent_within(state: State, now: float, seconds: float) -> int:
    """Follows sent in the window (now - seconds, now]."""
    return sum(n for t, n in _log(state) if now - seconds < t <= now)


def following_now(state: State) -> int:
    """The accounts it follows: the platform's last count plus what was sent since."""
    return int(_known(state).get("following") or 0) + int(state.get("since") or 0)


def rule_room(limits: Limits, state: State) -> tuple[int, Hold | None]:
    """Follows left before the follow-back or posts rule holds the account, and which rule binds.
    Unknown followers allow the floor only; unknown posts leave the posts rule out."""
    known = _known(state)
    followers, posts = known.get("followers"), known.get("posts")
    cap, hold = limits.floor, Hold.FOLLOW_BACK
    if followers is not None:
        cap = max(limits.floor, math.floor(int(followers) / limits.follow_back + 1e-9))
    if posts is not None:
        by_posts = max(limits.floor, math.floor(int(posts) / limits.posts_ratio + 1e-9))
        if by_posts < cap:
            cap, hold = by_posts, Hold.FEW_POSTS
    return max(cap - following_now(state), 0), hold


def _free_at(log: list[tuple[float, int]], now: float, seconds: float, ceiling: int) -> float:
    """When the window of `seconds` holds fewer than `ceiling` follows again (now if it does)."""
    inside = sorted((t, n) for t, n in log if now - seconds < t <= now)
    total = sum(n for _, n in inside)
    when = now
    for t, n in inside:
        if total < ceiling:
            break
        total -= n
        when = t + seconds
    return when


def allowed(limits: Limits, state: State, now: float, *, fast: bool = False) -> Decision:
    """How many follows may go now, or why not and until when."""
    room, hold = rule_room(limits, state)
    if room == 0:
        return Decision(0, hold=hold)
    if fast:
        return Decision(room)
    burst, daily = ceilings(limits, state, now)
    count = min(
        room,
        burst - sent_within(state, now, limits.burst_seconds),
        daily - sent_within(state, now, DAY),
    )
    if count > 0:
        return Decision(count)
    log = _log(state)
    wait = max(_free_at(log, now, limits.burst_seconds, burst), _free_at(log, now, DAY, daily))
    return Decision(0, wait_until=max(wait, now))


def record(limits: Limits, state: State, count: int, now: float) -> State:
    """The state after `count` follows were sent at `now`."""
    if count <= 0:
        return state
    keep = max(DAY, limits.burst_seconds)
    log = [[t, n] for t, n in _log(state) if t > now - keep]
    if log and now - log[-1][0] < MERGE_SECONDS and log[-1][0] <= now:
        log[-1] = [now, log[-1][1] + count]  # the later stamp: the window counts them longer
    else:
        log.append([now, count])
    return {**state, "log": log, "since": int(state.get("since") or 0) + count}


def rank(*, followee: bool, follower: bool, follows_me: bool) -> int:
    """The follow order that serves follow-backs: those who already follow the account on its
    network (Envol followed them for them: a follow back), then mutuals on X, then the people who
    followed the person on X, then the rest."""
    if follows_me:
        return 0
    if followee and follower:
        return 1
    if follower:
        return 2
    return 3


def alarms(labels: Iterable[str], watched: Iterable[str]) -> tuple[str, ...]:
    """The labels on the person's own account that pause its follows at once."""
    return tuple(sorted(set(labels) & set(watched)))


@dataclass(frozen=True, slots=True)
class Forecast:
    """When the follows left will have gone: `at` (None: a rule holds some of them until people
    follow back), and how many can go before that hold (`reachable`)."""

    at: float | None
    reachable: int


def forecast(
    limits: Limits,
    policy: budgets.Policy,
    state: State,
    remaining: int,
    now: float,
    *,
    fast: bool = False,
    max_steps: int = 100_000,
) -> Forecast:
    """The pace of the next follows under both the budget and these rules (no follow-back assumed:
    a hold is said, not guessed past). `state` is the drive's budget, with `pace` inside."""
    pace = dict(state.get("pace") or {})
    t, left, sent = now, remaining, 0
    for _ in range(max_steps):
        if left <= 0:
            return Forecast(t, sent)
        decision = allowed(limits, pace, t, fast=fast)
        if decision.hold is not None:
            return Forecast(None, sent)
        n = min(budgets.max_items(policy, state, t, cap=left), decision.count)
        if n == 0:
            refill = budgets.refill_at(policy, state, t)
            t = max(refill, decision.wait_until or t) if decision.count == 0 else max(refill, t + 1)
            continue
        state = budgets.spend(policy, state, n, t, calls=math.ceil(n / policy.max_batch))
        pace = record(limits, pace, n, t)
        left, sent = left - n, sent + n
    return Forecast(t, sent)
