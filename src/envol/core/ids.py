"""Canonical identities shared by every package.

An account is keyed by its stable id on its platform, never by its handle: handles change.
"""

from __future__ import annotations

import enum


class Platform(enum.StrEnum):
    X = "x"
    BLUESKY = "bluesky"
    MASTODON = "mastodon"
