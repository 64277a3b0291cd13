"""Find the files we need among the member names of a zip or folder, by name only.

Accepted places (X's own layouts plus what users do when they re-zip an extracted archive):
``data/<file>`` (2020+), ``<file>`` at the root (2018-2020), and either under one extra top folder
(``twitter-2024-…/data/<file>``). ``__MACOSX/`` and dot-files are ignored. Names are matched whole,
so ``periscope-followers.js`` is never taken for ``follower.js``.

``profile.js`` (the owner's bio and website) is only a source of suggestions, so it never makes an
upload fail: a copy outside the folder of the other files, or two copies, are ignored instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, cast

from envol.archive.base import Direction, MemberLayout
from envol.archive.errors import DuplicateMemberError

Kind = Literal["follower", "following", "block", "mute", "account", "manifest", "profile"]

# account.js, manifest.js and profile.js are never split; the lists may be (follower-part1.js, …).
_FILE_NAME_RE = re.compile(
    r"^(?:(?P<list>follower|following|block|mute)(?:-part(?P<part>\d{1,6}))?|(?P<single>account|manifest|profile))\.js$"
)


@dataclass(frozen=True)
class MemberRole:
    kind: Kind
    part: int
    folder: str  # the member's folder ("", "data", "top/data" or "top")


def role_of_name(name: str) -> MemberRole | None:
    """The role of a member named ``name`` (posix path), or None if we do not need it."""
    *folders, base = name.split("/")
    if not folders and not base:
        return None
    if any(f == "__MACOSX" for f in folders) or base.startswith("."):
        return None
    if len(folders) > 2 or (len(folders) == 2 and folders[1] != "data"):
        return None
    match = _FILE_NAME_RE.match(base)
    if match is None:
        return None
    kind = cast(Kind, match["list"] or match["single"])
    return MemberRole(kind=kind, part=int(match["part"] or 0), folder="/".join(folders))


def may_hold_needed_files(folder_parts: tuple[str, ...]) -> bool:
    """Whether a folder walk should descend into this folder (to skip media trees)."""
    if not folder_parts:
        return True
    if folder_parts[0] == "__MACOSX" or folder_parts[0].startswith("."):
        return False
    return len(folder_parts) == 1 or (len(folder_parts) == 2 and folder_parts[1] == "data")


def build_layout(roles: Iterable[tuple[str, MemberRole]], label: str) -> MemberLayout:
    """Group (member, role) pairs into a layout, refusing duplicates and mixed archives."""
    seen: dict[tuple[Kind, int], str] = {}
    folders: dict[str, str] = {}
    profiles: list[tuple[str, MemberRole]] = []
    for member, role in roles:
        if role.kind == "profile":
            profiles.append((member, role))
            continue
        key = (role.kind, role.part)
        if key in seen:
            raise DuplicateMemberError(
                member,
                f"{label} contains two copies of the same data file: {seen[key]} and {member}. "
                "Upload a single archive, without extra copies of its files.",
            )
        seen[key] = member
        folders.setdefault(role.folder, member)
    if len(folders) > 1:
        first, second = list(folders.values())[:2]
        raise DuplicateMemberError(
            second,
            f"{label} mixes data files from different folders ({first} and {second}); "
            "it looks like several archives were combined. Upload one archive at a time.",
        )
    lists: dict[Direction, dict[int, str]] = {"follower": {}, "following": {}, "block": {}, "mute": {}}
    layout_account: str | None = None
    layout_manifest: str | None = None
    for (kind, part), member in seen.items():
        if kind == "account":
            layout_account = member
        elif kind == "manifest":
            layout_manifest = member
        elif kind != "profile":  # (profiles never reach `seen`: they were set aside above)
            lists[kind][part] = member
    folder = next(iter(folders), None)
    beside = [member for member, role in profiles if role.folder == folder]
    return MemberLayout(
        lists=lists,
        account=layout_account,
        manifest=layout_manifest,
        profile=beside[0] if len(beside) == 1 else None,  # two copies: which one is the owner's?
    )


def layout_from_names(names: Iterable[str], label: str) -> MemberLayout:
    pairs = []
    for name in names:
        role = role_of_name(name)
        if role is not None:
            pairs.append((name, role))
    return build_layout(pairs, label)
