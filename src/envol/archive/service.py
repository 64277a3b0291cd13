"""Ingesting an X archive: validate, pseudonymise, store edges, all or nothing.

Every id is read, checked and pseudonymised before the import is recorded, then one transaction
replaces the person's previous import with the new one; a bad archive leaves no row behind. The one
exception to "before the database is touched": a big import on PostgreSQL (by its manifest) is
copied into its own new table while it is read, inside that same transaction, which a bad archive
rolls back (graph.stream).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Protocol

import numpy as np
from django.db import transaction
from numpy.typing import NDArray

from envol.archive.base import DIRECTIONS, SAFETY_LISTS, ArchiveOwner, Direction, Limits
from envol.archive.errors import ArchiveError
from envol.archive.models import ArchiveImport, Source
from envol.archive.parse import open_archive
from envol.archive.profile import OwnerProfile
from envol.archive.signals import archive_imported
from envol.core.pseudonym import pseudonymizer
from envol.core.stages import stage
from envol.graph.bulk import count_distinct, store_edges
from envol.graph.models import Direction as EdgeDirection
from envol.graph.partitions import reserve_import_id
from envol.graph.stream import finish_streamed, streamed_partition
from envol.registry.models import Person
from envol.registry.service import person_for_claimed_x_owner, verified_x_account

#: (stage, done, total) — total is None when unknown. Stages: "follower", "following", "block" and
#: "mute" when honoured, "storing".
Progress = Callable[[str, int, int | None], None]
#: Receives each chunk of pseudonyms as it is read: (edge direction, keys).
Sink = Callable[[int, NDArray[np.int64]], None]

_EDGE_DIRECTION = {
    "follower": EdgeDirection.FOLLOWER,
    "following": EdgeDirection.FOLLOWING,
    "block": EdgeDirection.BLOCKED,
    "mute": EdgeDirection.MUTED,
}


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
    blocked: int = 0  # honoured blocks and mutes (0 unless the person asked Envol to honour them)
    muted: int = 0


class ListSource(Protocol):
    """Where the ids come from: an opened archive (``parse.ArchiveSource``) or the browser's compact
    upload (``compact.CompactUpload``). Lists are read in order: follower, following, then block and
    mute when they are honoured."""

    @property
    def owner(self) -> ArchiveOwner | None: ...

    @property
    def expected_counts(self) -> dict[Direction, int | None]: ...

    @property
    def members_used(self) -> tuple[str, ...]: ...

    @property
    def profile(self) -> OwnerProfile | None:
        """The owner's bio and website, None when absent or unreadable (never an error)."""
        ...

    def iter_ids(self, direction: Direction) -> Iterator[NDArray[np.uint64]]: ...

    def has_list(self, direction: Direction) -> bool:
        """Whether the upload holds this list (block and mute lists are optional)."""
        ...


def ingest(
    paths: Path | Sequence[Path],
    *,
    person: Person | None = None,
    source: Source = Source.COMMAND_LINE,
    limits: Limits | None = None,
    progress: Progress | None = None,
    honour_blocks: bool = False,
) -> IngestResult:
    """Store the archive's lists for ``person`` (or, without one, for the archive's owner); its
    block.js and mute.js too when ``honour_blocks`` (the person's opt-in), else they are not read."""
    with open_archive(paths, limits=limits) as archive:
        return ingest_lists(
            archive, person=person, source=source, progress=progress, honour_blocks=honour_blocks
        )


def ingest_lists(
    lists: ListSource,
    *,
    person: Person | None = None,
    source: Source = Source.COMMAND_LINE,
    progress: Progress | None = None,
    honour_blocks: bool = False,
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
    profile = lists.profile  # tiny; read before the lists, outside the transaction
    # A big import on PostgreSQL (by the manifest's counts) is copied into its own partition while
    # the archive is read, in the transaction that then records it (graph.stream).
    read = _to_read(lists, honour_blocks)
    streamed = reserve_import_id(sum(lists.expected_counts.get(d) or 0 for d in read))
    if streamed is None:
        keys = _read_lists(lists, read, report, sink=None)
        with transaction.atomic():
            person, verified, record = _record(person, owner, verified, keys, source, report, None)
            _announce(record, owner, verified, profile)
    else:
        with transaction.atomic():
            with streamed_partition(streamed) as stream:
                keys = _read_lists(lists, read, report, sink=stream.add)
            person, verified, record = _record(person, owner, verified, keys, source, report, streamed)
            _announce(record, owner, verified, profile)
    report("storing", 1, 1)
    return IngestResult(record.pk, person.pk, owner, verified, record.followers_count, record.following_count,
                        record.blocked_count, record.muted_count)  # fmt: skip


def _record(
    person: Person | None,
    owner: ArchiveOwner,
    verified: bool,
    keys: dict[Direction, NDArray[np.int64]],
    source: Source,
    report: Progress,
    streamed: int | None,
) -> tuple[Person, bool, ArchiveImport]:
    """In the import's transaction: the person, their previous import replaced by this one, its edges."""
    report("storing", 0, None)
    with stage("store"):
        return _record_stored(person, owner, verified, keys, source, streamed)


def _record_stored(
    person: Person | None,
    owner: ArchiveOwner,
    verified: bool,
    keys: dict[Direction, NDArray[np.int64]],
    source: Source,
    streamed: int | None,
) -> tuple[Person, bool, ArchiveImport]:
    counts = {direction: count_distinct(values) for direction, values in keys.items()}
    if person is None:
        person = person_for_claimed_x_owner(owner.x_id, owner.handle, owner.display_name)
        verified = verified_x_account(person) is not None
    # The person's row is the lock that orders their uploads: two first uploads at once would both
    # find no previous import to replace, and the second to commit would break the one-import rule
    # (IntegrityError). Locked, the second waits, then replaces the first (SQLite's write lock,
    # taken when the transaction begins, already orders them).
    list(Person.objects.select_for_update().filter(pk=person.pk).values_list("pk", flat=True))
    previous = ArchiveImport.objects.filter(person=person)
    # Locked first: what other packages tie to an import after it commits (matching's suggestions
    # of its profile) is then either written before this deletion takes it along, or not at all.
    list(previous.select_for_update().values_list("pk", flat=True))
    previous.delete()  # edges go with it (one DELETE)
    record = ArchiveImport.objects.create(
        # A big import takes an id that gives it a partition of its own (PostgreSQL only).
        pk=streamed or reserve_import_id(sum(counts.values())),
        person=person,
        owner_x_id=str(owner.x_id),
        owner_handle=owner.handle,
        owner_verified=verified,
        followers_count=counts["follower"],
        following_count=counts["following"],
        blocked_count=counts.get("block", 0),
        muted_count=counts.get("mute", 0),
        source=source,
    )
    lists: dict[int, NDArray[np.int64]] = {int(_EDGE_DIRECTION[d]): values for d, values in keys.items()}
    if streamed is None:
        store_edges(record.pk, lists)
    else:
        finish_streamed(record.pk, lists)
    return person, verified, record


def _announce(
    record: ArchiveImport, owner: ArchiveOwner, verified: bool, profile: OwnerProfile | None
) -> None:
    """``archive_imported``, once the outermost transaction has committed (never for a rollback)."""
    transaction.on_commit(
        lambda: archive_imported.send_robust(
            sender=ArchiveImport,
            import_id=record.pk,
            person_id=record.person_id,
            owner_x_id=owner.x_id,
            owner_verified=verified,
            profile=profile,
        )
    )


def _read_lists(
    lists: ListSource, read: tuple[Direction, ...], report: Progress, sink: Sink | None
) -> dict[Direction, NDArray[np.int64]]:
    return {d: _read_keys(lists.iter_ids(d), lists.expected_counts.get(d), d, report, sink) for d in read}


def _to_read(lists: ListSource, honour_blocks: bool) -> tuple[Direction, ...]:
    """The follow lists always; block and mute lists only when honoured and present."""
    safety = tuple(d for d in SAFETY_LISTS if honour_blocks and lists.has_list(d))
    return DIRECTIONS + safety


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
    chunks: Iterable[NDArray[np.uint64]],
    expected: int | None,
    direction: Direction,
    report: Progress,
    sink: Sink | None = None,
) -> NDArray[np.int64]:
    """All pseudonyms of one list, sorted (repeats, rare, are dropped when stored), read into one
    array sized from the manifest, so memory stays at eight bytes an id. Each chunk is pseudonymised
    in place as it arrives, and handed to ``sink`` if there is one."""
    buffer = np.empty(expected or 1 << 16, dtype=np.uint64)
    filled = 0
    iterator = iter(chunks)
    while True:
        with stage("scan"):  # the inflating each read does inside is charged to "inflate"
            chunk = next(iterator, None)
        if chunk is None:
            break
        if filled + len(chunk) > len(buffer):  # the manifest was silent or wrong: grow
            buffer = np.resize(buffer, max(2 * len(buffer), filled + len(chunk)))
        ids = buffer[filled : filled + len(chunk)]
        with stage("pseudonymise"):
            ids[:] = chunk
            keys = pseudonymizer().keys(ids, out=ids.view(np.int64))  # in place: no second copy
        if sink is not None:
            with stage("store"):
                sink(_EDGE_DIRECTION[direction], keys)
        filled += len(chunk)
        report(direction, filled, expected)
    keys = buffer[:filled].view(np.int64)
    with stage("sort"):
        keys.sort()
    return keys
