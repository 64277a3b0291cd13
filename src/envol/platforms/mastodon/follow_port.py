"""Mastodon's follow port (envol.platforms.follows.FollowPort) for one account, on its instance.

The record key of a follow is the target's id on the person's own instance, learnt by resolving the
target there (`prepare`); ids differ on every instance. Following is one target a call: the
relationship is checked first, so that a follow the person made themselves is reported as theirs
(undo never removes it), then the follow is sent. The 7,500 rule is read from the account's own
counts (`room`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from datetime import datetime

from envol.platforms.errors import NotFound
from envol.platforms.follows import Followed, FollowResult, Prepared, Room, Standing
from envol.platforms.mastodon.accounts import home_says_gone
from envol.platforms.mastodon.authority import InstanceMap, host_of
from envol.platforms.mastodon.block_port import MastodonBlocks
from envol.platforms.mastodon.follows import MastodonFollows, Relationship, SelfCounts
from envol.platforms.ratelimit import RateLimitReading

FOLLOW_LIMIT = 7500


def follow_limit(following: int, followers: int, *, threshold: int = FOLLOW_LIMIT, ratio: float = 1.1) -> int:
    """Mastodon's FollowLimitValidator: past `threshold` follows, one needs followers × ratio."""
    return threshold if following < threshold else max(round(followers * ratio), threshold)


def _result(relationship: Relationship) -> FollowResult:
    # A locked account (or a server that accepts later) answers with a request, not a follow.
    return FollowResult.FOLLOWING if relationship.following else FollowResult.REQUESTED


class MastodonFollowPort(MastodonBlocks):
    """Follows here; blocks and mutes (envol.platforms.blocks.BlockPort) from MastodonBlocks."""

    def __init__(self, client: MastodonFollows, instances: InstanceMap | None = None) -> None:
        self.client = client
        self.instances = instances or InstanceMap()  # where a target's home server answers
        self._me = ""
        self._counts: SelfCounts | None = None  # verify_credentials as `standing` read it this run

    @property
    def requests(self) -> int:
        return self.client.requests

    @property
    def rate_limit(self) -> RateLimitReading | None:
        return self.client.rate_limit

    def reauthorise(self) -> bool:
        return self.client.reauthorise()

    def standing(self) -> Standing:
        me = self._counts = self.client.me()
        self._me = me.id
        return Standing(
            labels=me.flags,
            followers=me.followers_count,
            following=me.following_count,
            posts=me.statuses_count,
            created_at=me.created_at,
        )

    def room(self) -> Room:
        # The counts `standing` has just read serve once: a later call reads them again.
        me, self._counts = self._counts or self.client.me(), None
        self._me = me.id
        return Room(follow_limit(me.following_count, me.followers_count), me.following_count)

    def following(self) -> Iterator[Followed]:
        if not self._me:
            self._me = self.client.me().id
        for account in self.client.following(self._me):
            yield Followed(account.id, frozenset({account.uri, account.acct}))

    def present(self, keys: Sequence[str]) -> dict[str, FollowResult]:
        found: dict[str, FollowResult] = {}
        for start in range(0, len(keys), 40):  # at most 40 ids a call
            for key, relationship in self.client.relationships(list(keys[start : start + 40])).items():
                if relationship.following or relationship.requested:
                    found[key] = _result(relationship)
        return found

    def prepare(self, target_id: str) -> Prepared:
        target = self.client.resolve(target_id)
        if target.moved_to is not None:
            target = target.moved_to  # a moved account refuses follows: follow its new address
        return Prepared(target.id, target.acct)

    def confirms_gone(self, target_id: str) -> bool:
        host = host_of(target_id)
        if not host or not target_id.startswith("https://"):
            return False  # not an actor URI: no home server to ask
        self.client.requests += 1
        return home_says_gone(self.instances.base_for(host), target_id, http=self.client.http)

    def follow(self, targets: Sequence[tuple[str, str]], created_at: datetime) -> list[FollowResult]:
        results = []
        for key, _ in targets:
            current = self.client.relationships([key]).get(key)
            if current is not None and (current.following or current.requested):
                results.append(FollowResult.ALREADY)
                continue
            results.append(_result(self.client.follow(key)))
        return results

    def unfollow(self, keys: Sequence[str]) -> None:
        for key in keys:
            with contextlib.suppress(NotFound):  # the account is gone: so is the follow
                self.client.unfollow(key)

    def close(self) -> None:
        close = getattr(self.client.http, "close", None)
        if close is not None:
            close()
