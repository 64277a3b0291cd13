"""Profiles through the real local AppView: names, avatars, labels; the 25-actor limit; the setting."""

from __future__ import annotations

import os
import struct
import time
import zlib
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import psycopg
import pytest
from psycopg import sql

from envol.platforms.bluesky.appview import (
    IMPERSONATION,
    MAX_ACTORS,
    Label,
    Profile,
    appview_url,
    get_profiles,
    iter_profiles,
)
from envol.platforms.bluesky.xrpc import Xrpc
from envol.platforms.errors import Rejected
from support.atproto_net import AtprotoNetwork, TestAccount

from .conftest import fake_did, sign_in


def poll[T](read: Callable[[], T | None], *, seconds: float = 20) -> T:
    """The AppView indexes the PDS's firehose asynchronously: wait for what it should show."""
    deadline = time.monotonic() + seconds
    while True:
        value = read()
        if value is not None:
            return value
        assert time.monotonic() < deadline, "the AppView did not index it in time"
        time.sleep(0.1)


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x80\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


@pytest.fixture(scope="module")
def profiled(http: httpx.Client, atproto_network_appview: AtprotoNetwork) -> tuple[TestAccount, str]:
    """A new account with a display name, an avatar and a self-label; returns it and the avatar's CID."""
    net = atproto_network_appview
    account = net.create_account()
    xrpc = Xrpc.for_account(http, sign_in(http, net, account))
    assert xrpc.credentials is not None
    r = http.post(
        f"{net.pds_url}/xrpc/com.atproto.repo.uploadBlob",
        content=tiny_png(),
        headers={**xrpc.credentials.headers("POST", ""), "Content-Type": "image/png"},
    )
    assert r.status_code == 200, r.text
    blob = r.json()["blob"]
    xrpc.procedure(
        "com.atproto.repo.putRecord",
        {
            "repo": account.did,
            "collection": "app.bsky.actor.profile",
            "rkey": "self",
            "record": {
                "$type": "app.bsky.actor.profile",
                "displayName": "Élodie Test",
                "avatar": blob,
                "labels": {"$type": "com.atproto.label.defs#selfLabels", "values": [{"val": "envol-self"}]},
            },
        },
    )
    return account, str(blob["ref"]["$link"])


def read_profile(http: httpx.Client, net: AtprotoNetwork, actor: str) -> Callable[[], Profile | None]:
    def read() -> Profile | None:
        found = get_profiles(http, [actor], service_url=net.appview_url)
        return found[0] if found and found[0].display_name else None

    return read


def test_profile_fields_and_self_label(
    http: httpx.Client, atproto_network_appview: AtprotoNetwork, profiled: tuple[TestAccount, str]
) -> None:
    account, avatar_cid = profiled
    profile = poll(read_profile(http, atproto_network_appview, account.did))
    assert (profile.did, profile.handle, profile.display_name) == (account.did, account.handle, "Élodie Test")
    assert profile.handle_verified
    assert profile.avatar_url is not None
    assert avatar_cid in profile.avatar_url
    assert profile.has_label("envol-self")
    assert any(label.src == account.did and label.val == "envol-self" for label in profile.labels)
    assert not profile.has_label(IMPERSONATION)


def test_many_actors_25_per_call(http: httpx.Client, atproto_network_appview: AtprotoNetwork) -> None:
    net = atproto_network_appview
    known = [net.account(name) for name in ("alice", "bob", "carol", "dave")]
    actors = [fake_did(f"nobody-{i}") for i in range(30)]
    actors[3], actors[27] = known[0].did, known[1].handle  # DIDs and handles both work
    actors.append(known[2].did)
    found = list(iter_profiles(http, actors, service_url=net.appview_url))
    assert [p.handle for p in found] == ["alice.test", "bob.test", "carol.test"]  # unknown ones left out
    with pytest.raises(ValueError, match="at most 25"):
        get_profiles(http, actors[: MAX_ACTORS + 1], service_url=net.appview_url)
    assert get_profiles(http, [], service_url=net.appview_url) == []


def test_the_setting_chooses_the_appview(
    http: httpx.Client, atproto_network_appview: AtprotoNetwork, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ENVOL_BLUESKY_APPVIEW_URL", raising=False)
    assert appview_url() == "https://public.api.bsky.app"
    monkeypatch.setenv("ENVOL_BLUESKY_APPVIEW_URL", f"{atproto_network_appview.appview_url}/")
    assert [p.did for p in get_profiles(http, ["bob.test"])] == [atproto_network_appview.account("bob").did]


def test_bad_actor_is_rejected(http: httpx.Client, atproto_network_appview: AtprotoNetwork) -> None:
    with pytest.raises(Rejected, match="400 InvalidRequest"):
        get_profiles(http, ["not an actor"], service_url=atproto_network_appview.appview_url)


# The labeler dev-env configures the AppView to trust (dev-env/dist/const.js EXAMPLE_LABELER).
EXAMPLE_LABELER = "did:example:labeler"


def test_impersonation_label_from_a_labeler(
    http: httpx.Client, atproto_network_appview: AtprotoNetwork
) -> None:
    # A production AppView ingests labels from the labelers' subscribeLabels streams; the local one
    # has no such ingester (dev-env's own tests write labels into its database). So this test
    # writes the row the ingester would write, and the real AppView hydrates and serves it.
    net = atproto_network_appview
    suspect = net.create_account()
    poll(lambda: get_profiles(http, [suspect.did], service_url=net.appview_url) or None)
    schema = "appview_" + str(net.raw["pgSchema"])
    pg_url = os.environ.get("BSKY_LOCAL_PG_URL") or "postgresql://postgres@127.0.0.1:5432/test"
    with psycopg.connect(pg_url, autocommit=True) as db:
        db.execute(
            sql.SQL(
                "INSERT INTO {}.label (src, uri, cid, val, neg, cts) VALUES (%s, %s, '', %s, false, %s)"
            ).format(sql.Identifier(schema)),
            (EXAMPLE_LABELER, suspect.did, IMPERSONATION, datetime.now(UTC).isoformat()),
        )
    (profile,) = get_profiles(http, [suspect.did], service_url=net.appview_url)
    assert profile.has_label(IMPERSONATION, now=datetime.now(UTC))
    assert Label(EXAMPLE_LABELER, IMPERSONATION) in profile.labels


def test_label_rules() -> None:
    now = datetime(2026, 11, 23, tzinfo=UTC)
    profile = Profile(
        did="did:plc:x",
        handle="handle.invalid",
        display_name="",
        avatar_url=None,
        labels=(
            Label("did:plc:mod", "impersonation", negated=True),
            Label("did:plc:mod", "spam", expires_at=datetime(2026, 1, 1, tzinfo=UTC)),
        ),
    )
    assert not profile.handle_verified
    assert not profile.has_label("impersonation")
    assert profile.has_label("spam")
    assert not profile.has_label("spam", now=now)
