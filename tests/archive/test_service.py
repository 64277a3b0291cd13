"""Ingestion into the database: counts, pseudonyms, replacement, the owner rule, and atomicity."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from envol.archive.base import Limits
from envol.archive.errors import ArchiveError
from envol.archive.models import ArchiveImport, Source
from envol.archive.parse import open_archive
from envol.archive.service import NotYourArchiveError, ingest
from envol.archive.synthetic import write_synthetic_archive
from envol.core.ids import Platform
from envol.core.pseudonym import pseudonymizer
from envol.graph import partitions
from envol.graph.models import Direction, Edge
from envol.registry.models import Account, Person, Verification

from .conftest import FIXTURES_DIR

pytestmark = pytest.mark.django_db(transaction=True)

FIXTURES = FIXTURES_DIR
ALL_FIXTURES = sorted(p.name for p in FIXTURES.iterdir() if (p / "data" / "manifest.js").exists())


def _manifest_counts(folder: Path) -> dict[str, int]:
    text = (folder / "data" / "manifest.js").read_text()
    manifest = json.loads(text.split("=", 1)[1])  # the manifest itself has no '=' in its values
    return {
        name: sum(int(f["count"]) for f in manifest["dataTypes"].get(name, {}).get("files", []))
        for name in ("follower", "following")
    }


def _row_counts() -> tuple[int, int, int, int, frozenset[str]]:
    return (
        Person.objects.count(),
        Account.objects.count(),
        ArchiveImport.objects.count(),
        Edge.objects.count(),
        partitions.partition_names() - set(partitions.orphans()),  # PostgreSQL's edge partitions in use
    )


def _empty() -> tuple[int, int, int, int, frozenset[str]]:
    return (0, 0, 0, 0, frozenset({partitions.SHARED}) if partitions.partitioned() else frozenset())


@pytest.fixture(params=["shared", "own partitions"])
def storage(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways edges are stored on PostgreSQL: in the shared partition, and (every import counting
    as big) each import in a partition of its own, streamed while read when the manifest says it is
    big (graph.stream). SQLite stores both the same way."""
    if request.param == "own partitions":
        monkeypatch.setenv("ENVOL_EDGE_PARTITION_MIN_EDGES", "1")
    return str(request.param)


def _stored_keys(import_id: int, direction: Direction) -> set[int]:
    return set(
        Edge.objects.filter(archive_import_id=import_id, direction=direction).values_list("x_key", flat=True)
    )


def _complete(folder: Path) -> bool:
    counts = _manifest_counts(folder)
    return all((folder / "data" / f"{name}.js").exists() for name, count in counts.items() if count)


def test_fixtures_cover_complete_and_partial_archives() -> None:
    assert len(ALL_FIXTURES) >= 7
    assert sum(_complete(FIXTURES / name) for name in ALL_FIXTURES) >= 5


@pytest.mark.parametrize("fixture", ALL_FIXTURES)
def test_every_real_fixture_ingests_with_its_manifest_counts(fixture: str, storage: str) -> None:
    folder = FIXTURES / fixture
    counts = _manifest_counts(folder)
    if not _complete(folder):
        # Two fixtures were copied without one of their lists: the whole folder is refused (a list
        # the manifest announces is missing), while the files that are there ingest on their own.
        lists = [p for p in (folder / "data").glob("follow*.js")]
        with pytest.raises(ArchiveError) as caught:
            ingest(folder)
        assert caught.value.code == ("missing_list" if lists else "no_lists")
        assert _row_counts() == _empty()
        if not lists:
            return
        counts = {
            name: count if (folder / "data" / f"{name}.js").exists() else 0 for name, count in counts.items()
        }
        result = ingest([*lists, folder / "data" / "account.js"])
    else:
        result = ingest(folder)
    assert (result.followers, result.following) == (counts["follower"], counts["following"])
    record = ArchiveImport.objects.get(pk=result.import_id)
    assert record.source == Source.COMMAND_LINE
    assert not record.owner_verified
    assert (
        Edge.objects.filter(archive_import=record, direction=Direction.FOLLOWER).count() == counts["follower"]
    )
    account = Account.objects.get(platform=Platform.X, stable_id=str(result.owner.x_id))
    assert account.verification == Verification.CLAIMED
    assert account.x_key == pseudonymizer().key(result.owner.x_id)


def test_edges_are_the_pseudonyms_of_the_archive_ids(tmp_path: Path, storage: str) -> None:
    followers = [0, 1, 2**63, 2**64 - 1, 1588631281067229186]
    archive = write_synthetic_archive(tmp_path / "a.zip", owner_id=42, handle="owner", followers=followers,
                                      following=[7, 8])  # fmt: skip
    result = ingest(archive.path)
    assert partitions.own_partition(result.import_id) == (storage != "shared" and partitions.partitioned())
    expected = pseudonymizer().keys(np.array(followers, dtype=np.uint64)).tolist()
    assert _stored_keys(result.import_id, Direction.FOLLOWER) == set(expected)
    assert _stored_keys(result.import_id, Direction.FOLLOWING) == set(
        pseudonymizer().keys(np.array([7, 8], dtype=np.uint64)).tolist()
    )
    assert not Edge.objects.filter(x_key__in=[0, 1, 1588631281067229186, 7, 8]).exists()  # never in clear


def test_a_new_import_replaces_the_previous_one(tmp_path: Path, storage: str) -> None:
    first = write_synthetic_archive(tmp_path / "1.zip", owner_id=42, handle="owner", followers=100, seed=1)
    second = write_synthetic_archive(tmp_path / "2.zip", owner_id=42, handle="renamed", followers=30, seed=2)
    old = ingest(first.path)
    new = ingest(second.path)
    assert new.person_id == old.person_id
    assert list(ArchiveImport.objects.values_list("pk", flat=True)) == [new.import_id]
    assert Edge.objects.count() == 30
    assert Account.objects.get(stable_id="42").handle == "renamed"


def test_repeated_ids_are_stored_once(tmp_path: Path, storage: str) -> None:
    archive = write_synthetic_archive(tmp_path / "a.zip", owner_id=5, handle="o", followers=[9, 9, 10],
                                      following=[])  # fmt: skip
    result = ingest(archive.path)
    assert result.followers == 2
    assert Edge.objects.count() == 2


def test_split_parts_are_all_stored(tmp_path: Path, storage: str) -> None:
    archive = write_synthetic_archive(tmp_path / "a.zip", owner_id=5, handle="o", followers=2500,
                                      split_every=1000)  # fmt: skip
    assert len([m for m in archive.members if "follower" in m]) == 3
    assert ingest(archive.path).followers == 2500


def _someone_else(tmp_path: Path) -> Person:
    person = Person.objects.create(findable_by="everyone")
    Account.objects.create(person=person, platform=Platform.X, stable_id="777", handle="me",
                           verification=Verification.VERIFIED)  # fmt: skip
    return person


def test_archive_of_someone_else_is_refused_for_a_verified_person(tmp_path: Path) -> None:
    person = _someone_else(tmp_path)
    archive = write_synthetic_archive(tmp_path / "a.zip", owner_id=888, handle="other", followers=10)
    before = _row_counts()
    with pytest.raises(NotYourArchiveError, match="@other"):
        ingest(archive.path, person=person, source=Source.UPLOAD)
    assert _row_counts() == before


def test_own_archive_of_a_verified_person_is_verified(tmp_path: Path) -> None:
    person = _someone_else(tmp_path)
    archive = write_synthetic_archive(tmp_path / "a.zip", owner_id=777, handle="me", followers=10)
    result = ingest(archive.path, person=person, source=Source.UPLOAD)
    assert result.owner_verified
    assert ArchiveImport.objects.get().owner_verified
    assert Person.objects.count() == 1  # no claimed duplicate of the person was created


def test_archive_of_an_unverified_person_stays_claimed(tmp_path: Path) -> None:
    person = Person.objects.create(findable_by="everyone")
    archive = write_synthetic_archive(tmp_path / "a.zip", owner_id=888, handle="other", followers=10)
    result = ingest(archive.path, person=person, source=Source.UPLOAD)
    assert not result.owner_verified
    assert ArchiveImport.objects.get().person == person


def _truncated(tmp_path: Path) -> Path:
    archive = write_synthetic_archive(tmp_path / "t.zip", owner_id=1, handle="o", followers=5000)
    data = archive.path.read_bytes()
    path = tmp_path / "truncated.zip"
    path.write_bytes(data[: len(data) // 2])
    return path


def _count_mismatch(tmp_path: Path) -> Path:
    source = write_synthetic_archive(tmp_path / "s.zip", owner_id=1, handle="o", followers=50)
    path = tmp_path / "mismatch.zip"
    with zipfile.ZipFile(source.path) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.endswith("manifest.js"):
                data = data.replace(b'"count" : "50"', b'"count" : "51"')
            dst.writestr(item, data)
    return path


def _bad_id(tmp_path: Path) -> Path:
    path = tmp_path / "follower.js"
    path.write_text('window.YTD.follower.part0 = [ { "follower" : { "accountId" : "12a3" } } ]')
    account = tmp_path / "account.js"
    account.write_text(
        'window.YTD.account.part0 = [ { "account" : { "accountId" : "1", "username" : "o" } } ]'
    )
    return path


def _malformed(tmp_path: Path) -> list[Path]:
    path = tmp_path / "follower.js"
    path.write_text('window.YTD.follower.part0 = [ { "follower" : { "accountId" : "123" } ')
    account = tmp_path / "account.js"
    account.write_text(
        'window.YTD.account.part0 = [ { "account" : { "accountId" : "1", "username" : "o" } } ]'
    )
    return [path, account]


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda p: (p / "x.zip").write_bytes(b"not a zip at all") and p / "x.zip", "not_a_zip"),
        (_truncated, "truncated"),
        (_count_mismatch, "count_mismatch"),
        (_malformed, "malformed"),
    ],
)
def test_bad_input_leaves_the_database_unchanged(
    tmp_path: Path, make: object, code: str, storage: str
) -> None:
    ingest(write_synthetic_archive(tmp_path / "ok.zip", owner_id=1, handle="o", followers=3).path)
    before = _row_counts()
    path = make(tmp_path)  # type: ignore[operator]
    with pytest.raises(ArchiveError) as caught:
        ingest(path)
    assert caught.value.code == code, caught.value
    assert _row_counts() == before


def _no_lists(tmp_path: Path) -> Path:
    path = tmp_path / "tweets-only.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("data/tweets.js", "window.YTD.tweets.part0 = [ ]")
    return path


@pytest.mark.parametrize(("make", "limits", "code"), [
    (_no_lists, None, "no_lists"),
    (lambda p: write_synthetic_archive(p / "big.zip", owner_id=1, handle="o", followers=20_000).path,
     Limits(max_member_bytes=1 << 20), "zip_bomb"),
])  # fmt: skip
def test_refused_archives_leave_the_database_unchanged(
    tmp_path: Path, make: object, limits: Limits | None, code: str, storage: str
) -> None:
    ingest(write_synthetic_archive(tmp_path / "ok.zip", owner_id=1, handle="o", followers=3).path)
    before = _row_counts()
    with pytest.raises(ArchiveError) as caught:
        ingest(make(tmp_path), limits=limits)  # type: ignore[operator]
    assert caught.value.code == code, caught.value
    assert _row_counts() == before


def test_ids_that_are_not_numbers_are_refused(tmp_path: Path, storage: str) -> None:
    path = _bad_id(tmp_path)
    with pytest.raises(ArchiveError) as caught:
        ingest([path, tmp_path / "account.js"])
    assert caught.value.code == "bad_id"
    assert "follower.js" in caught.value.message
    assert _row_counts() == _empty()


def test_parser_and_service_agree_on_the_owner(tmp_path: Path) -> None:
    archive = write_synthetic_archive(tmp_path / "a.zip", owner_id=31337, handle="elite", followers=1)
    with open_archive(archive.path) as parsed:
        assert parsed.owner is not None
        owner = parsed.owner
    assert ingest(archive.path).owner == owner
