"""Real `envol worker` processes on the test database, for the crash and multi-worker tests."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection

from envol.reconnect.models import DriveRun, FollowTask
from envol.reconnect.states import FINAL

LEASE_SECONDS = 4


def database_url() -> str:
    """The URL of the database this test runs on (pytest-django's test database)."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        user = db.get("USER") or "postgres"
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
        return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"
    return f"sqlite:///{Path(str(db['NAME'])).resolve()}"


def worker_env(pds_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENVOL_") and k != "DATABASE_URL"}
    env.update(
        DATABASE_URL=database_url(),
        ENVOL_DATA_DIR=str(settings.DATA_DIR),  # the same keys: tokens encrypted by the test decrypt
        ENVOL_ALLOW_PRIVATE_HOSTS="1",
        ENVOL_RECONNECT_LIMITS="announced",
        ENVOL_RECONNECT_PACING="off",  # the engine's throughput, not a person's reputation pace
        # Dead after two silent beats: 2 s, half the lease, and clear of a loaded machine's hiccups.
        ENVOL_HEARTBEAT_SECONDS="1",
        ENVOL_RECONNECT_LEASE_SECONDS=str(LEASE_SECONDS),
        ENVOL_RECONNECT_RETRY_SECONDS="0.2",
        ENVOL_LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(["envol", "worker", "--interval", "0.1"], env=env, stdout=out, stderr=out)


def kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL our own worker by its pid: no cleanup of any kind happens."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            kill(process)


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)


def all_final(account_ids: list[int]) -> bool:
    open_tasks = FollowTask.objects.filter(source_id__in=account_ids).exclude(state__in=list(FINAL))
    return not open_tasks.exists()


def overlapping_runs(account_ids: list[int]) -> list[tuple[int, str, str]]:
    """(account, holder, holder) for every two runs of one account whose lease times overlap.

    A run killed before it could record its end is taken to have lasted until its lease could
    have run out at the latest, which is what makes the check meaningful for crashed runs too."""
    lease = timedelta(seconds=LEASE_SECONDS)
    clashes = []
    for account_id in account_ids:
        runs = list(DriveRun.objects.filter(account_id=account_id).order_by("started_at"))
        for earlier, later in itertools.pairwise(runs):
            ended = earlier.ended_at or earlier.started_at + lease
            if later.started_at < ended and later.holder != earlier.holder:
                clashes.append((account_id, earlier.holder, later.holder))
    return clashes
