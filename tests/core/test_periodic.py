"""Periodic jobs are declared once (envol.core.periodic) and started by the workers' heartbeat;
what a dead worker leaves is healed by the living (envol.core.healing)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from envol.core import periodic
from envol.core.models import PeriodicJob, WorkerHeartbeat
from envol.core.worker import beat, tick

pytestmark = pytest.mark.django_db

RUN_JOB = "envol.core.periodic.run_job"


def _dead(worker_id: str) -> None:
    long_ago = timezone.now() - timedelta(minutes=10)
    WorkerHeartbeat.objects.create(
        worker_id=worker_id, hostname="h", pid=1, started_at=long_ago, seen_at=long_ago
    )


def _queued(name: str) -> list[DBTaskResult]:  # type: ignore[type-arg]
    rows = DBTaskResult.objects.filter(task_path=RUN_JOB, status=TaskResultStatus.READY)
    return [row for row in rows if row.args_kwargs["args"] == [name]]


@pytest.fixture
def counted() -> Iterator[list[str]]:
    """Two jobs of the test's own: a quick one run in the heartbeat, and one that fails."""
    calls: list[str] = []

    def quick() -> None:
        calls.append("quick")

    def broken() -> None:
        calls.append("broken")
        raise RuntimeError("a bug in one job")

    periodic.every("test.broken", interval=timedelta(minutes=1), queued=False)(broken)
    periodic.every("test.quick", interval=timedelta(minutes=1), queued=False)(quick)
    yield calls
    del periodic.JOBS["test.quick"], periodic.JOBS["test.broken"]


def test_a_repair_killed_mid_run_is_failed_and_started_again_by_a_live_worker() -> None:
    """Issue 17: after a kill -9 during the daily matching repair, its task stayed RUNNING for
    ever and was never scheduled again."""
    now = timezone.now()
    PeriodicJob.objects.create(name="matching.repair", next_run_at=now + timedelta(hours=23))
    killed = periodic.run_job.enqueue("matching.repair")
    _dead("killed")
    DBTaskResult.objects.filter(pk=killed.id).update(status=TaskResultStatus.RUNNING, worker_ids=["killed"])
    PeriodicJob.objects.filter(name="matching.repair").update(running_on="killed", started_at=now)

    beat("live", now)
    started = tick("live")

    assert DBTaskResult.objects.get(pk=killed.id).status == TaskResultStatus.FAILED
    assert "matching.repair" in started
    assert len(_queued("matching.repair")) == 1
    job = PeriodicJob.objects.get(name="matching.repair")
    assert job.running_on == ""
    assert job.next_run_at > now + timedelta(hours=23)  # one interval after this new start
    assert not WorkerHeartbeat.objects.filter(worker_id="killed").exists()


def test_each_job_starts_once_per_interval_whatever_the_number_of_workers(counted: list[str]) -> None:
    now = timezone.now()
    first = tick("a", now=now)
    second = tick("b", now=now + timedelta(seconds=1))
    assert "test.quick" in first
    assert "test.quick" not in second
    # The failing job was started too, and did not stop the others.
    assert counted.count("quick") == 1
    assert counted.count("broken") == 1
    assert "test.quick" in tick("b", now=now + timedelta(minutes=1, seconds=1))
    assert counted.count("quick") == 2


def test_jobs_are_queued_unless_quick_and_the_repair_waits_one_interval() -> None:
    started = tick("a")
    assert {"core.cache_purge", "privacy.retention", "stats.public_figures"} <= set(started)
    assert "matching.repair" not in started  # its first run comes after one interval
    assert len(_queued("privacy.retention")) == 1
    repair = PeriodicJob.objects.get(name="matching.repair")
    assert repair.next_run_at > timezone.now() + timedelta(hours=1)
    assert not _queued("graph.partitions")  # run in the heartbeat itself, never queued


def test_a_living_worker_is_left_alone() -> None:
    beat("slow", timezone.now() - timedelta(seconds=1))
    running = periodic.run_job.enqueue("privacy.retention")
    DBTaskResult.objects.filter(pk=running.id).update(status=TaskResultStatus.RUNNING, worker_ids=["slow"])
    tick("a")
    assert DBTaskResult.objects.get(pk=running.id).status == TaskResultStatus.RUNNING
    assert WorkerHeartbeat.objects.filter(worker_id="slow").exists()
