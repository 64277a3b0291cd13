"""Helpers shared by the archive tests: where the real fixtures live and how to pack them."""

from __future__ import annotations

import zipfile
from collections.abc import Mapping
from pathlib import Path

import pytest


def shared_fixtures_dir() -> Path:
    """``shared/fixtures/x-archive`` beside the repository (``/work/main/../shared`` here, and in CI),
    or, from a git worktree (whose ``.git`` is a file naming ``<main>/.git/worktrees/<name>``),
    beside the main checkout."""
    repo = Path(__file__).resolve().parents[2]
    candidates = [repo.parent / "shared"]
    if (repo / ".git").is_file():
        gitdir = (repo / ".git").read_text().partition("gitdir:")[2].strip()
        if gitdir:
            candidates.append(Path(gitdir).resolve().parents[2].parent / "shared")
    for shared in candidates:
        if (shared / "fixtures" / "x-archive").is_dir():
            return shared / "fixtures" / "x-archive"
    return candidates[0] / "fixtures" / "x-archive"


FIXTURES_DIR = shared_fixtures_dir()
FIXTURE_NAMES = sorted(p.name for p in FIXTURES_DIR.iterdir() if p.is_dir())


def fixture_files(name: str) -> dict[str, bytes]:
    """The fixture's ``data/*.js`` files by base name."""
    return {p.name: p.read_bytes() for p in sorted((FIXTURES_DIR / name / "data").glob("*.js"))}


def make_zip(
    path: Path,
    files: Mapping[str, bytes],
    *,
    folder: str = "data/",
    top: str | None = None,
    junk: bool = False,
    compression: int = zipfile.ZIP_DEFLATED,
) -> Path:
    """Zip ``files`` under ``[top/]folder``; ``junk`` adds what macOS/Finder re-zips add, plus decoys."""
    prefix = (f"{top}/" if top else "") + folder
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        if junk:
            archive.writestr(f"{top or 'x'}/.DS_Store", b"\x00\x00\x00\x01Bud1")
            archive.writestr(f"{prefix}.DS_Store", b"\x00\x00\x00\x01Bud1")
            archive.writestr(f"__MACOSX/{prefix}._follower.js", b"\x00\x05\x16\x07 AppleDouble")
            archive.writestr(f"__MACOSX/{prefix}follower.js", b"not javascript")
            archive.writestr(f"{top or 'x'}/assets/js/follower.js", b"decoy: not an X data file")
            archive.writestr(f"{top or 'x'}/Your archive.html", b"<html></html>")
        for name, data in files.items():
            archive.writestr(prefix + name, data)
    return path


def write_files(folder: Path, files: Mapping[str, bytes]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in files.items():
        (folder / name).write_bytes(data)
        paths.append(folder / name)
    return paths


@pytest.fixture(params=FIXTURE_NAMES)
def fixture_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)
