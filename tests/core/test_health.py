from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from envol.core.models import WorkerHeartbeat
from envol.core.worker import EmbeddedWorker, beat

pytestmark = pytest.mark.django_db(transaction=True)


def test_healthz_without_any_worker_is_degraded(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "degraded",
        "database": "ok",
        "worker": "missing",
        "worker_seen_at": None,
    }


def test_healthz_with_a_recent_heartbeat_is_ok(client: Client) -> None:
    beat("w1", timezone.now())
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["worker"] == "ok"


def test_healthz_reports_a_stale_worker(client: Client) -> None:
    beat("w1", timezone.now())
    WorkerHeartbeat.objects.update(seen_at=timezone.now() - timedelta(minutes=10))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["worker"] == "stale"


def test_embedded_worker_beats_and_cleans_up_on_stop() -> None:
    worker = EmbeddedWorker(interval=0.1)
    worker.start()
    try:
        for _ in range(100):
            if WorkerHeartbeat.objects.filter(worker_id=worker.worker_id).exists():
                break
            worker.heartbeat.stopping.wait(0.05)
        assert WorkerHeartbeat.objects.filter(worker_id=worker.worker_id).exists()
    finally:
        worker.stop(timeout=10)
    assert not worker.thread.is_alive()
    assert not WorkerHeartbeat.objects.filter(worker_id=worker.worker_id).exists()


def test_embedded_worker_runs_queued_tasks() -> None:
    from django.tasks import TaskResultStatus

    from core.tasks_for_tests import add

    result = add.enqueue(2, 3)
    worker = EmbeddedWorker(interval=0.05)
    worker.start()
    try:
        for _ in range(200):
            result.refresh()
            if result.status == TaskResultStatus.SUCCESSFUL:
                break
            worker.heartbeat.stopping.wait(0.05)
    finally:
        worker.stop(timeout=10)
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == 5
