"""A newsroom's scale: more targets than SQLite binds variables for in one statement.

SQLite's default build refuses more than 32,766 variables per statement (this machine's build allows
more, so the test lowers the connection's limit to that default). Planning, withdrawing and
restoring 40,000 targets must pass on both engines; on PostgreSQL the same lists must not be
planned as a nested loop (envol.core.listparam), which made this test take minutes.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection

from envol.core.ids import Platform
from envol.matching.candidates import KnownAccount
from envol.matching.models import Candidate as MatchedCandidate
from envol.matching.models import Kind
from envol.reconnect import transitions
from envol.reconnect.models import Directions, FollowTask, Mode, ReconnectChoice
from envol.reconnect.plan import insert_missing
from envol.reconnect.promote import promote_due
from envol.reconnect.service import choose
from envol.reconnect.states import TaskState
from envol.registry.models import Account, Person

from .conftest import account, states

#: Above SQLite's default variable limit (32,766).
MANY = 40_000


def many_candidates(person: Person, stand_in: Account, count: int) -> None:
    """`count` verified Bluesky candidates of `person`, written by one INSERT … SELECT. Every fourth
    target also followed the person on X. All rows name one target Account (the engine keys targets
    by stable id: a shortcut that changes nothing for planning)."""
    table = connection.ops.quote_name(MatchedCandidate._meta.db_table)
    sql = f"""
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %s)
        INSERT INTO {table} (person_id, network, address, kind, target_person_id, target_account_id,
                             handle, followee, follower, unavailable, moved_to, first_seen_at)
        SELECT %s, %s, 'did:plc:many' || i, %s, %s, %s, 'many' || i || '.test', TRUE, i %% 4 = 0, '', '', %s
        FROM n
    """  # noqa: S608 (quoted table name only)
    params = [count, person.pk, Platform.BLUESKY.value, Kind.VERIFIED.value, stand_in.person_id, stand_in.pk]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, datetime.now(UTC)])


@pytest.mark.django_db
def test_planning_withdrawing_and_restoring_more_targets_than_a_statement_binds(
    monkeypatch: pytest.MonkeyPatch, sqlite_default_limit: int
) -> None:
    assert sqlite_default_limit <= MANY
    monkeypatch.setenv("ENVOL_RECONNECT_FROM", "2026-01-01")
    newsroom = Person.objects.create()
    source = account(newsroom, Platform.BLUESKY, "did:plc:newsroom", "newsroom.test")
    stand_in = account(Person.objects.create(), Platform.BLUESKY, "did:plc:someone", "someone.test")
    many_candidates(newsroom, stand_in, MANY)
    assert MatchedCandidate.objects.filter(person=newsroom).count() == MANY

    choose(source, "followees", "auto")
    assert states(source) == {"ready": MANY}
    choose(source, "followers", "auto")  # withdraws the 30,000 targets that did not follow them
    assert states(source) == {"ready": MANY // 4, "skipped": MANY - MANY // 4}
    choose(source, "both", "auto")  # restores them
    assert states(source) == {"ready": MANY}
    assert FollowTask.objects.filter(source=source, target_id=f"did:plc:many{MANY}").exists()


@pytest.mark.django_db
def test_promoting_and_settling_more_tasks_than_a_statement_binds(
    monkeypatch: pytest.MonkeyPatch, sqlite_default_limit: int
) -> None:
    """Promotion after a refresh of everyone (an account id per person), and a read of an account's
    follows that finds it already follows every target (a task id each)."""
    monkeypatch.setenv("ENVOL_RECONNECT_FROM", "2026-01-01")
    source = account(Person.objects.create(), Platform.BLUESKY, "did:plc:newsroom", "newsroom.test")
    ReconnectChoice.objects.create(account=source, directions=Directions.BOTH, mode=Mode.AUTOMATIC)
    rows = [
        KnownAccount(0, Platform.BLUESKY, source.pk, f"did:plc:n{i}", f"n{i}", True, False)
        for i in range(MANY)
    ]
    assert insert_missing(source, rows, datetime.now(UTC)) == MANY
    refreshed = [source.pk, *range(source.pk + 1, source.pk + 1 + sqlite_default_limit)]

    assert promote_due(refreshed) == MANY
    assert states(source) == {"ready": MANY}
    ids = list(FollowTask.objects.filter(source=source).values_list("pk", flat=True))
    assert transitions.move_ids(ids, TaskState.READY, TaskState.ALREADY_FOLLOWING) == MANY
    assert states(source) == {"already_following": MANY}
