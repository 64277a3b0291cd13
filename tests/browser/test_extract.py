"""The archive read inside Chromium: only ids are sent, and the server stores what its own parser
would have stored. Each test drives the real page against a live Envol."""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.utils import translation
from playwright import sync_api

from archive.conftest import FIXTURES_DIR, fixture_files, make_zip, write_files
from envol.archive import browser
from envol.archive.compact import MAGIC, CompactUpload
from envol.archive.errors import ArchiveError
from envol.archive.messages import describe
from envol.archive.models import ArchiveImport, Source
from envol.archive.parse import open_archive
from envol.archive.profile import OwnerProfile
from envol.archive.service import ingest
from envol.archive.synthetic import write_synthetic_archive
from envol.core.pseudonym import pseudonymizer
from envol.graph.models import Direction, Edge
from envol.matching.models import Suggestion
from support.chromium import RendererPeak

from .conftest import BIG_FOLLOWERS, UploadPage

pytestmark = pytest.mark.django_db(transaction=True)
MakePage = Callable[..., UploadPage]


def _owner_id(files: dict[str, bytes]) -> int:
    text = files["account.js"].decode()
    return int(text.split('"accountId" : "')[1].split('"')[0])


def _stored_like_the_server_parser(path: Path | list[Path], record: ArchiveImport) -> None:
    """The stored pseudonyms are those of the ids the server's own parser reads."""
    with open_archive(path) as archive:
        for direction, code in (("follower", Direction.FOLLOWER), ("following", Direction.FOLLOWING)):
            chunks = list(archive.iter_ids(direction))
            ids = np.concatenate(chunks) if chunks else np.empty(0, dtype=np.uint64)
            expected = set(pseudonymizer().keys(ids).tolist())
            stored = set(
                Edge.objects.filter(archive_import=record, direction=code).values_list("x_key", flat=True)
            )
            assert stored == expected, direction


def test_a_real_archive_with_macos_extras_is_read_in_the_browser(
    upload_page: MakePage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The bytes the server read (the live server runs in this process): the page's request body is
    # a Blob, which Playwright reports as empty.
    received: list[bytes] = []

    class Tee:
        def __init__(self, stream: Any) -> None:
            self._stream = stream

        def read(self, size: int = -1) -> bytes:
            data: bytes = self._stream.read(size)
            received.append(data)
            return data

    monkeypatch.setattr(
        browser, "CompactUpload", lambda stream, **limits: CompactUpload(Tee(stream), **limits)
    )
    files = fixture_files("Ezilryb-X")
    zipped = make_zip(tmp_path / "twitter-2026-07-25.zip", files, junk=True)
    page = upload_page(x_id=_owner_id(files))
    assert page.page.get_by_text("Your archive stays on this device").is_visible()
    requests: list[sync_api.Request] = []
    page.page.on("request", lambda request: requests.append(request))
    page.choose(zipped)
    kind, text = page.outcome()
    assert kind == "done", text
    record = ArchiveImport.objects.get(person=page.person)
    assert f"Done: {record.followers_count} followers and {record.following_count} accounts" in text
    assert (record.source, record.owner_verified, record.owner_x_id) == (
        Source.BROWSER,
        True,
        str(_owner_id(files)),
    )
    _stored_like_the_server_parser(zipped, record)
    posts = [r for r in requests if r.method == "POST"]
    assert [r.url.rsplit("/", 2)[-2] for r in posts] == ["browser"]
    assert posts[0].headers["content-type"] == "application/octet-stream"
    body = b"".join(received)
    assert 0 < len(body) < zipped.stat().st_size  # the ids, not the archive
    inflated = zlib.decompress(body, 16 + zlib.MAX_WBITS)  # gzip, as sent
    assert inflated.startswith(MAGIC)  # the compact format: ids, never the archive's text
    assert files["follower.js"][:200] not in inflated
    assert b"accountId" not in inflated


def test_a_split_list_is_read_part_after_part(upload_page: MakePage, tmp_path: Path) -> None:
    files = fixture_files("synthetic-multipart")
    zipped = make_zip(tmp_path / "multipart.zip", files)
    page = upload_page(x_id=_owner_id(files))
    page.choose(zipped)
    kind, text = page.outcome()
    assert kind == "done", text
    record = ArchiveImport.objects.get(person=page.person)
    _stored_like_the_server_parser(zipped, record)
    with open_archive(zipped) as archive:
        assert len(archive.summary.list_parts["follower"]) == 2
        assert record.followers_count == archive.expected_counts["follower"]


def test_a_rezip_with_an_extra_top_folder_and_zip64_records(upload_page: MakePage, tmp_path: Path) -> None:
    archive = write_synthetic_archive(tmp_path / "rezipped.zip", owner_id=4242, handle="me", followers=2500,
                                      following=30, top_folder="twitter-2024-11-02-abc", force_zip64=True,
                                      split_every=1000)  # fmt: skip
    page = upload_page(x_id=4242)
    page.choose(archive.path)
    kind, text = page.outcome()
    assert kind == "done", text
    assert "Done: 2500 followers and 30 accounts you follow were shared." in text
    _stored_like_the_server_parser(archive.path, ArchiveImport.objects.get())


def test_loose_files_dropped_on_the_page(upload_page: MakePage) -> None:
    folder = FIXTURES_DIR / "larsbrinkhoff-twitter-data" / "data"
    page = upload_page(x_id=None)
    names = ["follower.js", "following.js", "account.js", "periscope-followers.js"]
    contents = {name: (folder / name).read_text() for name in names}
    page.page.evaluate(
        """(contents) => {
            const transfer = new DataTransfer();
            for (const [name, text] of Object.entries(contents)) {
                transfer.items.add(new File([text], name));
            }
            const drop = new DragEvent("drop", {dataTransfer: transfer});
            document.getElementById("dropzone").dispatchEvent(drop);
        }""",
        contents,
    )
    kind, text = page.outcome()
    assert kind == "done", text
    record = ArchiveImport.objects.get()
    assert (record.followers_count, record.following_count, record.owner_verified) == (764, 79, False)
    _stored_like_the_server_parser([folder / n for n in names], record)


def _damage(path: Path, how: str) -> None:
    data = bytearray(path.read_bytes())
    if how == "cut short":  # an interrupted download
        del data[len(data) * 3 // 5 :]
    else:
        with zipfile.ZipFile(path) as opened:
            info = opened.getinfo("data/follower.js")
        middle = info.header_offset + 100 + info.compress_size // 2
        data[middle : middle + 64] = bytes(64)  # a run of zeros inside the deflated follower list
    path.write_bytes(bytes(data))


def _server_says(path: Path, language: str) -> str:
    with pytest.raises(ArchiveError) as caught:
        ingest(path)
    with translation.override(language):
        return describe(caught.value)


@pytest.mark.parametrize("how", ["cut short", "zeroed inside the follower list"])
def test_a_corrupt_zip_is_explained_as_the_server_would_and_nothing_is_sent(
    upload_page: MakePage, tmp_path: Path, how: str
) -> None:
    archive = write_synthetic_archive(tmp_path / "damaged.zip", owner_id=4242, handle="me", followers=20_000)
    _damage(archive.path, how)
    page = upload_page(x_id=4242, locale="fr-FR")
    posts: list[str] = []
    page.page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    page.choose(archive.path)
    assert page.outcome() == ("error", _server_says(archive.path, "fr"))
    assert posts == []
    assert not ArchiveImport.objects.exists()
    assert page.page.locator("#dropzone").is_visible()  # ready for another try


def test_an_archive_of_someone_else_is_refused(upload_page: MakePage, tmp_path: Path) -> None:
    archive = write_synthetic_archive(tmp_path / "other.zip", owner_id=99, handle="other", followers=50)
    page = upload_page(x_id=4242)
    page.choose(archive.path)
    kind, text = page.outcome()
    assert (kind, text) == (
        "error",
        "This archive belongs to another X account than the one you signed in with.",
    )
    assert not ArchiveImport.objects.exists()


def test_a_file_that_is_not_an_archive(upload_page: MakePage, tmp_path: Path) -> None:
    (tmp_path / "photo.zip").write_bytes(b"\x89PNG\r\n\x1a\n not a zip at all")
    page = upload_page()
    page.choose(tmp_path / "photo.zip")
    assert page.outcome() == ("error", "“photo.zip” is not a zip archive nor an X data file.")


def test_a_gigabyte_archive_with_three_million_followers_in_bounded_memory(
    upload_page: MakePage, big_archive: Path
) -> None:
    page = upload_page(x_id=4242)
    phases: set[str] = set()
    with RendererPeak() as memory:
        page.choose(big_archive)
        while not page.page.locator("#browser-done:not([hidden]), #browser-error:not([hidden])").count():
            phases.add(page.page.locator("#progress-bar").get_attribute("data-phase") or "")
            page.page.wait_for_timeout(50)
        kind, text = page.outcome()
    assert kind == "done", text
    record = ArchiveImport.objects.get()
    with open_archive(big_archive) as archive:
        assert archive.expected_counts["follower"] == BIG_FOLLOWERS
        distinct = len(np.unique(np.concatenate(list(archive.iter_ids("follower")))))
    assert (record.followers_count, record.following_count) == (distinct, 2000)  # repeats stored once
    assert {"reading", "sending"} <= phases
    # The zip is 1.1 GB and its follower list 450 MB once inflated; the renderer (about 130 MiB
    # idle) holds the ids (8 bytes each: 24 MB) and a few chunks, never a member: each chunk is
    # released once read. Measured 200 MiB; 310-330 MiB when the chunks awaited collection.
    assert 0 < memory.peak < 280 * 2**20, f"renderer peak {memory.peak / 2**20:.0f} MiB"


def test_cancel_stops_the_reading_and_sends_nothing(upload_page: MakePage, big_archive: Path) -> None:
    page = upload_page(x_id=4242)
    posts: list[str] = []
    page.page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    page.choose(big_archive)
    sync_api.expect(page.page.locator("#progress-label")).to_have_text("Reading your archive on this device…")
    page.page.get_by_role("button", name="Cancel").click()
    assert page.outcome() == ("error", "Cancelled: nothing was sent.")
    assert posts == []
    assert not ArchiveImport.objects.exists()


BIO = "Parti d’ici. Mastodon : @me@piaille.test — Bluesky : me.bsky.social"
SITE = "https://t.co/abc"


@pytest.mark.parametrize("how", ["zip", "loose files", "malformed profile.js"])
def test_the_owners_profile_reaches_the_server(
    upload_page: MakePage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    # What the server decoded (the live server runs in this process): the page's request body is
    # a Blob, which Playwright does not show.
    received: list[OwnerProfile | None] = []

    class Recorded(CompactUpload):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            received.append(self.profile)

    monkeypatch.setattr(browser, "CompactUpload", Recorded)
    archive = write_synthetic_archive(
        tmp_path / "p.zip", owner_id=4242, handle="me", followers=300, following=20, bio=BIO, website=SITE
    )
    with zipfile.ZipFile(archive.path) as opened:
        files = {name.rsplit("/", 1)[-1]: opened.read(name) for name in archive.members}
    chosen = [archive.path]
    if how == "loose files":  # chosen as .js files, profile.js renamed: recognised by its content
        chosen = write_files(
            tmp_path / "loose", {("p (1).js" if n == "profile.js" else n): d for n, d in files.items()}
        )
    elif how == "malformed profile.js":
        files["profile.js"] = files["profile.js"][:-30]
        chosen = [make_zip(tmp_path / "bad-profile.zip", files)]
    page = upload_page(x_id=4242)
    page.choose(*chosen)
    kind, text = page.outcome()
    assert kind == "done", text
    record = ArchiveImport.objects.get(person=page.person)
    assert (record.followers_count, record.following_count) == (300, 20)
    stored = set(Suggestion.objects.values_list("network", "address", "archive_import_id"))
    if how == "malformed profile.js":  # left behind on the device; the lists went as ever
        assert received == [None]
        assert stored == set()
    else:
        assert received == [OwnerProfile(BIO, SITE)]
        assert stored == {
            ("mastodon", "me@piaille.test", record.pk),
            ("bluesky", "me.bsky.social", record.pk),
        }
