"""A recording, in-memory follow port (envol.platforms.follows.FollowPort) for the engine's unit
tests: it keeps its account's follows in a dict, records every call, and fails on demand, so that a
test names what the platform does and reads back what the engine asked (the real-server tests,
tests/reconnect/test_bluesky.py and test_mastodon.py, stay beside it).

Faults are queued per method (`fail("follow", Transient(...))`): the next call of that method
raises, after (`after=True`) or before doing its work, which is how a write whose answer was lost
is told from one that never happened.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from envol.platforms.errors import AuthExpired, NotFound, PlatformError
from envol.platforms.follows import Followed, FollowResult, Prepared, Room
from envol.platforms.ratelimit import RateLimitReading


@dataclass
class Fault:
    error: PlatformError
    after: bool = False  # the call did its work, then its answer was lost


@dataclass
class FakeFollowPort:
    follows: dict[str, str] = field(default_factory=dict)  # record key -> target id
    requested: set[str] = field(default_factory=set)  # keys whose follow waits for approval
    locked: set[str] = field(default_factory=set)  # targets that answer with a request
    gone: set[str] = field(default_factory=set)  # targets nobody answers to
    confirmed_gone: set[str] = field(default_factory=set)  # targets whose home server says 404/410
    room_rule: Room | None = None
    renewals_left: int = 0  # how many times `reauthorise` succeeds
    reading: RateLimitReading | None = None  # what every answer says about the rate limit
    calls: list[tuple[str, object]] = field(default_factory=list)
    requests: int = 0
    closed: bool = False
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    _keys: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    # --- what tests use -------------------------------------------------------------------
    def fail(self, method: str, error: PlatformError, *, after: bool = False) -> None:
        self.faults.setdefault(method, []).append(Fault(error, after))

    def followed_targets(self) -> list[str]:
        return sorted(self.follows.values())

    def called(self, method: str) -> list[object]:
        return [args for name, args in self.calls if name == method]

    def _enter(self, method: str, args: object) -> Fault | None:
        self.calls.append((method, args))
        self.requests += 1
        queued = self.faults.get(method)
        fault = queued.pop(0) if queued else None
        if fault is not None and not fault.after:
            raise fault.error
        return fault

    @staticmethod
    def _leave(fault: Fault | None) -> None:
        if fault is not None:
            raise fault.error

    # --- the port -------------------------------------------------------------------------
    @property
    def rate_limit(self) -> RateLimitReading | None:
        return self.reading

    def reauthorise(self) -> bool:
        self.calls.append(("reauthorise", None))
        if self.renewals_left <= 0:
            raise AuthExpired("the renewal was refused too")
        self.renewals_left -= 1
        return True

    def room(self) -> Room | None:
        if self.room_rule is None:
            return None
        self._leave(self._enter("room", None))
        return Room(self.room_rule.limit, len(self.follows) + self.room_rule.following)

    def following(self) -> Iterator[Followed]:
        self._leave(self._enter("following", None))
        for key, target in list(self.follows.items()):
            yield Followed(key, frozenset({target}))

    def present(self, keys: Sequence[str]) -> dict[str, FollowResult]:
        fault = self._enter("present", list(keys))
        found = {k: FollowResult.FOLLOWING for k in keys if k in self.follows}
        found |= {k: FollowResult.REQUESTED for k in keys if k in self.requested}
        self._leave(fault)
        return found

    def prepare(self, target_id: str) -> Prepared:
        fault = self._enter("prepare", target_id)
        if target_id in self.gone:
            raise NotFound(f"nobody answers to {target_id}")
        self._leave(fault)
        return Prepared(f"k{next(self._keys)}")

    def confirms_gone(self, target_id: str) -> bool:
        self._leave(self._enter("confirms_gone", target_id))
        return target_id in self.confirmed_gone

    def follow(self, targets: Sequence[tuple[str, str]], created_at: datetime) -> list[FollowResult]:
        fault = self._enter("follow", list(targets))
        results = []
        for key, target in targets:
            if target in self.follows.values() and key not in self.follows:
                results.append(FollowResult.ALREADY)
            elif target in self.locked:
                self.requested.add(key)
                results.append(FollowResult.REQUESTED)
            else:
                self.follows[key] = target
                results.append(FollowResult.FOLLOWING)
        self._leave(fault)
        return results

    def unfollow(self, keys: Sequence[str]) -> None:
        fault = self._enter("unfollow", list(keys))
        for key in keys:
            self.follows.pop(key, None)
            self.requested.discard(key)
        self._leave(fault)

    def close(self) -> None:
        self.closed = True
