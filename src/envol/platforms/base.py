"""What every connector offers, in canonical types."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class RateLimitInfo:
    """Rate-limit state as the platform's last response advertised it (headers win over defaults)."""

    limit: int | None = None
    remaining: int | None = None
    reset_at: datetime | None = None
    policy: str = ""


@dataclass(frozen=True, slots=True)
class FollowResult:
    """The outcome of one follow in a batch."""

    target_id: str
    record_ref: str = ""  # e.g. the at:// URI of the follow record, or the Mastodon relationship id
    requested: bool = False  # a locked Mastodon account: follow requested, not yet accepted
    extra: Mapping[str, str] = field(default_factory=dict)
