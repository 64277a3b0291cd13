"""Big imports in partitions of their own (PostgreSQL): loaded, attached, replaced, erased, dropped.

The threshold is lowered so that small archives count as big. On SQLite, which has no partitions,
the same calls must store the same rows in the one table and find no partition to drop.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import psycopg
import pytest
from django.db import connection

from envol.archive.models import ArchiveImport
from envol.archive.service import ingest
from envol.archive.synthetic import write_synthetic_archive
from envol.core.pseudonym import pseudonymizer
from envol.core.worker import tick
from envol.graph import bulk, partitions
from envol.graph.models import Direction, Edge
from envol.privacy.erase import erase_person
from envol.registry.models import Person

pytestmark = pytest.mark.django_db(transaction=True)

POSTGRES = "postgresql"
OWNER = 4_000_000_001


@pytest.fixture(autouse=True)
def low_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVOL_EDGE_PARTITION_MIN_EDGES", "20")
    partitions.drop_orphans()  # an earlier test's partitions outlive the flush of its rows


def _archive(
    tmp_path: Path, followers: int, following: int, seed: int = 1
) -> tuple[Path, list[int], list[int]]:
    rng = np.random.default_rng(seed)
    ids = [int(i) for i in rng.choice(10**12, size=followers + following, replace=False) + 10]
    archive = write_synthetic_archive(tmp_path / f"a{seed}.zip", owner_id=OWNER, handle="big_outlet",
                                      followers=ids[:followers], following=ids[followers:])  # fmt: skip
    return archive.path, ids[:followers], ids[followers:]


def _keys(ids: list[int]) -> set[int]:
    return {int(k) for k in pseudonymizer().keys(np.array(ids, dtype=np.uint64))}


def _stored(import_id: int, direction: Direction) -> set[int]:
    rows = Edge.objects.filter(archive_import_id=import_id, direction=direction)
    return set(rows.values_list("x_key", flat=True))


def _attached() -> dict[str, str]:
    """Each partition of the edge table, with the parent index its own x_key index is attached to."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.relname, coalesce(pi.relname, '') FROM pg_inherits i "
            "JOIN pg_class t ON t.oid = i.inhrelid "
            "LEFT JOIN pg_index x ON x.indrelid = t.oid "
            "LEFT JOIN pg_inherits ii ON ii.inhrelid = x.indexrelid "
            "LEFT JOIN pg_class pi ON pi.oid = ii.inhparent "
            "WHERE i.inhparent = 'graph_edge'::regclass AND pi.relname IS NOT NULL"
        )
        return dict(cursor.fetchall())


def test_a_big_import_has_a_partition_of_its_own_and_a_small_one_shares(tmp_path: Path) -> None:
    path, followers, following = _archive(tmp_path, 30, 7)
    big = ingest(path)
    assert _stored(big.import_id, Direction.FOLLOWER) == _keys(followers)
    assert _stored(big.import_id, Direction.FOLLOWING) == _keys(following)
    small = ingest(_archive(tmp_path, 5, 3, seed=2)[0], person=Person.objects.create(findable_by="everyone"))
    assert Edge.objects.filter(archive_import_id=small.import_id).count() == 8
    if connection.vendor != POSTGRES:
        assert big.import_id < partitions.PARTITION_BASE
        assert partitions.orphans() == []
        return
    assert big.import_id >= partitions.PARTITION_BASE > small.import_id
    # Both partitions' indexes are attached to the parent's, so lookups by x_key use them.
    assert _attached() == {
        partitions.SHARED: "edge_x_key",
        partitions.partition_name(big.import_id): "edge_x_key",
    }
    with connection.cursor() as cursor:
        for table, rows in ((partitions.partition_name(big.import_id), 37), (partitions.SHARED, 8)):
            cursor.execute(f"SELECT count(*) FROM ONLY {table}")  # noqa: S608 (our own table names)
            assert cursor.fetchone() == (rows,)
        # The big import's index is built with full leaves (written once); the shared one, which
        # takes every small import's rows later, keeps the default room.
        cursor.execute(
            "SELECT t.relname, x.reloptions FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
            "JOIN pg_class x ON x.oid = i.indexrelid WHERE t.relname = ANY(%s)",
            [[partitions.partition_name(big.import_id), partitions.SHARED]],
        )
        assert dict(cursor.fetchall()) == {
            partitions.partition_name(big.import_id): ["fillfactor=100"],
            partitions.SHARED: None,
        }


def test_replacing_and_erasing_remove_rows_at_once_and_the_partition_soon(tmp_path: Path) -> None:
    first = ingest(_archive(tmp_path, 30, 7)[0])
    second = ingest(_archive(tmp_path, 25, 4, seed=3)[0])
    assert second.person_id == first.person_id
    assert second.import_id != first.import_id
    assert not Edge.objects.filter(archive_import_id=first.import_id).exists()
    assert Edge.objects.filter(archive_import_id=second.import_id).count() == 29
    if connection.vendor == POSTGRES:
        assert partitions.orphans() == [partitions.partition_name(first.import_id)]
        tick("test")  # what a worker does after each heartbeat
    assert partitions.orphans() == []
    assert Edge.objects.filter(archive_import_id=second.import_id).count() == 29

    erase_person(second.person_id)
    assert not Edge.objects.exists()
    if connection.vendor == POSTGRES:
        assert partitions.orphans() == [partitions.partition_name(second.import_id)]
        assert partitions.drop_orphans() == 1
    assert partitions.orphans() == []
    if connection.vendor == POSTGRES:
        assert set(_attached()) == {partitions.SHARED}


def test_a_big_import_that_fails_while_storing_leaves_no_table_and_no_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The rows are written, then the last step fails: attaching the partition (PostgreSQL) or the
    # last insert (SQLite).
    def broken(*args: object) -> None:
        raise RuntimeError("the disk filled up")

    if connection.vendor == POSTGRES:
        monkeypatch.setattr(partitions, "attach_partition", broken)
    else:
        write = bulk._sqlite_insert

        def write_then_fail(import_id: int, direction: int, keys: object) -> None:
            write(import_id, direction, keys)  # type: ignore[arg-type]
            if direction == Direction.FOLLOWING:
                broken()

        monkeypatch.setattr(bulk, "_sqlite_insert", write_then_fail)
    with pytest.raises(RuntimeError, match="disk"):
        ingest(_archive(tmp_path, 30, 7)[0])
    assert not ArchiveImport.objects.exists()
    assert not Edge.objects.exists()
    if connection.vendor == POSTGRES:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'graph_edge_i%'")
            assert cursor.fetchone() == (0,)


def test_a_busy_edge_table_defers_the_drop_instead_of_waiting(tmp_path: Path) -> None:
    gone = ingest(_archive(tmp_path, 30, 7)[0])
    ArchiveImport.objects.filter(pk=gone.import_id).delete()
    if connection.vendor != POSTGRES:
        assert partitions.orphans() == []
        assert not Edge.objects.exists()
        return
    reading, release = threading.Event(), threading.Event()
    params = connection.get_connection_params()

    def long_reader() -> None:  # a matching refresh reading the graph in its own transaction
        with psycopg.connect(**params) as other:
            other.execute("SELECT count(*) FROM graph_edge")
            reading.set()
            release.wait(30)

    reader = threading.Thread(target=long_reader)
    reader.start()
    try:
        assert reading.wait(30)
        started = time.monotonic()
        assert partitions.drop_orphans() == 0
        assert time.monotonic() - started < 5  # gave up after its lock timeout, did not queue
        assert partitions.orphans() == [partitions.partition_name(gone.import_id)]
    finally:
        release.set()
        reader.join(30)
    assert partitions.drop_orphans() == 1
    assert partitions.orphans() == []


def test_the_whole_tables_statistics_follow_its_partitions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(partitions, "_analysed_with", None)
    big = ingest(_archive(tmp_path, 30, 7)[0])
    if connection.vendor != POSTGRES:
        assert not partitions.analyse_if_changed()  # one table, which SQLite's ANALYZE covers
        return

    def inherited_statistics() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_statistic WHERE starelid = 'graph_edge'::regclass AND stainherit"
            )
            return int(cursor.fetchone()[0])

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE graph_edge")
    assert not partitions.analyse_if_changed()  # a worker starting trusts statistics that exist
    assert inherited_statistics() == 3  # one row per column
    monkeypatch.setattr(partitions, "_analysed_with", None)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM pg_statistic WHERE starelid = 'graph_edge'::regclass")
    assert partitions.analyse_if_changed()
    assert inherited_statistics() == 3  # one row per column
    assert not partitions.analyse_if_changed()  # nothing changed since
    ArchiveImport.objects.filter(pk=big.import_id).delete()
    assert partitions.drop_orphans() == 1
    assert partitions.analyse_if_changed()
