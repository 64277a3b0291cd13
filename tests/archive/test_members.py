"""Which member names are taken for which file: anchored, so look-alikes are never picked."""

from __future__ import annotations

from pathlib import Path

import pytest

from envol.archive.members import MemberRole, role_of_name
from envol.archive.parse import check_archive

from .conftest import fixture_files, write_files


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("data/follower.js", MemberRole("follower", 0, "data")),
        ("data/following.js", MemberRole("following", 0, "data")),
        ("follower.js", MemberRole("follower", 0, "")),
        (
            "twitter-2024-11-16-ab12/data/follower-part12.js",
            MemberRole("follower", 12, "twitter-2024-11-16-ab12/data"),
        ),
        ("twitter-2019/following-part1.js", MemberRole("following", 1, "twitter-2019")),
        ("data/account.js", MemberRole("account", 0, "data")),
        ("data/manifest.js", MemberRole("manifest", 0, "data")),
    ],
)
def test_names_we_take(name: str, role: MemberRole) -> None:
    assert role_of_name(name) == role


@pytest.mark.parametrize(
    "name",
    [
        "data/periscope-followers.js",
        "data/follower.js.bak",
        "data/follower.json",
        "data/Follower.js",
        "data/follower-part.js",
        "data/followers.js",
        "data/account-creation-ip.js",
        "data/account-part1.js",
        "__MACOSX/data/follower.js",
        "__MACOSX/twitter/data/._follower.js",
        "data/._follower.js",
        "data/.follower.js",
        "a/b/data/follower.js",
        "top/media/follower.js",
        "data/tweets_media/follower.js",
        "assets/js/follower.js",
        "data/",
        "",
    ],
)
def test_names_we_never_take(name: str) -> None:
    assert role_of_name(name) is None


def test_folder_walk_ignores_media_trees_and_mac_metadata(tmp_path: Path) -> None:
    files = fixture_files("Ezilryb-X")
    write_files(tmp_path / "twitter-2026" / "data", files)
    write_files(tmp_path / "twitter-2026" / "data" / "tweets_media", {"follower.js": b"decoy"})
    write_files(tmp_path / "__MACOSX" / "twitter-2026" / "data", {"following.js": b"decoy"})
    summary = check_archive(tmp_path)
    assert summary.members_used == tuple(
        f"twitter-2026/data/{n}" for n in ("account.js", "manifest.js", "follower.js", "following.js")
    )
