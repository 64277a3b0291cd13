"""block.js and mute.js (issue #19, item 5): read only when the person asks, on both paths, with the
same checks, bounds and errors as the follow lists; stored as pseudonymised edges of their own."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from envol.archive.base import ArchiveOwner
from envol.archive.compact import CompactUpload, UploadTooLargeError, encode_compact
from envol.archive.errors import ArchiveError
from envol.archive.models import ArchiveImport, Source
from envol.archive.parse import open_archive
from envol.archive.service import ingest, ingest_lists
from envol.archive.synthetic import render_list_js, write_synthetic_archive
from envol.core.pseudonym import pseudonymizer
from envol.graph.models import Direction, Edge
from envol.registry.models import Account, Person, Verification

from .conftest import make_zip

OWNER = ArchiveOwner(4242, "me", "Me")


def _ids(direction: Direction) -> set[int]:
    return set(Edge.objects.filter(direction=direction).values_list("x_key", flat=True))


def _keys(*ids: int) -> set[int]:
    return set(pseudonymizer().keys(np.array(ids, dtype=np.uint64)).tolist())


def test_block_and_mute_files_are_read_like_the_follow_lists(tmp_path: Path) -> None:
    archive = write_synthetic_archive(tmp_path / "a.zip", owner_id=1, handle="me", followers=[2],
                                      following=[3], blocking=[5, 6], muting=[7])  # fmt: skip
    with open_archive(archive.path) as opened:
        assert opened.has_list("block")
        assert opened.has_list("mute")
        assert [int(i) for chunk in opened.iter_ids("block") for i in chunk] == [5, 6]
        assert [int(i) for chunk in opened.iter_ids("mute") for i in chunk] == [7]
    # An archive without them (or a loose upload of the follow lists) is still an archive.
    plain = write_synthetic_archive(tmp_path / "b.zip", owner_id=1, handle="me", followers=[2])
    with open_archive(plain.path) as opened:
        assert not opened.has_list("block")


@pytest.mark.django_db
@pytest.mark.parametrize("honour", [True, False])
def test_the_server_upload_stores_them_only_when_asked(tmp_path: Path, honour: bool) -> None:
    archive = write_synthetic_archive(tmp_path / "a.zip", owner_id=1, handle="me", followers=[2],
                                      following=[3], blocking=[5, 6], muting=[7])  # fmt: skip
    result = ingest(archive.path, honour_blocks=honour)
    assert (result.blocked, result.muted) == ((2, 1) if honour else (0, 0))
    assert _ids(Direction.BLOCKED) == (_keys(5, 6) if honour else set())
    assert _ids(Direction.MUTED) == (_keys(7) if honour else set())
    assert _ids(Direction.FOLLOWER) == _keys(2)  # the follow lists, as always
    record = ArchiveImport.objects.get()
    assert (record.blocked_count, record.muted_count) == ((2, 1) if honour else (0, 0))


def test_a_damaged_block_file_fails_like_a_damaged_list(tmp_path: Path) -> None:
    good = b"".join(render_list_js("follower", [2]))
    bad = b"".join(render_list_js("block", [5])).replace(b'"blocking"', b'"follower"')
    zipped = make_zip(tmp_path / "a.zip", {"follower.js": good, "block.js": bad})
    with open_archive(zipped) as opened:
        list(opened.iter_ids("follower"))  # the follow list is fine
        with pytest.raises(ArchiveError) as raised:
            list(opened.iter_ids("block"))
    assert raised.value.code in {"malformed", "bad_id"}


def _person_with_x(x_id: int) -> Person:
    person = Person.objects.create(findable_by="everyone")
    Account.objects.create(person=person, platform="x", stable_id=str(x_id), handle="me",
                           verification=Verification.VERIFIED, x_key=pseudonymizer().key(x_id))  # fmt: skip
    return person


@pytest.mark.django_db
def test_the_compact_upload_carries_them_after_the_follow_lists() -> None:
    lists = {"follower": np.array([2], dtype=np.uint64), "following": np.array([3, 4], dtype=np.uint64),
             "block": np.array([6, 5], dtype=np.uint64), "mute": np.array([7], dtype=np.uint64)}  # fmt: skip
    body = encode_compact(OWNER, lists)
    upload = CompactUpload(io.BytesIO(body), max_bytes=1 << 20, max_ids=100)
    assert upload.has_list("block")
    assert upload.has_list("mute")
    result = ingest_lists(upload, person=_person_with_x(4242), source=Source.BROWSER, honour_blocks=True)
    assert (result.followers, result.following, result.blocked, result.muted) == (1, 2, 2, 1)
    assert _ids(Direction.BLOCKED) == _keys(5, 6)
    # Without them, the format is the one the browser always sent.
    plain = encode_compact(OWNER, {"follower": lists["follower"], "following": lists["following"]})
    assert not CompactUpload(io.BytesIO(plain), max_bytes=1 << 20, max_ids=100).has_list("block")


def test_block_and_mute_ids_count_against_the_same_bound() -> None:
    lists = {"follower": np.arange(3, dtype=np.uint64), "following": np.empty(0, dtype=np.uint64),
             "block": np.arange(3, dtype=np.uint64)}  # fmt: skip
    with pytest.raises(UploadTooLargeError):
        CompactUpload(io.BytesIO(encode_compact(OWNER, lists)), max_bytes=1 << 20, max_ids=5)
