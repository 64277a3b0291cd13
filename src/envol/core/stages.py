"""Where an ingestion's time goes, stage by stage, for `envol ingest --timings` and `bench/ingest.py`.

Stages are exclusive: entering one pauses the one it is nested in (reading a list is "scan", but
the inflating that each read does inside it is "inflate"), so the figures add up to the whole. A
clock costs two ``perf_counter`` and two ``process_time`` calls per stage entered, which at one entry
per megabyte of input is nothing; it is always on, and read only by those who ask.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

#: The stages of an ingestion, in the order they first happen.
STAGES = ("inflate", "scan", "pseudonymise", "sort", "store", "index")


class StageClock:
    """Wall seconds per stage (``seconds``), and the CPU seconds of the whole process, every thread
    included, while each stage ran (``cpu``): on a shared machine the wall figures follow the load,
    the CPU figures much less."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = dict.fromkeys(STAGES, 0.0)
        self.cpu: dict[str, float] = dict.fromkeys(STAGES, 0.0)
        self._stack: list[str] = []
        self._since = time.perf_counter()
        self._cpu_since = time.process_time()

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        now, cpu = time.perf_counter(), time.process_time()
        if self._stack:
            self._charge(self._stack[-1], now, cpu)
        self._stack.append(name)
        self._since, self._cpu_since = now, cpu
        try:
            yield
        finally:
            now, cpu = time.perf_counter(), time.process_time()
            self._charge(self._stack.pop(), now, cpu)
            self._since, self._cpu_since = now, cpu

    def _charge(self, name: str, now: float, cpu: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + now - self._since
        self.cpu[name] = self.cpu.get(name, 0.0) + cpu - self._cpu_since


_current: ContextVar[StageClock | None] = ContextVar("envol_stage_clock", default=None)


@contextmanager
def timed(clock: StageClock) -> Iterator[StageClock]:
    """Make ``clock`` the one that ``stage`` charges, for the block (this thread or task only)."""
    token = _current.set(clock)
    try:
        yield clock
    finally:
        _current.reset(token)


def current_clock() -> StageClock | None:
    return _current.get()


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Charge the block to ``name`` on the current clock, if there is one."""
    clock = _current.get()
    if clock is None:
        yield
        return
    with clock.stage(name):
        yield
