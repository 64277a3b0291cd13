"""Where other packages plug into erasure (per-platform token revocation, undoing follows) and
into retention (deleting their rows that outlived their period).

- ``register_revoker(platform, revoke)``: ``revoke(account) -> bool`` tells the platform to forget
  the token Envol holds for ``account`` (True when done). Mastodon and Bluesky (OAuth revocation,
  or ``com.atproto.server.deleteSession`` for an app password) are envol.privacy.revokers',
  registered by name (envol.core.deferred) in envol.privacy.apps.
- ``register_follow_undo(FollowUndo(...))``: how erasure asks the reconnection engine to remove the
  follows Envol made for a person first (envol.reconnect.erasure's, registered by name). The engine's undo
  is asynchronous (rate budgets: hours, sometimes days) and needs the person's tokens, so erasure
  does not wait for it: it becomes *pending* (envol.privacy.pending) and the retention task
  finishes it once ``progress`` says nothing can move any more. This package never imports the
  engine: it only knows these three questions.
- ``register_pruner(label, prune)``: ``prune(now) -> int`` deletes, set-based, the rows of model
  ``label`` ("app.Model") that have outlived their retention period, and says how many went. The
  retention task calls each one (envol.reconnect.retention registers the engine's run log).
- ``register_exporter(name, export)``: ``export(person_id)`` returns a section of the person's
  export that is no table's rows but computed from them (matching adds who of their X people is
  where, ``candidates``); the export adds it under ``name``, after the tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from envol.core.ids import Platform
from envol.registry.models import Account

type Revoker = Callable[[Account], bool]

_revokers: dict[Platform, Revoker] = {}


def register_revoker(platform: Platform, revoke: Revoker) -> None:
    _revokers[platform] = revoke


def revoker_for(platform: Platform | str) -> Revoker | None:
    return _revokers.get(Platform(platform))


@dataclass(frozen=True, slots=True)
class UndoProgress:
    """Where the undo of one person's follows stands."""

    remaining: int  # follows Envol was asked to remove and has not removed yet
    stuck: int  # of those, the ones on accounts Envol can no longer act for (access refused)
    undone: int  # follows removed since the erasure was asked

    @property
    def can_progress(self) -> bool:
        return self.remaining > self.stuck


@dataclass(frozen=True, slots=True)
class FollowUndo:
    """The engine's answers, each keyed by the person's row number."""

    undoable: Callable[[int], int]  # how many follows Envol made that undo would remove
    start: Callable[[int], int]  # ask the engine to remove them (and make no new ones); how many asked
    progress: Callable[[int, datetime], UndoProgress]  # since: when the erasure was asked


_follow_undo: list[FollowUndo] = []  # at most one: the reconnection engine


def register_follow_undo(undo: FollowUndo) -> None:
    """The reconnection engine registers its undo here; the erasure page then offers it."""
    _follow_undo[:] = [undo]


def follow_undo() -> FollowUndo | None:
    return _follow_undo[0] if _follow_undo else None


type Pruner = Callable[[datetime], int]

_pruners: dict[str, Pruner] = {}


def register_pruner(label: str, prune: Pruner) -> None:
    _pruners[label] = prune


def pruners() -> dict[str, Pruner]:
    """{"app.Model": its pruner}, in the order they were registered."""
    return dict(_pruners)


type Exporter = Callable[[int], list[dict[str, Any]]]

_exporters: dict[str, Exporter] = {}


def register_exporter(name: str, export: Exporter) -> None:
    _exporters[name] = export


def exporters() -> dict[str, Exporter]:
    return dict(_exporters)
