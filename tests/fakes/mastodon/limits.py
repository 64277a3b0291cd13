"""Rate limits as notes/mastodon-api.md §1-2 describe them (rack-attack throttles + the `follows` family).

Every throttle is a fixed window aligned to a multiple of its period since the epoch (so the 24 h
follow window resets at UTC midnight). Counting follows rack-attack: every request increments every
throttle that applies, and is refused when a count goes past its limit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .clock import Clock, iso_micro


@dataclass(frozen=True)
class Throttle:
    name: str
    limit: int
    period: int  # seconds


@dataclass(frozen=True)
class Limits:
    """Defaults are those of notes §1-2; every instance may override any of them."""

    per_token: Throttle = Throttle("throttle_per_token_api", 300, 300)
    per_user: Throttle = Throttle("throttle_authenticated_api", 1500, 300)
    per_ip: Throttle = Throttle("throttle_unauthenticated_api", 300, 300)
    # Requests carrying max_id/min_id/since_id/page: per user, or per IP when unauthenticated.
    paging: Throttle = Throttle("throttle_api_paging", 300, 900)
    follows: Throttle = Throttle("follows", 400, 86400)
    max_follows_threshold: int = 7500  # MAX_FOLLOWS_THRESHOLD
    max_follows_ratio: float = 1.1  # MAX_FOLLOWS_RATIO
    # Real Mastodon safelists 127.0.0.1; the fake pretends to be remote, so it limits loopback too.
    enabled: bool = True


@dataclass(frozen=True)
class Window:
    limit: int
    remaining: int
    reset: float  # epoch seconds

    def headers(self) -> list[tuple[str, str]]:
        return [
            ("X-RateLimit-Limit", str(self.limit)),
            ("X-RateLimit-Remaining", str(max(self.remaining, 0))),
            ("X-RateLimit-Reset", iso_micro(self.reset)),
        ]


PAGING_PARAMS = ("max_id", "min_id", "since_id", "page")


@dataclass
class RateLimiter:
    limits: Limits
    clock: Clock
    _counts: dict[tuple[str, str, int], int] = field(default_factory=dict)

    def _slot(self, throttle: Throttle) -> tuple[int, float]:
        index = int(self.clock() // throttle.period)
        return index, float((index + 1) * throttle.period)

    def hit(self, throttles: list[tuple[Throttle, str]]) -> tuple[bool, Window]:
        """Count one request against each (throttle, discriminator). Returns (refused, headers window).

        The window reported is the one "closest to exceeding" (rate-limits.md); on refusal it is the
        refusing throttle with Remaining 0, as rack-attack's throttled responder does.
        """
        windows: list[tuple[bool, Window]] = []
        for throttle, key in throttles:
            index, reset = self._slot(throttle)
            slot = (throttle.name, key, index)
            self._counts[slot] = count = self._counts.get(slot, 0) + 1
            windows.append((count > throttle.limit, Window(throttle.limit, throttle.limit - count, reset)))
        refused = [w for over, w in windows if over]
        if refused:
            first = refused[0]
            return True, Window(first.limit, 0, first.reset)
        return False, min((w for _, w in windows), key=lambda w: w.remaining)

    def follow_window(self, account_id: str) -> Window:
        throttle = self.limits.follows
        index, reset = self._slot(throttle)
        used = self._counts.get((throttle.name, account_id, index), 0)
        return Window(throttle.limit, throttle.limit - used, reset)

    def record_follow(self, account_id: str) -> bool:
        """RateLimiter#record! of Mastodon: refuse when the count already reached the limit, else count.

        Only the creation of a Follow/FollowRequest calls this; re-following creates nothing.
        """
        throttle = self.limits.follows
        index, _ = self._slot(throttle)
        slot = (throttle.name, account_id, index)
        used = self._counts.get(slot, 0)
        if self.limits.enabled and used >= throttle.limit:
            return False
        self._counts[slot] = used + 1
        return True

    def follows_today(self, account_id: str) -> int:
        throttle = self.limits.follows
        return self._counts.get((throttle.name, account_id, self._slot(throttle)[0]), 0)
