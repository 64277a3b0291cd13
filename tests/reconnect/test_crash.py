"""Crash safety: a real `envol worker` SIGKILLed at random moments, at least ten times, while it
writes 3,000 follows to the real PDS; restarted each time. At the end every planned follow exists
exactly once and every task is final."""

from __future__ import annotations

import random
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db.models import Q
from django.utils import timezone

from envol.reconnect.models import DriveRun, FollowTask
from envol.reconnect.scheduling import schedule
from support.atproto_net import AtprotoNetwork

from .conftest import bluesky_source, did_targets, plan_targets, records_of, states
from .workers import all_final, kill, overlapping_runs, start_worker, stop, wait_until, worker_env

pytestmark = pytest.mark.django_db(transaction=True)


def _running() -> bool:
    """A run has started and is still going (the moment worth killing)."""
    return DriveRun.objects.filter(ended_at__isnull=True).exists()


def test_sigkill_at_random_moments_leaves_every_follow_exactly_once(
    atproto_network: AtprotoNetwork, tmp_path: Path
) -> None:
    net = atproto_network
    source, pds_account = bluesky_source(net)
    targets = did_targets(3000, "kill")
    plan_targets(source, targets)
    schedule(source.pk, timezone.now())
    env = worker_env(net.pds_url)
    log = tmp_path / "workers.log"
    rng = random.Random(7)  # noqa: S311 (kill instants, not secrets)
    kills = 0
    worker = start_worker(env, log)
    try:
        while kills < 10 and not all_final([source.pk]):
            # Kill while a run is busy, at a random instant of it (or of its start-up).
            try:
                wait_until(lambda: _running() or all_final([source.pk]), 60, "a run to start")
            except AssertionError:
                raise AssertionError(log.read_text()[-3000:]) from None
            time.sleep(rng.uniform(0.0, 0.6))
            if all_final([source.pk]):
                break
            kill(worker)
            kills += 1
            worker = start_worker(env, log)
        wait_until(lambda: all_final([source.pk]), 180, "every task to be final")
    finally:
        stop(worker)

    assert kills >= 10, f"the run finished after {kills} kills: make it longer"
    records = records_of(net, pds_account)
    subjects = Counter(subject for _, subject in records)
    assert len(records) == 3000
    assert set(subjects) == {did for did, _ in targets}
    assert max(subjects.values()) == 1
    assert states(source) == {"done": 3000}
    assert not FollowTask.objects.filter(Q(source=source) & ~Q(sent_at=None)).exists()
    assert overlapping_runs([source.pk]) == []
    # Killed runs are recorded as crashed (by healing, or by the run that took their claim over),
    # with the follows they had made so far: none is left without an end. Rewritten: before the
    # heartbeat's healing, killed runs kept no end and followed=0 (issue 17).
    runs = DriveRun.objects.filter(account=source)
    assert not runs.filter(ended_at__isnull=True).exists()
    assert runs.filter(outcome="crashed").count() >= 1
    followed = sum(runs.values_list("followed", flat=True))
    assert 3000 - 200 * kills <= followed <= 3000  # at most the batch in flight goes uncounted
