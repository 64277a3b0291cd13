"""Profiles read from a Bluesky AppView (``app.bsky.actor.getProfiles``), public and unauthenticated.

The AppView is the service that indexes the whole network; which one is a setting
(``ENVOL_BLUESKY_APPVIEW_URL``, Bluesky's public one by default). A profile carries the labels that
moderation services attached to the account, so callers can notice an ``impersonation`` label
before suggesting that account as someone's X contact. ``getProfiles`` takes at most 25 actors
(handles or DIDs) and silently leaves out the ones it does not know.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from envol.core.config import CONFIG
from envol.platforms.bluesky.repo import parse_record_time
from envol.platforms.bluesky.xrpc import Xrpc
from envol.platforms.errors import NotFound
from envol.platforms.http import HttpClient
from envol.platforms.images import fetch_avatar as fetch_image

MAX_ACTORS = 25
IMPERSONATION = "impersonation"
# What an AppView shows instead of a handle it could not verify both ways.
INVALID_HANDLE = "handle.invalid"


def appview_url() -> str:
    return CONFIG.bluesky_appview_url


@dataclass(frozen=True, slots=True)
class Label:
    """A label on an account: ``val`` set by ``src`` (a labeler's DID, or the account itself)."""

    src: str
    val: str
    negated: bool = False
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Profile:
    did: str
    handle: str
    display_name: str
    avatar_url: str | None
    labels: tuple[Label, ...]

    @property
    def handle_verified(self) -> bool:
        return self.handle != INVALID_HANDLE

    def has_label(self, value: str, *, now: datetime | None = None) -> bool:
        """Whether a label ``value`` applies (not negated, not expired at ``now`` when given)."""
        return any(
            label.val == value
            and not label.negated
            and (now is None or label.expires_at is None or label.expires_at > now)
            for label in self.labels
        )


def _label(raw: Any) -> Label | None:
    if (
        not isinstance(raw, dict)
        or not isinstance(raw.get("val"), str)
        or not isinstance(raw.get("src"), str)
    ):
        return None
    return Label(
        src=raw["src"],
        val=raw["val"],
        negated=raw.get("neg") is True,
        expires_at=parse_record_time(raw.get("exp")),
    )


def _profile(raw: Any) -> Profile | None:
    if (
        not isinstance(raw, dict)
        or not isinstance(raw.get("did"), str)
        or not isinstance(raw.get("handle"), str)
    ):
        return None
    display_name, avatar = raw.get("displayName"), raw.get("avatar")
    labels = raw.get("labels")
    return Profile(
        did=raw["did"],
        handle=raw["handle"],
        display_name=display_name if isinstance(display_name, str) else "",
        avatar_url=avatar if isinstance(avatar, str) and avatar else None,
        labels=tuple(label for label in map(_label, labels if isinstance(labels, list) else []) if label),
    )


def get_profiles(http: HttpClient, actors: Sequence[str], *, service_url: str | None = None) -> list[Profile]:
    """The profiles of up to 25 actors (handles or DIDs) in one call; unknown actors are left out."""
    if len(actors) > MAX_ACTORS:
        raise ValueError(f"{len(actors)} actors: getProfiles takes at most {MAX_ACTORS}")
    if not actors:
        return []
    xrpc = Xrpc(http, service_url or appview_url())
    body = xrpc.query("app.bsky.actor.getProfiles", {"actors": list(actors)})
    profiles = body.get("profiles")
    return [p for p in map(_profile, profiles if isinstance(profiles, list) else []) if p is not None]


def iter_profiles(
    http: HttpClient, actors: Sequence[str], *, service_url: str | None = None
) -> Iterator[Profile]:
    """The profiles of any number of actors, 25 per call."""
    for start in range(0, len(actors), MAX_ACTORS):
        yield from get_profiles(http, actors[start : start + MAX_ACTORS], service_url=service_url)


def fetch_avatar(url: str, *, http: HttpClient) -> tuple[bytes, str] | None:
    """A profile's avatar from the Bluesky CDN: raster bytes only, size-capped, typed by its bytes
    (platforms.images), so that pages show it from Envol's own origin."""
    try:
        return fetch_image(url, http=http)
    except NotFound:
        return None
