"""Where other packages plug into erasure: per-platform token revocation, and undoing follows.

- ``register_revoker(platform, revoke)``: ``revoke(account) -> bool`` tells the platform to forget
  the token Envol holds for ``account`` (True when done). Mastodon and Bluesky (OAuth revocation,
  or ``com.atproto.server.deleteSession`` for an app password) are registered in
  envol.privacy.revokers.
- ``register_follow_undoer(undo)``: ``undo(person) -> int`` unfollows what Envol followed for the
  person (the reconnection engine's undo), run first when the person asks for it at erasure.
"""

from __future__ import annotations

from collections.abc import Callable

from envol.core.ids import Platform
from envol.registry.models import Account, Person

type Revoker = Callable[[Account], bool]
type FollowUndoer = Callable[[Person], int]

_revokers: dict[Platform, Revoker] = {}
_follow_undoers: list[FollowUndoer] = []


def register_revoker(platform: Platform, revoke: Revoker) -> None:
    _revokers[platform] = revoke


def revoker_for(platform: Platform | str) -> Revoker | None:
    return _revokers.get(Platform(platform))


def register_follow_undoer(undo: FollowUndoer) -> None:
    """The reconnection engine registers its undo here; the erasure page then offers it."""
    if undo not in _follow_undoers:
        _follow_undoers.append(undo)


def follow_undoers() -> tuple[FollowUndoer, ...]:
    return tuple(_follow_undoers)
