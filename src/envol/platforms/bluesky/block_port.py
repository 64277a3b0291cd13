"""Bluesky's half of the block port (envol.platforms.blocks.BlockPort), mixed into its follow port:
blocks are records of the account's own repository, keyed by a TID the engine committed first.

Mutes are not carried to Bluesky (`supports`): Bluesky keeps them on the AppView, outside the
repository, so no record key could tell after a crash whether a mute was written (decision 0026)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from envol.platforms.blocks import BlockAction, BlockResult
from envol.platforms.bluesky.blocks import BLOCK, create_blocks, delete_blocks, iter_blocks
from envol.platforms.bluesky.errors import RecordsMissing
from envol.platforms.bluesky.writes import engine_batch, existing_rkeys
from envol.platforms.bluesky.xrpc import Xrpc


def may_block(oauth: bool, scope: str) -> bool:
    """Whether a session may write block records: an app-password session may; an OAuth grant only
    with `transition:generic` or a permission on block records (a follows-only grant may not)."""
    granted = set(scope.split())
    return (
        not oauth
        or bool(granted & {"transition:generic", "repo:*", f"repo:{BLOCK}"})
        or any(s.startswith(f"repo:{BLOCK}?") for s in granted)
    )


class BlueskyBlocks:
    xrpc: Xrpc

    def supports(self, action: BlockAction) -> bool:
        return action == BlockAction.BLOCK

    def _refuse_mutes(self, action: BlockAction) -> None:
        if not self.supports(action):
            raise ValueError("Bluesky mutes are not records: Envol does not carry them over")

    def blocks_present(self, action: BlockAction, keys: Sequence[str]) -> set[str]:
        self._refuse_mutes(action)
        return existing_rkeys(self.xrpc, BLOCK, keys)

    def block(
        self, action: BlockAction, targets: Sequence[tuple[str, str]], created_at: datetime
    ) -> list[BlockResult]:
        self._refuse_mutes(action)
        # Blocks the account has by other keys are the person's own: reported, never written twice.
        # A full read per batch: blocks are few (an X block list), and this keeps the port stateless.
        keys = {key for key, _ in targets}
        theirs = {subject for key, subject in iter_blocks(self.xrpc) if key not in keys}
        new = [(key, subject) for key, subject in targets if subject not in theirs]
        if new:
            with engine_batch():
                create_blocks(self.xrpc, new, created_at)
        return [BlockResult.ALREADY if subject in theirs else BlockResult.DONE for _, subject in targets]

    def unblock(self, action: BlockAction, keys: Sequence[str]) -> None:
        self._refuse_mutes(action)
        try:
            delete_blocks(self.xrpc, keys)
        except RecordsMissing as error:
            rest = [key for key in keys if key not in error.rkeys]
            if rest:
                delete_blocks(self.xrpc, rest)
