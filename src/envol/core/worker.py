"""Background workers: django-tasks-db's loop plus a heartbeat that `/healthz` reads.

`make run` runs one embedded worker in a thread of the web process (SQLite default); production
runs any number of `envol worker` processes on PostgreSQL, each with its own id.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import datetime

from django.db import close_old_connections, connection
from django.dispatch import Signal
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from envol.core.config import CONFIG
from envol.core.models import WorkerHeartbeat

logger = logging.getLogger("envol.worker")

#: Sent by every worker's heartbeat thread after each beat: domain packages connect housekeeping
#: that must run even when the queue holds nothing for them (e.g. the reconnection engine
#: re-enqueues the runs of a worker that died). Receivers must be quick and idempotent.
worker_tick = Signal()

#: Run once when a worker starts, before it takes tasks: packages register here (in their
#: AppConfig.ready) what enqueues their periodic tasks when none is waiting (privacy: retention).
STARTUP_HOOKS: list[Callable[[], object]] = []


def run_startup_hooks() -> None:
    for hook in STARTUP_HOOKS:
        try:
            hook()
        except Exception:  # a periodic task that cannot be scheduled must not stop the worker
            logger.exception("worker startup hook failed")


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


class Heartbeat(threading.Thread):
    """Records every few seconds that the worker lives; removes its row when it stops cleanly."""

    def __init__(self, worker_id: str) -> None:
        super().__init__(name="envol-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.stopping = threading.Event()
        self.started_at = timezone.now()

    def run(self) -> None:
        try:
            while True:
                try:
                    beat(self.worker_id, self.started_at)
                    ticked = worker_tick.send_robust(sender=self.__class__, worker_id=self.worker_id)
                    for receiver, outcome in ticked:
                        if isinstance(outcome, Exception):
                            logger.error("worker tick %s failed: %r", receiver, outcome)
                except Exception:  # a busy or briefly unreachable database must not kill the beat
                    logger.exception("heartbeat failed")
                    close_old_connections()
                if self.stopping.wait(CONFIG.heartbeat_seconds):
                    break
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopping.set()


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
            run_startup_hooks()
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
        logger.info("embedded worker %s stopped", self.worker_id)


def run_worker_process(*, interval: float = 1.0) -> None:
    """`envol worker`: the loop in the main thread (so SIGINT/SIGTERM stop it gracefully)."""
    worker_id = new_worker_id()
    heartbeat = Heartbeat(worker_id)
    heartbeat.start()
    worker = make_worker(worker_id, interval=interval)
    worker.configure_signals()
    try:
        run_startup_hooks()
        worker.run()
    finally:
        heartbeat.stop()
        heartbeat.join(10)
