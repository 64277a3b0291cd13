"""An account's follow records (``app.bsky.graph.follow``): read them, create and delete them in batches.

A follow is a record in the follower's own repository whose ``subject`` is the followed DID. The
PDS does not de-duplicate: two creates for one subject make two records, in one batch or across
batches (measured, tests/platforms/bluesky/test_repo.py), so callers list what the account
already follows and create each subject once. Every create carries a record key the caller chose
(``new_follow`` draws a TID) and stored before sending, so a re-sent batch is refused with
``RecordExists`` instead of following twice (``writes.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from envol.platforms.bluesky.tid import new_tid
from envol.platforms.bluesky.writes import (
    PAGE_SIZE,
    Create,
    CreatedRecord,
    Delete,
    StoredRecord,
    apply_writes,
    list_records,
)
from envol.platforms.bluesky.xrpc import Xrpc

FOLLOW = "app.bsky.graph.follow"
# atproto.com/specs/did: method in lower case, then an identifier without a trailing colon or %.
DID_PATTERN = re.compile(r"did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]")


def is_did(text: str) -> bool:
    return len(text) <= 2048 and DID_PATTERN.fullmatch(text) is not None


def record_time(value: datetime) -> str:
    """A record ``createdAt``: UTC, millisecond precision, ``Z`` (what the Bluesky app writes)."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_record_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None  # the lexicon requires a time zone


@dataclass(frozen=True, slots=True)
class FollowRecord:
    uri: str
    rkey: str
    subject: str
    created_at: datetime | None
    cid: str = ""


@dataclass(frozen=True, slots=True)
class FollowPage:
    records: list[FollowRecord]
    cursor: str | None


@dataclass(frozen=True, slots=True)
class NewFollow:
    """A follow to create, with the record key chosen (and stored) by the caller beforehand."""

    subject: str
    rkey: str
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def new_follow(subject: str, *, created_at: datetime | None = None) -> NewFollow:
    """A follow of ``subject`` with a fresh TID record key."""
    return NewFollow(subject=subject, rkey=new_tid(), created_at=created_at or datetime.now(UTC))


def _follow(record: StoredRecord) -> FollowRecord | None:
    subject = record.value.get("subject")
    if not isinstance(subject, str):
        return None  # not a follow of anyone: nothing to keep
    return FollowRecord(
        uri=record.uri,
        rkey=record.rkey,
        subject=subject,
        created_at=parse_record_time(record.value.get("createdAt")),
        cid=record.cid,
    )


def list_follows(
    xrpc: Xrpc, *, repo: str | None = None, cursor: str | None = None, limit: int = PAGE_SIZE
) -> FollowPage:
    """One page (at most 100) of an account's follow records, newest first (the account of
    ``xrpc``'s credentials unless ``repo`` names another DID on the same PDS)."""
    records, next_cursor = list_records(xrpc, FOLLOW, repo=repo, cursor=cursor, limit=limit)
    return FollowPage([f for f in map(_follow, records) if f is not None], next_cursor)


def iter_follows(xrpc: Xrpc, *, repo: str | None = None) -> Iterator[FollowRecord]:
    """Every follow record of the account, one listRecords call per 100."""
    cursor: str | None = None
    while True:
        page = list_follows(xrpc, repo=repo, cursor=cursor)
        yield from page.records
        if page.cursor is None:
            return
        cursor = page.cursor


def create_follows(xrpc: Xrpc, follows: Sequence[NewFollow]) -> list[CreatedRecord]:
    """Create up to 200 follows in one atomic call (ValueError above, or for a malformed DID, a
    subject or record key twice in the batch). ``RecordExists`` when a key is already used."""
    subjects = [f.subject for f in follows]
    for subject in subjects:
        if not is_did(subject):
            raise ValueError(f"follow subject {subject!r} is not a DID")
    if len(set(subjects)) != len(subjects):
        # The PDS would write both; never useful, always a bug upstream.
        raise ValueError("the same subject appears twice in one batch of follows")
    return apply_writes(
        xrpc,
        [
            Create(FOLLOW, f.rkey, {"subject": f.subject, "createdAt": record_time(f.created_at)})
            for f in follows
        ],
    )


def delete_follows(xrpc: Xrpc, rkeys: Sequence[str]) -> None:
    """Delete up to 200 follow records by key in one atomic call. ``RecordsMissing`` (a NotFound)
    names the keys already gone; nothing was deleted then, and the others may be sent again."""
    apply_writes(xrpc, [Delete(FOLLOW, rkey) for rkey in rkeys])
