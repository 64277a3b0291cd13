"""Budgets are pure: properties under hypothesis, and the headers of the real servers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from envol.platforms.bluesky import ratelimit as bluesky_limits
from envol.platforms.mastodon import ratelimit as mastodon_limits
from envol.platforms.mastodon.follow_port import follow_limit
from envol.platforms.ratelimit import RateLimitReading
from envol.reconnect import budgets
from envol.reconnect.budgets import BLUESKY, MASTODON

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
T0 = NOW.timestamp()


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


policies = st.sampled_from([BLUESKY, MASTODON, budgets.BLUESKY_DELETE, budgets.MASTODON_UNFOLLOW])


@settings(max_examples=200, deadline=None)
@given(policy=policies, steps=st.lists(st.tuples(st.floats(0, 4000), st.integers(1, 300)), max_size=60))
def test_spending_what_is_allowed_never_exceeds_any_bucket(
    policy: budgets.Policy, steps: list[tuple[float, int]]
) -> None:
    state: budgets.State = {}
    now = T0
    spent: dict[str, list[tuple[float, int]]] = {}
    for gap, wanted in steps:
        now += gap
        n = budgets.max_items(policy, state, now, cap=wanted)
        assert 0 <= n <= min(wanted, policy.max_batch)
        if n == 0:
            later = budgets.refill_at(policy, state, now)
            assert later > now  # waiting is always for a time to come
            assert budgets.max_items(policy, state, later) > 0
            continue
        state = budgets.spend(policy, state, n, now)
        for spec in policy.buckets:
            cost = policy.per_item.get(spec.unit, 0) * n + policy.per_call.get(spec.unit, 0)
            spent.setdefault(spec.name, []).append((now, cost))
            assert budgets.available(spec, state, now) >= 0
    # Whatever window one looks at, no bucket was charged beyond its limit within it.
    for spec in policy.buckets:
        for start, _ in spent.get(spec.name, []):
            inside = sum(c for t, c in spent[spec.name] if start <= t < start + spec.window)
            if not spec.aligned:
                assert inside <= spec.limit * 2  # sliding view of fixed windows: at most two of them
        if spec.aligned:
            per_window: dict[int, int] = {}
            for t, c in spent.get(spec.name, []):
                per_window[int(t // spec.window)] = per_window.get(int(t // spec.window), 0) + c
            assert all(total <= spec.limit for total in per_window.values())


@given(remaining=st.integers(0, 5000), ahead=st.integers(1, 3600))
def test_headers_win_over_our_own_counting(remaining: int, ahead: int) -> None:
    seen = RateLimitReading(limit=5000, remaining=remaining, reset_at=at(T0 + ahead), window_seconds=3600)
    state = budgets.observe(BLUESKY, {}, seen, T0)
    assert budgets.available(BLUESKY.buckets[0], state, T0) == remaining
    assert budgets.max_items(BLUESKY, state, T0) == min(remaining // 3, 200)
    if remaining < 3:
        assert budgets.refill_at(BLUESKY, state, T0) == T0 + ahead


@given(items=st.integers(0, 20_000))
def test_eta_is_monotonic_and_matches_the_published_rates(items: int) -> None:
    eta = budgets.eta(BLUESKY, {}, items, T0)
    assert eta >= T0
    assert budgets.eta(BLUESKY, {}, items + 200, T0) >= eta
    # 1,666 creates an hour: n follows need at least floor((n-1)/1666) full hours of waiting.
    assert eta - T0 >= 3600 * ((items - 1) // 1666) if items else eta == T0


def test_pds_and_mastodon_headers_are_read_by_their_connectors() -> None:
    seen = bluesky_limits.reading(
        {"ratelimit-limit": "5000", "ratelimit-remaining": "200", "ratelimit-reset": "1795474568",
         "ratelimit-policy": "5000;w=3600", "retry-after": "3598"}, now=NOW)  # fmt: skip
    assert seen == RateLimitReading(5000, 200, at(1795474568), 3600.0, at(T0 + 3598))
    state = budgets.observe(BLUESKY, {}, seen, T0)
    assert budgets.paused_until(state, T0) == T0 + 3598
    seen = mastodon_limits.reading(
        {
            "X-RateLimit-Limit": "400",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": "2026-11-24T00:00:00.000000Z",
        },
        now=NOW,
    )
    assert seen == RateLimitReading(400, 0, datetime(2026, 11, 24, tzinfo=UTC), None, None)
    state = budgets.observe(MASTODON, {}, seen, T0)
    assert budgets.max_items(MASTODON, state, T0) == 0
    assert budgets.refill_at(MASTODON, state, T0) == datetime(2026, 11, 24, tzinfo=UTC).timestamp()


@given(seconds=st.integers(0, 10**9))
def test_a_refusal_and_its_reading_name_the_same_bounded_deadline(seconds: int) -> None:
    headers = {"retry-after": str(seconds)}
    for parser in (bluesky_limits, mastodon_limits):
        seen = parser.reading(headers, now=NOW, refused=True)
        assert seen is not None
        assert seen.retry_at == parser.retry_at(headers, now=NOW)
        assert seen.retry_at <= NOW + timedelta(days=2)


def test_an_unknown_exhausted_bucket_pauses_and_a_429_pauses() -> None:
    proxy = RateLimitReading(limit=10, remaining=0, reset_at=at(T0 + 30), window_seconds=60)
    state = budgets.observe(BLUESKY, {}, proxy, T0)
    assert budgets.max_items(BLUESKY, state, T0) == 0
    assert budgets.refill_at(BLUESKY, state, T0) == T0 + 30
    assert budgets.max_items(BLUESKY, budgets.pause({}, T0 + 5), T0 + 6) == 200


def test_mastodon_day_window_is_the_utc_day() -> None:
    state = budgets.spend(MASTODON, {}, 400, T0, calls=0)
    assert budgets.max_items(MASTODON, state, T0) == 0
    assert budgets.refill_at(MASTODON, state, T0) == datetime(2026, 11, 24, tzinfo=UTC).timestamp()


@given(following=st.integers(0, 20_000), followers=st.integers(0, 20_000))
def test_the_7500_rule(following: int, followers: int) -> None:
    limit = follow_limit(following, followers)
    assert limit >= 7500
    if following < 7500:
        assert limit == 7500
    else:
        assert limit == max(round(followers * 1.1), 7500)


@given(streak=st.integers(1, 50), jitter=st.floats(0, 0.999))
def test_backoff_doubles_is_capped_and_jittered(streak: int, jitter: float) -> None:
    wait = budgets.backoff(streak, 30, jitter)
    assert 15 * min(2 ** (streak - 1), 120) <= wait * 1.0000001
    assert wait <= 3600 * 1.5
