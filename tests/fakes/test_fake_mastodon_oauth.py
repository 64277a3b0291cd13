"""The fake Mastodon's OAuth: apps, authorize, token, revoke, scopes (docs/testing-fake-mastodon.md)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import httpx

from fakes.mastodon import LEGACY_SCOPES, FakeClock, FakeMastodon
from fakes.mastodon.flow import authorization_code, pkce_pair

if TYPE_CHECKING:
    from fakes.mastodon.fixtures import FakeMastodonFactory
from fakes.mastodon_calls import GRANULAR, REDIRECT, bearer, register, token_for
from support.chromium import launch


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
def test_a_real_browser_can_sign_in_and_authorize(home: FakeMastodon, client: httpx.Client) -> None:
    from playwright import sync_api

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
        browser = launch(p)
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
