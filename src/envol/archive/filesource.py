"""Plain files: an extracted archive folder, or loose ``.js`` files uploaded one by one."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO, cast

from envol.archive.base import ByteReader, Limits, MemberLayout
from envol.archive.errors import MalformedFileError, ZipBombError
from envol.archive.jsfile import match_prefix, read_head
from envol.archive.members import (
    Kind,
    MemberRole,
    build_layout,
    layout_from_names,
    may_hold_needed_files,
)


class LimitedFileReader:
    """Reads a file but refuses to return more than ``max_bytes`` in total (it may grow meanwhile)."""

    def __init__(self, file: BinaryIO, member: str, max_bytes: int) -> None:
        self._file = file
        self._member, self._max_bytes, self._read = member, max_bytes, 0

    def read(self, size: int, /) -> bytes:
        data = self._file.read(size)
        self._read += len(data)
        if self._read > self._max_bytes:
            raise ZipBombError(
                self._member, f"{self._member} is larger than the {self._max_bytes:,}-byte limit."
            )
        return data

    def close(self) -> None:
        self._file.close()


class _PlainFiles:
    """Members that are files on disk, keyed by the name shown in messages."""

    label: str

    def __init__(self) -> None:
        self._paths: dict[str, Path] = {}

    def check_member(self, member: str, limits: Limits) -> None:
        size = self._paths[member].stat().st_size
        if size > limits.max_member_bytes:
            raise ZipBombError(
                member, f"{member} is {size:,} bytes, more than the {limits.max_member_bytes:,}-byte limit."
            )

    def open_member(self, member: str, limits: Limits) -> ByteReader:
        self.check_member(member, limits)
        return LimitedFileReader(self._paths[member].open("rb"), member, limits.max_member_bytes)

    def close(self) -> None:
        """Nothing is held open between reads."""


class FolderStore(_PlainFiles):
    """An extracted archive: ``data/…``, files at the root, or either under one extra top folder."""

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.label = root.name or str(root)
        for relative in _walk_needed_files(root):
            self._paths[relative] = root.joinpath(*relative.split("/"))

    def layout(self) -> MemberLayout:
        return layout_from_names(self._paths, self.label)


class LooseFilesStore(_PlainFiles):
    """Loose ``.js`` files, recognised by their ``window.YTD.<type>`` prefix rather than their name
    (uploads are often renamed: ``follower (1).js``, temporary file names, …)."""

    def __init__(self, paths: Sequence[Path]) -> None:
        super().__init__()
        self.label = "the uploaded files"  # envol.archive.messages.LOOSE_FILES: pages translate it
        self._roles: list[tuple[str, MemberRole]] = []
        for path in paths:
            member = path.name if path.name not in self._paths else str(path)
            self._paths[member] = path
            role = _sniff_role(path, member)
            if role is not None:
                self._roles.append((member, role))

    def layout(self) -> MemberLayout:
        return build_layout(self._roles, self.label)


def _sniff_role(path: Path, member: str) -> MemberRole | None:
    """The role of a loose file from its first bytes; None for X files we do not need (tweets.js…)."""
    with path.open("rb") as file:
        prefix = match_prefix(read_head(file))
    if prefix is None:
        raise MalformedFileError(
            member, f"{member} is not a file from an X archive (it does not start with window.YTD)."
        )
    if prefix.data_type is None:
        return MemberRole(kind="manifest", part=0, folder="")
    if prefix.data_type in ("follower", "following", "account", "profile"):
        return MemberRole(kind=cast(Kind, prefix.data_type), part=prefix.part or 0, folder="")
    return None


def _walk_needed_files(root: Path) -> Iterator[str]:
    """Relative posix names of files in the folders that may hold our files (skips media trees)."""
    pending: list[tuple[str, ...]] = [()]
    while pending:
        parts = pending.pop()
        with os.scandir(root.joinpath(*parts)) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if may_hold_needed_files((*parts, entry.name)):
                        pending.append((*parts, entry.name))
                elif entry.is_file():
                    yield "/".join((*parts, entry.name))
