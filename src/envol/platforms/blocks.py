"""The block port: what the engine needs from a platform to carry a person's X blocks and mutes
over (issue #19 item 5, decision 0026), in canonical terms, beside the follow port
(envol.platforms.follows) and implemented by the same per-account port classes.

A block or mute has a *record key*, committed by the engine with `sent_at` before the write, as a
follow's is, so that after a crash `blocks_present` tells whether the write happened:

- Bluesky: the `app.bsky.graph.block` record's key (a TID), chosen locally; the PDS refuses a
  second record with a key it holds. Bluesky's mutes are not records (the AppView keeps them out
  of the repository): this port does not mute on Bluesky, and the engine never asks it to.
- Mastodon: the target's id on the person's own instance (`prepare`, shared with follows); a
  second block or mute of the same account creates nothing on Mastodon.

A block or mute the account had before Envol's write is reported `ALREADY`: it is the person's
own, and Envol never undoes it.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from envol.platforms.follows import FollowPort


class BlockAction(enum.StrEnum):
    BLOCK = "block"
    MUTE = "mute"


class BlockResult(enum.StrEnum):
    DONE = "done"  # the block (or mute) exists now, by Envol's write
    ALREADY = "already"  # the account blocked (or muted) the target already: the person's own


class BlockPort(Protocol):
    """One source account's blocks and mutes on its platform."""

    def supports(self, action: BlockAction) -> bool:
        """Whether this platform can do `action` with a record key the engine can check."""
        ...

    def blocks_present(self, action: BlockAction, keys: Sequence[str]) -> set[str]:
        """Which of these record keys are blocks (or mutes) now; those absent are missing."""
        ...

    def block(
        self, action: BlockAction, targets: Sequence[tuple[str, str]], created_at: datetime
    ) -> list[BlockResult]:
        """Block (or mute) each (record key, target id), in order; all or nothing on Bluesky. A
        refusal of the whole call raises Rejected (the caller halves the batch to find the culprit)."""
        ...

    def unblock(self, action: BlockAction, keys: Sequence[str]) -> None:
        """Remove these blocks (or mutes); those already gone count as removed."""
        ...


class AccountPort(FollowPort, BlockPort, Protocol):
    """Everything the engine does as one source account: its follows, blocks and mutes."""
