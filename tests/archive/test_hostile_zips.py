"""Crafted zips through the real upload page (#16 items 6 and 11): each is refused with a typed
error and its message, before zipfile builds what it announces, and nothing is written."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from envol.archive import errors
from envol.archive.base import Limits
from envol.archive.models import ArchiveImport
from envol.archive.parse import open_archive
from envol.core.ids import Platform
from envol.graph.models import Edge
from envol.registry.models import Account, Person, Verification
from envol.registry.session import SESSION_KEY

from .conftest import fixture_files

pytestmark = pytest.mark.django_db(transaction=True)
FILES = {f"data/{name}": data for name, data in fixture_files("Ezilryb-X").items()}
EZILRYB_X_ID = 2043360286044766208


def craft(
    members: dict[str, bytes],
    *,
    names: dict[str, bytes] | None = None,
    flags: int = 0,
    version_needed: int = 20,
    zip64_offsets: dict[str, int] | None = None,
    announced: int | None = None,
    extra_directory: bytes = b"",
) -> bytes:
    """A stored (uncompressed) zip, written field by field so that it can lie."""
    local, central = bytearray(), bytearray()
    count = 0
    for member, content in members.items():
        name = (names or {}).get(member, member.encode())
        crc, offset = zipfile.crc32(content), len(local)
        local += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, flags, 0, 0, 0x21, crc, len(content),
                             len(content), len(name), 0) + name + content  # fmt: skip
        extra = b""
        if member in (zip64_offsets or {}):
            extra = struct.pack("<HHQ", 1, 8, (zip64_offsets or {})[member])
            offset = 0xFFFFFFFF
        sizes = (crc, len(content), len(content), len(name), len(extra))
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, version_needed, flags, 0, 0, 0x21, *sizes,
                               0, 0, 0, 0, offset)  # fmt: skip
        central += name + extra
        count += 1
    central += extra_directory
    said = count if announced is None else announced
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, said, said, len(central), len(local), 0)
    return bytes(local + central + end)


def many_entries(count: int) -> bytes:
    """``count`` central directory entries of 47 bytes each, for files that are not there."""
    one = struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0)
    return b"".join(one + b"%c" % (97 + i % 26) for i in range(count))


def _signed_in(client: Client) -> Person:
    person = Person.objects.create()
    Account.objects.create(person=person, platform=Platform.X, stable_id=str(EZILRYB_X_ID),
                           handle="BetaCapitalWEB", verification=Verification.VERIFIED)  # fmt: skip
    session = client.session
    session[SESSION_KEY] = person.pk
    session.save()
    return person


def _post(client: Client, data: bytes) -> tuple[int, str]:
    upload = SimpleUploadedFile("twitter.zip", data, content_type="application/zip")
    response = client.post("/archive/", {"files": [upload]}, headers={"accept-language": "en"})
    return response.status_code, response.content.decode()


def test_the_crafting_itself_makes_an_archive_that_is_accepted(client: Client) -> None:
    _signed_in(client)
    status, _ = _post(client, craft(FILES))
    assert status == 200
    assert ArchiveImport.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "error", "says", "shown"),
    [
        # UnicodeDecodeError from zipfile: a name flagged UTF-8 that is not.
        (craft(FILES, names={"data/account.js": b"data/accoun\xff.js"}, flags=0x800),
         errors.TruncatedZipError, "a file name in it is not valid UTF-8", "twitter.zip"),
        # NotImplementedError from zipfile: a "version needed to extract" of 9.9.
        (craft(FILES, version_needed=99), errors.UnsupportedZipError, "uses a zip feature we do not read",
         "twitter.zip"),
        # OverflowError / OSError: a Zip64 offset of a local header beyond any file.
        (craft(FILES, zip64_offsets={"data/follower.js": 2**63 + 5}), errors.TruncatedZipError, "is damaged",
         "follower.js"),
        (craft(FILES, zip64_offsets={"data/follower.js": 2**62}), errors.TruncatedZipError, "is damaged",
         "follower.js"),
    ],
)  # fmt: skip
def test_crafted_zips_get_a_typed_answer_and_nothing_is_written(
    client: Client, tmp_path: Path, data: bytes, error: type[errors.ArchiveError], says: str, shown: str
) -> None:
    path = tmp_path / "twitter.zip"
    path.write_bytes(data)
    with pytest.raises(error, match=says), open_archive(path) as archive:
        for _ in archive.iter_ids("follower"):
            pass
    _signed_in(client)
    status, page = _post(client, data)
    assert status == 400
    assert f"“{shown}”" in page
    assert ArchiveImport.objects.count() == 0
    assert Edge.objects.count() == 0


def test_a_directory_holding_more_entries_than_announced_is_refused(client: Client) -> None:
    """The end record says 5 entries; the directory holds 260,005 (the limit is 250,000)."""
    _signed_in(client)
    data = craft(FILES, extra_directory=many_entries(260_000), announced=len(FILES))
    status, page = _post(client, data)
    assert status == 400
    assert "“twitter.zip” would unpack to more than Envol accepts" in page
    assert ArchiveImport.objects.count() == 0


def test_the_directory_is_counted_before_zipfile_reads_it(tmp_path: Path) -> None:
    path = tmp_path / "a.zip"
    path.write_bytes(craft(FILES, extra_directory=many_entries(5000), announced=1))
    with (
        mock.patch(
            "envol.archive.zipsource.zipfile.ZipFile", side_effect=AssertionError("zipfile was called")
        ),
        pytest.raises(errors.ZipBombError, match="holds more than 1,000 files"),
    ):
        open_archive(path, limits=Limits(max_zip_entries=1000))


def test_a_directory_larger_than_its_byte_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.zip"
    path.write_bytes(craft(FILES, extra_directory=many_entries(3000)))
    with pytest.raises(errors.ZipBombError, match=r"table of contents of [0-9,]+ bytes"):
        open_archive(path, limits=Limits(max_directory_bytes=100_000))


def test_a_directory_within_the_limits_is_counted_and_read(tmp_path: Path) -> None:
    # 5,005 entries (announced: 1) under a 6,000 limit, in a directory big enough to be walked.
    path = tmp_path / "a.zip"
    path.write_bytes(craft(FILES, extra_directory=many_entries(5000), announced=1))
    with open_archive(path, limits=Limits(max_zip_entries=6000)) as archive:
        assert archive.owner is not None
        assert archive.owner.x_id == EZILRYB_X_ID
