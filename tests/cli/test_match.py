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
from envol.matching.materialise import refresh_everyone
from envol.matching.models import Candidate, Suggestion
from envol.registry.models import Account, Person, Verification

pytestmark = pytest.mark.django_db

ZERO = {"followee_only": 0, "follower_only": 0, "mutual": 0, "total": 0}


def _person(x_id: int, *, did: str | None = None) -> int:
    person = Person.objects.create(findable_by="everyone")
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
    Person.objects.create(findable_by="everyone")  # no archive, no verified X: not listed without --person
    archive = write_synthetic_archive(tmp_path / "a.zip", owner_id=1, handle="alice", following=[2])
    ingest(archive.path)
    refresh_everyone()  # what the background task does once the import commits
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


def test_recompute_rebuilds_the_table_first(
    world: tuple[int, int], capsys: pytest.CaptureFixture[str]
) -> None:
    alice, _ = world
    Candidate.objects.all().delete()
    assert main(["match", "--person", str(alice), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["bluesky"] == ZERO  # the table is what is read
    assert main(["match", "--person", str(alice), "--json", "--recompute"]) == 0
    assert json.loads(capsys.readouterr().out)["bluesky"]["total"] == 1
    Candidate.objects.all().delete()
    assert main(["match", "--recompute", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["bluesky"]["total"] == 1


def test_import_suggestions(
    world: tuple[int, int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    alice, _ = world
    listing = tmp_path / "list.csv"
    listing.write_text(
        "x_id,address\n2,@bob@elsewhere.test\n3,https://bsky.app/profile/carol.test\nnope,x\n5,\n"
    )
    assert main(["match", "import-suggestions", str(listing)]) == 0
    captured = capsys.readouterr()
    assert "4 lines read, 2 new suggestions stored" in captured.out
    assert "line 4: no X id" in captured.err
    assert "line 5: no Bluesky or Mastodon address" in captured.err
    assert set(Suggestion.objects.values_list("network", "address")) == {
        ("mastodon", "bob@elsewhere.test"), ("bluesky", "carol.test")}  # fmt: skip
    # Alice follows X id 2 (Bob): his suggested Mastodon address is hers to review; Bob's Bluesky is
    # verified, so no Bluesky suggestion; X id 3 is in nobody's lists.
    rows = list(Candidate.objects.filter(person_id=alice).values_list("network", "address", "kind"))
    assert sorted(rows) == [("bluesky", "did:plc:bob", "verified"),
                            ("mastodon", "bob@elsewhere.test", "suggestion")]  # fmt: skip
    assert main(["match", "import-suggestions", str(tmp_path / "missing.csv")]) == 2
