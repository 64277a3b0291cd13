"""The limiter itself: limits as written in settings, what a client is counted as, keyed hashes, and
fixed-window counting on both cache backends Envol configures (memory, database table), with an
injected clock. Expired counters are deleted, not merely ignored."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.core.cache import BaseCache
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.management import call_command
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from envol.core.cache import CACHE_TABLE, PurgeClock, cache_config, purge_expired
from envol.core.periodic import JOBS
from envol.core.ratelimit import Limit, hit, network_of, subject_digest
from envol.core.tasks import PURGE_TASK_EVERY, purge_cache

_names = itertools.count()


def memory_cache() -> LocMemCache:
    return LocMemCache(f"test-ratelimit-{next(_names)}", {})


@pytest.fixture(params=["memory", "database"])
def cache(request: pytest.FixtureRequest) -> Iterator[BaseCache]:
    if request.param == "memory":
        yield memory_cache()
        return
    request.getfixturevalue("db")
    call_command("createcachetable", CACHE_TABLE, verbosity=0)
    table = DatabaseCache(CACHE_TABLE, {})
    table.clear()
    yield table
    table.clear()


def test_limits_are_written_count_slash_seconds() -> None:
    assert Limit.parse("30/600") == Limit(30, 600)
    for wrong in ("30", "30/", "a/600", "0/600", "5/0", "-1/60", "30/10m"):
        with pytest.raises(ValueError, match="rate limit"):
            Limit.parse(wrong)


def test_a_client_is_its_ipv4_address_or_its_ipv6_network() -> None:
    assert network_of("203.0.113.7") == "203.0.113.7"
    assert network_of("::ffff:203.0.113.7") == "203.0.113.7"
    assert network_of("2001:db8:1:2:aaaa::1") == network_of("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert network_of("2001:db8:1:3::1") != network_of("2001:db8:1:2::1")
    assert network_of("") == network_of("not an address") == "unknown"


def test_subject_digests_are_keyed_and_short() -> None:
    one = subject_digest("key-one", "address", "203.0.113.7")
    assert one == subject_digest("key-one", "address", "203.0.113.7")
    assert len(one) == 16
    assert int(one, 16) >= 0
    assert one != subject_digest("key-two", "address", "203.0.113.7")
    assert one != subject_digest("key-one", "person", "203.0.113.7")


def test_counts_up_to_the_limit_then_refuses_until_the_window_ends(cache: BaseCache) -> None:
    limit = Limit(3, 600)
    window_end = 1_800_000_000.0  # windows are aligned on multiples of their length
    now = window_end - 500
    assert [hit(cache, "c", limit, now).allowed for _ in range(3)] == [True, True, True]
    refused = hit(cache, "c", limit, now)
    assert not refused.allowed
    assert refused.retry_after == window_end - now
    assert hit(cache, "other", limit, now).allowed  # another counter is untouched
    assert hit(cache, "c", limit, window_end).allowed  # a new window starts afresh


@settings(max_examples=40, deadline=None)
@given(count=st.integers(1, 6), seconds=st.integers(1, 4000), hits=st.integers(1, 12), offset=st.floats(0, 1))
def test_in_one_window_exactly_the_limit_is_allowed(
    count: int, seconds: int, hits: int, offset: float
) -> None:
    cache, limit = memory_cache(), Limit(count, seconds)
    now = 1_000_000 * seconds + offset * (seconds - 0.001)  # somewhere inside one window
    decisions = [hit(cache, "c", limit, now) for _ in range(hits)]
    assert sum(d.allowed for d in decisions) == min(hits, count)
    assert all(0 < d.retry_after <= seconds for d in decisions if not d.allowed)
    assert all(d.retry_after == 0 for d in decisions if d.allowed)


def _stored_text(cache: BaseCache) -> str:
    """Every key and value the cache holds, as text, whatever the backend."""
    if isinstance(cache, LocMemCache):
        store = cache._cache  # type: ignore[attr-defined]
        return "\n".join(f"{key} {value!r}" for key, value in store.items())
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key, value FROM {CACHE_TABLE}")  # noqa: S608
        return "\n".join(f"{key} {value}" for key, value in cursor.fetchall())


def test_counters_hold_no_clear_address(cache: BaseCache) -> None:
    address = "203.0.113.77"
    subject = "a:" + subject_digest("secret", "address", network_of(address))
    hit(cache, f"sign_in:{subject}", Limit(5, 60), 1_800_000_000.0)
    stored = _stored_text(cache)
    assert subject in stored  # the counter is there...
    assert address not in stored
    assert "203.0.113" not in stored


def test_expired_counters_are_deleted(cache: BaseCache) -> None:
    hit(cache, "short", Limit(5, 60), time.time())
    cache.set("long", 1, timeout=3600)
    assert purge_expired(cache) == 0
    assert purge_expired(cache, now=time.time() + 120) == 1
    assert cache.get("long") == 1
    assert "short" not in _stored_text(cache)


@pytest.mark.django_db
def test_the_purge_job_runs_every_ten_minutes() -> None:
    assert purge_cache() >= 0  # the job's body, run here
    job = JOBS["core.cache_purge"]
    assert job.work is purge_cache
    assert job.interval() == PURGE_TASK_EVERY == timedelta(minutes=10)


def test_the_cache_is_shared_on_postgresql_and_in_memory_on_sqlite() -> None:
    postgres, sqlite = "django.db.backends.postgresql", "django.db.backends.sqlite3"
    assert cache_config("", postgres)["BACKEND"].endswith("DatabaseCache")
    assert cache_config("", sqlite)["BACKEND"].endswith("LocMemCache")
    assert cache_config("database", sqlite)["LOCATION"] == CACHE_TABLE
    assert cache_config("memory", postgres)["BACKEND"].endswith("LocMemCache")
    with pytest.raises(ValueError, match="ENVOL_CACHE"):
        cache_config("redis", postgres)


def test_web_processes_purge_at_most_once_a_minute() -> None:
    clock = PurgeClock()
    assert [clock.due(1000.0), clock.due(1030.0), clock.due(1059.9), clock.due(1060.0)] == [
        True,
        False,
        False,
        True,
    ]
