"""The person's own standing as each platform shows it (FollowPort.standing), from answers given by
a mock transport: Bluesky's profile labels put by others (never self-labels, negated or expired
ones) and counts; Mastodon's `limited` and `suspended` flags, counts and creation date. Untrusted
values (negative or non-numeric counts) are dropped."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from envol.platforms.bluesky.follow_port import BlueskyFollowPort
from envol.platforms.mastodon.follow_port import MastodonFollowPort
from envol.platforms.mastodon.follows import MastodonFollows

ME = "did:plc:me"


class Transport:
    """An HttpClient answering one JSON body to every request (or raising)."""

    def __init__(self, body: dict[str, Any] | None = None, status: int = 200) -> None:
        self.body, self.status, self.urls = body or {}, status, []

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        self.urls.append(url)
        return httpx.Response(self.status, json=self.body, request=httpx.Request(method, url))


def _bluesky(body: dict[str, Any], status: int = 200) -> BlueskyFollowPort:
    port = BlueskyFollowPort.__new__(BlueskyFollowPort)
    port.http = type("Counting", (), {"inner": Transport(body, status), "requests": 0})()  # type: ignore[assignment]
    port.did = ME
    return port


def test_bluesky_labels_by_others_and_counts() -> None:
    labels = [
        {"src": "did:plc:mod", "val": "spam"},
        {"src": ME, "val": "!no-unauthenticated"},  # the person's own self-label
        {"src": "did:plc:mod", "val": "!hide", "neg": True},
        {"src": "did:plc:mod", "val": "!warn", "exp": "2001-01-01T00:00:00Z"},
    ]
    profile = {"did": ME, "handle": "me.test", "labels": labels, "followersCount": 3, "followsCount": 250,
               "postsCount": -4, "createdAt": "2026-11-30T10:00:00Z"}  # fmt: skip
    standing = _bluesky({"profiles": [profile]}).standing()
    assert standing is not None
    assert standing.labels == frozenset({"spam"})
    assert (standing.followers, standing.following, standing.posts) == (3, 250, None)
    assert standing.created_at == datetime(2026, 11, 30, 10, tzinfo=UTC)


def test_bluesky_appview_trouble_is_no_standing() -> None:
    assert _bluesky({}, status=502).standing() is None
    assert _bluesky({"profiles": [{"did": "did:plc:other", "handle": "o.test"}]}).standing() is None


def test_mastodon_limited_and_suspended() -> None:
    body = {"id": "1", "following_count": 10, "followers_count": 2, "statuses_count": 0,
            "created_at": "2026-12-01T00:00:00.000Z", "limited": True, "suspended": "yes"}  # fmt: skip
    client = MastodonFollows("https://m.test", "m.test", "token", Transport(body))
    port = MastodonFollowPort(client)
    standing = port.standing()
    assert standing.labels == frozenset({"limited"})  # only a true boolean counts
    assert (standing.followers, standing.following, standing.posts) == (2, 10, 0)
    assert standing.created_at == datetime(2026, 12, 1, tzinfo=UTC)
    requests = client.requests
    port.room()  # the counts standing has just read serve the 7,500 rule: no second request
    assert client.requests == requests
