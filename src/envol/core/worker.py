"""Background workers: django-tasks-db's loop plus a heartbeat that `/healthz` reads.

`make run` runs one embedded worker in a thread of the web process (SQLite default); production
runs any number of `envol worker` processes on PostgreSQL, each with its own id. After each beat,
the heartbeat `tick`s: it heals what dead workers left (envol.core.healing) and starts the periodic
jobs whose time has come (envol.core.periodic): the one way housekeeping is started.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from datetime import datetime

from django.db import close_old_connections, connection
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from envol.core.config import CONFIG
from envol.core.healing import heal, set_current_worker
from envol.core.models import WorkerHeartbeat
from envol.core.periodic import start_due

logger = logging.getLogger("envol.worker")


def new_worker_id() -> str:
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{get_random_string(8)}"


def beat(worker_id: str, started_at: datetime) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": socket.gethostname(),
            "pid": os.getpid(),
            "started_at": started_at,
            "seen_at": timezone.now(),
        },
    )


def tick(worker_id: str, *, now: datetime | None = None) -> list[str]:
    """What every worker does after each beat: heal dead workers' leftovers, then start due jobs."""
    now = now or timezone.now()
    heal(now)
    return start_due(worker_id, now=now)


class Heartbeat(threading.Thread):
    """Records every few seconds that the worker lives, and ticks; `forget` removes its row once
    the worker's tasks are over (a row removed earlier would let others take over a live run)."""

    def __init__(self, worker_id: str) -> None:
        super().__init__(name="envol-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.stopping = threading.Event()
        self.started_at = timezone.now()
        set_current_worker(worker_id)
        # The first beat before any task runs: claims always name a worker that has a heartbeat.
        beat(worker_id, self.started_at)

    def run(self) -> None:
        try:
            while True:
                started = time.monotonic()
                try:
                    beat(self.worker_id, self.started_at)
                    tick(self.worker_id)
                except Exception:  # a busy or briefly unreachable database must not kill the beat
                    logger.exception("heartbeat failed")
                    close_old_connections()
                # Beats keep their rhythm whatever the tick took: others judge liveness by it.
                spent = time.monotonic() - started
                if self.stopping.wait(max(CONFIG.heartbeat_seconds - spent, 0.0)):
                    break
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopping.set()

    def forget(self) -> None:
        WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
        set_current_worker("")  # this process no longer answers for claims


def make_worker(worker_id: str, *, interval: float = 1.0) -> Worker:
    return Worker(
        queue_names=["*"],
        interval=interval,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )


class EmbeddedWorker:
    """The worker and its heartbeat in background threads of the current process."""

    def __init__(self, *, interval: float = 1.0) -> None:
        self.worker_id = new_worker_id()
        self.worker = make_worker(self.worker_id, interval=interval)
        self.heartbeat = Heartbeat(self.worker_id)
        self.thread = threading.Thread(target=self._run, name="envol-worker", daemon=True)

    def _run(self) -> None:
        try:
            self.worker.run()
        finally:
            connection.close()

    def start(self) -> None:
        logger.info("embedded worker %s starting", self.worker_id)
        self.heartbeat.start()
        self.thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Ask both threads to finish: a running task completes first, then the loop ends."""
        self.worker.running = False
        self.heartbeat.stop()
        self.thread.join(timeout)
        self.heartbeat.join(timeout)
        self.heartbeat.forget()
        logger.info("embedded worker %s stopped", self.worker_id)


def run_worker_process(*, interval: float = 1.0) -> None:
    """`envol worker`: the loop in the main thread (so SIGINT/SIGTERM stop it gracefully)."""
    worker_id = new_worker_id()
    heartbeat = Heartbeat(worker_id)
    heartbeat.start()
    worker = make_worker(worker_id, interval=interval)
    worker.configure_signals()
    try:
        worker.run()
    finally:
        heartbeat.stop()
        heartbeat.join(10)
        heartbeat.forget()
