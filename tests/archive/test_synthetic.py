"""The synthetic writer produces exactly X's bytes (checked against every real fixture file)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

from envol.archive.base import DIRECTIONS
from envol.archive.parse import open_archive
from envol.archive.profile import OwnerProfile
from envol.archive.synthetic import (
    Layout,
    jackson_json,
    render_data_js,
    render_list_js,
    synthetic_ids,
    write_synthetic_archive,
)

from .conftest import FIXTURE_NAMES, FIXTURES_DIR, fixture_files
from .reference import list_ids, load_js

REAL_FIXTURES = [n for n in FIXTURE_NAMES if n != "synthetic-multipart"]
_GLOBAL = re.compile(rb"^window\.(\S+) = ")


def layout_of(data: bytes) -> Layout:
    return "2020" if re.match(rb"^window\.\S+ = \[( \{|\]$)", data) else "2021"


@pytest.mark.parametrize("name", REAL_FIXTURES)
def test_every_real_data_file_is_re_rendered_byte_for_byte(name: str) -> None:
    for file_name, data in fixture_files(name).items():
        match = _GLOBAL.match(data)
        assert match is not None
        doc = load_js(data)
        if file_name == "manifest.js":
            rendered = f"window.__THAR_CONFIG = {jackson_json(doc)}".encode()
        else:
            assert isinstance(doc, list)
            rendered = render_data_js(match[1].decode(), doc, layout_of(data))
        assert rendered == data, f"{name}/{file_name}"


@pytest.mark.parametrize("name", REAL_FIXTURES)
def test_real_lists_are_re_rendered_from_their_ids(name: str) -> None:
    files = fixture_files(name)
    for direction in DIRECTIONS:
        if f"{direction}.js" in files:
            data = files[f"{direction}.js"]
            ids = list_ids(data, direction)
            rendered = b"".join(render_list_js(direction, ids, layout=layout_of(data)))
            assert rendered == data


def test_writer_reproduces_the_synthetic_multipart_fixture(tmp_path: Path) -> None:
    written = write_synthetic_archive(
        tmp_path / "a.zip",
        owner_id=1234567890,
        handle="synthetic_user",
        display_name="Synthetic User",
        followers=[4402487665, 1160876273137374942, 4668466722, 1000000000000000001, 90000001],
        following=[1000000000000000002, 12],
        split_every=3,
        size_bytes=4096,
    )
    assert written.counts == {"follower": 5, "following": 2}
    with zipfile.ZipFile(written.path) as archive:
        assert sorted(archive.namelist()) == sorted(f"data/{n}" for n in fixture_files("synthetic-multipart"))
        for name in archive.namelist():
            assert archive.read(name) == (FIXTURES_DIR / "synthetic-multipart" / name).read_bytes(), name


def test_counted_ids_are_deterministic_and_differ_between_lists(tmp_path: Path) -> None:
    first = write_synthetic_archive(
        tmp_path / "1.zip", owner_id=1, handle="o", followers=500, following=500, seed=3
    )
    again = write_synthetic_archive(
        tmp_path / "2.zip", owner_id=1, handle="o", followers=500, following=500, seed=3
    )
    with zipfile.ZipFile(first.path) as one, zipfile.ZipFile(again.path) as two:
        assert one.read("data/follower.js") == two.read("data/follower.js")
        assert one.read("data/follower.js")[40:] != one.read("data/following.js")[41:]
    with open_archive(first.path) as archive:
        ids = np.concatenate(list(archive.iter_ids("follower")))
    assert ids.tolist() == np.concatenate(list(synthetic_ids(500, 3))).tolist()
    assert (ids > 2**32).any()
    assert (ids < 2**32).any()


def test_split_lists_are_listed_in_the_manifest(tmp_path: Path) -> None:
    written = write_synthetic_archive(
        tmp_path / "a.zip",
        owner_id=1,
        handle="o",
        followers=(i for i in range(25)),
        following=[],
        split_every=10,
    )
    assert written.members == (
        "data/account.js",
        "data/follower.js",
        "data/follower-part1.js",
        "data/follower-part2.js",
        "data/following.js",
        "data/manifest.js",
    )
    with zipfile.ZipFile(written.path) as archive:
        manifest = load_js(archive.read("data/manifest.js"))
        assert archive.read("data/following.js") == b"window.YTD.following.part0 = [ ]"
        assert not archive.read("data/follower-part2.js").endswith(b"\n")
    assert manifest["dataTypes"]["follower"]["files"] == [
        {"fileName": "data/follower.js", "globalName": "YTD.follower.part0", "count": "10"},
        {"fileName": "data/follower-part1.js", "globalName": "YTD.follower.part1", "count": "10"},
        {"fileName": "data/follower-part2.js", "globalName": "YTD.follower.part2", "count": "5"},
    ]
    with open_archive(written.path) as archive:
        assert archive.expected_counts == {"follower": 25, "following": 0}


def test_2019_layout_has_root_files_and_no_manifest(tmp_path: Path) -> None:
    written = write_synthetic_archive(
        tmp_path / "a.zip",
        owner_id=7,
        handle="o",
        followers=[1, 2],
        layout="2019",
        top_folder="twitter-2019-05-01",
    )
    assert written.members == (
        "twitter-2019-05-01/account.js",
        "twitter-2019-05-01/follower.js",
        "twitter-2019-05-01/following.js",
    )
    with zipfile.ZipFile(written.path) as archive:
        assert archive.read("twitter-2019-05-01/following.js") == b"window.YTD.following.part0 = []"
        assert archive.read("twitter-2019-05-01/account.js").startswith(b"window.YTD.account.part0 = [ {\n")


@pytest.mark.parametrize("layout", ["2021", "2020"])
def test_a_bio_writes_profile_js_as_x_does(tmp_path: Path, layout: Layout) -> None:
    written = write_synthetic_archive(tmp_path / "a.zip", owner_id=7, handle="me", followers=3, layout=layout,
                                      bio="Now at @me@piaille.test", website="https://t.co/x")  # fmt: skip
    with zipfile.ZipFile(written.path) as archive:
        data = archive.read("data/profile.js")
    # The real smwhr profile.js (2022) is laid out like "2021", keithfrankish's (2020) like "2020".
    real = fixture_files("smwhr-old-twitter" if layout == "2021" else "keithfrankish-twitter-data")
    assert data.split(b'"bio"')[0] == real["profile.js"].split(b'"bio"')[0]
    with open_archive(written.path) as opened:
        assert opened.profile == OwnerProfile("Now at @me@piaille.test", "https://t.co/x")
