"""Pacing for reputation: the first two weeks of reconnection in a generated world, simulated.

    uv run python -m bench.pacing [--persons 10000] [--days 14] [--seed 7]

No server and no database: the real pure functions drive every account on a simulated clock —
the planner's choice rule (envol.reconnect.plan.wanted), the follow order (pacing.rank), the pace
(pacing.allowed / record / remember, with the settings' defaults) and the published budgets
(envol.reconnect.budgets). The world (seeded):

- `--persons` persons who left X, 70 % with a Bluesky account, 35 % with a Mastodon one (some
  both); 60 % of accounts are new (created in the last week, few followers, 40 % of them with no
  post yet), the rest older; 20 newsrooms with a million followers each on their networks;
- an X graph of heavy-tailed shape: each person followed a log-normal number of the others, drawn
  by popularity (Zipf), and each newsroom is followed by about a third of everyone; a follow on X
  is returned with probability 0.3 (mutuals);
- choices: both directions 50 %, followees 30 %, followers 10 %, nobody 10 %; automatic 70 %, by
  hand 30 % (they pick 60 % of their list at a random moment of the first three days); 5 % of
  accounts chose "as fast as allowed". Everyone is there on the start date (the worst burst).

Follow-backs: a follow Envol makes for A of B is returned when B's own choice plans a follow of A
(B's drive sends it, woken at once, ranked first), or by hand with an assumed probability (mutual
on X 0.4, a follower of A on X 0.3, otherwise 0.05; newsrooms never) after an exponential delay
(mean 12 h). The notes (../shared/notes/reputation-and-limits.md) give the labeller's thresholds,
not follow-back rates: these rates are assumptions, set under the one measured figure (22.1 % of
pairs of X users followed each other in 2009: decision 0022), and a second world where nobody follows
back (no mutual on X, everyone follows their followees only, nobody returns a follow) bounds them.

Each world runs twice: with reputation pacing, and with the published budgets alone. Reported per
world: per account, the most follows in any hour and any 24 hours, the largest burst (any
`ENVOL_PACING_BURST_MINUTES` window), ceiling violations (must be 0), accounts past 200 follows
with under 1 % followers (must be 0) or under 0.1 % posts, the follow-back share of the first 200
follows, and the share of planned follows done after 1, 3, 7 and 14 days. bench/out/pacing.json.
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import os
import random
import statistics
import sys
import tempfile
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "out"
HOUR, DAY = 3600.0, 86400.0
T0 = 1_800_000_000.0  # the start date (any moment: windows are relative)
NEWSROOMS = 20


def _django() -> None:
    os.environ.update(
        ENVOL_DATA_DIR=tempfile.mkdtemp(prefix="envol-bench-pacing-"),
        ENVOL_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="envol.core.settings",
    )
    import django

    django.setup()


@dataclass
class Acct:
    """One source account in the simulation."""

    person: int
    network: str
    created: float
    followers: int
    following: int
    posts: int
    directions: str
    auto: bool
    fast: bool
    newsroom: bool
    queues: list[deque[int]] = field(default_factory=lambda: [deque() for _ in range(4)])
    planned: set[int] = field(default_factory=set)  # target account indexes not sent yet
    sent: list[tuple[float, int]] = field(default_factory=list)
    first: list[int] = field(default_factory=list)  # targets of the first 200 follows
    back: set[int] = field(default_factory=set)  # targets that followed back
    done: set[int] = field(default_factory=set)  # targets followed
    total_planned: int = 0
    budget: dict[str, Any] = field(default_factory=dict)
    pace: dict[str, Any] = field(default_factory=dict)
    next_run: float | None = None
    held: str = ""
    over: bool = False  # went past the ceilings in force at some send (must never happen)
    crossed: bool = False
    crossed_posts: bool = False


def build_world(
    persons: int, seed: int, *, nobody_back: bool
) -> tuple[list[Acct], dict[int, dict[int, int]]]:
    """Accounts and, per account, its targets (account index -> X relation bits: 1 followee, 2 follower)."""
    from envol.core.ids import Platform
    from envol.matching.candidates import KnownAccount
    from envol.reconnect.plan import wanted

    rng = random.Random(seed)
    choices = ["both"] * 50 + ["followees"] * 30 + ["followers"] * 10 + ["none"] * 10
    weights = [1 / (i + 1) ** 0.9 for i in range(persons)]  # popularity (Zipf)
    order = list(range(persons))
    rng.shuffle(order)
    popular = {p: weights[i] for i, p in enumerate(order)}
    pool = sorted(range(persons), key=lambda p: -popular[p])
    cum = list(_cumulative([popular[p] for p in pool]))
    followees: dict[int, set[int]] = {}
    news = set(range(NEWSROOMS))
    for p in range(persons):
        k = min(int(rng.lognormvariate(3.2, 1.0)), persons // 4)
        chosen = {pool[_pick(cum, rng.random())] for _ in range(k)}
        chosen |= {n for n in news if rng.random() < 0.33}
        chosen.discard(p)
        followees[p] = chosen
    for p in range(persons):
        for q in list(followees[p]):
            if q not in news and rng.random() < 0.3:
                followees[q].add(p)
    followers: dict[int, set[int]] = {p: set() for p in range(persons)}
    for p, qs in followees.items():
        for q in qs:
            followers[q].add(p)

    accounts: list[Acct] = []
    index: dict[tuple[int, str], int] = {}
    for p in range(persons):
        newsroom = p in news
        for network, share in (("bluesky", 0.7), ("mastodon", 0.35)):
            if not newsroom and rng.random() >= share:
                continue
            young = not newsroom and rng.random() < 0.6
            created = T0 - (rng.uniform(0, 7) if young else rng.uniform(60, 3000)) * DAY
            posts = 0 if young and rng.random() < 0.4 else int(rng.lognormvariate(3, 1.5))
            account = Acct(
                person=p,
                network=network,
                created=created,
                followers=10**6
                if newsroom
                else 0
                if nobody_back
                else int(rng.lognormvariate(1.5 if young else 4, 1.2)),
                following=0 if young else int(rng.lognormvariate(4, 1)),
                posts=10**5 if newsroom else posts,
                directions=rng.choice(choices),
                auto=newsroom or rng.random() < 0.7,
                fast=rng.random() < 0.05,
                newsroom=newsroom,
            )
            index[(p, network)] = len(accounts)
            accounts.append(account)
    relations: dict[int, dict[int, int]] = {}
    for i, a in enumerate(accounts):
        mine: dict[int, int] = {}
        for q in followees[a.person] | followers[a.person]:
            j = index.get((q, a.network))
            if j is None:
                continue
            fe, fr = q in followees[a.person], q in followers[a.person]
            candidate = KnownAccount(q, Platform(a.network), j, str(j), str(j), fe, fr)
            if wanted(candidate, a.directions):  # the planner's own rule
                mine[j] = (1 if fe else 0) | (2 if fr else 0)
        relations[i] = mine
    return accounts, relations


def _cumulative(values: list[float]) -> list[float]:
    total, out = 0.0, []
    for v in values:
        total += v
        out.append(total)
    return [v / total for v in out]


def _pick(cum: list[float], x: float) -> int:
    lo, hi = 0, len(cum) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cum[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


def simulate(
    accounts: list[Acct],
    relations: dict[int, dict[int, int]],
    *,
    days: int,
    paced: bool,
    nobody_back: bool,
    seed: int,
) -> dict[str, Any]:
    from envol.platforms.follows import Standing
    from envol.reconnect import budgets, pacing
    from envol.reconnect.runtime import pacing_limits

    rng = random.Random(seed + 1)
    limits = pacing_limits()
    policies = {
        n: budgets.Policy(p.buckets, p.per_item, p.per_call, 10**6) for n, p in budgets.FOLLOW.items()
    }
    events: list[tuple[float, int, int, int]] = []  # (time, kind, account, other): 0 run, 1 back, 2 pick
    ready_at: dict[int, float] = {}
    for i, a in enumerate(accounts):
        targets = relations[i]
        a.total_planned = len(targets)
        if not targets:
            continue
        chosen = list(targets) if a.auto else [t for t in targets if rng.random() < 0.6]
        a.total_planned = len(chosen)
        a.planned = set(chosen)
        for t in chosen:
            a.queues[
                pacing.rank(followee=bool(targets[t] & 1), follower=bool(targets[t] & 2), follows_me=False)
            ].append(t)
        when = T0 if a.auto else T0 + rng.uniform(0, 3 * DAY)
        ready_at[i] = when
        a.next_run = when
        heapq.heappush(events, (when, 0, i, 0))
    end = T0 + days * DAY
    done_at: list[float] = []
    while events:
        t, kind, i, other = heapq.heappop(events)
        if t > end:
            break
        a = accounts[i]
        if kind == 1:  # `other` followed `i` back by hand
            accounts[other].planned.discard(i)
            _followed(accounts, other, i)
            continue
        if a.next_run != t:
            continue  # a stale wake-up
        a.next_run = None
        if not a.planned:
            continue
        standing = Standing(
            frozenset(), a.followers, a.following, a.posts, datetime.fromtimestamp(a.created, UTC)
        )
        policy = policies[_platform(a.network)]
        room = budgets.max_items(policy, a.budget, t)
        if paced:
            a.pace = pacing.remember(a.pace, standing, t)
            decision = pacing.allowed(limits, a.pace, t, fast=a.fast)
            if decision.hold is not None:
                a.held = decision.hold.value
                _schedule(a, i, t + limits_recheck(), events)
                continue
            a.held = ""
            if decision.count == 0:
                _schedule(a, i, decision.wait_until or t + 60, events)
                continue
            room = min(room, decision.count)
        if room == 0:
            _schedule(a, i, budgets.refill_at(policy, a.budget, t), events)
            continue
        batch = _take(a, room)
        a.budget = budgets.spend(
            policy,
            a.budget,
            len(batch),
            t,
            calls=len(batch) if a.network == "mastodon" else math.ceil(len(batch) / 200),
        )
        if paced:
            a.pace = pacing.record(limits, a.pace, len(batch), t)
        a.sent.append((t, len(batch)))
        a.following += len(batch)
        for target in batch:
            done_at.append(t)
            a.done.add(target)
            if len(a.first) < 200:
                a.first.append(target)
            _follow(i, target, t, accounts, relations, events, rng, nobody_back)
        _check(a)
        if paced and not a.fast:
            burst, daily = pacing.ceilings(limits, a.pace, t)
            if (
                pacing.sent_within(a.pace, t, limits.burst_seconds) > burst
                or pacing.sent_within(a.pace, t, DAY) > daily
            ):
                a.over = True
        _schedule(a, i, t + 60, events)  # the run goes on, or finds its wait, a minute later
    return _report(accounts, done_at, days, limits)


def limits_recheck() -> float:
    from envol.core.config import CONFIG

    return CONFIG.pacing_recheck_hours * HOUR


def _platform(network: str) -> Any:
    from envol.core.ids import Platform

    return Platform(network)


def _schedule(a: Acct, i: int, when: float, events: list[tuple[float, int, int, int]]) -> None:
    if a.next_run is None or when < a.next_run:
        a.next_run = when
        heapq.heappush(events, (when, 0, i, 0))


def _take(a: Acct, n: int) -> list[int]:
    batch: list[int] = []
    for queue in a.queues:
        while queue and len(batch) < n:
            t = queue.popleft()
            if t in a.planned:
                a.planned.discard(t)
                batch.append(t)
    return batch


Events = list[tuple[float, int, int, int]]


def _follow(
    i: int, j: int, t: float, accounts: list[Acct], relations: dict[int, dict[int, int]], events: Events,
    rng: random.Random, nobody_back: bool,
) -> None:  # fmt: skip
    """Account i followed account j: j gains a follower, and may follow back (Envol or by hand).
    Where nobody follows back, nobody gains a follower either (the bound: counts never move)."""
    if nobody_back:
        return
    _followed(accounts, i, j)
    b = accounts[j]
    if i in b.done:
        return
    if i in b.planned:
        # j's own follow of i waits in j's list: it ranks first now, and j's drive wakes at once.
        b.queues[0].append(i)
        if b.next_run is None:
            _schedule(b, j, t + 60, events)
    elif not b.newsroom:
        rel = relations[i].get(j, 0)
        p = 0.4 if rel == 3 else 0.3 if rel & 2 else 0.05
        if rng.random() < p:
            heapq.heappush(events, (t + rng.expovariate(1 / (12 * HOUR)), 1, i, j))


def _followed(accounts: list[Acct], follower: int, followed: int) -> None:
    """`follower` now follows `followed`: a follow-back when `followed` follows `follower`."""
    target = accounts[followed]
    target.followers += 1
    if follower in target.done:
        target.back.add(follower)


def _check(a: Acct) -> None:
    if a.following > 200 and a.followers < 0.01 * a.following:
        a.crossed = True
    if a.following > 200 and a.posts < 0.001 * a.following:
        a.crossed_posts = True


def _peak(sent: list[tuple[float, int]], seconds: float) -> int:
    best, total, left = 0, 0, 0
    for right in range(len(sent)):
        total += sent[right][1]
        while sent[right][0] - sent[left][0] >= seconds:
            total -= sent[left][1]
            left += 1
        best = max(best, total)
    return best


def _report(accounts: list[Acct], done_at: list[float], days: int, limits: Any) -> dict[str, Any]:
    active = [a for a in accounts if a.sent]
    planned = sum(a.total_planned for a in accounts)
    gentle = [a for a in active if not a.fast]  # the distributions are of the gentle pace
    hour = [_peak(a.sent, HOUR) for a in gentle]
    day = [_peak(a.sent, DAY) for a in gentle]
    burst = [_peak(a.sent, limits.burst_seconds) for a in gentle]
    per_day = [
        sum(n for _, n in a.sent) / max(math.ceil((a.sent[-1][0] - a.sent[0][0] + 1) / DAY), 1)
        for a in gentle
    ]
    over = sum(
        1
        for a in gentle
        if _peak(a.sent, limits.burst_seconds) > limits.burst or _peak(a.sent, DAY) > limits.daily
    )
    ratios = [len(a.back & set(a.first)) / len(a.first) for a in active if len(a.first) >= 200]
    no_posts = [a for a in active if a.posts == 0]
    shares = {
        f"day_{d}": round(sum(1 for t in done_at if t <= T0 + d * DAY) / max(planned, 1), 4)
        for d in (1, 3, 7, 14)
        if d <= days
    }
    return {
        "accounts": len(accounts),
        "accounts_following": len(active),
        "planned_follows": planned,
        "done_follows": len(done_at),
        "share_done": shares,
        "peak_hour": _dist(hour),
        "peak_day": _dist(day),
        "largest_burst": _dist(burst),
        "follows_per_active_day": _dist(per_day),
        "fast_accounts": len(active) - len(gentle),
        "fast_largest_burst": max((_peak(a.sent, limits.burst_seconds) for a in active if a.fast), default=0),
        "gentle_over_published_ceilings": over,
        "gentle_over_ceilings_in_force": sum(a.over for a in active),
        "accounts_over_a_ceiling_fast": sum(
            1 for a in active if a.fast and _peak(a.sent, DAY) > limits.daily
        ),
        "crossed_200_under_1pct": sum(a.crossed for a in accounts),
        "follow_back_first_200": _dist(ratios, digits=3),
        "first_200_reached": len(ratios),
        "no_post_accounts_following": len(no_posts),
        "no_post_accounts_crossing_posts_rule": sum(a.crossed_posts for a in no_posts),
        "held": {h: sum(1 for a in accounts if a.held == h) for h in ("follow_back", "few_posts")},
    }


def _dist(values: list[float], digits: int = 0) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)

    def q(x: float) -> float:
        return round(ordered[min(int(x * len(ordered)), len(ordered) - 1)], digits or None)

    return {"p50": q(0.5), "p90": q(0.9), "p99": q(0.99), "max": round(max(ordered), digits or None),
            "mean": round(statistics.fmean(ordered), digits or 2)}  # fmt: skip


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    _django()
    from django.utils import translation

    from envol.reconnect.progress import explain

    results: dict[str, Any] = {"persons": args.persons, "days": args.days, "seed": args.seed}
    started = time.monotonic()
    for world, nobody_back in (("follow_backs", False), ("nobody_follows_back", True)):
        for mode, paced in (("paced", True), ("budget_only", False)):
            accounts, relations = build_world(args.persons, args.seed, nobody_back=nobody_back)
            results[f"{world}/{mode}"] = simulate(
                accounts, relations, days=args.days, paced=paced, nobody_back=nobody_back, seed=args.seed
            )
            print(f"{world}/{mode}: {json.dumps(results[f'{world}/{mode}'])}", flush=True)
    with translation.override("en"):
        results["told_no_posts"] = explain("few_posts", "200")
        results["told_follow_back"] = explain("follow_back", "200")
    results["seconds"] = round(time.monotonic() - started, 1)
    OUT.mkdir(exist_ok=True)
    (OUT / "pacing.json").write_text(json.dumps(results, indent=2))
    print(f"pacing: {results['seconds']} s; bench/out/pacing.json", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
