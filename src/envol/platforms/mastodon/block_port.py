"""Mastodon's half of the block port (envol.platforms.blocks.BlockPort), mixed into its follow port.

The record key is the target's id on the person's own instance (`prepare`, as for follows). Each
target's relationship is read first, so that a block or mute the person made themselves is
reported as theirs (undo never removes it); then `block` or `mute` is sent, one target a call.
Both are idempotent on Mastodon, so a write re-sent after a crash creates nothing."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import datetime

from envol.platforms.blocks import BlockAction, BlockResult
from envol.platforms.errors import NotFound
from envol.platforms.mastodon.follows import MastodonFollows, Relationship
from envol.platforms.mastodon.oauth import covers_blocks

UNDO = {BlockAction.BLOCK: "unblock", BlockAction.MUTE: "unmute"}


def may_block(scope: str) -> bool:
    """Whether a token granted `scope` may block and mute (envol.platforms.mastodon.oauth)."""
    return covers_blocks(scope)


def _holds(relationship: Relationship | None, action: BlockAction) -> bool:
    if relationship is None:
        return False
    return relationship.blocking if action == BlockAction.BLOCK else relationship.muting


class MastodonBlocks:
    client: MastodonFollows

    def supports(self, action: BlockAction) -> bool:
        return True

    def blocks_present(self, action: BlockAction, keys: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(keys), 40):  # at most 40 ids a call
            batch = list(keys[start : start + 40])
            found |= {k for k, r in self.client.relationships(batch).items() if _holds(r, action)}
        return found

    def block(
        self, action: BlockAction, targets: Sequence[tuple[str, str]], created_at: datetime
    ) -> list[BlockResult]:
        results = []
        for key, _ in targets:
            if _holds(self.client.relationships([key]).get(key), action):
                results.append(BlockResult.ALREADY)
                continue
            self.client.act(key, action.value)
            results.append(BlockResult.DONE)
        return results

    def unblock(self, action: BlockAction, keys: Sequence[str]) -> None:
        for key in keys:
            with contextlib.suppress(NotFound):  # the account is gone: so is the block
                self.client.act(key, UNDO[action])
