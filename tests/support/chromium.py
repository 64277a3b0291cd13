"""Real Chromium for tests and benchmarks: Debian's binary driven by Playwright, and the memory of
its renderer processes read from /proc (a dedicated worker runs inside its page's renderer)."""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import pytest
from playwright import sync_api


def launch(playwright: sync_api.Playwright) -> sync_api.Browser:
    chromium = shutil.which("chromium")
    assert chromium, "Chromium is missing: `make test` installs it (scripts/install-system-deps)"
    args = ["--disable-gpu"] + (["--no-sandbox"] if os.geteuid() == 0 else [])
    return playwright.chromium.launch(executable_path=chromium, args=args)


@contextlib.contextmanager
def browser_beside_orm() -> Iterator[sync_api.Browser]:
    """Chromium for a test that also calls the ORM while the browser is open: Playwright's sync API
    runs an event loop in this thread, and the ORM calls made beside it are plain sync code."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_api.sync_playwright() as p:
            browser = launch(p)
            yield browser
            browser.close()


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            tree.setdefault(int(fields[1]), []).append(int(entry.name))
    return tree


def renderer_pids(root: int | None = None) -> list[int]:
    """Chromium renderer processes descending from ``root`` (this process by default)."""
    tree, pending, found = _children(), [root or os.getpid()], []
    while pending:
        for child in tree.get(pending.pop(), []):
            pending.append(child)
            try:
                if b"--type=renderer" in Path(f"/proc/{child}/cmdline").read_bytes():
                    found.append(child)
            except OSError:
                pass
    return found


def rss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class RendererPeak:
    """Samples every renderer's resident memory while the block runs; ``peak`` is the largest
    figure one renderer reached (bytes), ``by_phase`` the same for each value the caller gave
    ``phase`` meanwhile (what the page was doing)."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval, self.peak = interval, 0
        self.phase = ""
        self.by_phase: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        pids: list[int] = []
        rounds = 0
        while not self._stop.is_set():
            if rounds % 20 == 0:  # new renderers are rare: walk /proc now and then only
                pids = renderer_pids()
            rounds += 1
            now = max([0, *(rss_bytes(pid) for pid in pids)])
            self.peak = max(self.peak, now)
            self.by_phase[self.phase] = max(self.by_phase.get(self.phase, 0), now)
            time.sleep(self.interval)

    def __enter__(self) -> RendererPeak:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()
