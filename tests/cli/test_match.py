"""`envol match`: counts per network and direction, as JSON or text; exit 2 for an unknown person."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from envol.archive.service import ingest
from envol.archive.synthetic import write_synthetic_archive
from envol.cli.main import main
from envol.core.ids import Platform
from envol.core.pseudonym import pseudonymizer
from envol.registry.models import Account, Person, Verification

pytestmark = pytest.mark.django_db

ZERO = {"followee_only": 0, "follower_only": 0, "mutual": 0, "total": 0}


def _person(x_id: int, *, did: str | None = None) -> int:
    person = Person.objects.create()
    Account.objects.create(person=person, platform=Platform.X, stable_id=str(x_id),
                           verification=Verification.VERIFIED, x_key=pseudonymizer().key(x_id))  # fmt: skip
    if did:
        Account.objects.create(person=person, platform=Platform.BLUESKY, stable_id=did, handle="b.test",
                               verification=Verification.VERIFIED)  # fmt: skip
    return person.pk


@pytest.fixture
def world(tmp_path: Path) -> tuple[int, int]:
    """Alice follows Bob on X (her archive says so); Bob is on Bluesky."""
    alice = _person(1)
    bob = _person(2, did="did:plc:bob")
    Person.objects.create()  # no archive, no verified X: not listed without --person
    archive = write_synthetic_archive(tmp_path / "a.zip", owner_id=1, handle="alice", following=[2])
    ingest(archive.path)
    return alice, bob


def test_json_for_one_person(world: tuple[int, int], capsys: pytest.CaptureFixture[str]) -> None:
    alice, _ = world
    assert main(["match", "--person", str(alice), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "person_id": alice,
        "bluesky": {"followee_only": 1, "follower_only": 0, "mutual": 0, "total": 1},
        "mastodon": ZERO,
    }


def test_json_for_everyone(world: tuple[int, int], capsys: pytest.CaptureFixture[str]) -> None:
    alice, bob = world
    assert main(["match", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"person_id": alice, "bluesky": {**ZERO, "followee_only": 1, "total": 1}, "mastodon": ZERO},
        {"person_id": bob, "bluesky": ZERO, "mastodon": ZERO},  # Alice has no Bluesky account
    ]


def test_plain_output(world: tuple[int, int], capsys: pytest.CaptureFixture[str]) -> None:
    alice, _ = world
    assert main(["match", "--person", str(alice)]) == 0
    out = capsys.readouterr().out
    assert f"Person {alice}:" in out
    assert "Bluesky:" in out
    assert "1 you follow" in out
    assert "Mastodon:" in out


def test_unknown_person_exits_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["match", "--person", "999999", "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip().splitlines() == ["envol match: no person has the id 999999"]
