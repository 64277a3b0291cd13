"""Two `envol worker` processes over 50 accounts share the work: every follow exactly once, every
task final, and no account driven by both at once (the runs' lease holders are recorded)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from django.utils import timezone

from envol.reconnect.models import DriveRun
from envol.reconnect.scheduling import schedule
from support.atproto_net import AtprotoNetwork

from .conftest import bluesky_source, did_targets, plan_targets, records_of, states
from .workers import all_final, overlapping_runs, start_worker, stop, wait_until, worker_env

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_workers_share_fifty_accounts_without_double_driving(
    atproto_network: AtprotoNetwork, tmp_path: Path
) -> None:
    net = atproto_network
    accounts = []
    for n in range(50):
        source, pds_account = bluesky_source(net)
        targets = did_targets(240, f"w{n}-")  # two writes each: 200 + 40
        plan_targets(source, targets)
        accounts.append((source, pds_account, targets))
    ids = [source.pk for source, _, _ in accounts]
    now = timezone.now()
    for account_id in ids:
        schedule(account_id, now)
    # A short lease slice makes each account take several runs, so both workers meet on it.
    env = worker_env(net.pds_url)
    workers = [start_worker(env, tmp_path / f"worker{i}.log") for i in range(2)]
    try:
        wait_until(lambda: all_final(ids), 300, "every task of the 50 accounts to be final")
    finally:
        for worker in workers:
            stop(worker)

    for source, pds_account, targets in accounts:
        records = records_of(net, pds_account)
        subjects = Counter(subject for _, subject in records)
        assert len(records) == len(targets), source.pk
        assert set(subjects) == {did for did, _ in targets}
        assert max(subjects.values()) == 1
        assert states(source) == {"done": len(targets)}
    assert overlapping_runs(ids) == []
    # Both processes did drive accounts (holders name the process: host-pid-random).
    processes = {holder.rsplit("-", 1)[0] for holder in DriveRun.objects.values_list("holder", flat=True)}
    assert len(processes) == 2
