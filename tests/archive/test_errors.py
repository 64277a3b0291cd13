"""Every way an upload can be bad: its own error class and code, and a message naming the file."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from envol.archive import errors
from envol.archive.base import DIRECTIONS, KIB, MIB, Limits
from envol.archive.filesource import LimitedFileReader
from envol.archive.jsfile import scan_list_ids
from envol.archive.parse import open_archive
from envol.archive.synthetic import render_list_js, write_synthetic_archive

from .conftest import FIXTURES_DIR, fixture_files, make_zip, write_files
from .test_layouts import damage_member
from .zipcraft import entry_for, force_zip64_end_records, raw_deflate, write_raw_zip

EZILRYB = fixture_files("Ezilryb-X")


def expect_error(
    error_class: type[errors.ArchiveError],
    code: str,
    file: str,
    paths: Path | list[Path],
    limits: Limits | None = None,
) -> errors.ArchiveError:
    """Open ``paths`` and read both lists; assert the error raised on the way."""
    # The error may come while opening or while reading: both are inside the raises block.
    with pytest.raises(error_class) as raised, open_archive(paths, limits=limits) as archive:  # noqa: PT012
        for direction in DIRECTIONS:
            for _ in archive.iter_ids(direction, chunk_bytes=4 * KIB):
                pass
    error = raised.value
    assert error.code == code
    assert error.file == file
    assert file in error.message
    assert str(error) == error.message
    return error


def zip_with(tmp_path: Path, name: str, data: bytes, compression: int = zipfile.ZIP_DEFLATED) -> Path:
    return make_zip(tmp_path / "a.zip", EZILRYB | {name: data}, compression=compression)


# --- not a zip, wrong inputs ------------------------------------------------------------------


@pytest.mark.parametrize("content", [b"%PDF-1.7 not an archive", b"", b"PK\x05\x04 almost"])
def test_not_a_zip(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "upload.zip"
    path.write_bytes(content)
    expect_error(errors.NotAZipError, "not_a_zip", "upload.zip", path)


def test_a_zip_among_loose_files_is_refused(tmp_path: Path) -> None:
    paths = [
        *write_files(tmp_path, {"follower.js": EZILRYB["follower.js"]}),
        make_zip(tmp_path / "b.zip", EZILRYB),
    ]
    expect_error(errors.UnsupportedInputError, "unsupported_input", "b.zip", paths)


def test_loose_file_that_is_not_x_data(tmp_path: Path) -> None:
    paths = write_files(tmp_path, {"follower.js": EZILRYB["follower.js"], "notes.txt": b"hello"})
    expect_error(errors.MalformedFileError, "malformed", "notes.txt", paths)


# --- no lists, missing lists, duplicates -------------------------------------------------------


def test_zip_without_follower_or_following(tmp_path: Path) -> None:
    files = {"account.js": EZILRYB["account.js"], "tweets.js": b"window.YTD.tweets.part0 = [ ]"}
    expect_error(errors.NoListsError, "no_lists", "a.zip", make_zip(tmp_path / "a.zip", files))


def test_periscope_followers_alone_is_not_a_list(tmp_path: Path) -> None:
    files = {"periscope-followers.js": b"window.YTD.periscope_followers.part0 = [ ]"}
    expect_error(errors.NoListsError, "no_lists", "a.zip", make_zip(tmp_path / "a.zip", files))


def test_manifest_announces_a_list_that_is_missing() -> None:
    error = expect_error(
        errors.MissingListError,
        "missing_list",
        "data/follower.js",
        FIXTURES_DIR / "keithfrankish-twitter-data",
    )
    assert "13,188" in error.message


def test_manifest_announces_a_part_that_is_missing(tmp_path: Path) -> None:
    files = fixture_files("synthetic-multipart")
    del files["follower-part1.js"]
    expect_error(
        errors.MissingListError, "missing_list", "data/follower-part1.js", make_zip(tmp_path / "a.zip", files)
    )


def test_duplicate_member_in_a_zip(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "a.zip", EZILRYB)
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(path, "a") as archive:
        archive.writestr("data/follower.js", EZILRYB["follower.js"])
    expect_error(errors.DuplicateMemberError, "duplicate_member", "data/follower.js", path)


def test_two_archives_in_one_zip(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "a.zip", EZILRYB, top="first")
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("second/data/following.js", EZILRYB["following.js"])
    expect_error(errors.DuplicateMemberError, "duplicate_member", "second/data/following.js", path)


def test_same_list_twice_among_loose_files(tmp_path: Path) -> None:
    paths = write_files(tmp_path, {"follower.js": EZILRYB["follower.js"], "copy.js": EZILRYB["follower.js"]})
    error = expect_error(errors.DuplicateMemberError, "duplicate_member", "copy.js", paths)
    assert "follower.js" in error.message


# --- damaged zips ------------------------------------------------------------------------------


def test_zip_cut_in_half(tmp_path: Path) -> None:
    whole = write_synthetic_archive(tmp_path / "whole.zip", owner_id=1, handle="o", followers=5000).path
    half = tmp_path / "half.zip"
    half.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    expect_error(errors.TruncatedZipError, "truncated", "half.zip", half)


def test_member_crc_fails_while_streaming(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "a.zip", EZILRYB, compression=zipfile.ZIP_STORED)
    damage_member(path, "data/follower.js")  # "]" becomes "\xa2": the CRC catches it first
    error = expect_error(errors.TruncatedZipError, "truncated", "data/follower.js", path)
    assert "checksum" in error.message


def test_corrupt_deflate_data(tmp_path: Path) -> None:
    """(Damage that still inflates surfaces as whatever it breaks first, or as a CRC failure at the end.)"""
    content = EZILRYB["follower.js"]
    payload = bytearray(raw_deflate(content))
    payload[0] = 0x07  # a final block of the reserved type 3: invalid in any deflate stream
    zip_path = write_raw_zip(tmp_path / "a.zip", [entry_for("data/follower.js", content, 8, bytes(payload))])
    expect_error(errors.TruncatedZipError, "truncated", "data/follower.js", zip_path)


def test_deflate_stream_that_stops_early(tmp_path: Path) -> None:
    content = EZILRYB["follower.js"]
    payload = raw_deflate(content)[:-40]
    zip_path = write_raw_zip(tmp_path / "a.zip", [entry_for("data/follower.js", content, 8, payload)])
    expect_error(errors.TruncatedZipError, "truncated", "data/follower.js", zip_path)


# --- bombs and limits --------------------------------------------------------------------------


def test_declared_size_beyond_the_limit(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "a.zip", EZILRYB)
    limits = Limits(max_member_bytes=15 * KIB)  # follower.js is 15,448 bytes; the other files are smaller
    expect_error(errors.ZipBombError, "zip_bomb", "data/follower.js", path, limits=limits)


def test_declared_compression_ratio_too_high(tmp_path: Path) -> None:
    padded = EZILRYB["follower.js"] + b" " * (2 * MIB) + b";"  # valid, but deflates ~1000:1
    error = expect_error(
        errors.ZipBombError, "zip_bomb", "data/follower.js", zip_with(tmp_path, "follower.js", padded)
    )
    assert "times larger" in error.message


def test_header_that_lies_about_the_inflated_size(tmp_path: Path) -> None:
    """The central directory claims 20 KB; the data inflates to 10 MB: refused while streaming."""
    content = EZILRYB["follower.js"][:-1] + b" " * (10 * MIB) + b"]"
    entry = entry_for("data/follower.js", content, 8, raw_deflate(content), file_size=20_000)
    path = write_raw_zip(tmp_path / "a.zip", [entry])
    error = expect_error(errors.ZipBombError, "zip_bomb", "data/follower.js", path)
    assert "20,000 bytes its header declares" in error.message


def test_streaming_limit_holds_even_without_a_declared_size() -> None:
    """The plain-file reader counts what it returns, whatever the file claimed to be."""
    big = io.BytesIO(b"window.YTD.follower.part0 = [ " + b" " * 100_000 + b"]")
    reader = LimitedFileReader(big, "follower.js", max_bytes=50_000)
    with pytest.raises(errors.ZipBombError, match=r"follower\.js is larger than the 50,000-byte limit"):
        list(scan_list_ids(reader, member="follower.js", direction="follower", chunk_bytes=4 * KIB))


def test_too_many_zip_entries_read_from_zip64_end_record(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "a.zip", EZILRYB)
    force_zip64_end_records(path)
    error = expect_error(errors.ZipBombError, "zip_bomb", "a.zip", path, limits=Limits(max_zip_entries=3))
    assert "holds 4 files" in error.message


def test_plain_file_larger_than_the_limit(tmp_path: Path) -> None:
    paths = write_files(tmp_path, {"follower.js": EZILRYB["follower.js"]})
    expect_error(errors.ZipBombError, "zip_bomb", "follower.js", paths, limits=Limits(max_member_bytes=1000))


# --- unsupported zip features -------------------------------------------------------------------


def test_bzip2_member_is_refused(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "a.zip", EZILRYB, compression=zipfile.ZIP_BZIP2)
    error = expect_error(errors.UnsupportedZipError, "unsupported_zip", "data/manifest.js", path)
    assert "bzip2" in error.message


def test_encrypted_member_is_refused(tmp_path: Path) -> None:
    content = EZILRYB["follower.js"]
    entries = [entry_for("data/follower.js", content, 0, content, flags=0x1)]
    path = write_raw_zip(tmp_path / "a.zip", entries)
    expect_error(errors.UnsupportedZipError, "unsupported_zip", "data/follower.js", path)


# --- malformed JavaScript / JSON --------------------------------------------------------------------

FOLLOWER = EZILRYB["follower.js"]


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"var followers = " + FOLLOWER.split(b"= ", 1)[1], "should start"),
        (FOLLOWER[:-1], "must end with ]"),
        (FOLLOWER[: len(FOLLOWER) // 2], "must end with ]"),
        (FOLLOWER + b"\nalert(1)", "must end with ]"),
        (FOLLOWER.replace(b"part0 = [", b"part0 = {", 1), "JSON list"),
        (FOLLOWER.replace(b"YTD.follower.", b"YTD.following."), "does not hold the follower list"),
        (FOLLOWER.replace(b"YTD.follower.part0", b"YTD.follower.part3"), "manifest expects"),
        (FOLLOWER.replace(b'"follower" :', b'"followed" :', 1), "one accountId"),
        (FOLLOWER.replace(b'"userLink"', b'"extra" : { }, "userLink"', 1), "shaped like"),
        (b"window.YTD.follower.part0 = [" + b"x" * (2 * MIB) + b"]", "no item ends"),
    ],
    ids=[
        "no-prefix",
        "no-bracket",
        "cut",
        "trailing-code",
        "object",
        "swapped",
        "part",
        "item-key",
        "nested",
        "no-items",
    ],
)
def test_malformed_list_file(tmp_path: Path, data: bytes, why: str) -> None:
    path = zip_with(tmp_path, "follower.js", data, compression=zipfile.ZIP_STORED)  # no ratio check
    error = expect_error(errors.MalformedFileError, "malformed", "data/follower.js", path)
    assert why in error.message


def test_stray_commas_between_items_are_not_detected(tmp_path: Path) -> None:
    """A known limit of the cheap checks (ids are still read right); only a hand edit produces this."""
    data = FOLLOWER.replace(b"  },\n  {", b"  },,\n  {", 1)
    with open_archive(zip_with(tmp_path, "follower.js", data)) as archive:
        assert sum(len(a) for a in archive.iter_ids("follower")) == 102


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("account.js", b'window.YTD.account.part0 = [ { "account" : { } '),
        ("account.js", b"window.YTD.account.part0 = { }"),
        ("account.js", EZILRYB["manifest.js"]),
        ("manifest.js", EZILRYB["account.js"]),
        ("manifest.js", b'window.__THAR_CONFIG = { "dataTypes" : { "follower" : { "files" : 3 } } }'),
        ("manifest.js", EZILRYB["manifest.js"].replace(b'"count" : "102"', b'"count" : "many"')),
        ("manifest.js", EZILRYB["manifest.js"].replace(b'"data/follower.js"', b'"data/following.js"')),
    ],
)
def test_malformed_account_or_manifest(tmp_path: Path, name: str, data: bytes) -> None:
    expect_error(errors.MalformedFileError, "malformed", f"data/{name}", zip_with(tmp_path, name, data))


# --- ids that are not numbers -------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        b'"12a3"',
        b"12",
        b"-5",
        b'"-5"',
        b'""',
        b'"18446744073709551616"',
        b'"99999999999999999999"',
        b'"123456789012345678901"',
        b'"1.5"',
        b'"\\u0031"',
        b"null",
        b'" 12"',
    ],
)
def test_ids_that_are_not_numbers(tmp_path: Path, bad: bytes) -> None:
    data = FOLLOWER.replace(b'"accountId" : "879431244420927493"', b'"accountId" : ' + bad)
    assert data != FOLLOWER
    error = expect_error(
        errors.BadIdError, "bad_id", "data/follower.js", zip_with(tmp_path, "follower.js", data)
    )
    assert bad.decode() in error.message


def test_owner_id_that_is_not_a_number(tmp_path: Path) -> None:
    data = EZILRYB["account.js"].replace(b'"2043360286044766208"', b'"@BetaCapitalWEB"')
    expect_error(errors.BadIdError, "bad_id", "data/account.js", zip_with(tmp_path, "account.js", data))


# --- cross-checks with the manifest --------------------------------------------------------------


def test_count_disagrees_with_manifest(tmp_path: Path) -> None:
    manifest = EZILRYB["manifest.js"].replace(b'"count" : "72"', b'"count" : "73"')
    error = expect_error(
        errors.CountMismatchError,
        "count_mismatch",
        "data/following.js",
        zip_with(tmp_path, "manifest.js", manifest),
    )
    assert "72 accounts but the manifest says 73" in error.message


def test_count_of_one_part_disagrees(tmp_path: Path) -> None:
    files = fixture_files("synthetic-multipart")
    files["follower-part1.js"] = b"".join(render_list_js("follower", [1, 2, 3], part=1))
    path = make_zip(tmp_path / "a.zip", files)
    expect_error(errors.CountMismatchError, "count_mismatch", "data/follower-part1.js", path)


def test_count_error_comes_only_after_ids_were_streamed(tmp_path: Path) -> None:
    manifest = EZILRYB["manifest.js"].replace(b'"count" : "102"', b'"count" : "101"')
    with open_archive(zip_with(tmp_path, "manifest.js", manifest)) as archive:
        stream = archive.iter_ids("follower", chunk_bytes=1 * KIB)
        first = next(stream)
        assert len(first) > 0
        with pytest.raises(errors.CountMismatchError):
            list(stream)


def test_owner_disagrees_between_account_and_manifest(tmp_path: Path) -> None:
    manifest = EZILRYB["manifest.js"].replace(b'"accountId" : "2043360286044766208"', b'"accountId" : "12"')
    error = expect_error(
        errors.OwnerMismatchError,
        "owner_mismatch",
        "data/account.js",
        zip_with(tmp_path, "manifest.js", manifest),
    )
    assert "data/manifest.js" in error.message


def test_every_error_class_has_its_own_code() -> None:
    classes = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, errors.ArchiveError)]
    codes = [c.code for c in classes]
    assert len(codes) == len(set(codes)) == 13
    assert (
        repr(errors.BadIdError("f.js", "f.js: bad"))
        == "BadIdError(code='bad_id', file='f.js', message='f.js: bad')"
    )
