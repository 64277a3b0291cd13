"""Planning blocks and mutes (decision 0026): only with the person's opt-in; only targets whose
own choice lets the person learn their accounts; uncorroborated ones spend the person's lifetime
allowance; Bluesky gets blocks only, Mastodon blocks and mutes; turning the opt-in off withdraws
what was not sent and undoes what Envol did, never the person's own blocks."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from envol.archive.service import ingest
from envol.archive.synthetic import write_synthetic_archive
from envol.core.ids import Platform
from envol.core.pseudonym import pseudonymizer
from envol.matching.models import Disclosure
from envol.reconnect.block_plan import choose, plan_blocks, plan_everyones_blocks
from envol.reconnect.models import BlockTask, FollowTask
from envol.reconnect.states import TaskState
from envol.registry.models import Findable, Person

from .conftest import account

pytestmark = pytest.mark.django_db


def _person(x_id: int, findable: str = "everyone") -> Person:
    person = Person.objects.create(findable_by=findable)
    account(person, Platform.X, str(x_id), f"x{x_id}", x_key=pseudonymizer().key(x_id))
    account(person, Platform.BLUESKY, f"did:plc:p{x_id}", f"p{x_id}.test")
    account(person, Platform.MASTODON, f"https://m.test/users/p{x_id}", f"p{x_id}@m.test")
    return person


def _share(tmp_path: Path, owner: int, **lists: object) -> None:
    path = tmp_path / f"{owner}.zip"
    archive = write_synthetic_archive(path, owner_id=owner, handle=f"x{owner}", **lists)  # type: ignore[arg-type]
    ingest(archive.path, honour_blocks=True)


def _tasks(person: Person) -> set[tuple[str, str, str, str]]:
    rows = BlockTask.objects.filter(source__person=person)
    return set(rows.values_list("network", "target_handle", "action", "state"))


def test_nothing_is_planned_without_the_opt_in(tmp_path: Path) -> None:
    alice, _bob = _person(1), _person(2)
    _share(tmp_path, 1, blocking=[2])
    assert plan_blocks([alice.pk]) == 0
    assert not BlockTask.objects.exists()


def test_blocks_go_to_both_networks_and_mutes_to_mastodon_only(tmp_path: Path) -> None:
    alice, _bob, _carol = _person(1), _person(2), _person(3)
    _share(tmp_path, 1, blocking=[2], muting=[3, 2])
    choose(alice, True)
    assert _tasks(alice) == {
        ("bluesky", "p2.test", "block", "ready"),
        ("mastodon", "p2@m.test", "block", "ready"),  # blocked and muted: blocked
        ("mastodon", "p3@m.test", "mute", "ready"),
    }


def test_the_targets_choice_and_the_allowance_bound_what_blocks_reveal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENVOL_MATCHING_UNCORROBORATED_LIMIT", "1")
    alice = _person(1)
    _person(2, Findable.NOBODY)  # never revealed
    _person(3, Findable.CONFIRMED)  # revealed only if their own archive names Alice
    _person(4)
    _person(5)  # beyond the allowance of one uncorroborated person
    _share(tmp_path, 1, blocking=[2, 3, 4, 5])
    choose(alice, True)
    assert {h for _, h, _, _ in _tasks(alice)} == {"p4.test", "p4@m.test"}
    assert set(Disclosure.objects.filter(person=alice).values_list("target_person__pk", flat=True)) == {
        Person.objects.get(accounts__handle="p4.test").pk
    }
    _share(tmp_path, 3, followers=[1])  # Carol's own archive names Alice: corroborated
    plan_blocks([alice.pk])
    assert {h for _, h, _, _ in _tasks(alice)} == {"p3.test", "p3@m.test", "p4.test", "p4@m.test"}


def test_turning_the_opt_in_off_withdraws_and_undoes_but_never_the_persons_own(tmp_path: Path) -> None:
    alice = _person(1)
    for x in (2, 3, 4):
        _person(x)
    _share(tmp_path, 1, blocking=[2, 3, 4])
    choose(alice, True)
    bluesky = BlockTask.objects.filter(source__person=alice, network="bluesky")
    now = datetime.now(UTC)
    bluesky.filter(target_handle="p2.test").update(state="done", record_key="3k2", finished_at=now)
    bluesky.filter(target_handle="p3.test").update(state="already", finished_at=now)

    choose(alice, False)

    rows = {
        h: (s, u, r)
        for h, s, u, r in bluesky.values_list("target_handle", "state", "undo_requested", "reason")
    }
    assert rows == {
        "p2.test": ("done", True, ""),  # the engine undoes it next
        "p3.test": ("already", False, ""),  # the person's own: left alone
        "p4.test": ("skipped", False, "not_chosen"),  # never sent: withdrawn
    }
    choose(alice, True)  # on again: the pending undo is called off, the withdrawn one sent afresh
    rows = {
        h: (s, u, r)
        for h, s, u, r in bluesky.values_list("target_handle", "state", "undo_requested", "reason")
    }
    assert rows == {
        "p2.test": ("done", False, ""),
        "p3.test": ("already", False, ""),
        "p4.test": ("ready", False, ""),
    }


def test_the_periodic_repair_blocks_someone_who_proved_an_account_since(tmp_path: Path) -> None:
    alice = _person(1)
    mallory = Person.objects.create(findable_by="everyone")
    account(mallory, Platform.X, "2", "x2", x_key=pseudonymizer().key(2))
    _share(tmp_path, 1, blocking=[2])
    choose(alice, True)
    assert not BlockTask.objects.exists()  # no Bluesky or Mastodon account proven yet
    account(mallory, Platform.BLUESKY, "did:plc:mallory", "mallory.test")

    plan_everyones_blocks()

    assert _tasks(alice) == {("bluesky", "mallory.test", "block", "ready")}


def test_failed_blocks_are_tried_again_when_the_person_answers_not_by_a_repair(tmp_path: Path) -> None:
    alice, _bob = _person(1), _person(2)
    _share(tmp_path, 1, blocking=[2])
    choose(alice, True)
    BlockTask.objects.filter(network="mastodon").update(state="failed", reason="scope")

    plan_everyones_blocks()
    assert BlockTask.objects.get(network="mastodon").state == "failed"

    choose(alice, True)  # e.g. after signing in again with the right to block
    assert BlockTask.objects.get(network="mastodon").state == "ready"


def test_a_follow_envol_made_of_someone_now_blocked_is_undone_but_a_muted_ones_is_kept(
    tmp_path: Path,
) -> None:
    """Someone the person blocked on X is never followed for them: a follow Envol made before the
    block was known (an earlier upload without the block list) is undone when the block is planned.
    A mute is no reason to stop following, and the person's own follows are not Envol's."""
    alice, _bob, _carol, _dave = _person(1), _person(2), _person(3), _person(4)
    now = datetime(2027, 1, 5, tzinfo=UTC)
    source = alice.accounts.get(platform=Platform.BLUESKY)
    made = {2: (TaskState.DONE, "k2"), 3: (TaskState.DONE, "k3"), 4: (TaskState.ALREADY_FOLLOWING, "")}
    for x_id, (state, key) in made.items():
        FollowTask.objects.create(
            source=source, network="bluesky", target_id=f"did:plc:p{x_id}", target_handle=f"p{x_id}.test",
            state=state, record_key=key, created_at=now, updated_at=now,
        )  # fmt: skip
    _share(tmp_path, 1, blocking=[2, 4], muting=[3])
    choose(alice, True, now=now)
    undo = dict(FollowTask.objects.filter(source=source).values_list("target_id", "undo_requested"))
    assert undo == {"did:plc:p2": True, "did:plc:p3": False, "did:plc:p4": False}
