"""Planning from real candidates: nothing before a choice, set-based and idempotent inserts,
directions, manual picks, the operator's start date. (Claims on drives: test_claims.py.)"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from envol.archive.service import ingest
from envol.archive.synthetic import write_synthetic_archive
from envol.core.ids import Platform
from envol.core.pseudonym import pseudonymizer
from envol.matching.materialise import refresh_around, refresh_everyone
from envol.matching.models import Candidate as MatchedCandidate
from envol.reconnect.executor import run_account
from envol.reconnect.hooks import plan_persons
from envol.reconnect.models import AccountDrive, FollowTask
from envol.reconnect.plan import insert_missing, pick, plan_for_persons
from envol.reconnect.schedule_date import automatic_start
from envol.reconnect.service import choose, request_undo
from envol.registry.models import Account, Person
from fakes.follow_port import FakeFollowPort

from .conftest import account, states


def _person(x_id: int) -> Person:
    person = Person.objects.create(findable_by="everyone")
    account(person, Platform.X, str(x_id), f"x{x_id}", x_key=pseudonymizer().key(x_id))
    account(person, Platform.BLUESKY, f"did:plc:p{x_id}", f"p{x_id}.test")
    account(person, Platform.MASTODON, f"https://m.test/users/p{x_id}", f"p{x_id}@m.test")
    return person


@pytest.fixture
def world(tmp_path: Path) -> tuple[Person, list[Person]]:
    """Alice (X id 1) follows 2..6 on X and is followed by 5..9; all of them linked everything."""
    alice = _person(1)
    others = [_person(i) for i in range(2, 10)]
    archive = write_synthetic_archive(tmp_path / "a.zip", owner_id=1, handle="x1",
                                      followers=[5, 6, 7, 8, 9], following=[2, 3, 4, 5, 6])  # fmt: skip
    ingest(archive.path)
    refresh_everyone(notify=False)  # what matching's background refresh does after an import
    return alice, others


def _bluesky(person: Person) -> Account:
    return person.accounts.get(platform=Platform.BLUESKY)


@pytest.mark.django_db
def test_nothing_happens_until_the_person_chooses(world: tuple[Person, list[Person]]) -> None:
    alice, _ = world
    assert plan_for_persons([alice.pk]) == 0
    assert FollowTask.objects.count() == 0


@pytest.mark.django_db
def test_new_people_found_by_matching_are_planned_for_automatic_choices(
    world: tuple[Person, list[Person]],
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Continuous: a refresh that finds people sends candidates_changed, the engine enqueues one
    planning task, and that task plans the follows of a person who chose automatic reconnection."""
    monkeypatch.setenv("ENVOL_RECONNECT_FROM", "2026-01-01")
    alice, others = world
    source = _bluesky(alice)
    choose(source, "followees", "auto")
    FollowTask.objects.all().delete()
    MatchedCandidate.objects.all().delete()  # as if nobody had been found yet

    with django_capture_on_commit_callbacks(execute=True):
        refresh_around([others[0].pk])  # person 2 joins: everyone who knew them is refreshed

    queued = DBTaskResult.objects.filter(task_path="envol.reconnect.hooks.plan_persons")
    assert queued.count() == 1
    (person_ids,) = queued.get().args_kwargs["args"]
    assert alice.pk in person_ids
    assert plan_persons.call(person_ids) == 1  # only the newcomer: nobody else was refreshed
    assert states(source) == {"ready": 1}
    assert FollowTask.objects.get(source=source).target_handle == "p2.test"


@pytest.mark.django_db
def test_directions_and_idempotent_planning(
    world: tuple[Person, list[Person]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENVOL_RECONNECT_FROM", "2026-01-01")
    alice, _ = world
    source = _bluesky(alice)
    choose(source, "followees", "auto")
    assert states(source) == {"ready": 5}  # 2..6
    assert {t.target_handle for t in FollowTask.objects.filter(source=source)} == {
        f"p{i}.test" for i in range(2, 7)
    }
    choose(source, "both", "auto")
    assert states(source) == {"ready": 8}  # 2..9
    # Planning again inserts nothing and costs one INSERT, whatever the number of candidates.
    with CaptureQueriesContext(connection) as queries:
        assert plan_for_persons([alice.pk]) == 0
    assert sum("INSERT" in q["sql"] for q in queries.captured_queries if "follow" in q["sql"].lower()) == 1
    choose(source, "followers", "auto")
    assert states(source) == {"ready": 5, "skipped": 3}  # 2, 3, 4 are withdrawn, not deleted
    assert set(FollowTask.objects.filter(state="skipped").values_list("reason", flat=True)) == {"not_chosen"}
    choose(source, "none", "auto")
    assert states(source) == {"skipped": 8}
    choose(source, "both", "auto")
    assert states(source) == {"ready": 8}
    assert AccountDrive.objects.get(account=source).next_run_at is not None  # a run is scheduled


@pytest.mark.django_db
def test_automatic_tasks_wait_for_the_start_date_and_manual_ones_for_a_pick(
    world: tuple[Person, list[Person]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENVOL_RECONNECT_FROM", "2099-01-20")
    assert automatic_start() == datetime(2099, 1, 20, tzinfo=UTC)
    alice, _ = world
    source = _bluesky(alice)
    mastodon = alice.accounts.get(platform=Platform.MASTODON)
    choose(source, "both", "auto")
    assert states(source) == {"planned": 8}
    choose(mastodon, "followees", "manual")
    assert states(mastodon) == {"planned": 5}
    picked = list(FollowTask.objects.filter(source=mastodon).values_list("pk", flat=True)[:2])
    assert pick(mastodon, picked) == 2
    assert states(mastodon) == {"planned": 3, "ready": 2}  # by hand: no need to wait for the date
    monkeypatch.setenv("ENVOL_RECONNECT_FROM", "2026-01-01")
    plan_for_persons([alice.pk])
    assert states(source) == {"ready": 8}
    assert states(mastodon) == {"planned": 3, "ready": 2}


@pytest.mark.django_db
def test_insert_is_one_statement_for_thousands(world: tuple[Person, list[Person]]) -> None:
    from envol.matching.candidates import KnownAccount

    alice, _ = world
    source = _bluesky(alice)
    rows = [
        KnownAccount(0, Platform.BLUESKY, source.pk, f"did:plc:n{i}", f"n{i}", True, False)
        for i in range(5000)
    ]
    with CaptureQueriesContext(connection) as queries:
        assert insert_missing(source, rows, datetime.now(UTC)) == 5000
    assert len(queries.captured_queries) == 1
    assert insert_missing(source, rows, datetime.now(UTC)) == 0


@pytest.mark.django_db
def test_choosing_again_after_an_undo_follows_again_on_both_networks(
    world: tuple[Person, list[Person]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 18: after an undo, a new choice said "Saved" and followed nobody (undone had no way
    out). Each network's follows are made again, with new record keys, each target once."""
    monkeypatch.setenv("ENVOL_RECONNECT_FROM", "2026-01-01")
    ports: dict[int, FakeFollowPort] = {}
    monkeypatch.setattr(
        "envol.reconnect.executor.ports_for", lambda a: ports.setdefault(a.pk, FakeFollowPort())
    )
    alice, _ = world
    sources = [_bluesky(alice), alice.accounts.get(platform=Platform.MASTODON)]
    for source in sources:
        choose(source, "followees", "auto")
        run_account(source.pk)
        assert states(source) == {"done": 5}
    first_keys = set(FollowTask.objects.values_list("record_key", flat=True))
    for source in sources:
        request_undo(source)
        run_account(source.pk)
        assert states(source) == {"undone": 5}
        assert ports[source.pk].follows == {}

    for source in sources:
        choose(source, "followees", "auto")
        assert states(source) == {"ready": 5}
        run_account(source.pk)
        assert states(source) == {"done": 5}
        assert len(ports[source.pk].follows) == 5  # each target once
        assert sorted(ports[source.pk].follows.values()) == sorted(
            FollowTask.objects.filter(source=source).values_list("target_id", flat=True)
        )
    assert not first_keys & set(FollowTask.objects.values_list("record_key", flat=True))
