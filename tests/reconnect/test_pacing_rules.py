"""The pacing policy's invariants (envol.reconnect.pacing), as properties: whatever the calls ask and
whenever they come, an account never sends more than its burst within a burst window nor more
than its daily ceiling within 24 hours, never goes past the follow-back floor with too few
followers, and the order puts follow-backs first."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from envol.platforms.follows import Standing
from envol.reconnect import budgets, pacing

LIMITS = pacing.Limits(
    burst=150,
    burst_seconds=7200,
    daily=400,
    new_burst=50,
    new_daily=150,
    new_seconds=14 * pacing.DAY,
    new_followers=50,
    floor=200,
    follow_back=0.01,
    posts_ratio=0.001,
)
T0 = 1_800_000_000.0
OLD = datetime.fromtimestamp(T0 - 400 * pacing.DAY, UTC)


def _state(followers: int | None, following: int = 0, posts: int | None = 1000, *, new: bool = False) -> dict:
    created = datetime.fromtimestamp(T0 - 86400, UTC) if new else OLD
    return pacing.remember({}, Standing(frozenset(), followers, following, posts, created), T0)


def _drive(
    state: dict, steps: list[tuple[float, int]], *, fast: bool = False
) -> tuple[dict, list[tuple[float, int]]]:
    """Ask for `want` follows after each gap; send what pacing allows; return every send."""
    t, sends = T0, []
    for gap, want in steps:
        t += gap
        decision = pacing.allowed(LIMITS, state, t, fast=fast)
        n = min(want, decision.count)
        if n:
            state = pacing.record(LIMITS, state, n, t)
            sends.append((t, n))
    return state, sends


def _most_within(sends: list[tuple[float, int]], seconds: float) -> int:
    return max((sum(n for u, n in sends if t - seconds < u <= t) for t, _ in sends), default=0)


steps = st.lists(
    st.tuples(st.floats(min_value=0, max_value=6 * 3600), st.integers(min_value=0, max_value=400)),
    max_size=120,
)


@settings(max_examples=200, deadline=None)
@given(steps, st.booleans())
def test_never_above_the_burst_nor_the_daily_ceiling(requests: list[tuple[float, int]], new: bool) -> None:
    # A new account has few followers (under 50): 40 of them allow 4,000 follows by the 1 % rule.
    _, sends = _drive(_state(followers=40 if new else 10**6, new=new), requests)
    burst, daily = (LIMITS.new_burst, LIMITS.new_daily) if new else (LIMITS.burst, LIMITS.daily)
    # A new account's age changes within the run only after 14 days: the steps stay under 30 days,
    # so the established ceilings bound both (and the new ones bound the first 13 days of a new one).
    first_days = [(t, n) for t, n in sends if t < T0 + 13 * pacing.DAY]
    assert _most_within(first_days, LIMITS.burst_seconds) <= burst
    assert _most_within(first_days, pacing.DAY) <= daily
    assert _most_within(sends, LIMITS.burst_seconds) <= LIMITS.burst
    assert _most_within(sends, pacing.DAY) <= LIMITS.daily


@settings(max_examples=200, deadline=None)
@given(
    steps,
    st.integers(min_value=0, max_value=20),
    st.integers(min_value=0, max_value=150),
    st.booleans(),
    st.one_of(st.none(), st.integers(min_value=0, max_value=3)),
)
def test_never_past_the_floor_with_too_few_followers_or_posts(
    requests: list[tuple[float, int]], followers: int, following: int, fast: bool, posts: int | None
) -> None:
    state, _ = _drive(_state(followers, following, posts), requests, fast=fast)
    total = pacing.following_now(state)
    if total > LIMITS.floor:
        assert followers >= total * LIMITS.follow_back
        assert posts is None or posts >= total * LIMITS.posts_ratio


def test_the_follow_back_rule_holds_at_200_with_nobody_following_back() -> None:
    state, sends = _drive(_state(followers=0), [(3 * 3600, 400)] * 60)
    assert sum(n for _, n in sends) == 200
    assert pacing.allowed(LIMITS, state, T0 + 400 * 3600) == pacing.Decision(0, hold=pacing.Hold.FOLLOW_BACK)
    # Three people follow back: 300 may be followed (1 %), so 100 more.
    state = pacing.remember(state, Standing(frozenset(), 3, 200, 1000, OLD), T0 + 401 * 3600)
    assert pacing.allowed(LIMITS, state, T0 + 401 * 3600).count == 100


def test_no_posts_holds_at_the_floor_with_the_posts_reason() -> None:
    state, sends = _drive(_state(followers=10**4, posts=0), [(3 * 3600, 400)] * 60)
    assert sum(n for _, n in sends) == 200
    assert pacing.allowed(LIMITS, state, T0 + 400 * 3600).hold == pacing.Hold.FEW_POSTS


def test_unknown_counts_start_gently_and_stop_at_the_floor() -> None:
    assert pacing.is_new(LIMITS, {}, T0)
    assert pacing.allowed(LIMITS, {}, T0).count == LIMITS.new_burst
    _, sends = _drive({}, [(3 * 3600, 400)] * 60)
    assert sum(n for _, n in sends) == LIMITS.floor


def test_a_full_window_says_when_it_frees() -> None:
    state = pacing.record(LIMITS, _state(followers=10**6), 150, T0)
    decision = pacing.allowed(LIMITS, state, T0 + 60)
    assert decision == pacing.Decision(0, wait_until=T0 + LIMITS.burst_seconds)
    assert pacing.allowed(LIMITS, state, T0 + LIMITS.burst_seconds).count == 150


@given(st.lists(st.tuples(st.booleans(), st.booleans(), st.booleans()), max_size=50))
def test_order_puts_follow_backs_then_mutuals_then_followers_first(
    rows: list[tuple[bool, bool, bool]],
) -> None:
    ranked = sorted(rows, key=lambda r: pacing.rank(followee=r[0], follower=r[1], follows_me=r[2]))
    groups = [0 if me else 1 if (fe and fr) else 2 if fr else 3 for fe, fr, me in ranked]
    assert groups == sorted(groups)


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=3000), st.booleans())
def test_the_forecast_is_never_sooner_than_the_budget_alone(remaining: int, new: bool) -> None:
    state = {"pace": _state(followers=40 if new else 10**6, new=new)}  # 40 followers allow 4,000
    budget_only = budgets.eta(budgets.BLUESKY, {}, remaining, T0)
    paced = pacing.forecast(LIMITS, budgets.BLUESKY, state, remaining, T0)
    assert paced.at is not None
    assert paced.at >= budget_only
    assert paced.reachable == remaining
    fast = pacing.forecast(LIMITS, budgets.BLUESKY, state, remaining, T0, fast=True)
    assert fast.at == budget_only


def test_the_forecast_says_a_hold_instead_of_a_date() -> None:
    ahead = pacing.forecast(LIMITS, budgets.MASTODON, {"pace": _state(followers=0)}, 1000, T0)
    assert ahead == pacing.Forecast(None, 200)


def test_alarms_are_the_watched_labels_only() -> None:
    assert pacing.alarms({"spam", "!no-unauthenticated"}, ("spam", "!hide")) == ("spam",)
    assert pacing.alarms(set(), ("spam",)) == ()
