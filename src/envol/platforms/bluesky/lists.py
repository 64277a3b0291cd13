"""Bluesky lists of accounts (``app.bsky.graph.list`` with purpose curatelist + ``listitem`` records).

Envol makes one from a person's found community (DESIGN.md §7, exports). A list is a record in the
owner's repository; each member is a separate ``listitem`` record naming the list's URI. Writes go
through ``applyWrites`` (``writes.py``): the list and its first 199 members in one atomic call,
the rest 200 per call, each record with a key chosen by the caller so that a re-sent call is
refused (``RecordExists``) rather than duplicated.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from envol.platforms.bluesky.repo import is_did, parse_record_time, record_time
from envol.platforms.bluesky.tid import new_tid
from envol.platforms.bluesky.writes import MAX_WRITES, Create, CreatedRecord, apply_writes, iter_records
from envol.platforms.bluesky.xrpc import Xrpc

LIST = "app.bsky.graph.list"
LIST_ITEM = "app.bsky.graph.listitem"
CURATE_LIST = "app.bsky.graph.defs#curatelist"
# The lexicon's limits: name 1..64 bytes, description at most 3000 bytes (and 300 graphemes).
MAX_NAME_BYTES = 64
MAX_DESCRIPTION_BYTES = 3000


@dataclass(frozen=True, slots=True)
class NewListItem:
    """A member to add, with the record key chosen (and stored) by the caller beforehand."""

    subject: str
    rkey: str
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass(frozen=True, slots=True)
class ListItemRecord:
    uri: str
    rkey: str
    subject: str
    list_uri: str
    created_at: datetime | None


def new_list_item(subject: str, *, created_at: datetime | None = None) -> NewListItem:
    return NewListItem(subject=subject, rkey=new_tid(), created_at=created_at or datetime.now(UTC))


def list_uri(did: str, rkey: str) -> str:
    return f"at://{did}/{LIST}/{rkey}"


def _item_writes(uri: str, items: Sequence[NewListItem]) -> list[Create]:
    subjects = [item.subject for item in items]
    for subject in subjects:
        if not is_did(subject):
            raise ValueError(f"list member {subject!r} is not a DID")
    if len(set(subjects)) != len(subjects):
        raise ValueError("the same member appears twice in one batch")
    return [
        Create(
            LIST_ITEM,
            item.rkey,
            {"subject": item.subject, "list": uri, "createdAt": record_time(item.created_at)},
        )
        for item in items
    ]


def create_list(
    xrpc: Xrpc,
    name: str,
    *,
    rkey: str,
    description: str = "",
    items: Sequence[NewListItem] = (),
    created_at: datetime | None = None,
) -> tuple[CreatedRecord, list[CreatedRecord]]:
    """Create a curated list and up to 199 first members in one atomic call; (list, members)."""
    name = name.strip()
    if not name or len(name.encode()) > MAX_NAME_BYTES:
        raise ValueError(f"a list name needs 1 to {MAX_NAME_BYTES} bytes")
    if len(description.encode()) > MAX_DESCRIPTION_BYTES:
        raise ValueError(f"a list description takes at most {MAX_DESCRIPTION_BYTES} bytes")
    if len(items) > MAX_WRITES - 1:
        raise ValueError(f"{len(items)} members with the list: at most {MAX_WRITES - 1} (add the rest after)")
    value: dict[str, str] = {
        "purpose": CURATE_LIST,
        "name": name,
        "createdAt": record_time(created_at or datetime.now(UTC)),
    }
    if description:
        value["description"] = description
    uri = list_uri(xrpc.did, rkey)
    created = apply_writes(xrpc, [Create(LIST, rkey, value), *_item_writes(uri, items)])
    return created[0], created[1:]


def add_list_items(xrpc: Xrpc, list_at_uri: str, items: Sequence[NewListItem]) -> list[CreatedRecord]:
    """Add up to 200 members to one of the account's lists in one atomic call."""
    return apply_writes(xrpc, _item_writes(list_at_uri, items))


def iter_list_items(xrpc: Xrpc, list_at_uri: str, *, repo: str | None = None) -> Iterator[ListItemRecord]:
    """The members of a list, read from the owner's repository (every listitem record, filtered)."""
    for record in iter_records(xrpc, LIST_ITEM, repo=repo):
        subject, owner = record.value.get("subject"), record.value.get("list")
        if owner == list_at_uri and isinstance(subject, str):
            yield ListItemRecord(
                uri=record.uri,
                rkey=record.rkey,
                subject=subject,
                list_uri=list_at_uri,
                created_at=parse_record_time(record.value.get("createdAt")),
            )
