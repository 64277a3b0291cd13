"""Blocks carried over to Bluesky (decision 0026) against the real local PDS, through the
production port: each block record is created once, with the key committed before the write,
even when a run retries after a crash between the commit and the answer; the person's own block
is left alone; undo deletes Envol's records only."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import httpx
import pytest

from envol.platforms.blocks import BlockAction
from envol.platforms.bluesky.blocks import BLOCK
from envol.platforms.bluesky.writes import iter_records
from envol.platforms.bluesky.xrpc import Xrpc
from envol.reconnect.block_plan import choose
from envol.reconnect.connect import ports_for
from envol.reconnect.executor import run_account
from envol.reconnect.models import BlockTask
from envol.registry.models import Account
from support.atproto_net import AtprotoNetwork, TestAccount

from .conftest import CallLog, bluesky_source, did_targets

pytestmark = pytest.mark.django_db(transaction=True)


def blocks_of(net: AtprotoNetwork, pds_account: TestAccount) -> list[tuple[str, str]]:
    """(rkey, subject) of every block record in the repository (listRecords is public)."""
    with httpx.Client(timeout=60) as http:
        records = iter_records(Xrpc(http, net.pds_url), BLOCK, repo=pds_account.did)
        return [(r.rkey, str(r.value["subject"])) for r in records]


def plan(source: Account, targets: list[tuple[str, str]]) -> list[BlockTask]:
    now = datetime.now(UTC)
    BlockTask.objects.bulk_create(
        BlockTask(source=source, network="bluesky", target_id=did, target_handle=handle, action="block",
                  state="ready", created_at=now, updated_at=now)
        for did, handle in targets
    )  # fmt: skip
    return list(BlockTask.objects.filter(source=source).order_by("pk"))


def test_each_block_once_across_a_crash_and_undo_deletes_only_envols(
    pds_entryway: AtprotoNetwork, call_log: CallLog
) -> None:
    net = pds_entryway
    source, pds_account = bluesky_source(net)
    targets = did_targets(30, "blk")
    port = ports_for(source)
    # The person blocked one of them before Envol, by a record Envol did not make.
    own_key = port.prepare("").key
    port.block(BlockAction.BLOCK, [(own_key, targets[3][0])], datetime.now(UTC))
    tasks = plan(source, targets)
    # A worker committed every key with sent_at, sent the first 20... and died before recording.
    now = datetime.now(UTC)
    for t in tasks:
        if t.target_id != targets[3][0]:
            t.record_key, t.sent_at = port.prepare("").key, now
            t.save(update_fields=["record_key", "sent_at"])
    first = [(t.record_key, t.target_id) for t in tasks[:20] if t.record_key]
    port.block(BlockAction.BLOCK, first, now)
    port.close()
    committed = {t.target_id: t.record_key for t in tasks if t.record_key}

    assert run_account(source.pk) == "idle"

    records = blocks_of(net, pds_account)
    subjects = Counter(subject for _, subject in records)
    assert set(subjects) == {did for did, _ in targets}
    assert max(subjects.values()) == 1  # every target blocked exactly once
    assert {subject: rkey for rkey, subject in records if subject in committed} == committed
    states = Counter(BlockTask.objects.filter(source=source).values_list("state", flat=True))
    assert states == {"done": 29, "already": 1}
    # The 19 written before the crash were settled by reading, the 10 others sent in one write.
    assert len(call_log.paths("com.atproto.repo.applyWrites")) == 1 + 2  # own block, crash batch, rest

    choose(source.person, False)  # the person turns the opt-in off: Envol undoes its blocks
    assert run_account(source.pk) == "idle"

    assert blocks_of(net, pds_account) == [(own_key, targets[3][0])]  # the person's own stays
    states = Counter(BlockTask.objects.filter(source=source).values_list("state", flat=True))
    assert states == {"undone": 29, "already": 1}
