"""Faults between the engine and the PDS (drops before and after the server acted, delays, 500,
502, 429): the same invariants as crashes — every follow exactly once, every task final."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from django.utils import timezone

from envol.reconnect.executor import run_account
from envol.reconnect.models import AccountDrive
from support.atproto_net import AtprotoNetwork

from .conftest import bluesky_source, did_targets, plan_targets, records_of, route_through, states
from .faulty_proxy import FaultyProxy
from .workers import all_final

pytestmark = pytest.mark.django_db(transaction=True)


def test_faults_between_engine_and_pds_never_duplicate_or_lose_a_follow(
    atproto_network: AtprotoNetwork, monkeypatch: pytest.MonkeyPatch, private_hosts: None
) -> None:
    net = atproto_network
    source, pds_account = bluesky_source(net)
    targets = did_targets(1200, "fault")
    plan_targets(source, targets)
    monkeypatch.setenv("ENVOL_RECONNECT_LIMITS", "announced")
    monkeypatch.setenv("ENVOL_RECONNECT_RETRY_SECONDS", "0.05")
    # The first write reaches the PDS and its answer is lost; the second is answered 500 after
    # being applied: both are the cases where a naive retry would write every follow twice.
    script = {"/xrpc/com.atproto.repo.applyWrites": ["drop_after", "500_after"]}
    with FaultyProxy(net.pds_url, rate=0.5, max_faults=40, seed=3, script=script) as proxy:
        route_through(source, proxy.url)
        outcomes: Counter[str] = Counter()
        deadline = time.monotonic() + 240
        while not all_final([source.pk]):
            assert time.monotonic() < deadline, (outcomes, proxy.injected, states(source))
            outcomes[run_account(source.pk)] += 1
            when = AccountDrive.objects.get(account=source).next_run_at
            if when is not None:
                time.sleep(min(max((when - timezone.now()).total_seconds(), 0), 0.5))
        injected = proxy.injected

    assert injected["drop_after"] >= 1
    assert injected["500_after"] >= 1
    assert sum(injected.values()) >= 10
    assert len(injected) >= 4  # several kinds of faults, not one
    assert outcomes["retry"] + outcomes["rate_limited"] >= 5  # the engine did meet the faults
    records = records_of(net, pds_account)
    subjects = Counter(subject for _, subject in records)
    assert len(records) == 1200
    assert set(subjects) == {did for did, _ in targets}
    assert max(subjects.values()) == 1
    assert states(source) == {"done": 1200}
