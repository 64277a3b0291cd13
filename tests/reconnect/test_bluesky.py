"""The executor against the real local PDS, through the production port and app-password session."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime

import httpx
import pytest
from django.utils import timezone

from envol.core.ids import Platform
from envol.matching.candidates import KnownAccount
from envol.platforms.bluesky.follow_port import BlueskyFollowPort
from envol.platforms.bluesky.lists import iter_list_items, list_uri
from envol.platforms.bluesky.xrpc import Xrpc
from envol.platforms.follows import FollowResult
from envol.reconnect.connect import ports_for
from envol.reconnect.executor import run_account
from envol.reconnect.exports import make_bluesky_list
from envol.reconnect.models import AccountDrive, DriveRun, FollowTask
from envol.reconnect.plan import pick, renew_chosen
from envol.reconnect.service import request_undo
from envol.reconnect.states import TaskState
from envol.registry.models import Account
from support.atproto_net import AtprotoNetwork

from .conftest import CallLog, bluesky_source, did_targets, plan_targets, records_of, states

pytestmark = pytest.mark.django_db(transaction=True)


def test_5000_follows_each_exactly_once_in_at_most_30_calls(
    pds_entryway: AtprotoNetwork, call_log: CallLog
) -> None:
    net = pds_entryway
    source, pds_account = bluesky_source(net)
    targets = did_targets(5000)
    # Two targets were followed before Envol, by records Envol did not make.
    port = ports_for(source)
    assert isinstance(port, BlueskyFollowPort)
    port.follow(
        [(port.prepare("").key, targets[7][0]), (port.prepare("").key, targets[4242][0])], timezone.now()
    )
    port.close()
    call_log.calls.clear()
    plan_targets(source, targets)

    outcomes = []
    while not outcomes or outcomes[-1] == "more":
        outcomes.append(run_account(source.pk))
    assert outcomes[-1] == "idle"

    assert states(source) == {"done": 4998, "already_following": 2}
    records = records_of(net, pds_account)
    subjects = Counter(subject for _, subject in records)
    assert len(records) == 5000
    assert set(subjects) == {did for did, _ in targets}
    assert max(subjects.values()) == 1  # every target exactly once
    ours = dict(
        FollowTask.objects.filter(source=source, state=TaskState.DONE).values_list("record_key", "target_id")
    )
    assert {rkey: subject for rkey, subject in records if rkey in ours} == ours  # the keys Envol chose
    writes = call_log.paths("com.atproto.repo.applyWrites")
    assert len(writes) <= 30
    assert len(call_log.calls) <= 5000 / 150  # session + reads + writes: at most 1/150 request a follow
    assert sum(DriveRun.objects.filter(account=source).values_list("requests", flat=True)) == len(
        call_log.calls
    )


def test_a_crash_after_the_write_is_reconciled_without_a_second_record(
    pds_entryway: AtprotoNetwork, call_log: CallLog
) -> None:
    net = pds_entryway
    source, pds_account = bluesky_source(net)
    tasks = plan_targets(source, did_targets(300, "crash"))
    # A worker chose keys, committed them with sent_at, sent the first 200... and died before it
    # could record the answer; the other 100 were committed as sent but never left the machine.
    port = ports_for(source)
    now = timezone.now()
    for task in tasks:
        task.record_key, task.sent_at = port.prepare("").key, now
        task.save(update_fields=["record_key", "sent_at"])
    port.follow([(t.record_key, t.target_id) for t in tasks[:200]], now)
    port.close()
    call_log.calls.clear()

    assert run_account(source.pk) == "idle"

    records = records_of(net, pds_account)
    assert len(records) == 300
    assert len({subject for _, subject in records}) == 300
    assert {rkey for rkey, _ in records} == {t.record_key for t in tasks}  # the keys chosen before the crash
    assert states(source) == {"done": 300}
    # Settled by reading back (a few pages of the key range), then one write for the 100 missing.
    assert len(call_log.paths("com.atproto.repo.applyWrites")) == 1


def test_rate_limited_pds_stops_at_the_budget_and_waits_for_the_advertised_reset(
    settings: object, private_hosts: None, atproto_network_rate_limited: AtprotoNetwork, call_log: CallLog
) -> None:
    net = atproto_network_rate_limited
    source, pds_account = bluesky_source(net)
    plan_targets(source, did_targets(2000, "rl"))

    outcome = run_account(source.pk)

    assert outcome == "budget"
    statuses = [status for _, _, status, _ in call_log.paths("com.atproto.repo.applyWrites")]
    assert statuses.count(429) <= 1
    done = states(source)["done"]
    assert done == 5000 // 3  # 1,666 creates: every point of the hour, and not one more
    records = records_of(net, pds_account)
    assert len(records) == done
    assert len({subject for _, subject in records}) == done
    # The next run is set for the reset the PDS advertised for the hourly points bucket.
    advertised = [
        int(headers["ratelimit-reset"])
        for _, _, _, headers in call_log.calls
        if headers.get("ratelimit-policy") == "5000;w=3600"
    ]
    drive = AccountDrive.objects.get(account=source)
    assert drive.next_run_at == datetime.fromtimestamp(advertised[-1], UTC)

    # Running again before then sends nothing.
    call_log.calls.clear()
    assert run_account(source.pk) == "budget"
    assert call_log.paths("com.atproto.repo.applyWrites") == []


def test_undo_deletes_only_the_records_envol_made(pds_entryway: AtprotoNetwork) -> None:
    net = pds_entryway
    source, pds_account = bluesky_source(net)
    targets = did_targets(250, "undo")
    port = ports_for(source)
    mine = port.prepare("").key
    port.follow([(mine, targets[0][0])], timezone.now())  # the person's own follow
    port.close()
    plan_targets(source, targets)
    assert run_account(source.pk) == "idle"
    assert states(source) == {"done": 249, "already_following": 1}

    assert request_undo(source) == 249
    assert run_account(source.pk) == "idle"

    assert states(source) == {"undone": 249, "already_following": 1}
    assert records_of(net, pds_account) == [(mine, targets[0][0])]


def test_chosen_again_after_an_undo_each_follow_is_made_again_once_with_a_new_key(
    pds_entryway: AtprotoNetwork,
) -> None:
    """Issue 18: undone had no way out, so a new choice followed nobody. Planned again, each task
    gets a new record key (the old record was deleted) and every subject is followed once."""
    net = pds_entryway
    source, pds_account = bluesky_source(net)
    targets = did_targets(30, "again")
    plan_targets(source, targets)
    assert run_account(source.pk) == "idle"
    old_keys = set(FollowTask.objects.filter(source=source).values_list("record_key", flat=True))
    request_undo(source)
    assert run_account(source.pk) == "idle"
    assert records_of(net, pds_account) == []

    assert renew_chosen(source, [did for did, _ in targets], timezone.now()) == 30
    assert states(source) == {"planned": 30}
    pick(source, list(FollowTask.objects.filter(source=source).values_list("pk", flat=True)))
    assert run_account(source.pk) == "idle"

    records = records_of(net, pds_account)
    assert sorted(subject for _, subject in records) == sorted(did for did, _ in targets)  # once each
    assert not {rkey for rkey, _ in records} & old_keys
    assert states(source) == {"done": 30}


def test_undo_settles_writes_of_unknown_outcome_first(pds_entryway: AtprotoNetwork) -> None:
    """Two writes were sent and their answers lost: the one that landed is undone, the one that did
    not is never sent (it goes back to planned)."""
    net = pds_entryway
    source, pds_account = bluesky_source(net)
    landed_task, lost_task = plan_targets(source, did_targets(2, "unknown"))
    port = ports_for(source)
    landed, lost = port.prepare("").key, port.prepare("").key
    port.follow([(landed, landed_task.target_id)], timezone.now())
    port.close()
    FollowTask.objects.filter(pk=landed_task.pk).update(record_key=landed, sent_at=timezone.now())
    FollowTask.objects.filter(pk=lost_task.pk).update(record_key=lost, sent_at=timezone.now())

    assert request_undo(source) == 0  # none is known to exist yet
    assert run_account(source.pk) == "idle"

    assert records_of(net, pds_account) == []
    assert FollowTask.objects.get(pk=landed_task.pk).state == TaskState.UNDONE
    lost_row = FollowTask.objects.get(pk=lost_task.pk)
    assert (lost_row.state, lost_row.undo_requested, lost_row.sent_at) == (TaskState.PLANNED, False, None)


def test_undo_asked_during_a_write_removes_what_that_write_created(
    pds_entryway: AtprotoNetwork, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The person asks to undo while a run is sending a batch: the run queued for the undo finds the
    lease taken and gives up, so the running one schedules the undo before it lets go."""
    net = pds_entryway
    source, pds_account = bluesky_source(net)
    plan_targets(source, did_targets(3, "race"))
    queued_run: list[str] = []

    def ports_with_an_undo_midway(account: Account) -> BlueskyFollowPort:
        port = ports_for(account)
        assert isinstance(port, BlueskyFollowPort)
        create = port.follow

        def create_then_undo(follows: Sequence[tuple[str, str]], created_at: datetime) -> list[FollowResult]:
            results = create(follows, created_at)
            if not queued_run:
                request_undo(account)
                queued_run.append(run_account(account.pk))
            return results

        port.follow = create_then_undo  # type: ignore[method-assign]
        return port

    monkeypatch.setattr("envol.reconnect.executor.ports_for", ports_with_an_undo_midway)

    assert run_account(source.pk) == "idle"

    assert queued_run == ["busy"]
    assert states(source) == {"done": 3}
    assert FollowTask.objects.filter(source=source, undo_requested=True).count() == 3
    assert AccountDrive.objects.get(account=source).next_run_at is not None  # not left unscheduled
    assert run_account(source.pk) == "idle"
    assert states(source) == {"undone": 3}
    assert records_of(net, pds_account) == []


def test_a_bluesky_list_of_the_found_community(
    pds_entryway: AtprotoNetwork, monkeypatch: pytest.MonkeyPatch
) -> None:
    net = pds_entryway
    source, pds_account = bluesky_source(net)
    community = [
        KnownAccount(0, Platform.BLUESKY, source.pk, did, handle, True, False)
        for did, handle in did_targets(230, "l")
    ]
    monkeypatch.setattr("envol.reconnect.exports.candidates_rows", lambda person_id: community)
    rkey = "3kbbbbbbbbbb2"
    assert make_bluesky_list.call(source.pk, "From X", "found by Envol", rkey) == "done"
    # Running it again (a retried task) completes the same list and adds nobody twice.
    assert make_bluesky_list.call(source.pk, "From X", "found by Envol", rkey) == "done"
    with httpx.Client(timeout=60) as http:
        xrpc = Xrpc(http, net.pds_url)
        members = [
            item.subject
            for item in iter_list_items(xrpc, list_uri(pds_account.did, rkey), repo=pds_account.did)
        ]
    assert sorted(members) == sorted(c.stable_id for c in community)
