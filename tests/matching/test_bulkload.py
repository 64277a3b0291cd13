"""Everyone's candidates into an empty table: the same rows as the diff path, the same indexes
afterwards, and no lock or rebuild once the table has rows."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from envol.core.ids import Platform
from envol.matching import bulkload, suggestions
from envol.matching.materialise import refresh_everyone
from envol.matching.models import BridgeLookup, Candidate, Kind, Suggestion, TargetProfile, Unavailable
from envol.registry.models import Account, Person
from matching.world import V, person, random_world, upload

pytestmark = pytest.mark.django_db
TABLE = Candidate._meta.db_table
CONTENT = ("person_id", "network", "address", "kind", "target_person_id", "target_account_id", "handle",
           "followee", "follower", "unavailable", "moved_to", "unavailable_since")  # fmt: skip


def rows() -> set[tuple[Any, ...]]:
    return set(Candidate.objects.values_list(*CONTENT))


def indexes() -> set[tuple[Any, ...]]:
    """The table's indexes and constraints as the database describes them."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [TABLE])
            found = set(cursor.fetchall())
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass",
                [TABLE],
            )
            return found | set(cursor.fetchall())
        cursor.execute("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = %s", [TABLE])
        return set(cursor.fetchall())


def a_world(tmp_path: Path) -> None:
    """A random world, and Ann (X id 20), whose list has what only some rows have: a moved target
    (21), a bridged copy (22, Bluesky only), and a suggestion for someone who never joined (24)."""
    random_world(tmp_path, seed=3, size=16)
    person(20)
    moved = person(21, bsky=V, masto=V)
    bridged = person(22, bsky=V)
    person(23, masto=V)
    upload(tmp_path, 20, followers=[21], following=[21, 22, 23, 24])
    now = timezone.now()
    moved_address = Account.objects.get(person=moved, platform=Platform.MASTODON).stable_id
    TargetProfile.objects.create(network=Platform.MASTODON, address=moved_address, state=Unavailable.MOVED,
                                 moved_to="new@m.test", state_since=now)  # fmt: skip
    did = Account.objects.get(person=bridged, platform=Platform.BLUESKY)
    BridgeLookup.objects.create(network=Platform.BLUESKY, stable_id=did.stable_id,
                                bridged_address=f"{did.handle}@bsky.brid.test", found=True, checked_at=now,
                                expires_at=now + timedelta(days=7))  # fmt: skip
    suggestions.store(24, [("mastodon", "someone@elsewhere.test")], Suggestion.Source.OPERATOR)


def test_from_empty_gives_the_rows_the_diff_gives(tmp_path: Path) -> None:
    a_world(tmp_path)
    Candidate.objects.all().delete()
    bulk = refresh_everyone(notify=False)
    loaded = rows()
    assert {row[3] for row in loaded} == {Kind.VERIFIED, Kind.BRIDGED, Kind.SUGGESTION}
    assert any(row[9] == Unavailable.MOVED for row in loaded)
    assert (bulk.upserted, bulk.deleted) == (len(loaded), 0)
    assert bulk.changed_persons == {row[0] for row in loaded}
    # The same world through the diff path: the table holds one stray row, so it is not empty.
    Candidate.objects.all().delete()
    stray = Candidate.objects.create(person=Person.objects.create(findable_by="everyone"), network="bluesky",
                                     address="did:plc:gone", kind=Kind.VERIFIED,
                                     first_seen_at=timezone.now())  # fmt: skip
    diffed = refresh_everyone(notify=False)
    assert rows() == loaded
    assert (diffed.upserted, diffed.deleted) == (len(loaded), 1)
    assert not Candidate.objects.filter(pk=stray.pk).exists()


def test_the_indexes_come_back_as_the_migrations_made_them(tmp_path: Path) -> None:
    before = indexes()
    assert any("candidate_unique" in str(part) for part in before)
    random_world(tmp_path, seed=1)
    refresh_everyone(notify=False)
    assert indexes() == before
    first = Candidate.objects.first()
    assert first is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        Candidate.objects.create(person_id=first.person_id, network=first.network, address=first.address,
                                 kind=Kind.VERIFIED, first_seen_at=timezone.now())  # fmt: skip


def failing_load() -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        assert bulkload.claim_empty(cursor, TABLE)
        with bulkload.indexes_built_after(cursor, TABLE):
            assert not any("candidate_target" in str(part) for part in indexes())  # dropped for the load
            raise RuntimeError("the insert failed")


def test_a_failed_load_leaves_the_indexes_in_place() -> None:
    before = indexes()
    with pytest.raises(RuntimeError):
        failing_load()
    assert indexes() == before


def held_locks() -> set[str]:
    """PostgreSQL: this session's locks on the table. SQLite locks the whole database instead, and
    its refresh holds the write lock from its first statement (an IMMEDIATE transaction)."""
    if connection.vendor != "postgresql":
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT mode FROM pg_locks WHERE pid = pg_backend_pid() AND relation = %s::regclass", [TABLE]
        )
        return {mode for (mode,) in cursor.fetchall()}


@pytest.mark.django_db(transaction=True)  # locks last until the outermost commit
def test_only_an_empty_table_is_claimed_and_locked() -> None:
    postgres = connection.vendor == "postgresql"
    with transaction.atomic(), connection.cursor() as cursor:
        assert bulkload.claim_empty(cursor, TABLE)
        assert ("AccessExclusiveLock" in held_locks()) == postgres  # readers wait for the commit
    Candidate.objects.create(person=person(None), network="bluesky", address="did:plc:a", kind=Kind.VERIFIED,
                             first_seen_at=timezone.now())  # fmt: skip
    with transaction.atomic(), connection.cursor() as cursor:
        assert not bulkload.claim_empty(cursor, TABLE)
        assert held_locks() <= {"AccessShareLock"}  # the periodic repair never blocks readers
