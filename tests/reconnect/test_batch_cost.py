"""What one batch of follows costs the database does not grow with the follows in it or waiting: the
follow order (envol.reconnect.reputation.ordered) reads who follows the person through Envol once
per query, never once per ready task (a correlated subquery made each batch quadratic), and a run
issues the same queries for 20 follows as for 150 (docs/performance.md). The order itself is tested
in test_pacing_engine.py; speed is measured by bench/reconnect.py, not here."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from envol.core.ids import Platform
from envol.reconnect.executor import run_account
from envol.reconnect.models import FollowTask
from envol.reconnect.reputation import ordered
from envol.reconnect.states import TaskState
from envol.registry.models import Person
from fakes.follow_port import FakeFollowPort

from .conftest import account, plan_targets

pytestmark = pytest.mark.django_db
SUBPLAN = re.compile(r"(hashed )?SubPlan \d+")


def _plan(sql: str, params: tuple[object, ...]) -> list[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return [str(row[-1]) for row in cursor.fetchall()]
        cursor.execute(f"EXPLAIN {sql}", params)
        return [str(row[0]) for row in cursor.fetchall()]


def test_the_follow_order_reads_who_follows_back_once_per_batch() -> None:
    source = account(Person.objects.create(), Platform.BLUESKY, "did:plc:source")
    plan_targets(source, [(f"did:plc:t{i}", f"t{i}.test") for i in range(50)])
    ready = FollowTask.objects.filter(source=source, state=TaskState.READY)
    sql, params = ordered(ready, source.pk)[:200].query.sql_with_params()
    plan = _plan(sql, params)
    if connection.vendor == "sqlite":
        assert not [line for line in plan if "CORRELATED" in line], plan
        assert [line for line in plan if "LIST SUBQUERY" in line], plan
    else:
        # Where the plan uses a subquery ("SubPlan N" lines only define them): a hashed one is run
        # once per query; a plain one again for every row.
        used = [line for line in plan if not line.strip().startswith("SubPlan")]
        uses = [hashed for line in used for hashed in SUBPLAN.findall(line)]
        assert uses, "\n".join(plan)
        assert all(hashed for hashed in uses), "\n".join(plan)


def _queries_to_follow(count: int, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    port = FakeFollowPort(locked={"did:plc:t1", "did:plc:t3"})  # two answer with a follow request
    monkeypatch.setattr("envol.reconnect.executor.ports_for", lambda account: port)
    source = account(Person.objects.create(), Platform.BLUESKY, f"did:plc:source{count}")
    plan_targets(source, [(f"did:plc:t{i}", f"t{i}.test") for i in range(count)])
    with CaptureQueriesContext(connection) as queries:
        run_account(source.pk)
    assert len(port.followed_targets()) + len(port.requested) == count
    return [query["sql"].split(" WHERE ")[0] for query in queries.captured_queries]


def test_a_batch_costs_the_same_queries_for_20_follows_as_for_150(monkeypatch: pytest.MonkeyPatch) -> None:
    few = _queries_to_follow(20, monkeypatch)
    many = _queries_to_follow(150, monkeypatch)
    assert len(few) == len(many), "\n".join(many)
