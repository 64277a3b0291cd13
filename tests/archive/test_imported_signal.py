"""`archive_imported`: sent once an import has committed (never for one rolled back), with the owner
and their profile, on every upload path; this is how matching hears of imports without archive
importing it."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.db import transaction

from envol.archive.base import ArchiveOwner
from envol.archive.compact import CompactUpload, encode_compact
from envol.archive.errors import ArchiveError
from envol.archive.models import ArchiveImport, Source
from envol.archive.profile import OwnerProfile, parse_profile
from envol.archive.service import ingest, ingest_lists
from envol.archive.signals import archive_imported

from .conftest import fixture_files, make_zip

pytestmark = pytest.mark.django_db(transaction=True)

SMWHR = fixture_files("smwhr-old-twitter")
SMWHR_ID = 15823763  # account.js and manifest.js of that archive


@pytest.fixture
def sent() -> Iterator[list[dict[str, Any]]]:
    received: list[dict[str, Any]] = []

    def listen(sender: Any, **kwargs: Any) -> None:
        received.append(kwargs)

    archive_imported.connect(listen, dispatch_uid="test-archive-imported")
    yield received
    archive_imported.disconnect(dispatch_uid="test-archive-imported")


def test_sent_after_the_commit_with_the_owner_and_their_profile(
    tmp_path: Path, sent: list[dict[str, Any]]
) -> None:
    zipped = make_zip(tmp_path / "smwhr.zip", SMWHR)
    with transaction.atomic():  # a caller's own transaction: nothing is said before it commits
        result = ingest(zipped)
        assert sent == []
    assert len(sent) == 1
    record = ArchiveImport.objects.get()
    assert (sent[0]["import_id"], sent[0]["person_id"]) == (record.pk, record.person_id)
    assert (sent[0]["owner_x_id"], sent[0]["owner_verified"]) == (SMWHR_ID, False)
    assert result.owner.x_id == SMWHR_ID
    assert sent[0]["profile"] == parse_profile(SMWHR["profile.js"])


def _ingest_in_a_failing_transaction(path: Path) -> None:
    with transaction.atomic():
        ingest(path)
        raise RuntimeError("the caller's transaction fails after the import")


def test_nothing_is_sent_for_an_import_that_fails_or_is_rolled_back(
    tmp_path: Path, sent: list[dict[str, Any]]
) -> None:
    damaged = dict(SMWHR)
    damaged["follower.js"] = damaged["follower.js"].replace(b'"accountId" : "', b'"accountId" : "x', 1)
    with pytest.raises(ArchiveError):
        ingest(make_zip(tmp_path / "bad.zip", damaged))
    with pytest.raises(RuntimeError):
        _ingest_in_a_failing_transaction(make_zip(tmp_path / "good.zip", SMWHR))
    assert sent == []
    assert not ArchiveImport.objects.exists()


def test_the_browser_path_sends_the_profile_it_carried(sent: list[dict[str, Any]]) -> None:
    profile = OwnerProfile("me@piaille.test", "")
    body = encode_compact(
        ArchiveOwner(4242, "me", "Me"), {"follower": np.array([5, 9], dtype=np.uint64)}, profile=profile
    )
    upload = CompactUpload(io.BytesIO(body), max_bytes=1 << 20, max_ids=100)
    result = ingest_lists(upload, source=Source.BROWSER)
    assert [(s["import_id"], s["owner_x_id"], s["profile"]) for s in sent] == [
        (result.import_id, 4242, profile)
    ]
