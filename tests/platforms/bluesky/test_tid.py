"""TIDs: format, round trip and ordering (pure; property-based)."""

from __future__ import annotations

import itertools
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from envol.platforms.bluesky.tid import (
    MAX_CLOCK_ID,
    MAX_MICROS,
    TidClock,
    decode_tid,
    encode_tid,
    is_tid,
    new_tid,
)

micros = st.integers(min_value=0, max_value=MAX_MICROS)
clock_ids = st.integers(min_value=0, max_value=MAX_CLOCK_ID)


@given(micros, clock_ids)
def test_encode_decode_round_trip(us: int, clock_id: int) -> None:
    tid = encode_tid(us, clock_id)
    assert len(tid) == 13
    assert is_tid(tid)
    assert decode_tid(tid) == (us, clock_id)


@given(micros, clock_ids, micros, clock_ids)
def test_string_order_is_time_order(us1: int, c1: int, us2: int, c2: int) -> None:
    assert (encode_tid(us1, c1) < encode_tid(us2, c2)) == ((us1, c1) < (us2, c2))


def test_known_values() -> None:
    # The spec's alphabet: 0 is "2222222222222"; 63 bits (top bit 0) end at "bzzzzzzzzzzzz".
    assert encode_tid(0, 0) == "2222222222222"
    assert encode_tid(MAX_MICROS, MAX_CLOCK_ID) == "bzzzzzzzzzzzz"
    # One microsecond is 1 << 10 = 32², the clock identifier the last 10 bits.
    assert encode_tid(1, 0) == "2222222222322"
    assert encode_tid(0, 1) == "2222222222223"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "3jzfcijpj2z2",
        "3jzfcijpj2z2aa",
        "kzzzzzzzzzzzz",
        "3jzfcijpj2z21",
        "3JZFCIJPJ2Z2A",
        "3jzfc-jpj2z2a",
    ],
)
def test_not_tids(text: str) -> None:
    assert not is_tid(text)
    with pytest.raises(ValueError, match="not a TID"):
        decode_tid(text)


@pytest.mark.parametrize(("us", "clock_id"), [(-1, 0), (MAX_MICROS + 1, 0), (0, -1), (0, MAX_CLOCK_ID + 1)])
def test_out_of_range(us: int, clock_id: int) -> None:
    with pytest.raises(ValueError, match="outside"):
        encode_tid(us, clock_id)


@given(st.lists(st.integers(min_value=0, max_value=10**18), min_size=1, max_size=50), clock_ids)
def test_clock_is_strictly_increasing_whatever_the_clock_does(readings: list[int], clock_id: int) -> None:
    # The clock may stall or go back (NTP): the TIDs still increase, at least 1 µs apart.
    ticks = iter(readings)
    clock = TidClock(lambda: next(ticks), clock_id=clock_id)
    tids = [clock.next() for _ in readings]
    decoded = [decode_tid(t) for t in tids]
    assert all(c == clock_id for _, c in decoded)
    assert all(b[0] > a[0] for a, b in itertools.pairwise(decoded))
    assert tids == sorted(tids)
    assert decoded[0][0] == readings[0] // 1000


def test_new_tid_is_monotonic_across_threads() -> None:
    made: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        mine = [new_tid() for _ in range(500)]
        assert mine == sorted(mine)
        with lock:
            made.extend(mine)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(made)) == 2000
    assert all(is_tid(t) for t in made)
