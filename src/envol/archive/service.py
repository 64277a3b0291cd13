"""Ingesting an X archive: validate, pseudonymise, store edges, all or nothing.

Every id is read, checked and pseudonymised before the database is touched, so a bad archive
leaves no row behind; then one transaction replaces the person's previous import with the new one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Protocol

import numpy as np
from django.db import transaction
from numpy.typing import NDArray

from envol.archive.base import ArchiveOwner, Direction, Limits
from envol.archive.errors import ArchiveError
from envol.archive.models import ArchiveImport, Source
from envol.archive.parse import open_archive
from envol.core.pseudonym import pseudonymizer
from envol.graph.bulk import count_distinct, load_edges
from envol.graph.models import Direction as EdgeDirection
from envol.registry.models import Person
from envol.registry.service import person_for_claimed_x_owner, verified_x_account

#: (stage, done, total) — total is None when unknown. Stages: "follower", "following", "storing".
Progress = Callable[[str, int, int | None], None]

_EDGE_DIRECTION = {"follower": EdgeDirection.FOLLOWER, "following": EdgeDirection.FOLLOWING}


class NotYourArchiveError(ArchiveError):
    """The archive belongs to another X account than the one the person proved."""

    code: ClassVar[str] = "not_your_archive"


class NoOwnerError(ArchiveError):
    """Nothing in the upload says whose archive it is (no account.js, no manifest.js)."""

    code: ClassVar[str] = "no_owner"


@dataclass(frozen=True, slots=True)
class IngestResult:
    import_id: int
    person_id: int
    owner: ArchiveOwner
    owner_verified: bool
    followers: int
    following: int


class ListSource(Protocol):
    """Where the ids come from: an opened archive (``parse.ArchiveSource``) or the browser's compact
    upload (``compact.CompactUpload``). Lists are read in order, follower first."""

    @property
    def owner(self) -> ArchiveOwner | None: ...

    @property
    def expected_counts(self) -> dict[Direction, int | None]: ...

    @property
    def members_used(self) -> tuple[str, ...]: ...

    def iter_ids(self, direction: Direction) -> Iterator[NDArray[np.uint64]]: ...


def ingest(
    paths: Path | Sequence[Path],
    *,
    person: Person | None = None,
    source: Source = Source.COMMAND_LINE,
    limits: Limits | None = None,
    progress: Progress | None = None,
) -> IngestResult:
    """Store the archive's lists for ``person`` (or, without one, for the archive's owner)."""
    with open_archive(paths, limits=limits) as archive:
        return ingest_lists(archive, person=person, source=source, progress=progress)


def ingest_lists(
    lists: ListSource,
    *,
    person: Person | None = None,
    source: Source = Source.COMMAND_LINE,
    progress: Progress | None = None,
) -> IngestResult:
    """The one path every upload takes: owner rule, pseudonyms, then one transaction."""
    report = progress or (lambda stage, done, total: None)
    owner = lists.owner
    label = lists.members_used[0] if lists.members_used else ""
    if person is not None:
        owner, verified = _check_owner(person, owner, label)
    elif owner is None:
        raise NoOwnerError(
            label, "The upload has no account.js or manifest.js, so it does not say whose archive it is."
        )
    else:
        verified = False
    keys = {d: _read_keys(lists.iter_ids(d), lists.expected_counts[d], d, report) for d in _directions()}
    report("storing", 0, None)
    with transaction.atomic():
        if person is None:
            person = person_for_claimed_x_owner(owner.x_id, owner.handle, owner.display_name)
            verified = verified_x_account(person) is not None
        ArchiveImport.objects.filter(person=person).delete()  # edges go with it (one DELETE)
        record = ArchiveImport.objects.create(
            person=person,
            owner_x_id=str(owner.x_id),
            owner_handle=owner.handle,
            owner_verified=verified,
            followers_count=count_distinct(keys["follower"]),
            following_count=count_distinct(keys["following"]),
            source=source,
        )
        for direction, values in keys.items():
            load_edges(record.pk, _EDGE_DIRECTION[direction], values)
    report("storing", 1, 1)
    return IngestResult(record.pk, person.pk, owner, verified, record.followers_count, record.following_count)


def _directions() -> tuple[Direction, Direction]:
    return ("follower", "following")


def _check_owner(person: Person, owner: ArchiveOwner | None, label: str) -> tuple[ArchiveOwner, bool]:
    """The design's owner rule: a person with a proven X account may only share that account's archive."""
    account = verified_x_account(person)
    if account is None:
        if owner is None:
            raise NoOwnerError(
                label, "The upload has no account.js or manifest.js, so it does not say whose archive it is."
            )
        return owner, False
    proven = int(account.stable_id)
    if owner is None:
        # Loose follower/following files say nothing of their owner: they are the person's claim.
        return ArchiveOwner(proven, account.handle, account.display_name), False
    if owner.x_id != proven:
        raise NotYourArchiveError(
            label,
            f"This archive belongs to X account @{owner.handle} ({owner.x_id}), "
            f"but you signed in as @{account.handle} ({proven}).",
        )
    return owner, True


def _read_keys(
    chunks: Iterable[NDArray[np.uint64]], expected: int | None, direction: Direction, report: Progress
) -> NDArray[np.int64]:
    """All pseudonyms of one list, sorted (repeats, rare, are dropped when stored), read into one
    array sized from the manifest, so memory stays at eight bytes an id."""
    buffer = np.empty(expected or 1 << 16, dtype=np.uint64)
    filled = 0
    for chunk in chunks:
        if filled + len(chunk) > len(buffer):  # the manifest was silent or wrong: grow
            buffer = np.resize(buffer, max(2 * len(buffer), filled + len(chunk)))
        buffer[filled : filled + len(chunk)] = chunk
        filled += len(chunk)
        report(direction, filled, expected)
    ids = buffer[:filled]
    keys = pseudonymizer().keys(ids, out=ids.view(np.int64))  # in place: no second copy of 10M ids
    keys.sort()
    return keys
