"""Every real fixture, packed every way users and X pack archives, against its golden file."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from envol.archive.base import DIRECTIONS, Direction
from envol.archive.errors import ArchiveError
from envol.archive.parse import ArchiveSource, open_archive

from .conftest import FIXTURE_NAMES, FIXTURES_DIR, fixture_files, make_zip, write_files
from .golden_builder import build_golden, golden_path, read_golden, write_golden
from .reference import checksum

Variant = Callable[[Path, str], tuple[list[Path], str]]


def _folder(tmp: Path, name: str) -> tuple[list[Path], str]:
    return [FIXTURES_DIR / name], name


def _folder_with_top(tmp: Path, name: str) -> tuple[list[Path], str]:
    shutil.copytree(FIXTURES_DIR / name / "data", tmp / "upload" / "twitter-2024-11-16-abc" / "data")
    (tmp / "upload" / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    return [tmp / "upload"], "upload"


def _zip_data(tmp: Path, name: str) -> tuple[list[Path], str]:
    return [make_zip(tmp / "archive.zip", fixture_files(name))], "archive.zip"


def _zip_top_junk(tmp: Path, name: str) -> tuple[list[Path], str]:
    files = fixture_files(name)
    return [make_zip(tmp / "rezip.zip", files, top="twitter-2024-11-16-abc", junk=True)], "rezip.zip"


def _zip_root(tmp: Path, name: str) -> tuple[list[Path], str]:
    return [make_zip(tmp / "root.zip", fixture_files(name), folder="")], "root.zip"


def _loose(tmp: Path, name: str) -> tuple[list[Path], str]:
    return write_files(tmp / "loose", fixture_files(name)), "the uploaded files"


VARIANTS: dict[str, Variant] = {
    "folder": _folder,
    "folder_with_top": _folder_with_top,
    "zip_data": _zip_data,
    "zip_top_junk": _zip_top_junk,
    "zip_root": _zip_root,
    "loose": _loose,
}


def read_all(archive: ArchiveSource, direction: Direction, chunk_bytes: int = 1 << 20) -> list[int]:
    arrays = list(archive.iter_ids(direction, chunk_bytes=chunk_bytes))
    assert all(a.dtype == np.uint64 and a.ndim == 1 for a in arrays)
    return [int(i) for i in np.concatenate(arrays)] if arrays else []


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_golden_file_matches_reference_reading(name: str) -> None:
    if os.environ.get("ENVOL_UPDATE_GOLDEN") == "1":
        write_golden(name)
    assert golden_path(name).exists(), f"missing golden file for {name}"
    assert read_golden(name) == build_golden(name)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_fixture_parses_to_golden(tmp_path: Path, name: str, variant: str) -> None:
    golden = read_golden(name)
    paths, label = VARIANTS[variant](tmp_path, name)
    error = golden["archive_error"]
    if error is not None:
        assert isinstance(error, dict)
        with pytest.raises(ArchiveError) as raised:
            open_archive(paths)
        assert raised.value.code == error["code"]
        assert raised.value.file == (error["file"] or label)
        assert raised.value.file in raised.value.message
        return
    with open_archive(paths) as archive:
        owner = archive.owner
        assert owner is not None
        assert {
            "x_id": str(owner.x_id),
            "handle": owner.handle,
            "display_name": owner.display_name,
        } == golden["owner"]
        assert {d: archive.expected_counts[d] for d in DIRECTIONS} == golden["manifest_counts"]
        lists = {d: checksum(read_all(archive, d)) for d in DIRECTIONS}
    assert lists == golden["lists"]
    assert {d: lists[d]["count"] for d in DIRECTIONS} == golden["manifest_counts"]


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_present_lists_parse_without_manifest(tmp_path: Path, name: str) -> None:
    """Loose list files plus account.js (a common upload) give the golden ids even for incomplete fixtures."""
    golden = read_golden(name)
    files = {k: v for k, v in fixture_files(name).items() if k != "manifest.js"}
    if not any(golden["lists"].values()):
        with pytest.raises(ArchiveError) as raised:
            open_archive(write_files(tmp_path, files))
        assert raised.value.code == "no_lists"
        return
    with open_archive(write_files(tmp_path, files)) as archive:
        assert {d: archive.expected_counts[d] for d in DIRECTIONS} == {"follower": None, "following": None}
        assert archive.owner is not None
        assert str(archive.owner.x_id) == golden["owner"]["x_id"]
        lists = {
            d: checksum(read_all(archive, d, chunk_bytes=97)) if archive.summary.list_parts[d] else None
            for d in DIRECTIONS
        }
    assert lists == golden["lists"]
