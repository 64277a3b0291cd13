"""A one-line progress display for long commands, shown only when stderr is a terminal."""

from __future__ import annotations

import sys
import time
from typing import TextIO

_LABELS = {"follower": "reading followers", "following": "reading following", "storing": "storing"}


class ProgressLine:
    def __init__(self, stream: TextIO | None = None, *, interval: float = 0.1) -> None:
        self.stream = stream or sys.stderr  # looked up now: tests and callers may swap sys.stderr
        self.enabled = self.stream.isatty()
        self.interval = interval
        self._last = 0.0

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < self.interval and done != total:
            return
        self._last = now
        label = _LABELS.get(stage, stage)
        if stage == "storing":
            text = f"{label}…" if done == 0 else f"{label}: done"
        elif total:
            text = f"{label}: {done:,} / {total:,} ({100 * done // total}%)"
        else:
            text = f"{label}: {done:,}"
        self.stream.write(f"\r\033[K{text}")
        self.stream.flush()

    def finish(self) -> None:
        if self.enabled:
            self.stream.write("\r\033[K")
            self.stream.flush()
