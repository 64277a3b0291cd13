"""Rate-limit budgets as pure functions: how much an account may do now, and when it may do more.

No clock, no database, no network: the executor passes `now` (epoch seconds) and stores the state
(a JSON-able dict) on the account's AccountDrive row. Defaults come from the platforms' published
limits (DESIGN §5); what servers announce always wins over them (`observe`, fed with the canonical
readings the connectors parse: this module never sees a header), and a server that says "nothing
left until T" (a 429, `retry-after`, or a bucket we do not model at remaining 0) pauses the
account until T.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from envol.core.ids import Platform
from envol.platforms.ratelimit import RateLimitReading

Cost = Mapping[str, int]  # unit ("points", "requests", "follows") -> amount
# bucket name -> {"used": int, "end": float | None, "limit": int | None}, and "pause": float
State = dict[str, Any]


@dataclass(frozen=True, slots=True)
class BucketSpec:
    name: str
    unit: str
    limit: int
    window: float  # seconds
    # Mastodon's windows are fixed and aligned to multiples of the period since the epoch (the
    # follow window resets at UTC midnight); the PDS's start with the first request counted.
    aligned: bool = False


@dataclass(frozen=True, slots=True)
class Policy:
    buckets: tuple[BucketSpec, ...]
    per_item: Cost  # what one follow costs
    per_call: Cost  # what one write call costs whatever its size
    max_batch: int  # follows per write call


# Bluesky: 5,000 points an hour and 35,000 a day per account, a create costs 3 points; applyWrites
# carries up to 200 writes and counts as one request against the PDS's 3,000 per 5 minutes.
BLUESKY = Policy(
    buckets=(
        BucketSpec("points_hour", "points", 5000, 3600),
        BucketSpec("points_day", "points", 35000, 86400),
        BucketSpec("requests", "requests", 3000, 300),
    ),
    per_item={"points": 3},
    per_call={"requests": 1},
    max_batch=200,
)
BLUESKY_DELETE = Policy(BLUESKY.buckets, per_item={"points": 1}, per_call={"requests": 1}, max_batch=200)

# Mastodon: 400 follows per account per UTC day, 300 requests per 5 minutes per token; a follow is
# three requests (resolve through the person's instance, check the relationship, follow).
MASTODON = Policy(
    buckets=(
        BucketSpec("follows_day", "follows", 400, 86400, aligned=True),
        BucketSpec("requests", "requests", 300, 300, aligned=True),
    ),
    per_item={"follows": 1, "requests": 3},
    per_call={},
    max_batch=1,
)
MASTODON_UNFOLLOW = Policy(MASTODON.buckets, per_item={"requests": 1}, per_call={}, max_batch=1)

# A Mastodon block or mute is three requests (resolve, relationship, block) and no follow: Mastodon's
# `follows` rate-limit family counts follows only (decision 0026). A Bluesky block is a record
# create, charged as a follow is.
MASTODON_BLOCK = Policy(MASTODON.buckets, per_item={"requests": 3}, per_call={}, max_batch=1)

#: The published policies, per platform: following, and removing follows (undo).
FOLLOW: Mapping[Platform, Policy] = {Platform.BLUESKY: BLUESKY, Platform.MASTODON: MASTODON}
UNFOLLOW: Mapping[Platform, Policy] = {Platform.BLUESKY: BLUESKY_DELETE, Platform.MASTODON: MASTODON_UNFOLLOW}
#: Blocking and muting (envol.reconnect.block_run), in the same buckets; undoing them costs what
#: removing a follow does.
BLOCK: Mapping[Platform, Policy] = {Platform.BLUESKY: BLUESKY, Platform.MASTODON: MASTODON_BLOCK}


def announced_only(policy: Policy) -> Policy:
    """The same costs without our own buckets: only what servers announce limits the pace."""
    return Policy((), policy.per_item, policy.per_call, policy.max_batch)


def _bucket(spec: BucketSpec, state: State, now: float) -> tuple[int, float | None, int]:
    """(used, end of the window, limit) as they stand at `now` (a window that ended is empty)."""
    raw = state.get(spec.name) or {}
    end = raw.get("end")
    if end is None or now >= end:
        return 0, None, spec.limit
    return int(raw.get("used", 0)), float(end), int(raw.get("limit") or spec.limit)


def _window_end(spec: BucketSpec, now: float) -> float:
    if spec.aligned:
        return (math.floor(now / spec.window) + 1) * spec.window
    return now + spec.window


def available(spec: BucketSpec, state: State, now: float) -> int:
    used, _, limit = _bucket(spec, state, now)
    return max(limit - used, 0)


def paused_until(state: State, now: float) -> float | None:
    pause = state.get("pause")
    return float(pause) if pause is not None and pause > now else None


def max_items(policy: Policy, state: State, now: float, *, cap: int | None = None) -> int:
    """How many follows one call may carry now without going past any bucket (0: wait)."""
    if paused_until(state, now) is not None:
        return 0
    best = policy.max_batch if cap is None else min(cap, policy.max_batch)
    for spec in policy.buckets:
        left = available(spec, state, now) - policy.per_call.get(spec.unit, 0)
        if left < 0:
            return 0
        per = policy.per_item.get(spec.unit, 0)
        if per:
            best = min(best, left // per)
    return max(best, 0)


def refill_at(policy: Policy, state: State, now: float) -> float:
    """When at least one follow will be allowed again (`now` when one is allowed already)."""
    if max_items(policy, state, now) > 0:
        return now
    when = paused_until(state, now) or now
    for spec in policy.buckets:
        need = policy.per_call.get(spec.unit, 0) + policy.per_item.get(spec.unit, 0)
        if need and available(spec, state, now) < need:
            _, end, _ = _bucket(spec, state, now)
            when = max(when, end if end is not None else now)
    return when


def charge(policy: Policy, state: State, cost: Cost, now: float) -> State:
    """The state after spending `cost` (unit -> amount) in every bucket of those units."""
    new = dict(state)
    for spec in policy.buckets:
        amount = cost.get(spec.unit, 0)
        if not amount:
            continue
        used, end, limit = _bucket(spec, state, now)
        new[spec.name] = {"used": used + amount, "end": end or _window_end(spec, now), "limit": limit}
    return new


def spend(policy: Policy, state: State, items: int, now: float, *, calls: int = 1) -> State:
    """The state after `calls` calls carrying `items` follows in all (also what a refused call cost)."""
    units = {spec.unit for spec in policy.buckets}
    cost = {u: policy.per_item.get(u, 0) * items + policy.per_call.get(u, 0) * calls for u in units}
    return charge(policy, state, cost, now)


def spend_requests(policy: Policy, state: State, requests: int, now: float) -> State:
    """Count plain reads (listing follows, resolving) against the request buckets."""
    return charge(policy, state, {"requests": requests}, now)


def pause(state: State, until: float) -> State:
    """The server said to wait until `until` (429, retry-after): nothing is sent before then."""
    return {**state, "pause": max(until, float(state.get("pause") or 0))}


def observe(policy: Policy, state: State, seen: RateLimitReading | None, now: float) -> State:
    """Let a response's reading correct our own counting: the server knows better. A server's
    "not before" (`retry_at`) pauses the account until then."""
    if seen is None:
        return state
    if seen.retry_at is not None and seen.retry_at.timestamp() > now:
        state = pause(state, seen.retry_at.timestamp())
    reset_at = seen.reset_at.timestamp() if seen.reset_at is not None else None
    if seen.remaining is None or reset_at is None or reset_at <= now:
        return state
    spec = _matching(policy, seen)
    if spec is None:
        # A bucket we do not model (e.g. a proxy's): only its exhaustion matters to us.
        return pause(state, reset_at) if seen.remaining <= 0 else state
    limit = seen.limit or spec.limit
    used = max(limit - seen.remaining, 0)
    return {**state, spec.name: {"used": used, "end": reset_at, "limit": limit}}


def _matching(policy: Policy, seen: RateLimitReading) -> BucketSpec | None:
    for spec in policy.buckets:
        if seen.limit == spec.limit and (seen.window_seconds is None or seen.window_seconds == spec.window):
            return spec
    return None


def eta(policy: Policy, state: State, remaining: int, now: float, *, max_steps: int = 100_000) -> float:
    """When `remaining` follows will all have been sent if the budget is the only brake."""
    t, left = now, remaining
    for _ in range(max_steps):
        if left <= 0:
            return t
        n = max_items(policy, state, t, cap=left)
        if n == 0:
            t = refill_at(policy, state, t)
            continue
        calls = math.ceil(n / policy.max_batch)
        state = spend(policy, state, n, t, calls=calls)
        left -= n
    return t


def backoff(streak: int, base: float, jitter: float, *, cap: float = 3600.0) -> float:
    """Seconds to wait after `streak` consecutive passing faults: doubling from `base`, capped, with
    `jitter` (a number in [0, 1)) spreading retries of many accounts over ±50 %."""
    exponent = min(max(streak, 1) - 1, 20)
    return float(min(base * 2.0**exponent, cap) * (0.5 + jitter))
