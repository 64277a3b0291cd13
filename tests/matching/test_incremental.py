"""Incremental updates end to end: proving an account (registry.linking) or replacing an import
enqueues a refresh after the commit, and a real worker brings every person concerned up to date."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from envol.core.ids import Platform
from envol.core.models import PeriodicJob
from envol.core.worker import EmbeddedWorker
from envol.matching.models import Candidate
from envol.matching.signals import candidates_changed
from envol.registry.findable import choose
from envol.registry.linking import ProvenIdentity, prove_account
from envol.registry.models import Findable
from matching.world import V, person, upload

pytestmark = pytest.mark.django_db(transaction=True)


def _wait_for(condition: object, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def test_a_newcomer_updates_both_sides_of_the_graph_through_the_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The background checks that follow must not leave the machine: a closed loopback port.
    monkeypatch.setenv("ENVOL_ALLOW_PRIVATE_HOSTS", "1")
    monkeypatch.setenv("ENVOL_BRIDGY_URLS", "bsky.brid.gy=http://127.0.0.1:9,ap.brid.gy=http://127.0.0.1:9")
    alice = person(1, bsky=V)  # her archive lists X id 3 (who has not joined yet)
    bob = person(2, bsky=V)  # follows X id 3 according to his archive
    upload(tmp_path, 1, followers=[], following=[3])
    upload(tmp_path, 2, followers=[], following=[3])
    changed: list[frozenset[int]] = []
    candidates_changed.connect(lambda sender, person_ids, **kw: changed.append(person_ids), weak=False,
                               dispatch_uid="test-incremental")  # fmt: skip
    worker = EmbeddedWorker(interval=0.05)
    worker.start()
    try:
        # Carol signs in with X (id 3), then links Bluesky: both transactions commit, each enqueues.
        carol = prove_account(ProvenIdentity(Platform.X, "3", "carol"), signed_in=None).person
        choose(carol, Findable.EVERYONE)  # asked after her first sign-in
        prove_account(ProvenIdentity(Platform.BLUESKY, "did:plc:carol", "carol.test"), signed_in=carol)
        assert _wait_for(lambda: Candidate.objects.filter(target_person=carol).count() == 2)
        # Alice and Bob follow Carol: she has them as followers without any archive of her own.
        assert _wait_for(lambda: Candidate.objects.filter(person=carol, follower=True).count() == 2)
        # Carol's own archive says she follows Alice: both sides become mutual.
        upload(tmp_path, 3, followers=[], following=[1])
        assert _wait_for(
            lambda: Candidate.objects.filter(person=alice, target_person=carol, follower=True).exists()
        )
        assert _wait_for(
            lambda: Candidate.objects.filter(person=carol, target_person=alice, followee=True).exists()
        )
    finally:
        worker.stop(timeout=10)
        candidates_changed.disconnect(dispatch_uid="test-incremental")
    assert set(Candidate.objects.filter(target_person=carol).values_list("person_id", flat=True)) == {
        alice.pk,
        bob.pk,
    }
    assert any(carol.pk in ids or alice.pk in ids for ids in changed)
    paths = set(DBTaskResult.objects.values_list("task_path", flat=True))
    assert "envol.matching.tasks.refresh_persons" in paths
    repair = PeriodicJob.objects.get(name="matching.repair")  # the periodic repair was scheduled
    assert repair.next_run_at > timezone.now()
