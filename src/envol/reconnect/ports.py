"""What the executor needs from each platform, as protocols over canonical types.

Only `platforms/<name>/` speaks a platform's wire format; the executor sees these ports, built for
one source account by `envol.reconnect.connect.ports_for` (tests swap the factory).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Protocol

from envol.platforms.mastodon.follows import Relationship, RemoteAccount, SelfCounts


class BlueskyRepo(Protocol):
    """One account's `app.bsky.graph.follow` records in its own repository."""

    did: str
    requests: int  # HTTP requests made so far (for the run log and the benchmark)

    @property
    def rate_headers(self) -> Mapping[str, str]:
        """The rate-limit headers of the last response (lower-case names)."""
        ...

    def new_rkey(self) -> str:
        """A fresh record key (TID), chosen by the caller before the write."""
        ...

    def follows(self) -> Iterator[tuple[str, str]]:
        """(rkey, subject DID) of every follow record of the account, newest first."""
        ...

    def existing_rkeys(self, rkeys: Sequence[str]) -> set[str]:
        """Which of these follow record keys the repository holds (a few pages of the key range)."""
        ...

    def create_follows(self, follows: Sequence[tuple[str, str]], created_at: datetime) -> None:
        """One applyWrites creating each (rkey, subject DID): all or nothing, at most 200. A key
        already present (an earlier attempt did commit) raises a canonical error other than
        Rejected/RateLimited: the caller reconciles before sending anything again."""
        ...

    def delete_follows(self, rkeys: Sequence[str]) -> None:
        """Delete these records (those already gone count as deleted)."""
        ...


class MastodonAccount(Protocol):
    """The person's account on their own instance (`envol.platforms.mastodon.follows.MastodonFollows`)."""

    requests: int

    @property
    def rate_headers(self) -> Mapping[str, str]: ...

    def me(self) -> SelfCounts: ...

    def following(self, account_id: str) -> Iterator[RemoteAccount]: ...

    def resolve(self, address: str) -> RemoteAccount: ...

    def relationships(self, account_ids: list[str]) -> dict[str, Relationship]: ...

    def follow(self, account_id: str) -> Relationship: ...

    def unfollow(self, account_id: str) -> Relationship: ...
