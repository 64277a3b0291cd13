"""Materialised candidates: the table equals the per-person query, refreshes are idempotent, and the
incremental refresh around a few persons gives what a full recomputation gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from envol.core.ids import Platform
from envol.matching.candidates import candidates_for
from envol.matching.materialise import refresh_around, refresh_everyone
from envol.matching.models import Candidate, Kind
from envol.matching.signals import candidates_changed
from envol.registry.models import Account, Person
from matching.world import V, account, person, random_world, upload

pytestmark = pytest.mark.django_db

Row = tuple[int, str, str, str, int | None, int | None, bool, bool]


def table() -> set[Row]:
    return {
        (
            c.person_id,
            c.network,
            c.address,
            c.kind,
            c.target_person_id,
            c.target_account_id,
            c.followee,
            c.follower,
        )
        for c in Candidate.objects.all()
    }


def from_query() -> set[Row]:
    rows: set[Row] = set()
    for pid in Person.objects.values_list("pk", flat=True):
        for c in candidates_for(pid):
            rows.add(
                (
                    pid,
                    c.network.value,
                    c.stable_id,
                    Kind.VERIFIED.value,
                    c.target_person_id,
                    c.account_id,
                    c.followee,
                    c.follower,
                )
            )
    return rows


@pytest.mark.parametrize(
    ("seed", "own_partitions"), [(seed, False) for seed in range(1, 7)] + [(seed, True) for seed in (1, 2)]
)
def test_full_refresh_equals_the_query_and_is_idempotent(
    tmp_path: Path, seed: int, own_partitions: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if own_partitions:  # on PostgreSQL, every import in a partition of its own (graph.partitions)
        monkeypatch.setenv("ENVOL_EDGE_PARTITION_MIN_EDGES", "1")
    random_world(tmp_path, seed)
    first = refresh_everyone(notify=False)
    assert table() == from_query()
    assert first.upserted == len(table()) > 0
    again = refresh_everyone(notify=False)
    assert (again.upserted, again.deleted, again.changed_persons) == (0, 0, frozenset())


@pytest.mark.parametrize("seed", range(1, 7))
def test_incremental_refresh_equals_a_full_one(tmp_path: Path, seed: int) -> None:
    random_world(tmp_path, seed, size=14)
    refresh_everyone(notify=False)
    # A newcomer: X id 15 (listed by some archives of the world), with Bluesky and an archive of her own.
    newcomer = person(15, bsky=V)
    upload(tmp_path, 15, followers=[1, 2, 3, 16], following=[4, 5])
    # Someone else links a Mastodon account.
    other = Account.objects.filter(platform=Platform.X, verification=V).exclude(person=newcomer).first()
    assert other is not None
    account(other.person, Platform.MASTODON, "https://m.test/users/late", V)
    with CaptureQueriesContext(connection) as queries:
        result = refresh_around({newcomer.pk, other.person_id}, notify=False)
    incremental = table()
    # savepoint, settings (2), people (drop, fill, analyze, drop), the allowance, staging (drop, fill,
    # suggestions, analyze), diff (drop, fill, analyze), its writes (3) and summary, drops (2), resets
    # (2), release: constant, whatever the row count
    assert len(queries) <= 24
    refresh_everyone(notify=False)
    assert incremental == table() == from_query()
    touched = {row[0] for row in incremental if {row[4], row[0]} & {newcomer.pk, other.person_id}}
    assert touched <= result.changed_persons | {newcomer.pk, other.person_id}


def test_existing_rows_keep_their_history(tmp_path: Path) -> None:
    alice = person(1)
    bob = person(2, bsky=V)
    upload(tmp_path, 1, followers=[], following=[2])
    refresh_everyone(notify=False)
    row = Candidate.objects.get(person=alice)
    assert (row.kind, row.target_person_id, row.followee, row.follower) == (
        Kind.VERIFIED,
        bob.pk,
        True,
        False,
    )
    dismissed = timezone.now()
    Candidate.objects.filter(pk=row.pk).update(dismissed_at=dismissed)
    upload(tmp_path, 1, followers=[2], following=[2])  # a new import replaces the old one: now mutual
    refresh_around({alice.pk}, notify=False)
    again = Candidate.objects.get(person=alice)
    assert (again.pk, again.first_seen_at, again.dismissed_at) == (row.pk, row.first_seen_at, dismissed)
    assert again.mutual
    Account.objects.filter(person=bob, platform=Platform.BLUESKY).delete()
    result = refresh_around({bob.pk}, notify=False)
    assert not Candidate.objects.exists()
    assert result.changed_persons == {alice.pk}


def test_candidates_changed_is_sent_after_commit(
    tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    alice = person(1)
    person(2, bsky=V, masto=V)
    upload(tmp_path, 1, followers=[], following=[2])
    received: list[frozenset[int]] = []

    def receiver(sender: Any, person_ids: frozenset[int], **kwargs: Any) -> None:
        received.append(person_ids)

    candidates_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            refresh_everyone()
            assert received == []  # not before the commit
        with django_capture_on_commit_callbacks(execute=True):
            refresh_everyone()  # nothing changed: nothing sent
    finally:
        candidates_changed.disconnect(receiver)
    assert received == [frozenset({alice.pk})]
