"""Plain data types shared by the archive modules (no I/O here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

Direction = Literal["follower", "following", "block", "mute"]
#: The follow lists: every archive needs one of them, and they are always read.
DIRECTIONS: tuple[Direction, Direction] = ("follower", "following")
#: block.js and mute.js: read only when the person asks Envol to honour them (never required).
SAFETY_LISTS: tuple[Direction, Direction] = ("block", "mute")
LISTS: tuple[Direction, ...] = DIRECTIONS + SAFETY_LISTS
#: The key of each item of a list file: `block.js` items are {"blocking": {"accountId": …}}.
ITEM_KEYS: dict[Direction, str] = {"follower": "follower", "following": "following", "block": "blocking",
                                   "mute": "muting"}  # fmt: skip

U64_MAX = 2**64 - 1
KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB
DEFAULT_CHUNK_BYTES = 8 * MIB


@dataclass(frozen=True)
class ArchiveOwner:
    """The account the archive belongs to."""

    x_id: int
    handle: str
    display_name: str


@dataclass(frozen=True)
class ListPart:
    """One file of a follower/following list (big lists are split into ``-partN`` files)."""

    direction: Direction
    part: int
    member: str
    expected_count: int | None  # from the manifest; None when the manifest does not list this file
    global_name: str | None = None  # e.g. "YTD.follower.part1", from the manifest


@dataclass(frozen=True)
class Limits:
    """Safety limits; the defaults accept every real archive seen (the largest are ~16 GB)."""

    max_member_bytes: int = 64 * GIB  # inflated size of one list file
    max_compression_ratio: float = 100.0  # real follower.js deflates ~10x
    ratio_check_min_bytes: int = 1 * MIB  # tiny files have meaningless ratios
    max_zip_entries: int = 250_000  # zipfile keeps ~600 B per entry in memory
    # zipfile reads the central directory whole; a real archive's is ~100 bytes per entry.
    max_directory_bytes: int = 64 * MIB
    max_document_bytes: int = 16 * MIB  # account.js / manifest.js are read whole (real: < 20 KB)


@dataclass(frozen=True)
class MemberLayout:
    """Where the files we need live inside a zip, folder or set of loose files."""

    lists: dict[Direction, dict[int, str]] = field(default_factory=dict)  # direction -> part -> member
    account: str | None = None
    manifest: str | None = None
    profile: str | None = None  # data/profile.js, when it sits beside the other files


class ByteReader(Protocol):
    """The part of a binary file object the scanners use."""

    def read(self, size: int, /) -> bytes: ...

    def close(self) -> None: ...


class MemberStore(Protocol):
    """A zip, a folder or loose files, seen as named members."""

    label: str  # the path shown in messages about the whole input

    def layout(self) -> MemberLayout: ...

    def check_member(self, member: str, limits: Limits) -> None:
        """Refuse the member from its declared size/method, without reading it."""
        ...

    def open_member(self, member: str, limits: Limits) -> ByteReader: ...

    def close(self) -> None: ...
