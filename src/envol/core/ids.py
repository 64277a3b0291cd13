"""Canonical identities shared by every package.

An account is keyed by its stable id on its platform, never by its handle: handles change.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Platform(enum.StrEnum):
    X = "x"
    BLUESKY = "bluesky"
    MASTODON = "mastodon"


@dataclass(frozen=True, slots=True)
class AccountRef:
    """A platform account as the rest of Envol sees it.

    ``stable_id`` is the X numeric id (as a decimal string), the Bluesky DID, or the Mastodon
    actor URI. ``handle`` is informative only (``user``, ``alice.bsky.social``, ``user@domain``).
    """

    platform: Platform
    stable_id: str
    handle: str = ""

    def __post_init__(self) -> None:
        if not self.stable_id:
            raise ValueError("an account needs a stable id")
