"""Record keys as TIDs ("timestamp identifiers", atproto.com/specs/tid), made by Envol itself.

A TID is a 64-bit integer, top bit 0, then 53 bits of microseconds since the Unix epoch and 10
bits of clock identifier, written as 13 characters of base32-sortable (``234567a-z``), so that
string order is time order. Follows, lists and list items use TID record keys.

Envol chooses the key of every record it creates, before sending: the key is stored with the task,
so a batch that a crash interrupted is re-sent with the *same* keys and the PDS refuses the second
copy (``RecordExists``) instead of writing a duplicate (docs/architecture.md, "exactly once").
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections.abc import Callable

ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
TID_LENGTH = 13
MAX_MICROS = (1 << 53) - 1
MAX_CLOCK_ID = (1 << 10) - 1
_VALUE = {char: index for index, char in enumerate(ALPHABET)}
# The syntax of the spec (atproto.com/specs/record-key, /tid): the first character carries the top
# bit, which must be 0. Envol's own TIDs start with 2..b (63 bits); the spec accepts up to "j".
TID_PATTERN = re.compile(r"[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}")


def is_tid(text: str) -> bool:
    return TID_PATTERN.fullmatch(text) is not None


def encode_tid(micros: int, clock_id: int) -> str:
    """The TID for a timestamp (microseconds since the epoch) and a clock identifier."""
    if not 0 <= micros <= MAX_MICROS:
        raise ValueError(f"timestamp {micros} µs is outside a TID's 53 bits")
    if not 0 <= clock_id <= MAX_CLOCK_ID:
        raise ValueError(f"clock identifier {clock_id} is outside 0..{MAX_CLOCK_ID}")
    number = (micros << 10) | clock_id
    chars = []
    for _ in range(TID_LENGTH):
        chars.append(ALPHABET[number & 31])
        number >>= 5
    return "".join(reversed(chars))


def decode_tid(tid: str) -> tuple[int, int]:
    """(microseconds since the epoch, clock identifier) of a TID; ValueError when it is not one."""
    if not is_tid(tid):
        raise ValueError(f"not a TID: {tid!r}")
    number = 0
    for char in tid:
        number = (number << 5) | _VALUE[char]
    return number >> 10, number & MAX_CLOCK_ID


class TidClock:
    """Makes TIDs from a clock, strictly increasing for this object even when the clock stalls or
    goes back (NTP): each TID is at least one microsecond after the previous one. Thread-safe."""

    def __init__(self, clock: Callable[[], int] = time.time_ns, clock_id: int | None = None) -> None:
        self._clock = clock
        # Random per process: two processes writing one repository in the same microsecond (which
        # the account lease should prevent anyway) still make different keys.
        self.clock_id = secrets.randbelow(MAX_CLOCK_ID + 1) if clock_id is None else clock_id
        self._last = -1
        self._lock = threading.Lock()

    def next(self) -> str:
        with self._lock:
            micros = max(self._clock() // 1000, self._last + 1)
            self._last = micros
        return encode_tid(micros, self.clock_id)


_PROCESS_CLOCK = TidClock()


def new_tid() -> str:
    """A fresh TID from the wall clock, greater than every TID this process made before."""
    return _PROCESS_CLOCK.next()
