"""Batched repository writes (``com.atproto.repo.applyWrites``) and record-key lookups.

``applyWrites`` is atomic: the PDS commits the whole batch or nothing. It takes at most 200
writes (``MAX_WRITES``; more is a 400 "Too many writes"), refused here before sending. Envol
chooses every record key (a TID, ``tid.py``) so that a re-sent batch cannot write a second copy.

What the reference PDS answers, measured (tests/platforms/bluesky/test_repo.py):

- a create whose key already exists, in an earlier commit or twice within the same batch: **500
  InternalServerError**, the whole batch refused (the MST's "There is already a value at key");
- a delete of a key that does not exist: 500 as well ("Could not find a record with key").

A 500 is otherwise a passing server fault, so after a 500 on a batch this module looks up which of
the batch's keys the repository holds (a read, never a retry) and raises ``RecordExists`` or
``RecordsMissing`` when that explains the refusal, ``Transient`` when it does not.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from envol.platforms.bluesky.errors import RecordExists, RecordsMissing
from envol.platforms.bluesky.tid import is_tid
from envol.platforms.bluesky.xrpc import Xrpc
from envol.platforms.errors import ErrorCode, PlatformError, Rejected, Transient

MAX_WRITES = 200
PAGE_SIZE = 100  # listRecords accepts 1..100


@dataclass(frozen=True, slots=True)
class Create:
    collection: str
    rkey: str
    value: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Delete:
    collection: str
    rkey: str


@dataclass(frozen=True, slots=True)
class CreatedRecord:
    uri: str
    rkey: str
    cid: str


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """A record as ``listRecords`` returns it."""

    uri: str
    rkey: str
    cid: str
    value: Mapping[str, Any]


Write = Create | Delete


def check_batch(writes: Sequence[Write]) -> None:
    """Refuse, before sending, a batch the PDS would refuse or that would break exactly-once."""
    if len(writes) > MAX_WRITES:
        raise ValueError(f"{len(writes)} writes in one applyWrites: at most {MAX_WRITES}")
    seen: set[tuple[str, str]] = set()
    for write in writes:
        if not is_tid(write.rkey):
            raise ValueError(f"record key {write.rkey!r} is not a TID")
        key = (write.collection, write.rkey)
        if key in seen:
            raise ValueError(f"record key {write.rkey!r} appears twice in one batch")
        seen.add(key)


def _wire(write: Write) -> dict[str, Any]:
    if isinstance(write, Create):
        return {
            "$type": "com.atproto.repo.applyWrites#create",
            "collection": write.collection,
            "rkey": write.rkey,
            "value": {"$type": write.collection, **write.value},
        }
    return {
        "$type": "com.atproto.repo.applyWrites#delete",
        "collection": write.collection,
        "rkey": write.rkey,
    }


@contextlib.contextmanager
def engine_batch() -> Iterator[None]:
    """A batch of records the engine keyed itself (follows, blocks), as the engine must read its
    failure: a key the PDS already holds is no refusal of the targets but an earlier attempt with
    these very keys that committed (transient: the engine settles it by reading); a refusal the PDS
    does not pin on one record is about the batch's content (the PDS refuses a whole applyWrites
    for one record it finds invalid)."""
    try:
        yield
    except RecordExists as error:
        raise Transient(error.message, status=error.status, code=ErrorCode.RECORD_EXISTS) from error
    except Rejected as error:
        if error.specific:
            raise
        raise Rejected(error.message, status=error.status, code=ErrorCode.INVALID) from error


def rkey_of(uri: str) -> str:
    return uri.rsplit("/", 1)[-1]


def apply_writes(xrpc: Xrpc, writes: Sequence[Write]) -> list[CreatedRecord]:
    """Apply one atomic batch to the account's own repository; the records it created, in order."""
    check_batch(writes)
    if not writes:
        return []
    nsid = "com.atproto.repo.applyWrites"
    try:
        body = xrpc.procedure(
            nsid, {"repo": xrpc.did, "validate": True, "writes": [_wire(w) for w in writes]}
        )
    except Transient as error:
        if error.status == 500:
            _explain_refusal(xrpc, writes, error)
        raise
    created: list[CreatedRecord] = []
    for result in body.get("results") or []:
        if isinstance(result, dict) and isinstance(result.get("uri"), str):
            created.append(
                CreatedRecord(uri=result["uri"], rkey=rkey_of(result["uri"]), cid=str(result.get("cid", "")))
            )
    if len(created) != sum(isinstance(w, Create) for w in writes):
        raise Transient(f"{nsid}: the answer lists {len(created)} created records")
    return created


def _explain_refusal(xrpc: Xrpc, writes: Sequence[Write], error: Transient) -> None:
    """Raise RecordExists / RecordsMissing when the repository explains a 500; return otherwise."""
    try:
        by_collection: dict[str, list[Write]] = {}
        for write in writes:
            by_collection.setdefault(write.collection, []).append(write)
        present: set[str] = set()
        for collection, group in by_collection.items():
            present |= existing_rkeys(xrpc, collection, [w.rkey for w in group])
    except PlatformError:
        return  # cannot tell: the original Transient stands
    clashing = {w.rkey for w in writes if isinstance(w, Create) and w.rkey in present}
    missing = {w.rkey for w in writes if isinstance(w, Delete) and w.rkey not in present}
    if clashing:
        raise RecordExists(
            f"{error.message} ({len(clashing)} record keys already exist)", rkeys=clashing, status=500
        ) from error
    if missing:
        raise RecordsMissing(
            f"{error.message} ({len(missing)} record keys do not exist)", rkeys=missing, status=500
        ) from error


def list_records(
    xrpc: Xrpc, collection: str, *, repo: str | None = None, cursor: str | None = None, limit: int = PAGE_SIZE
) -> tuple[list[StoredRecord], str | None]:
    """One page of a collection, newest record key first; the cursor of the next page or None."""
    if not 1 <= limit <= PAGE_SIZE:
        raise ValueError(f"limit {limit}: listRecords takes 1..{PAGE_SIZE}")
    body = xrpc.query(
        "com.atproto.repo.listRecords",
        {"repo": repo or xrpc.did, "collection": collection, "limit": limit, "cursor": cursor},
    )
    records = [
        StoredRecord(uri=r["uri"], rkey=rkey_of(r["uri"]), cid=str(r.get("cid", "")), value=r["value"])
        for r in body.get("records") or []
        if isinstance(r, dict) and isinstance(r.get("uri"), str) and isinstance(r.get("value"), dict)
    ]
    next_cursor = body.get("cursor")
    # A page without records is the last one, whatever cursor came with it.
    return records, next_cursor if isinstance(next_cursor, str) and next_cursor and records else None


def iter_records(
    xrpc: Xrpc, collection: str, *, repo: str | None = None, cursor: str | None = None
) -> Iterator[StoredRecord]:
    """Every record of a collection, newest first, one page (one call) at a time."""
    while True:
        records, cursor = list_records(xrpc, collection, repo=repo, cursor=cursor)
        yield from records
        if cursor is None:
            return


def existing_rkeys(xrpc: Xrpc, collection: str, rkeys: Sequence[str], *, repo: str | None = None) -> set[str]:
    """Which of ``rkeys`` the repository holds, read with listRecords over their key range.

    Record keys sort as strings and listRecords walks them newest first below an exclusive cursor;
    ``max + "~"`` is just above the largest key of the batch ("~" sorts after every key character),
    and the walk stops below the smallest. Keys made together by ``new_tid`` are neighbours, so
    this costs a page or three.
    """
    wanted = set(rkeys)
    if not wanted:
        return set()
    lowest = min(wanted)
    found: set[str] = set()
    for record in iter_records(xrpc, collection, repo=repo, cursor=max(wanted) + "~"):
        if record.rkey < lowest:
            break
        if record.rkey in wanted:
            found.add(record.rkey)
    return found
