"""Public entry point: open an X archive and stream its follower/following ids.

    with open_archive([path]) as archive:      # cheap checks happen here, before any id is read
        owner = archive.owner
        for ids in archive.iter_ids("follower"):  # numpy uint64 arrays, bounded memory
            ...
        for ids in archive.iter_ids("following"):
            ...
        if archive.has_list("block"):           # block.js / mute.js, only when the person opted in
            for ids in archive.iter_ids("block"):
                ...

A count that disagrees with the manifest raises at the end of that list file (so at the latest at
the end of the stream): a caller that commits only once the stream is exhausted never commits a bad
list. Malformed text, bad ids and zip damage raise as soon as they are met.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import TracebackType

import numpy as np
from numpy.typing import NDArray

from envol.archive.base import (
    DEFAULT_CHUNK_BYTES,
    DIRECTIONS,
    LISTS,
    SAFETY_LISTS,
    ArchiveOwner,
    Direction,
    Limits,
    ListPart,
    MemberLayout,
    MemberStore,
)
from envol.archive.errors import (
    ArchiveError,
    CountMismatchError,
    MalformedFileError,
    MissingListError,
    NoListsError,
    NotAZipError,
    OwnerMismatchError,
    UnsupportedInputError,
)
from envol.archive.filesource import FolderStore, LooseFilesStore
from envol.archive.jsfile import JsPrefix, load_js_document, match_prefix, read_head, scan_list_ids
from envol.archive.manifest import Manifest, ManifestFile, parse_account, parse_manifest
from envol.archive.members import role_of_name
from envol.archive.profile import OwnerProfile, read_profile
from envol.archive.readahead import ReadAhead
from envol.archive.zipsource import ZipStore, looks_like_zip

__all__ = ["ArchiveSource", "ArchiveSummary", "check_archive", "open_archive"]

logger = logging.getLogger("envol.archive")


@dataclass(frozen=True)
class ArchiveSummary:
    """What the cheap checks learned, before any id is read."""

    owner: ArchiveOwner | None
    expected_counts: dict[Direction, int | None]  # from the manifest; None when it does not say
    list_parts: dict[Direction, tuple[ListPart, ...]]
    members_used: tuple[str, ...]  # every file that is or will be read, for messages and logs
    profile_member: str | None = None  # data/profile.js, read only when ingested (``ArchiveSource.profile``)


def open_archive(paths: Path | Sequence[Path], *, limits: Limits | None = None) -> ArchiveSource:
    """Open a zip, an extracted folder, or loose .js files, and run every cheap check."""
    limits = limits or Limits()
    store = _open_store([paths] if isinstance(paths, Path) else list(paths), limits)
    try:
        return ArchiveSource(store, limits)
    except BaseException:
        store.close()
        raise


def check_archive(paths: Path | Sequence[Path], *, limits: Limits | None = None) -> ArchiveSummary:
    """Validate an upload without reading its ids (owner, lists present, zip sanity, size limits)."""
    with open_archive(paths, limits=limits) as archive:
        return archive.summary


class ArchiveSource:
    def __init__(self, store: MemberStore, limits: Limits) -> None:
        self._store, self._limits = store, limits
        self.summary = _summarise(store, limits)

    @property
    def owner(self) -> ArchiveOwner | None:
        return self.summary.owner

    @property
    def expected_counts(self) -> dict[Direction, int | None]:
        return self.summary.expected_counts

    @property
    def members_used(self) -> tuple[str, ...]:
        return self.summary.members_used

    def has_list(self, direction: Direction) -> bool:
        return bool(self.summary.list_parts[direction])

    @cached_property
    def profile(self) -> OwnerProfile | None:
        """The owner's bio and website from profile.js; None when there is none or it cannot be
        read. It only feeds suggestions, so a bad one is logged and the import goes on without it."""
        member = self.summary.profile_member
        if member is None:
            return None
        try:
            reader = self._store.open_member(member, self._limits)
            try:
                return read_profile(reader, member)
            finally:
                reader.close()
        except ArchiveError as error:
            logger.warning("profile ignored: %s (%s)", member, error.code)
            return None

    def iter_ids(
        self, direction: Direction, *, chunk_bytes: int = DEFAULT_CHUNK_BYTES
    ) -> Iterator[NDArray[np.uint64]]:
        """Yield the ids of one list as uint64 arrays, part after part; a part whose id count
        disagrees with the manifest raises once it has been read."""
        if chunk_bytes < 1:
            raise ValueError("chunk_bytes must be positive")
        if direction in SAFETY_LISTS:
            for part in self.summary.list_parts[direction]:
                self._store.check_member(part.member, self._limits)
        # Per-part checks suffice: the manifest's total is the sum of its parts.
        for part in self.summary.list_parts[direction]:
            reader = ReadAhead(self._store.open_member(part.member, self._limits), chunk_bytes)
            try:
                count = yield from scan_list_ids(
                    reader,
                    member=part.member,
                    direction=direction,
                    expected_global_name=part.global_name,
                    chunk_bytes=chunk_bytes,
                )
            finally:
                reader.close()
            if part.expected_count is not None and count != part.expected_count:
                raise CountMismatchError(
                    part.member,
                    f"{part.member} holds {count:,} accounts but the manifest says {part.expected_count:,}.",
                )

    def close(self) -> None:
        self._store.close()

    def __enter__(self) -> ArchiveSource:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _open_store(paths: list[Path], limits: Limits) -> MemberStore:
    if not paths:
        raise UnsupportedInputError("", "No file was given.")
    if len(paths) == 1 and paths[0].is_dir():
        return FolderStore(paths[0])
    for path in paths:
        if not path.is_file():
            raise UnsupportedInputError(path.name, f"{path.name} is not a file or a folder we can read.")
    if len(paths) == 1:
        path = paths[0]
        if looks_like_zip(path):
            return ZipStore(path, limits)
        with path.open("rb") as file:
            if match_prefix(read_head(file)) is None:
                raise NotAZipError(path.name, f"{path.name} is not a zip archive nor an X data file.")
        return LooseFilesStore(paths)
    for path in paths:
        if looks_like_zip(path):
            raise UnsupportedInputError(
                path.name,
                f"{path.name} is a zip: upload either one zip archive, or loose .js files, not both.",
            )
    return LooseFilesStore(paths)


def _summarise(store: MemberStore, limits: Limits) -> ArchiveSummary:
    layout = store.layout()
    if not any(layout.lists[direction] for direction in DIRECTIONS):
        raise NoListsError(
            store.label,
            f"{store.label} contains neither follower.js nor following.js, so it has no list to import.",
        )
    manifest = _read_manifest(store, layout.manifest, limits)
    owner = _owner(store, layout, manifest, limits)
    list_parts = {d: _plan_parts(d, layout, manifest, layout.manifest or "") for d in LISTS}
    # The follow lists' totals; block and mute parts are checked against the manifest one by one.
    expected_counts = {d: _expected_count(list_parts[d], manifest, d) for d in DIRECTIONS}
    # block.js and mute.js are checked only if they are read (the person's opt-in): an archive
    # whose follow lists are fine is never refused for a file the person did not ask Envol to use.
    for direction in DIRECTIONS:
        for part in list_parts[direction]:
            store.check_member(part.member, limits)
    members = [m for m in (layout.account, layout.manifest) if m is not None]
    members += [part.member for direction in DIRECTIONS for part in list_parts[direction]]
    members += [layout.profile] if layout.profile is not None else []
    return ArchiveSummary(owner, expected_counts, list_parts, tuple(members), layout.profile)


def _expected_count(
    parts: tuple[ListPart, ...], manifest: Manifest | None, direction: Direction
) -> int | None:
    """The manifest's total, unless it does not list this type or misses a part we found by name."""
    listed = manifest.lists.get(direction) if manifest else None
    if listed is None or any(part.expected_count is None for part in parts):
        return None
    return sum(entry.count for entry in listed)


def _read_document(store: MemberStore, member: str, limits: Limits) -> tuple[JsPrefix, object]:
    reader = store.open_member(member, limits)
    try:
        return load_js_document(reader, member, limits.max_document_bytes)
    finally:
        reader.close()


def _read_manifest(store: MemberStore, member: str | None, limits: Limits) -> Manifest | None:
    if member is None:
        return None
    return parse_manifest(*_read_document(store, member, limits), member)


def _owner(
    store: MemberStore, layout: MemberLayout, manifest: Manifest | None, limits: Limits
) -> ArchiveOwner | None:
    from_manifest = manifest.owner if manifest else None
    if layout.account is None:
        return from_manifest
    owner = parse_account(*_read_document(store, layout.account, limits), layout.account)
    if from_manifest is not None and from_manifest.x_id != owner.x_id:
        raise OwnerMismatchError(
            layout.account,
            f"{layout.account} and {layout.manifest} belong to different accounts "
            f"({owner.x_id} and {from_manifest.x_id}); were files from two archives mixed?",
        )
    return owner


def _plan_parts(
    direction: Direction, layout: MemberLayout, manifest: Manifest | None, manifest_member: str
) -> tuple[ListPart, ...]:
    """Parts listed by the manifest (with their counts), plus any further part found by name."""
    found = layout.lists[direction]
    planned: dict[int, ListPart] = {}
    listed: tuple[ManifestFile, ...] = manifest.lists.get(direction, ()) if manifest else ()
    for entry in listed:
        role = role_of_name(entry.file_name.rsplit("/", 1)[-1])
        if role is None or role.kind != direction or role.part in planned:
            raise MalformedFileError(
                manifest_member, f"{manifest_member} lists an unexpected {direction} file: {entry.file_name}."
            )
        member = found.get(role.part)
        if member is None:
            # Blocks and mutes are optional: loose follow lists without them are still an archive.
            if entry.count > 0 and direction not in SAFETY_LISTS:
                raise MissingListError(
                    entry.file_name,
                    f"{entry.file_name} is missing: the manifest says it holds {entry.count:,} accounts. "
                    "Upload the whole archive, or add this file.",
                )
            continue
        planned[role.part] = ListPart(direction, role.part, member, entry.count, entry.global_name)
    for part, member in found.items():
        planned.setdefault(part, ListPart(direction, part, member, None))
    return tuple(planned[part] for part in sorted(planned))
