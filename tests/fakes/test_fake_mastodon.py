"""Tests of the fake Mastodon itself, over real HTTP with httpx (docs/testing-fake-mastodon.md)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import httpx
import pytest

from fakes.mastodon import LEGACY_SCOPES, FakeClock, FakeMastodon, Federation, Limits, Throttle, parse_iso
from fakes.mastodon.flow import authorization_code, links, pkce_pair

if TYPE_CHECKING:
    from fakes.mastodon.fixtures import FakeMastodonFactory


REDIRECT = "http://127.0.0.1:9/callback"  # never contacted: tests read the Location header
GRANULAR = "read:accounts read:follows write:follows read:search"


@pytest.fixture
def home(fake_mastodon: FakeMastodonFactory) -> FakeMastodon:
    m = fake_mastodon("home.test")
    m.add_account("alice")
    return m


@pytest.fixture
def client(home: FakeMastodon) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=home.base_url) as c:
        yield c


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def register(client: httpx.Client, scopes: str = GRANULAR, redirect: str | list[str] = REDIRECT) -> dict:
    data = {
        "client_name": "Envol",
        "redirect_uris": redirect,
        "scopes": scopes,
        "website": "https://envol.test",
    }
    response = client.post("/api/v1/apps", json=data)
    assert response.status_code == 200, response.text
    return response.json()


def token_for(
    client: httpx.Client, app: dict, code: str, verifier: str | None, redirect: str = REDIRECT
) -> httpx.Response:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect}
    data |= {"client_id": app["client_id"], "client_secret": app["client_secret"]}
    if verifier is not None:
        data["code_verifier"] = verifier
    return client.post("/oauth/token", data=data)


# -- OAuth -------------------------------------------------------------------------------------------
def test_oauth_happy_path_with_pkce_and_browser_sign_in(home: FakeMastodon, client: httpx.Client) -> None:
    app = register(client)
    assert app["redirect_uris"] == [REDIRECT]
    assert app["scopes"] == GRANULAR.split()
    verifier, challenge = pkce_pair()
    params = {
        "response_type": "code",
        "client_id": app["client_id"],
        "redirect_uri": REDIRECT,
        "scope": GRANULAR,
    }
    first = client.get("/oauth/authorize", params=params)
    assert first.status_code == 302
    assert first.headers["location"].startswith("/auth/sign_in?")
    signed = client.post("/auth/sign_in", data={"username": "alice", "return_to": "/"})
    assert signed.status_code == 302
    assert "_mastodon_session" in client.cookies
    back = authorization_code(client, app["client_id"], REDIRECT, GRANULAR, challenge=challenge, state="xyz")
    assert back.params["state"] == "xyz"
    assert str(back).startswith(REDIRECT + "?code=")
    issued = token_for(client, app, back.params["code"], verifier)
    assert issued.status_code == 200
    body = issued.json()
    assert body["token_type"] == "Bearer"
    assert body["scope"] == GRANULAR
    assert isinstance(body["created_at"], int)
    me = client.get("/api/v1/accounts/verify_credentials", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.json()["acct"] == "alice"
    assert "source" in me.json()
    assert me.json()["url"] == "https://home.test/@alice"


def test_token_errors_bad_verifier_reuse_wrong_secret(home: FakeMastodon, client: httpx.Client) -> None:
    home.login_as("alice")
    app = register(client)
    verifier, challenge = pkce_pair()
    code = authorization_code(client, app["client_id"], REDIRECT, GRANULAR, challenge=challenge).params[
        "code"
    ]
    missing = token_for(client, app, code, None)
    assert (missing.status_code, missing.json()["error"]) == (400, "invalid_request")
    assert missing.json()["error_description"] == "Missing required parameter: code_verifier."
    wrong = token_for(client, app, code, pkce_pair()[0])
    assert (wrong.status_code, wrong.json()["error"]) == (400, "invalid_grant")
    assert token_for(client, app, code, verifier).status_code == 200
    reused = token_for(client, app, code, verifier)
    assert (reused.status_code, reused.json()["error"]) == (400, "invalid_grant")
    bad_secret = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": app["client_id"], "client_secret": "nope"},
    )
    assert (bad_secret.status_code, bad_secret.json()["error"]) == (401, "invalid_client")
    password = client.post("/oauth/token", data={"grant_type": "password", "client_id": app["client_id"]})
    assert password.json()["error"] == "unsupported_grant_type"


def test_code_expires_after_ten_minutes(
    fake_mastodon: FakeMastodonFactory, mastodon_clock: FakeClock
) -> None:
    m = fake_mastodon("home.test")
    m.add_account("alice")
    m.login_as("alice")
    with httpx.Client(base_url=m.base_url) as c:
        app = register(c)
        code = authorization_code(c, app["client_id"], REDIRECT, "read:accounts").params["code"]
        mastodon_clock.advance(601)
        assert token_for(c, app, code, None).json()["error"] == "invalid_grant"


def test_wrong_redirect_uri_is_never_redirected_to(home: FakeMastodon, client: httpx.Client) -> None:
    home.login_as("alice")
    app = register(client)
    for bad in ("http://127.0.0.1:9/callback/", "http://evil.test/callback", ""):
        params = {
            "response_type": "code",
            "client_id": app["client_id"],
            "redirect_uri": bad,
            "scope": "read:accounts",
        }
        page = client.get("/oauth/authorize", params=params)
        assert page.status_code == 400
        assert "location" not in page.headers
        assert 'data-error="invalid_redirect_uri"' in page.text
    code = authorization_code(client, app["client_id"], REDIRECT, "read:accounts").params["code"]
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": "http://127.0.0.1:9/other",
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
    }
    assert client.post("/oauth/token", data=data).json()["error"] == "invalid_grant"


def test_scope_must_be_registered_and_known(fake_mastodon: FakeMastodonFactory) -> None:
    m = fake_mastodon("home.test")
    m.add_account("alice")
    m.login_as("alice")
    with httpx.Client(base_url=m.base_url) as c:
        app = register(c, scopes="read:accounts")
        params = {
            "response_type": "code",
            "client_id": app["client_id"],
            "redirect_uri": REDIRECT,
            "scope": "read:accounts write:follows",
            "state": "s1",
        }
        refused = httpx.URL(c.get("/oauth/authorize", params=params).headers["location"])
        assert refused.params["error"] == "invalid_scope"
        assert refused.params["state"] == "s1"
        unknown = c.post(
            "/api/v1/apps", data={"client_name": "x", "redirect_uris": REDIRECT, "scopes": "read:nope"}
        )
        assert unknown.status_code == 422
        assert unknown.json() == {
            "error": "Validation failed: Scopes doesn't match configured on the server."
        }


def test_server_that_only_knows_read_and_write(fake_mastodon: FakeMastodonFactory) -> None:
    m = fake_mastodon("legacy.test", known_scopes=LEGACY_SCOPES)
    with httpx.Client(base_url=m.base_url) as c:
        assert (
            c.post(
                "/api/v1/apps", data={"client_name": "x", "redirect_uris": REDIRECT, "scopes": GRANULAR}
            ).status_code
            == 422
        )
        assert register(c, scopes="read write")["scopes"] == ["read", "write"]


def test_deny_redirects_with_access_denied(home: FakeMastodon, client: httpx.Client) -> None:
    home.login_as("alice")
    app = register(client)
    back = authorization_code(client, app["client_id"], REDIRECT, "read:accounts", approve=False, state="q")
    assert back.params["error"] == "access_denied"
    assert back.params["state"] == "q"
    assert "code" not in back.params


def test_scopes_are_enforced_on_every_call(home: FakeMastodon, client: httpx.Client) -> None:
    bob = home.add_account("bob")
    read_only = home.issue_token("alice", "read:accounts")
    refused = client.post(f"/api/v1/accounts/{bob}/follow", headers=bearer(read_only))
    assert refused.status_code == 403
    assert refused.json() == {"error": "This action is outside the authorized scopes"}
    # A public endpoint still refuses a token that lacks the scope (authorize_if_got_token!).
    write_only = home.issue_token("alice", "write:follows")
    assert (
        client.get("/api/v1/accounts/lookup", params={"acct": "bob"}, headers=bearer(write_only)).status_code
        == 403
    )
    assert client.get("/api/v1/accounts/lookup", params={"acct": "bob"}).status_code == 200
    assert (
        client.get("/api/v1/accounts/lookup", params={"acct": "bob"}, headers=bearer("junk")).status_code
        == 401
    )
    missing = client.post(f"/api/v1/accounts/{bob}/follow")
    assert missing.status_code == 401
    assert missing.json() == {"error": "The access token is invalid"}
    app_only = home.issue_token(None, "read write")
    no_user = client.post(f"/api/v1/accounts/{bob}/follow", headers=bearer(app_only))
    assert no_user.status_code == 422
    assert no_user.json() == {"error": "This method requires an authenticated user"}
    # Hierarchy: `write` grants write:follows, and the deprecated `follow` still does.
    for scopes in ("write", "follow"):
        assert client.post(
            f"/api/v1/accounts/{bob}/follow", headers=bearer(home.issue_token("alice", scopes))
        ).is_success


def test_revoked_token_is_refused(home: FakeMastodon, client: httpx.Client) -> None:
    home.login_as("alice")
    app = register(client)
    code = authorization_code(client, app["client_id"], REDIRECT, "read:accounts").params["code"]
    token = token_for(client, app, code, None).json()["access_token"]
    other = register(client)
    not_mine = client.post(
        "/oauth/revoke",
        data={"client_id": other["client_id"], "client_secret": other["client_secret"], "token": token},
    )
    assert not_mine.status_code == 403
    assert not_mine.json()["error"] == "unauthorized_client"
    revoke = {"client_id": app["client_id"], "client_secret": app["client_secret"], "token": token}
    assert client.post("/oauth/revoke", data=revoke).json() == {}
    assert client.post("/oauth/revoke", data=revoke).status_code == 200  # idempotent
    after = client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
    assert after.status_code == 401
    assert "WWW-Authenticate" in after.headers
    helper_token = home.issue_token("alice", "read")
    home.revoke_token(helper_token)
    assert client.get("/api/v1/accounts/verify_credentials", headers=bearer(helper_token)).status_code == 401


def test_mastodon_4_2_has_no_pkce_no_metadata_no_array(fake_mastodon: FakeMastodonFactory) -> None:
    m = fake_mastodon("old.test", version="4.2.10")
    m.add_account("alice")
    m.login_as("alice")
    with httpx.Client(base_url=m.base_url) as c:
        assert c.get("/.well-known/oauth-authorization-server").status_code == 404
        array = c.post("/api/v1/apps", json={"client_name": "x", "redirect_uris": [REDIRECT]})
        assert array.status_code == 422
        app = register(c, scopes="read")
        code = authorization_code(c, app["client_id"], REDIRECT, "read", challenge=pkce_pair()[1]).params[
            "code"
        ]
        assert token_for(c, app, code, None).status_code == 200  # the challenge was ignored
        assert "api_versions" not in c.get("/api/v2/instance").json()


def test_oauth_metadata_and_array_redirect_uris_on_4_3(client: httpx.Client, home: FakeMastodon) -> None:
    meta = client.get("/.well-known/oauth-authorization-server").json()
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["token_endpoint"] == f"{home.base_url}/oauth/token"
    assert "read:follows" in meta["scopes_supported"]
    app = register(client, redirect=[REDIRECT, "urn:ietf:wg:oauth:2.0:oob"])
    assert app["redirect_uris"] == [REDIRECT, "urn:ietf:wg:oauth:2.0:oob"]


def test_client_credentials_and_multipart_bodies(home: FakeMastodon, client: httpx.Client) -> None:
    files = {
        k: (None, v) for k, v in {"client_name": "x", "redirect_uris": REDIRECT, "scopes": "read"}.items()
    }
    app = client.post("/api/v1/apps", files=files).json()  # multipart/form-data, as Rails accepts it
    creds = {
        "grant_type": "client_credentials",
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
    }
    assert client.post("/oauth/token", data=creds | {"scope": "write"}).json()["error"] == "invalid_scope"
    basic = httpx.BasicAuth(app["client_id"], app["client_secret"])  # client_secret_basic works too
    issued = client.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=basic)
    assert issued.json()["scope"] == "read"
    me = client.get("/api/v1/accounts/verify_credentials", headers=bearer(issued.json()["access_token"]))
    assert me.status_code == 422


# -- discovery -------------------------------------------------------------------------------------------
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


def test_a_real_browser_can_sign_in_and_authorize(home: FakeMastodon, client: httpx.Client) -> None:
    from playwright import sync_api

    chromium = shutil.which("chromium")
    assert chromium, "Chromium is missing: `make test` installs it (scripts/install-system-deps)"
    app = register(client, redirect=f"{home.base_url}/callback")
    params = httpx.QueryParams(
        {
            "response_type": "code",
            "client_id": app["client_id"],
            "state": "b",
            "redirect_uri": f"{home.base_url}/callback",
            "scope": "read:accounts",
        }
    )
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.goto(f"{home.base_url}/oauth/authorize?{params}")
        page.fill("#username", "alice")
        page.get_by_role("button", name="Log in").click()
        page.get_by_role("button", name="Authorize").click()
        page.wait_for_url(re.compile(r".*/callback\?code=.*"))
        landed = httpx.URL(page.url)
        browser.close()
    assert landed.params["state"] == "b"
    assert token_for(client, app, landed.params["code"], None, f"{home.base_url}/callback").status_code == 200
