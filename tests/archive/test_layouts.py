"""Byte-level and packing variants that real archives and user re-zips produce."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from envol.archive.base import MIB, Direction
from envol.archive.parse import ArchiveSource, check_archive, open_archive
from envol.archive.synthetic import Layout, render_data_js, render_list_js, write_synthetic_archive

from .conftest import FIXTURES_DIR, fixture_files, make_zip, write_files
from .reference import list_ids
from .zipcraft import (
    deflate64_with_long_match,
    entry_for,
    force_zip64_end_records,
    raw_deflate,
    write_raw_zip,
)

EZILRYB = fixture_files("Ezilryb-X")
EZILRYB_FOLLOWERS = list_ids(EZILRYB["follower.js"], "follower")
EZILRYB_FOLLOWING = list_ids(EZILRYB["following.js"], "following")


def ids_of(archive: ArchiveSource, direction: Direction, chunk_bytes: int = 1 * MIB) -> list[int]:
    arrays = list(archive.iter_ids(direction, chunk_bytes=chunk_bytes))
    return np.concatenate(arrays).tolist() if arrays else []


def transformed(transform: str, data: bytes) -> bytes:
    if transform == "bom":
        return b"\xef\xbb\xbf" + data
    if transform == "crlf":
        return data.replace(b"\n", b"\r\n")
    if transform == "semicolon":
        return data + b";\n"
    if transform == "all":
        return b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n") + b";\r\n"
    raise AssertionError(transform)


@pytest.mark.parametrize("transform", ["bom", "crlf", "semicolon", "all"])
@pytest.mark.parametrize("chunk_bytes", [1, 61, 4096, 1 * MIB])
def test_bom_crlf_and_trailing_semicolon_are_tolerated(
    tmp_path: Path, transform: str, chunk_bytes: int
) -> None:
    files = {name: transformed(transform, data) for name, data in EZILRYB.items()}
    with open_archive(make_zip(tmp_path / "a.zip", files)) as archive:
        assert archive.owner is not None
        assert archive.owner.handle == "BetaCapitalWEB"
        assert ids_of(archive, "follower", chunk_bytes) == EZILRYB_FOLLOWERS
        assert ids_of(archive, "following", chunk_bytes) == EZILRYB_FOLLOWING


@pytest.mark.parametrize("layout", ["2021", "2020"])
def test_compact_and_expanded_layouts_give_the_same_ids(tmp_path: Path, layout: Layout) -> None:
    files = {
        "follower.js": b"".join(render_list_js("follower", EZILRYB_FOLLOWERS, layout=layout)),
        "following.js": b"".join(render_list_js("following", EZILRYB_FOLLOWING, layout=layout)),
    }
    assert (b"}, {" in files["follower.js"]) == (layout == "2020")
    with open_archive(write_files(tmp_path, files)) as archive:
        assert ids_of(archive, "follower", 100) == EZILRYB_FOLLOWERS
        assert ids_of(archive, "following", 100) == EZILRYB_FOLLOWING


def test_minified_json_without_any_whitespace(tmp_path: Path) -> None:
    body = ",".join(
        f'{{"follower":{{"accountId":"{i}","userLink":"x?user_id={i}"}}}}' for i in EZILRYB_FOLLOWERS
    )
    path = tmp_path / "follower.js"
    path.write_text(f"window.YTD.follower.part0=[{body}]")
    with open_archive([path]) as archive:
        assert ids_of(archive, "follower", 33) == EZILRYB_FOLLOWERS


@pytest.mark.parametrize("empty", [b"[]", b"[ ]", b"[\n]", b"[ ];"])
def test_empty_lists_in_every_spelling(tmp_path: Path, empty: bytes) -> None:
    files = dict(EZILRYB)
    files["following.js"] = b"window.YTD.following.part0 = " + empty
    manifest = files["manifest.js"].replace(b'"count" : "72"', b'"count" : "0"')
    files["manifest.js"] = manifest
    with open_archive(make_zip(tmp_path / "a.zip", files)) as archive:
        assert archive.expected_counts == {"follower": 102, "following": 0}
        assert ids_of(archive, "following") == []
        assert ids_of(archive, "follower") == EZILRYB_FOLLOWERS


def test_zip64_records_are_read(tmp_path: Path) -> None:
    path = tmp_path / "zip64.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for name, data in EZILRYB.items():
            with archive.open(f"data/{name}", "w", force_zip64=True) as member:
                member.write(data)
    force_zip64_end_records(path)
    raw = path.read_bytes()
    assert raw.count(b"PK\x03\x04") == raw.count(b"PK\x03\x04\x2d\x00") == len(EZILRYB)  # zip64 "version 4.5"
    assert b"PK\x06\x06" in raw
    assert b"PK\x06\x07" in raw
    with open_archive(path) as archive:
        assert ids_of(archive, "follower") == EZILRYB_FOLLOWERS


def test_synthetic_zip64_archive_from_the_writer(tmp_path: Path) -> None:
    written = write_synthetic_archive(
        tmp_path / "a.zip", owner_id=1, handle="o", followers=3000, force_zip64=True
    )
    with open_archive(written.path) as archive:
        assert sum(len(a) for a in archive.iter_ids("follower")) == 3000


def test_deflate64_member_is_decoded_as_deflate64(tmp_path: Path) -> None:
    text = EZILRYB["follower.js"][:-1]  # without its final "]"
    stream, content = deflate64_with_long_match(text, run=40_000)
    entries = [entry_for("data/follower.js", content, 9, stream)]
    with open_archive(write_raw_zip(tmp_path / "d64.zip", entries)) as archive:
        assert ids_of(archive, "follower", 4096) == EZILRYB_FOLLOWERS


def test_deflate64_huffman_only_members_of_a_whole_archive(tmp_path: Path) -> None:
    entries = [
        entry_for(f"data/{name}", data, 9, raw_deflate(data, zlib_strategy_huffman()))
        for name, data in EZILRYB.items()
    ]
    with open_archive(write_raw_zip(tmp_path / "d64.zip", entries)) as archive:
        assert archive.owner is not None
        assert archive.owner.x_id == 2043360286044766208
        assert ids_of(archive, "following") == EZILRYB_FOLLOWING


def zlib_strategy_huffman() -> int:
    import zlib

    return zlib.Z_HUFFMAN_ONLY


def test_stored_members_are_read(tmp_path: Path) -> None:
    with open_archive(make_zip(tmp_path / "a.zip", EZILRYB, compression=zipfile.ZIP_STORED)) as archive:
        assert ids_of(archive, "follower", 50) == EZILRYB_FOLLOWERS


def test_synthetic_multipart_fixture_reads_parts_in_order() -> None:
    with open_archive(FIXTURES_DIR / "synthetic-multipart") as archive:
        parts = archive.summary.list_parts["follower"]
        assert [(p.member, p.part, p.expected_count) for p in parts] == [
            ("data/follower.js", 0, 3),
            ("data/follower-part1.js", 1, 2),
        ]
        assert ids_of(archive, "follower") == [
            4402487665,
            1160876273137374942,
            4668466722,
            1000000000000000001,
            90000001,
        ]


def test_split_parts_found_only_by_name(tmp_path: Path) -> None:
    """No manifest (2018-2020 root layout): parts are discovered by their anchored names."""
    followers = list(range(1, 26))
    written = write_synthetic_archive(
        tmp_path / "a.zip", owner_id=9, handle="o", followers=followers, layout="2019", split_every=10
    )
    assert written.members == (
        "account.js",
        "follower.js",
        "follower-part1.js",
        "follower-part2.js",
        "following.js",
    )
    with open_archive(written.path) as archive:
        assert [p.part for p in archive.summary.list_parts["follower"]] == [0, 1, 2]
        assert archive.expected_counts == {"follower": None, "following": None}
        assert ids_of(archive, "follower", 64) == followers


def test_part_not_in_the_manifest_is_still_read(tmp_path: Path) -> None:
    files = dict(EZILRYB)
    files["follower-part1.js"] = b"".join(render_list_js("follower", [5, 6], part=1))
    with open_archive(make_zip(tmp_path / "a.zip", files)) as archive:
        assert archive.expected_counts["follower"] is None  # the manifest's total no longer covers every part
        assert ids_of(archive, "follower") == [*EZILRYB_FOLLOWERS, 5, 6]


def test_periscope_followers_and_media_are_never_taken_or_read(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "a.zip", EZILRYB, top="twitter-2026", junk=True)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(
            "twitter-2026/data/periscope-followers.js", b"window.YTD.periscope_followers.part0 = [ ]"
        )
        archive.writestr("twitter-2026/data/tweets.js", b"garbage that would fail to parse")
        archive.writestr("twitter-2026/data/tweets_media/1-a.jpg", b"\xff\xd8" + b"\x00" * 1000)
    damage_member(path, "twitter-2026/data/tweets_media/1-a.jpg")  # reading it would fail its CRC
    with open_archive(path) as archive:
        assert set(archive.members_used) == {f"twitter-2026/data/{n}" for n in EZILRYB if n != "README.txt"}
        assert ids_of(archive, "follower") == EZILRYB_FOLLOWERS


def damage_member(path: Path, name: str) -> None:
    """Flip the last byte of a member's data in place."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
    data = bytearray(path.read_bytes())
    data_start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[data_start + info.compress_size - 1] ^= 0xFF
    path.write_bytes(bytes(data))


def test_loose_files_are_recognised_by_content_not_name(tmp_path: Path) -> None:
    paths = write_files(
        tmp_path,
        {
            "follower (1).js": EZILRYB["follower.js"],
            "tmpab12.upload": EZILRYB["following.js"],
            "account.js": EZILRYB["account.js"],
            "profile.js": render_data_js("YTD.profile.part0", [], "2021"),
        },
    )
    with open_archive(paths) as archive:
        assert archive.owner is not None
        assert archive.owner.handle == "BetaCapitalWEB"
        assert ids_of(archive, "follower") == EZILRYB_FOLLOWERS
        assert ids_of(archive, "following") == EZILRYB_FOLLOWING


def test_a_single_loose_list_is_enough(tmp_path: Path) -> None:
    summary = check_archive(write_files(tmp_path, {"following.js": EZILRYB["following.js"]}))
    assert summary.owner is None
    assert summary.list_parts["follower"] == ()
    assert summary.members_used == ("following.js",)


def test_check_archive_reads_no_ids(tmp_path: Path) -> None:
    files = dict(EZILRYB)
    files["follower.js"] = files["follower.js"].replace(b'"2029719331123384322"', b'"20297x"')
    summary = check_archive(make_zip(tmp_path / "a.zip", files))  # the bad id is not seen by check
    assert summary.expected_counts == {"follower": 102, "following": 72}
    assert summary.owner is not None
    assert summary.owner.display_name == "BetaCapital"
