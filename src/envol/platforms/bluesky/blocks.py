"""An account's block records (``app.bsky.graph.block``): list them, create and delete them in batches.

A block is a public record in the blocker's own repository whose ``subject`` is the blocked DID
(anyone can read it: the page that offers Envol's blocks says so). Like follows, the PDS does not
de-duplicate blocks, so callers list what the account blocks already and create each subject once;
every create carries a record key the caller chose and stored before sending (``writes.py``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from envol.platforms.bluesky.repo import is_did, record_time
from envol.platforms.bluesky.writes import Create, Delete, apply_writes, iter_records
from envol.platforms.bluesky.xrpc import Xrpc

BLOCK = "app.bsky.graph.block"


def iter_blocks(xrpc: Xrpc) -> Iterator[tuple[str, str]]:
    """Every block record of the account as (record key, blocked DID), one call per 100."""
    for record in iter_records(xrpc, BLOCK):
        subject = record.value.get("subject")
        if isinstance(subject, str):
            yield record.rkey, subject


def create_blocks(xrpc: Xrpc, blocks: Sequence[tuple[str, str]], created_at: datetime) -> None:
    """Create up to 200 blocks, (record key, subject DID) each, in one atomic call (ValueError for a
    malformed DID or a subject twice); ``RecordExists`` when a key is already used."""
    subjects = [subject for _, subject in blocks]
    if any(not is_did(subject) for subject in subjects):
        raise ValueError("a block subject is not a DID")
    if len(set(subjects)) != len(subjects):
        raise ValueError("the same subject appears twice in one batch of blocks")
    when = record_time(created_at)
    apply_writes(xrpc, [Create(BLOCK, rkey, {"subject": s, "createdAt": when}) for rkey, s in blocks])


def delete_blocks(xrpc: Xrpc, rkeys: Sequence[str]) -> None:
    """Delete up to 200 block records by key in one atomic call; ``RecordsMissing`` names the keys
    already gone (nothing was deleted then)."""
    apply_writes(xrpc, [Delete(BLOCK, rkey) for rkey in rkeys])
