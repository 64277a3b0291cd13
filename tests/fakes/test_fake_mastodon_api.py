"""The fake Mastodon's API: instance, accounts, follows, paging, limits, faults."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import httpx
import pytest

from fakes.mastodon import FakeClock, FakeMastodon, Federation, Limits, Throttle, parse_iso
from fakes.mastodon.flow import links

if TYPE_CHECKING:
    from fakes.mastodon.fixtures import FakeMastodonFactory
from fakes.mastodon_calls import GRANULAR, bearer


@pytest.mark.parametrize(
    ("software", "version", "shown", "has_v2"),
    [
        ("mastodon", "4.3.0", "4.3.0", True),
        ("gotosocial", "0.17.3", "0.17.3 git-fake", True),
        ("pleroma", "2.6.0", "2.7.2 (compatible; Pleroma 2.6.0)", False),
        ("akkoma", "3.13.2", "2.7.2 (compatible; Akkoma 3.13.2)", True),
        ("takahe", "0.11.0", "takahe/0.11.0", True),
    ],
)
def test_nodeinfo_and_instance(
    fake_mastodon: FakeMastodonFactory, software: str, version: str, shown: str, has_v2: bool
) -> None:
    m = fake_mastodon(f"{software}.test", software=software, version=version)
    with httpx.Client(base_url=m.base_url) as c:
        href = c.get("/.well-known/nodeinfo").json()["links"][0]["href"]
        info = httpx.get(href).json()
        assert info["software"] == {"name": software, "version": version}
        assert c.get("/api/v1/instance").json()["version"] == shown
        v2 = c.get("/api/v2/instance")
        assert v2.status_code == (200 if has_v2 else 404)


def test_webfinger(home: FakeMastodon, client: httpx.Client) -> None:
    home.add_account("Carol")
    jrd = client.get("/.well-known/webfinger", params={"resource": "acct:CAROL@Home.Test"})
    assert jrd.headers["content-type"].startswith("application/jrd+json")
    assert jrd.json()["subject"] == "acct:Carol@home.test"
    self_link = next(link for link in jrd.json()["links"] if link["rel"] == "self")
    assert self_link == {
        "rel": "self",
        "type": "application/activity+json",
        "href": "https://home.test/users/Carol",
    }
    assert (
        client.get("/.well-known/webfinger", params={"resource": "acct:nobody@home.test"}).status_code == 404
    )
    assert (
        client.get("/.well-known/webfinger", params={"resource": "acct:carol@else.test"}).status_code == 404
    )
    assert client.get("/.well-known/webfinger").status_code == 400


def test_subdomain_instance_and_letter_case(fake_mastodon: FakeMastodonFactory) -> None:
    social = fake_mastodon("social.sub.example.test")
    social.add_account("Alice")
    home = fake_mastodon("home.test")
    home.add_account("me")
    with httpx.Client(base_url=social.base_url) as c:
        found = c.get("/api/v1/accounts/lookup", params={"acct": "@ALICE@Social.Sub.Example.Test"})
        assert found.status_code == 200
        assert found.json()["acct"] == "Alice"
        assert found.json()["uri"] == "https://social.sub.example.test/users/Alice"
    with httpx.Client(base_url=home.base_url, headers=bearer(home.issue_token("me", "read"))) as c:
        params = {"q": "alice@SOCIAL.sub.example.test", "type": "accounts", "resolve": "true"}
        resolved = c.get("/api/v2/search", params=params).json()["accounts"]
        assert [a["acct"] for a in resolved] == ["Alice@social.sub.example.test"]
        lookup = c.get("/api/v1/accounts/lookup", params={"acct": "aLiCe@social.sub.example.test"})
        assert lookup.json()["id"] == resolved[0]["id"]


def test_split_local_and_web_domain(fake_mastodon: FakeMastodonFactory) -> None:
    m = fake_mastodon("example.test", web_domain="social.example.test")
    m.add_account("alice")
    with httpx.Client(base_url=m.base_url) as c:
        assert "https://social.example.test/.well-known/webfinger" in c.get("/.well-known/host-meta").text
        jrd = c.get("/.well-known/webfinger", params={"resource": "acct:alice@example.test"}).json()
        assert jrd["subject"] == "acct:alice@example.test"
        assert jrd["aliases"][1] == "https://social.example.test/users/alice"


# -- accounts, search, follow ---------------------------------------------------------------------------
def test_lookup_search_and_resolve(fake_mastodon: FakeMastodonFactory, home: FakeMastodon) -> None:
    other = fake_mastodon("other.test")
    other.add_account("bob")
    with httpx.Client(base_url=home.base_url) as c:
        assert c.get("/api/v1/accounts/lookup", params={"acct": "bob@other.test"}).json() == {
            "error": "Record not found"
        }
        q = {"q": "bob@other.test", "type": "accounts"}
        assert c.get("/api/v2/search", params=q).json()["accounts"] == []
        anonymous = c.get("/api/v2/search", params=q | {"resolve": "true"})
        assert anonymous.status_code == 401
        assert "without authentication" in anonymous.json()["error"]
        app_token = home.issue_token(None, "read")
        assert (
            c.get("/api/v2/search", params=q | {"resolve": "true"}, headers=bearer(app_token)).status_code
            == 401
        )
        no_scope = home.issue_token("alice", "read:accounts")
        assert (
            c.get("/api/v2/search", params=q | {"resolve": "true"}, headers=bearer(no_scope)).status_code
            == 403
        )
        token = home.issue_token("alice", "read:search")
        found = c.get("/api/v2/search", params=q | {"resolve": "true"}, headers=bearer(token)).json()[
            "accounts"
        ]
        assert [a["acct"] for a in found] == ["bob@other.test"]
        assert found[0]["id"] != other.account_id("bob")  # ids are local to each server
        assert c.get(f"/api/v1/accounts/{found[0]['id']}").json()["acct"] == "bob@other.test"
        assert c.get("/api/v2/search", params=q).json()["accounts"][0]["id"] == found[0]["id"]
        unknown = c.get(
            "/api/v2/search", params={"q": "ghost@nowhere.test", "resolve": "true"}, headers=bearer(token)
        )
        assert unknown.json() == {"accounts": [], "statuses": [], "hashtags": []}
        assert c.get("/api/v2/search").status_code == 400
        assert c.get("/api/v1/accounts/999").json() == {"error": "Record not found"}


def test_follow_is_idempotent_and_updates_options(home: FakeMastodon, client: httpx.Client) -> None:
    bob = home.add_account("bob")
    auth = bearer(home.issue_token("alice", GRANULAR))
    first = client.post(f"/api/v1/accounts/{bob}/follow", data={"reblogs": "false"}, headers=auth).json()
    assert first["following"] is True
    assert first["requested"] is False
    assert first["showing_reblogs"] is False
    again = client.post(f"/api/v1/accounts/{bob}/follow", data={"notify": "true"}, headers=auth).json()
    assert again["showing_reblogs"] is False
    assert again["notifying"] is True
    assert home.following_of("alice") == ["bob@home.test"]
    assert home.follows_counted_today("alice") == 1
    assert client.get(f"/api/v1/accounts/{bob}").json()["followers_count"] == 1
    assert client.post(f"/api/v1/accounts/{home.account_id('alice')}/follow", headers=auth).status_code == 403
    gone = client.post(f"/api/v1/accounts/{bob}/unfollow", headers=auth).json()
    assert gone["following"] is False
    assert home.following_of("alice") == []


def test_locked_account_gets_a_request(home: FakeMastodon, client: httpx.Client) -> None:
    bob = home.add_account("bob", locked=True)
    alice = home.account_id("alice")
    rel = client.post(
        f"/api/v1/accounts/{bob}/follow", headers=bearer(home.issue_token("alice", GRANULAR))
    ).json()
    assert rel["following"] is False
    assert rel["requested"] is True
    assert home.requested_by("alice") == ["bob@home.test"]
    assert home.following_of("alice") == []
    bob_auth = bearer(home.issue_token("bob", "read:follows write:follows"))
    assert [a["id"] for a in client.get("/api/v1/follow_requests", headers=bob_auth).json()] == [alice]
    assert (
        client.post(f"/api/v1/follow_requests/{alice}/authorize", headers=bob_auth).json()["followed_by"]
        is True
    )
    assert home.following_of("alice") == ["bob@home.test"]


def test_relationships_match_by_id_not_order(home: FakeMastodon, client: httpx.Client) -> None:
    ids = [home.add_account(name) for name in ("c", "a", "b")]
    home.seed_follow("alice", "a")
    auth = bearer(home.issue_token("alice", "read:follows"))
    rels = client.get(
        "/api/v1/accounts/relationships", params={"id[]": [*reversed(ids), "424242"]}, headers=auth
    )
    assert [r["id"] for r in rels.json()] == sorted(ids, key=int)
    assert {r["id"]: r["following"] for r in rels.json()}[ids[1]] is True
    denied = client.get(
        "/api/v1/accounts/relationships",
        params={"id[]": ids},
        headers=bearer(home.issue_token("alice", "read:accounts")),
    )
    assert denied.status_code == 403


def test_moved_accounts(fake_mastodon: FakeMastodonFactory, home: FakeMastodon, client: httpx.Client) -> None:
    home.add_account("newme")
    old = home.add_account("oldme", moved_to="newme")
    shown = client.get(f"/api/v1/accounts/{old}").json()
    assert shown["moved"]["acct"] == "newme"
    refused = client.post(
        f"/api/v1/accounts/{old}/follow", headers=bearer(home.issue_token("alice", GRANULAR))
    )
    assert refused.status_code == 403
    assert refused.json() == {"error": "This action is not allowed"}
    other = fake_mastodon("other.test")
    other.add_account("dave")
    other.add_account("carol", moved_to="dave")
    q = {"q": "carol@other.test", "resolve": "true", "type": "accounts"}
    found = client.get("/api/v2/search", params=q, headers=bearer(home.issue_token("alice", "read"))).json()
    assert found["accounts"][0]["moved"]["acct"] == "dave@other.test"


def test_suspended_and_deleted_accounts(home: FakeMastodon, client: httpx.Client) -> None:
    gone = home.add_account("gone", suspended=True)
    shown = client.get(f"/api/v1/accounts/{gone}").json()
    assert shown["suspended"] is True
    assert shown["display_name"] == ""
    auth = bearer(home.issue_token("alice", GRANULAR))
    assert client.post(f"/api/v1/accounts/{gone}/follow", headers=auth).json() == {
        "error": "Record not found"
    }
    assert client.get(f"/api/v1/accounts/{gone}/following").json() == []
    bob = home.add_account("bob")
    bob_token = home.issue_token("bob", "read")
    home.delete_account("bob")
    assert client.get(f"/api/v1/accounts/{bob}").status_code == 404
    assert client.get("/api/v1/accounts/verify_credentials", headers=bearer(bob_token)).status_code == 401


def test_following_pagination_walks_link_headers(home: FakeMastodon, client: httpx.Client) -> None:
    names = [f"user{i}" for i in range(95)]
    for name in names:
        home.add_account(name)
        home.seed_follow("alice", name)
    alice = home.account_id("alice")
    url: str | None = f"/api/v1/accounts/{alice}/following?limit=40"
    seen: list[str] = []
    sizes: list[int] = []
    while url:
        page = client.get(url)
        assert page.status_code == 200
        header = page.headers["link"]
        assert re.fullmatch(r'(<[^>]+>; rel="next", )?<[^>]+>; rel="prev"', header), header
        sizes.append(len(page.json()))
        seen += [a["acct"] for a in page.json()]
        url = links(header).get("next")
    assert sizes == [40, 40, 15]
    assert seen == names[::-1]  # newest follow first
    account_ids = {home.account_id(n) for n in names}
    first = client.get(f"/api/v1/accounts/{alice}/following")
    assert len(first.json()) == 40  # default limit
    max_id = httpx.URL(links(first.headers["link"])["next"]).params["max_id"]
    assert max_id not in account_ids  # pages are keyed by Follow ids, never account ids
    assert len(client.get(f"/api/v1/accounts/{alice}/following?limit=500").json()) == 80
    second = client.get(links(first.headers["link"])["next"])
    newer = client.get(links(second.headers["link"])["prev"]).json()
    assert [a["acct"] for a in newer] == names[::-1][:40]
    assert client.get(f"/api/v1/accounts/{alice}/following?limit=-1").status_code == 400
    last = client.get(f"/api/v1/accounts/{alice}/following?limit=40&max_id=1")
    assert last.json() == []
    assert "link" not in last.headers


def test_hidden_network_gives_an_empty_list(home: FakeMastodon, client: httpx.Client) -> None:
    shy = home.add_account("shy", hide_collections=True)
    home.seed_follow("shy", "alice")
    assert client.get(f"/api/v1/accounts/{shy}/following").json() == []
    own = client.get(f"/api/v1/accounts/{shy}/following", headers=bearer(home.issue_token("shy", "read")))
    assert [a["acct"] for a in own.json()] == ["alice"]


def test_followers_list_and_static_federation(
    fake_mastodon: FakeMastodonFactory, mastodon_federation: Federation
) -> None:
    m = fake_mastodon("home.test")
    bob = m.add_account("bob")
    for name in ("a1", "a2"):
        m.add_account(name)
        m.seed_follow(name, "bob")
    assert [a["acct"] for a in httpx.get(m.url(f"/api/v1/accounts/{bob}/followers")).json()] == ["a2", "a1"]
    mastodon_federation.add_account("erin@elsewhere.test", locked=True)  # a server that is not faked
    token = m.issue_token("bob", GRANULAR)
    with httpx.Client(base_url=m.base_url, headers=bearer(token)) as c:
        found = c.get("/api/v2/search", params={"q": "@erin@elsewhere.test", "resolve": "true"}).json()
        assert found["accounts"][0]["locked"] is True
        assert c.post(f"/api/v1/accounts/{found['accounts'][0]['id']}/follow").json()["requested"] is True


def test_stop_closes_kept_alive_connections(fake_mastodon: FakeMastodonFactory) -> None:
    m = fake_mastodon("short.test")
    with httpx.Client(base_url=m.base_url) as c:
        assert c.get("/api/v1/instance").status_code == 200
        m.stop()
        with pytest.raises(httpx.TransportError):
            c.get("/api/v1/instance")


# -- limits ----------------------------------------------------------------------------------------------
def test_300_requests_per_5_minutes_then_429_then_recovery(
    home: FakeMastodon, client: httpx.Client, mastodon_clock: FakeClock
) -> None:
    auth = bearer(home.issue_token("alice", "read"))
    for expected_remaining in range(299, -1, -1):
        ok = client.get("/api/v1/accounts/verify_credentials", headers=auth)
        assert ok.status_code == 200
        assert ok.headers["x-ratelimit-remaining"] == str(expected_remaining)
    refused = client.get("/api/v1/accounts/verify_credentials", headers=auth)
    assert refused.status_code == 429
    assert refused.json() == {"error": "Too many requests"}
    assert refused.headers["x-ratelimit-limit"] == "300"
    assert refused.headers["x-ratelimit-remaining"] == "0"
    reset = refused.headers["x-ratelimit-reset"]
    assert reset == "2026-11-23T10:05:00.000000Z"
    assert parse_iso(reset) > mastodon_clock.now()
    mastodon_clock.set(parse_iso(reset))
    assert client.get("/api/v1/accounts/verify_credentials", headers=auth).status_code == 200


def test_paging_throttle_and_disabled_limits(fake_mastodon: FakeMastodonFactory) -> None:
    m = fake_mastodon("paging.test", limits=Limits(paging=Throttle("throttle_api_paging", 2, 900)))
    alice = m.add_account("alice")
    with httpx.Client(base_url=m.base_url) as c:
        statuses = [c.get(f"/api/v1/accounts/{alice}/following?max_id=99").status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
    free = fake_mastodon("free.test", limits=Limits(enabled=False))
    free.add_account("alice")
    assert "x-ratelimit-limit" not in httpx.get(free.url("/api/v1/accounts/lookup?acct=alice")).headers


def test_400_follows_per_utc_day(home: FakeMastodon, client: httpx.Client, mastodon_clock: FakeClock) -> None:
    targets = [home.add_account(f"t{i}") for i in range(402)]
    auth = bearer(home.issue_token("alice", GRANULAR))
    for i, target in enumerate(targets[:400]):
        if i == 250:
            mastodon_clock.advance(300)  # stay under the generic 300 requests / 5 min
        assert client.post(f"/api/v1/accounts/{target}/follow", headers=auth).status_code == 200
    refused = client.post(f"/api/v1/accounts/{targets[400]}/follow", headers=auth)
    assert refused.status_code == 429
    assert refused.json() == {"error": "Too many requests"}
    assert refused.headers["x-ratelimit-limit"] == "400"
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert refused.headers["x-ratelimit-reset"] == "2026-11-24T00:00:00.000000Z"  # next UTC midnight
    assert (
        client.post(f"/api/v1/accounts/{targets[0]}/follow", headers=auth).status_code == 200
    )  # creates nothing
    assert len(home.following_of("alice")) == 400
    mastodon_clock.set(datetime(2026, 11, 24, 0, 0, 1, tzinfo=UTC))
    assert client.post(f"/api/v1/accounts/{targets[400]}/follow", headers=auth).status_code == 200


def test_follow_headers_come_from_the_follow_family_when_closer(fake_mastodon: FakeMastodonFactory) -> None:
    m = fake_mastodon("small.test", limits=Limits(follows=Throttle("follows", 3, 86400)))
    m.add_account("alice")
    target = m.add_account("bob")
    followed = httpx.post(
        m.url(f"/api/v1/accounts/{target}/follow"), headers=bearer(m.issue_token("alice", GRANULAR))
    )
    assert followed.headers["x-ratelimit-limit"] == "3"
    assert followed.headers["x-ratelimit-remaining"] == "2"
    assert followed.headers["x-ratelimit-reset"] == "2026-11-24T00:00:00.000000Z"


def test_7500_follows_rule(home: FakeMastodon, client: httpx.Client) -> None:
    t1, t2 = home.add_account("t1"), home.add_account("t2")
    home.add_account("big", following_count=7499)
    auth = bearer(home.issue_token("big", GRANULAR))
    assert client.post(f"/api/v1/accounts/{t1}/follow", headers=auth).status_code == 200
    refused = client.post(f"/api/v1/accounts/{t2}/follow", headers=auth)
    assert refused.status_code == 422
    assert refused.json() == {"error": "Validation failed: You can't follow more than 7500 people"}
    home.add_account("popular", following_count=7600, followers_count=7000)  # limit 7,700
    assert client.post(
        f"/api/v1/accounts/{t1}/follow", headers=bearer(home.issue_token("popular", GRANULAR))
    ).is_success
    home.add_account("full", following_count=7700, followers_count=7000)
    assert client.post(
        f"/api/v1/accounts/{t1}/follow", headers=bearer(home.issue_token("full", GRANULAR))
    ).json() == {"error": "Validation failed: You can't follow more than 7700 people"}


# -- plumbing --------------------------------------------------------------------------------------------
def test_unknown_routes_and_wrong_methods_are_404_json(home: FakeMastodon, client: httpx.Client) -> None:
    for method, path in (
        ("GET", "/api/v1/nope"),
        ("DELETE", "/api/v1/accounts/lookup"),
        ("GET", "/api/v1/apps"),
    ):
        response = client.request(method, path)
        assert response.status_code == 404
        assert response.json() == {"error": "Not Found"}
        assert response.headers["content-type"] == "application/json; charset=utf-8"


def test_fault_injection_and_request_log(home: FakeMastodon, client: httpx.Client) -> None:
    home.fail_next(2, status=502, path="/api/v1/accounts")
    for _ in range(2):
        failed = client.get("/api/v1/accounts/lookup", params={"acct": "alice"})
        assert failed.status_code == 502
        assert failed.headers["content-type"].startswith("text/html")
    assert client.get("/api/v1/accounts/lookup", params={"acct": "alice"}).status_code == 200
    home.fail_next(status=503)
    assert client.get("/api/v1/instance").json() == {"error": "Service Unavailable"}
    home.fail_next(disconnect=True)
    with pytest.raises(httpx.TransportError):
        client.get("/api/v1/instance")
    assert [r.status for r in home.calls("GET", "/api/v1/accounts/lookup")] == [502, 502, 200]


def test_several_instances_each_on_its_own_port(fake_mastodon: FakeMastodonFactory) -> None:
    instances = [fake_mastodon(f"s{i}.test") for i in range(3)]
    assert len({m.base_url for m in instances}) == 3
    for m in instances:
        assert httpx.get(m.url("/api/v2/instance")).json()["domain"] == m.domain
