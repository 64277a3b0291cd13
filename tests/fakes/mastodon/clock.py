"""A controllable clock: rate-limit windows, code expiry and timestamps all read it, so tests never sleep."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], float]  # seconds since the epoch, like time.time

# A fixed, mid-morning UTC start: far from midnight so a test does not cross the follow-limit day by accident.
DEFAULT_START = datetime(2026, 11, 23, 10, 0, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, start: datetime | float = DEFAULT_START) -> None:
        self._lock = threading.Lock()
        self._now = start.timestamp() if isinstance(start, datetime) else float(start)

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds

    def set(self, when: datetime | float) -> None:
        with self._lock:
            self._now = when.timestamp() if isinstance(when, datetime) else float(when)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self(), UTC)


def iso_micro(epoch: float) -> str:
    """`X-RateLimit-Reset` format: ISO 8601 with microseconds and `Z` (notes §1), never epoch seconds."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def iso_milli(epoch: float) -> str:
    """Entity timestamps (`created_at`) as Mastodon renders them: milliseconds and `Z`."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse_iso(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
