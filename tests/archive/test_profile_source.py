"""The owner's profile.js on the server-side path (zip, folder, loose files): found beside the other
files in every layout, read only when the import needs it and within bounds, and never a reason to
refuse an upload: a bad one is logged and the lists are read as without it."""

from __future__ import annotations

import logging
import random
import zipfile
from pathlib import Path

import pytest

from envol.archive.base import DIRECTIONS
from envol.archive.parse import ArchiveSource, check_archive, open_archive
from envol.archive.profile import MAX_PROFILE_BYTES, MAX_TEXT_CHARS, OwnerProfile, parse_profile
from envol.archive.synthetic import render_data_js

from .conftest import fixture_files, make_zip, write_files
from .test_layouts import damage_member

# The one complete real archive that has a profile.js (keithfrankish's lacks its follower.js).
SMWHR = fixture_files("smwhr-old-twitter")
LISTS = {name: SMWHR[name] for name in ("account.js", "manifest.js", "follower.js", "following.js")}


def _ids(archive: ArchiveSource) -> dict[str, list[int]]:
    return {d: [int(i) for c in archive.iter_ids(d) for i in c] for d in DIRECTIONS}


def _profile_js(description: dict[str, str]) -> bytes:
    return render_data_js("YTD.profile.part0", [{"profile": {"description": description}}], "2021")


def _ignored(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("profile ignored")]


def _inputs(tmp_path: Path, how: str, files: dict[str, bytes]) -> Path | list[Path]:
    if how == "zip":
        return make_zip(tmp_path / "archive.zip", files, junk=True)
    if how == "zip, one top folder":
        return make_zip(tmp_path / "archive.zip", files, top="twitter-2022-11-06-abc")
    if how == "2019 zip (files at the root)":
        return make_zip(tmp_path / "archive.zip", files, folder="")
    if how == "folder":
        write_files(tmp_path / "twitter" / "data", files)
        return tmp_path / "twitter"
    # Loose files are recognised by their content: a renamed profile.js is still the profile.
    return write_files(tmp_path, {("upload-7.tmp" if n == "profile.js" else n): d for n, d in files.items()})


@pytest.mark.parametrize(
    "how", ["zip", "zip, one top folder", "2019 zip (files at the root)", "folder", "loose files"]
)
def test_the_real_profile_is_read_in_every_layout(tmp_path: Path, how: str) -> None:
    with open_archive(_inputs(tmp_path, how, SMWHR)) as archive:
        assert archive.profile == parse_profile(SMWHR["profile.js"])
        assert archive.profile is not None
        assert archive.profile.bio.startswith("When in {anywhere} do like the humans do.")
        assert archive.profile.website == "https://t.co/zkGualHtD5"
        assert archive.members_used[-1].endswith(("profile.js", "upload-7.tmp"))
        assert archive.profile is archive.profile  # read once


def test_without_profile_js_there_is_no_profile(tmp_path: Path) -> None:
    with open_archive(make_zip(tmp_path / "archive.zip", LISTS)) as archive:
        assert archive.profile is None
        assert not any(m.endswith("profile.js") for m in archive.members_used)


BAD = {
    "not JSON": b"window.YTD.profile.part0 = [ {",
    "another file's prefix": b"window.YTD.account.part0 = [ ]",
    # Random hex: it deflates only 2:1, so that the size limit, not the zip-bomb ratio, refuses it.
    "larger than the limit": _profile_js(
        {"bio": random.Random(6).randbytes(MAX_PROFILE_BYTES).hex(), "website": ""}  # noqa: S311
    ),
    "a bio too long for X": _profile_js({"bio": "x" * (MAX_TEXT_CHARS + 1), "website": ""}),
    "not UTF-8": b'window.YTD.profile.part0 = [{"profile": {"description": {"bio": "\xff\xfe"}}}]',
}


@pytest.mark.parametrize("why", list(BAD))
def test_a_bad_profile_is_logged_and_the_lists_are_read_as_without_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, why: str
) -> None:
    with open_archive(make_zip(tmp_path / "clean.zip", LISTS)) as clean:
        expected = _ids(clean)
    zipped = make_zip(tmp_path / "archive.zip", {**LISTS, "profile.js": BAD[why]})
    with caplog.at_level(logging.WARNING, logger="envol.archive"), open_archive(zipped) as archive:
        assert archive.profile is None
        assert _ids(archive) == expected
    assert _ignored(caplog) == ["profile ignored: data/profile.js (malformed)"]


def test_a_damaged_profile_member_is_ignored_and_the_cheap_checks_never_read_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    zipped = make_zip(tmp_path / "archive.zip", SMWHR, compression=zipfile.ZIP_STORED)
    damage_member(zipped, "data/profile.js")  # its checksum no longer matches
    with caplog.at_level(logging.WARNING, logger="envol.archive"):
        summary = check_archive(zipped)
        assert summary.profile_member == "data/profile.js"
        assert _ignored(caplog) == []  # validating an upload does not open profile.js
        with open_archive(zipped) as archive:
            assert archive.profile is None
            assert _ids(archive)["follower"]
    assert _ignored(caplog) == ["profile ignored: data/profile.js (truncated)"]


def test_copies_elsewhere_or_twice_are_ignored_rather_than_refused(tmp_path: Path) -> None:
    other = _profile_js({"bio": "someone else", "website": ""})
    # A profile.js away from the archive's own folder is not the owner's (nor a reason to refuse).
    zipped = make_zip(tmp_path / "a.zip", LISTS, top="twitter-2022")
    with zipfile.ZipFile(zipped, "a") as archive:
        archive.writestr("profile.js", other)
    with open_archive(zipped) as opened:
        assert opened.profile is None
        assert _ids(opened)["follower"]
    # Beside it, the one in the archive's folder wins.
    with zipfile.ZipFile(zipped, "a") as archive:
        archive.writestr("twitter-2022/data/profile.js", SMWHR["profile.js"])
    with open_archive(zipped) as opened:
        assert opened.profile == parse_profile(SMWHR["profile.js"])
    # Two loose profile files: which one is the owner's? Neither.
    loose = write_files(
        tmp_path / "loose", {**LISTS, "profile.js": SMWHR["profile.js"], "profile (1).js": other}
    )
    with open_archive(loose) as opened:
        assert opened.profile is None
        assert opened.owner is not None


def test_an_empty_profile_has_empty_texts(tmp_path: Path) -> None:
    empty = render_data_js("YTD.profile.part0", [{"profile": {}}], "2021")
    with open_archive(make_zip(tmp_path / "archive.zip", {**LISTS, "profile.js": empty})) as archive:
        assert archive.profile == OwnerProfile("", "")
