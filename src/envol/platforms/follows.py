"""The follow port: what the reconnection engine needs from a platform, in canonical terms.

Bluesky (`platforms/bluesky/follow_port.py`) and Mastodon (`platforms/mastodon/follow_port.py`)
both implement `FollowPort` for one source account, so the engine drives every platform with one
algorithm (envol.reconnect.follow_run) and no platform branch. A follow has a *record key*,
committed by the engine with `sent_at` before the write that uses it, so that after a crash
`present` tells whether the write happened:

- Bluesky: the follow record's key (a TID), chosen locally; the PDS refuses a second record with a
  key it holds, which makes a late, stale write harmless;
- Mastodon: the target's id on the person's own instance, learnt by resolving the target there
  (following twice creates nothing on Mastodon).

Ports count their HTTP requests (`requests`) and keep the last response's canonical rate-limit
reading (`rate_limit`); they never sleep: they raise canonical errors (platforms/errors.py).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from envol.platforms.ratelimit import RateLimitReading


class FollowResult(enum.StrEnum):
    FOLLOWING = "following"  # the follow exists
    REQUESTED = "requested"  # a follow request waits for the target's approval
    ALREADY = "already"  # the person followed the target already, not through Envol


@dataclass(frozen=True, slots=True)
class Followed:
    """One follow the account has: its record key and every stable id its target answers to."""

    key: str
    subjects: frozenset[str]


@dataclass(frozen=True, slots=True)
class Prepared:
    """A target made ready to follow: its record key, and the address actually followed when it is
    not the target's own (a Mastodon account that moved is followed at its new address)."""

    key: str
    followed_as: str = ""


@dataclass(frozen=True, slots=True)
class Room:
    """A platform rule on how many accounts one may follow (Mastodon's 7,500 rule)."""

    limit: int
    following: int

    @property
    def full(self) -> bool:
        return self.following >= self.limit


class FollowPort(Protocol):
    """One source account's follows on its platform."""

    @property
    def requests(self) -> int:
        """HTTP requests made so far (for the budget, the run log and the benchmark)."""
        ...

    @property
    def rate_limit(self) -> RateLimitReading | None:
        """The rate-limit reading of the last response (None: it declared nothing)."""
        ...

    def reauthorise(self) -> bool:
        """After a refused authorisation: renew it once if the platform can (True), else False;
        AuthExpired when the renewal is refused too."""
        ...

    def room(self) -> Room | None:
        """The platform's rule on how many one may follow, as it stands (None: no such rule)."""
        ...

    def following(self) -> Iterator[Followed]:
        """Every follow the account has (a full read, page by page)."""
        ...

    def present(self, keys: Sequence[str]) -> dict[str, FollowResult]:
        """Which of these record keys are follows (or requests) now: those absent are missing."""
        ...

    def prepare(self, target_id: str) -> Prepared:
        """Make a target ready to follow (NotFound: nobody answers to it now; maybe later)."""
        ...

    def confirms_gone(self, target_id: str) -> bool:
        """Whether the target's own server says it is gone (404 or 410 about its own account); a
        failure to ask, or any other answer, is False: only that answer calls a target gone."""
        ...

    def follow(self, targets: Sequence[tuple[str, str]], created_at: datetime) -> list[FollowResult]:
        """Follow each (record key, target id): all or nothing, in order. A refusal of the whole
        call raises Rejected (the caller halves the batch to find the culprit)."""
        ...

    def unfollow(self, keys: Sequence[str]) -> None:
        """Remove these follows (those already gone count as removed)."""
        ...

    def close(self) -> None: ...
