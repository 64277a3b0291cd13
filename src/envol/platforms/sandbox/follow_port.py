"""The simulated platforms' follow port (envol.platforms.follows.FollowPort): the engine drives a
sandbox account through it exactly as through Bluesky's or Mastodon's, with no platform branch.

Follows live in this process's memory (`make run` is one process: web and worker), per source
account. The pace is simulated as a server would announce it: after each write the reading says
nothing is left until `PACE_SECONDS` per follow have passed, and a write before then is refused
with a rate limit, so the engine's pacing, the live progress and the ETA are the real ones.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from envol.core.ids import Platform
from envol.platforms.blocks import BlockAction, BlockResult
from envol.platforms.errors import NotFound, RateLimited
from envol.platforms.follows import Followed, FollowResult, Prepared, Room, Standing
from envol.platforms.ratelimit import RateLimitReading
from envol.platforms.sandbox.world import is_simulated, locked_addresses

#: Seconds one follow (or unfollow) costs on the simulated platforms: slow enough to watch.
PACE_SECONDS = 2.0


@dataclass
class _Account:
    follows: dict[str, str] = field(default_factory=dict)  # record key -> target
    requested: set[str] = field(default_factory=set)  # keys waiting for the target's approval
    # (action, record key) -> target: the blocks and mutes Envol made (envol.platforms.blocks)
    blocks: dict[tuple[str, str], str] = field(default_factory=dict)
    free_at: datetime = field(default_factory=lambda: datetime.min.replace(tzinfo=UTC))


_LOCK = threading.Lock()
_ACCOUNTS: dict[str, _Account] = {}
_KEYS = itertools.count(1)


def follows_of(source: str) -> dict[str, str]:
    """What a simulated account follows now (record key -> target): for tests and the sandbox page."""
    with _LOCK:
        return dict(_ACCOUNTS.get(source, _Account()).follows)


class SandboxFollowPort:
    def __init__(self, platform: str, source: str) -> None:
        self.platform, self.source = platform, source
        self.requests = 0
        self._reading: RateLimitReading | None = None

    @property
    def rate_limit(self) -> RateLimitReading | None:
        return self._reading

    def _account(self) -> _Account:
        return _ACCOUNTS.setdefault(self.source, _Account())

    def _spend(self, account: _Account, items: int) -> None:
        """Refuse while the pace forbids a write; else charge it and announce when the next may go."""
        now = datetime.now(UTC)
        if now < account.free_at:
            raise RateLimited("simulated pace", retry_at=account.free_at)
        account.free_at = now + timedelta(seconds=PACE_SECONDS * items)
        left = 0 if account.free_at > now else 1
        self._reading = RateLimitReading(limit=1, remaining=left, reset_at=account.free_at)

    def reauthorise(self) -> bool:
        return False

    def room(self) -> Room | None:
        return None

    def standing(self) -> Standing | None:
        return None  # the sandbox's accounts carry no labels nor counts: the pace keeps to its floor

    def following(self) -> Iterator[Followed]:
        self.requests += 1
        with _LOCK:
            listed = list(self._account().follows.items())
        for key, target in listed:
            yield Followed(key, frozenset({target}))

    def present(self, keys: Sequence[str]) -> dict[str, FollowResult]:
        self.requests += 1
        with _LOCK:
            account = self._account()
            return {
                key: FollowResult.REQUESTED if key in account.requested else FollowResult.FOLLOWING
                for key in keys
                if key in account.follows
            }

    def prepare(self, target_id: str) -> Prepared:
        self.requests += 1
        if not is_simulated(self.platform, target_id):
            raise NotFound("nobody answers to this address on the simulated platforms")
        prefix = "3sbx" if self.platform == Platform.BLUESKY else ""
        return Prepared(f"{prefix}{next(_KEYS)}")

    def confirms_gone(self, target_id: str) -> bool:
        """Only an address outside the simulated platforms is gone from them."""
        return not is_simulated(self.platform, target_id)

    def follow(self, targets: Sequence[tuple[str, str]], created_at: datetime) -> list[FollowResult]:
        self.requests += 1
        locked = locked_addresses()
        with _LOCK:
            account = self._account()
            self._spend(account, len(targets))
            results = []
            for key, target in targets:
                if target in account.follows.values() and key not in account.follows:
                    results.append(FollowResult.ALREADY)
                    continue
                account.follows[key] = target
                if target in locked:
                    account.requested.add(key)
                    results.append(FollowResult.REQUESTED)
                else:
                    results.append(FollowResult.FOLLOWING)
            return results

    def unfollow(self, keys: Sequence[str]) -> None:
        self.requests += 1
        with _LOCK:
            account = self._account()
            self._spend(account, len(keys))
            for key in keys:
                account.follows.pop(key, None)
                account.requested.discard(key)

    def supports(self, action: BlockAction) -> bool:
        return action == BlockAction.BLOCK or self.platform == Platform.MASTODON

    def blocks_present(self, action: BlockAction, keys: Sequence[str]) -> set[str]:
        self.requests += 1
        with _LOCK:
            held = self._account().blocks
            return {key for key in keys if (action.value, key) in held}

    def block(
        self, action: BlockAction, targets: Sequence[tuple[str, str]], created_at: datetime
    ) -> list[BlockResult]:
        self.requests += 1
        with _LOCK:
            account = self._account()
            self._spend(account, len(targets))
            for key, target in targets:
                account.blocks[(action.value, key)] = target
        return [BlockResult.DONE] * len(targets)

    def unblock(self, action: BlockAction, keys: Sequence[str]) -> None:
        self.requests += 1
        with _LOCK:
            for key in keys:
                self._account().blocks.pop((action.value, key), None)

    def close(self) -> None:
        pass
