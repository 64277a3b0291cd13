"""Tests of the fake X itself, over real HTTP with httpx (docs/testing-fake-x.md)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape

import httpx
import pytest

from fakes.mastodon.flow import pkce_pair
from fakes.x import DEFAULT_REDIRECT, FakeX

ALICE = "1234567890123456789"
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


@pytest.fixture
def client(fake_x: FakeX) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake_x.base_url) as c:
        yield c


def authorize_params(challenge: str, **overrides: str) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": "envol-client-id",
        "redirect_uri": DEFAULT_REDIRECT,
        "scope": "users.read tweet.read",
        "state": "st-1",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    return params | overrides


def consent(client: httpx.Client, params: dict[str, str], decision: str = "allow") -> httpx.URL:
    page = client.get("/i/oauth2/authorize", params=params)
    assert page.status_code == 200, page.text
    fields = {name: unescape(value) for name, value in _HIDDEN.findall(page.text)}
    answer = client.post("/i/oauth2/authorize", data=fields | {"decision": decision})
    assert answer.status_code == 302, answer.text
    return httpx.URL(answer.headers["location"])


def exchange(client: httpx.Client, code: str, verifier: str, **overrides: str) -> httpx.Response:
    data = {
        "code": code,
        "grant_type": "authorization_code",
        "client_id": "envol-client-id",
        "redirect_uri": DEFAULT_REDIRECT,
        "code_verifier": verifier,
    } | overrides
    return client.post("/2/oauth2/token", data=data, auth=("envol-client-id", "envol-client-secret"))


def signed_in_token(fake_x: FakeX, client: httpx.Client, scope: str = "users.read tweet.read") -> str:
    fake_x.login_as(ALICE)
    verifier, challenge = pkce_pair()
    code = consent(client, authorize_params(challenge, scope=scope)).params["code"]
    response = exchange(client, code, verifier)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def test_consent_page_needs_a_signed_in_user(fake_x: FakeX, client: httpx.Client) -> None:
    page = client.get("/i/oauth2/authorize", params=authorize_params(pkce_pair()[1]))
    assert "not signed in" in page.text
    assert "Authorize app" not in page.text


def test_consent_shows_buttons_and_approval_echoes_state(fake_x: FakeX, client: httpx.Client) -> None:
    fake_x.login_as(ALICE)
    page = client.get("/i/oauth2/authorize", params=authorize_params(pkce_pair()[1]))
    assert ">Authorize app</button>" in page.text
    assert ">Cancel</button>" in page.text
    assert "@alice_x" in page.text
    landed = consent(client, authorize_params(pkce_pair()[1]))
    assert str(landed).startswith(DEFAULT_REDIRECT + "?")
    assert landed.params["state"] == "st-1"
    assert len(landed.params["code"]) > 20


def test_cancel_redirects_with_access_denied(fake_x: FakeX, client: httpx.Client) -> None:
    fake_x.login_as(ALICE)
    landed = consent(client, authorize_params(pkce_pair()[1]), decision="deny")
    assert dict(landed.params) == {"error": "access_denied", "state": "st-1"}


@pytest.mark.parametrize(
    ("override", "value"),
    [("redirect_uri", "http://127.0.0.1:9/x/callback/"), ("client_id", "someone-else")],
)
def test_untrusted_client_or_callback_gets_an_error_page_not_a_redirect(
    fake_x: FakeX, client: httpx.Client, override: str, value: str
) -> None:
    fake_x.login_as(ALICE)
    page = client.get("/i/oauth2/authorize", params=authorize_params(pkce_pair()[1], **{override: value}))
    assert page.status_code == 400
    assert "location" not in page.headers


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"code_challenge": ""}, "invalid_request"),
        ({"code_challenge_method": "S512"}, "invalid_request"),
        ({"state": ""}, "invalid_request"),
        ({"scope": "users.read everything"}, "invalid_scope"),
        ({"response_type": "token"}, "unsupported_response_type"),
    ],
)
def test_bad_authorize_parameters_redirect_with_an_error(
    fake_x: FakeX, client: httpx.Client, overrides: dict[str, str], error: str
) -> None:
    fake_x.login_as(ALICE)
    page = client.get("/i/oauth2/authorize", params=authorize_params("c" * 43, **overrides))
    assert page.status_code == 302
    assert httpx.URL(page.headers["location"]).params["error"] == error


def test_token_needs_basic_auth_for_a_confidential_client(fake_x: FakeX, client: httpx.Client) -> None:
    fake_x.login_as(ALICE)
    verifier, challenge = pkce_pair()
    code = consent(client, authorize_params(challenge)).params["code"]
    data = {"code": code, "grant_type": "authorization_code", "client_id": "envol-client-id"}
    data |= {"redirect_uri": DEFAULT_REDIRECT, "code_verifier": verifier}
    response = client.post("/2/oauth2/token", data=data)
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized_client"
    wrong = client.post("/2/oauth2/token", data=data, auth=("envol-client-id", "nope"))
    assert wrong.status_code == 401


def test_token_answer_has_x_shape(fake_x: FakeX, client: httpx.Client) -> None:
    fake_x.login_as(ALICE)
    verifier, challenge = pkce_pair()
    code = consent(client, authorize_params(challenge)).params["code"]
    body = exchange(client, code, verifier).json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 7200
    assert body["scope"] == "users.read tweet.read"
    assert "refresh_token" not in body


def test_code_expires_after_thirty_seconds(fake_x: FakeX, client: httpx.Client) -> None:
    fake_x.login_as(ALICE)
    verifier, challenge = pkce_pair()
    code = consent(client, authorize_params(challenge)).params["code"]
    fake_x.clock.advance(30)
    response = exchange(client, code, verifier)
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "Value passed for the authorization code was invalid.",
    }


def test_replayed_code_is_refused_and_voids_its_token(fake_x: FakeX, client: httpx.Client) -> None:
    fake_x.login_as(ALICE)
    verifier, challenge = pkce_pair()
    code = consent(client, authorize_params(challenge)).params["code"]
    token = exchange(client, code, verifier).json()["access_token"]
    assert exchange(client, code, verifier).status_code == 400
    me = client.get("/2/users/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 401


def test_plain_challenge_is_accepted(fake_x: FakeX, client: httpx.Client) -> None:
    fake_x.login_as(ALICE)
    code = consent(client, authorize_params("challenge", code_challenge_method="plain")).params["code"]
    assert exchange(client, code, "wrong").status_code == 400
    code = consent(client, authorize_params("challenge", code_challenge_method="plain")).params["code"]
    assert exchange(client, code, "challenge").status_code == 200


def test_users_me_and_rate_limit_headers(fake_x: FakeX, client: httpx.Client) -> None:
    token = signed_in_token(fake_x, client)
    me = client.get("/2/users/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json() == {"data": {"id": ALICE, "name": "Alice", "username": "alice_x"}}
    assert me.headers["x-rate-limit-limit"] == "75"
    assert me.headers["x-rate-limit-remaining"] == "74"
    assert int(me.headers["x-rate-limit-reset"]) == int(fake_x.clock()) + 900
    fake_x.exhaust_users_me(ALICE)
    limited = client.get("/2/users/me", headers={"Authorization": f"Bearer {token}"})
    assert limited.status_code == 429
    assert limited.headers["x-rate-limit-remaining"] == "0"
    fake_x.clock.advance(900)
    assert client.get("/2/users/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_users_me_refuses_bad_bearer_and_missing_scope(fake_x: FakeX, client: httpx.Client) -> None:
    bad = client.get("/2/users/me", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    assert bad.json()["title"] == "Unauthorized"
    token = signed_in_token(fake_x, client, scope="tweet.read")
    assert client.get("/2/users/me", headers={"Authorization": f"Bearer {token}"}).status_code == 403


def test_revoke_kills_the_token_and_is_recorded(fake_x: FakeX, client: httpx.Client) -> None:
    token = signed_in_token(fake_x, client)
    auth = ("envol-client-id", "envol-client-secret")
    answer = client.post("/2/oauth2/revoke", data={"token": token, "client_id": "envol-client-id"}, auth=auth)
    assert answer.json() == {"revoked": True}
    assert fake_x.revoked == [token]
    assert fake_x.live_tokens() == []
    assert client.get("/2/users/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_fail_next_answers_once_then_recovers(fake_x: FakeX, client: httpx.Client) -> None:
    fake_x.fail_next("/2/users/me", 503)
    assert client.get("/2/users/me").status_code == 503
    assert client.get("/2/users/me").status_code == 401
    fake_x.fail_next("/2/users/me", None)
    with pytest.raises(httpx.RemoteProtocolError):
        client.get("/2/users/me")
