"""Sign-in with X against the fake X over real HTTP: the connector's whole flow and its failures."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from html import unescape

import httpx
import pytest

from envol.platforms.errors import AuthExpired, RateLimited, Rejected, Transient
from envol.platforms.x import (
    XIdentity,
    XOAuthConfig,
    finish_authorization,
    read_callback,
    start_authorization,
)
from envol.platforms.x.pkce import s256_challenge
from fakes.x import DEFAULT_REDIRECT, FakeX
from support.chromium import launch

ALICE = XIdentity(1234567890123456789, "alice_x", "Alice")
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


@pytest.fixture
def config(fake_x: FakeX) -> XOAuthConfig:
    return XOAuthConfig(
        client_id="envol-client-id",
        client_secret="envol-client-secret",
        redirect_uri=DEFAULT_REDIRECT,
        authorize_url=fake_x.authorize_url,
        token_url=fake_x.token_url,
        api_base_url=fake_x.api_base_url,
        revoke_url=fake_x.revoke_url,
    )


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as client:
        yield client


def browser_consent(url: str, decision: str = "allow") -> dict[str, str]:
    """Do what the person's browser does on x.com; return the query X redirects back with."""
    with httpx.Client() as browser:
        page = browser.get(url)
        assert page.status_code == 200, page.text
        fields = {name: unescape(value) for name, value in _HIDDEN.findall(page.text)}
        action = str(page.url.copy_with(query=None))
        answer = browser.post(action, data=fields | {"decision": decision})
    assert answer.status_code == 302, answer.text
    landed = httpx.URL(answer.headers["location"])
    assert str(landed).startswith(DEFAULT_REDIRECT + "?")
    return dict(landed.params)


def signed_code(fake_x: FakeX, config: XOAuthConfig) -> tuple[str, str]:
    """(code, verifier) of a consent given by @alice_x."""
    fake_x.login_as(ALICE.x_id)
    url, state, verifier = start_authorization(config)
    return read_callback(browser_consent(url), expected_state=state), verifier


def test_full_sign_in_returns_the_verified_identity_and_revokes_the_token(
    fake_x: FakeX, config: XOAuthConfig, http: httpx.Client
) -> None:
    code, verifier = signed_code(fake_x, config)
    assert finish_authorization(config, code=code, code_verifier=verifier, http=http) == ALICE
    assert len(fake_x.revoked) == 1
    assert fake_x.live_tokens() == []  # nothing X issued still works


def test_the_id_is_the_key_not_the_handle(fake_x: FakeX, config: XOAuthConfig, http: httpx.Client) -> None:
    fake_x.add_user(str(ALICE.x_id), "alice_renamed", "Alice R.")
    code, verifier = signed_code(fake_x, config)
    identity = finish_authorization(config, code=code, code_verifier=verifier, http=http)
    assert identity == XIdentity(ALICE.x_id, "alice_renamed", "Alice R.")


def test_start_authorization_builds_an_s256_request(config: XOAuthConfig) -> None:
    url, state, verifier = start_authorization(config)
    params = httpx.URL(url).params
    assert url.startswith(config.authorize_url + "?")
    assert params["code_challenge"] == s256_challenge(verifier) != verifier
    assert params["code_challenge_method"] == "S256"
    assert params["state"] == state
    assert params["scope"] == "users.read tweet.read"
    assert params["redirect_uri"] == DEFAULT_REDIRECT
    assert 43 <= len(verifier) <= 128
    _, state2, verifier2 = start_authorization(config)
    assert state2 != state
    assert verifier2 != verifier


def test_wrong_verifier_is_rejected(fake_x: FakeX, config: XOAuthConfig, http: httpx.Client) -> None:
    code, _ = signed_code(fake_x, config)
    with pytest.raises(Rejected, match="code verifier"):
        finish_authorization(config, code=code, code_verifier="x" * 64, http=http)
    assert fake_x.live_tokens() == []


def test_reused_code_means_sign_in_again(fake_x: FakeX, config: XOAuthConfig, http: httpx.Client) -> None:
    code, verifier = signed_code(fake_x, config)
    finish_authorization(config, code=code, code_verifier=verifier, http=http)
    with pytest.raises(AuthExpired) as caught:
        finish_authorization(config, code=code, code_verifier=verifier, http=http)
    assert caught.value.status == 400


def test_expired_code_means_sign_in_again(fake_x: FakeX, config: XOAuthConfig, http: httpx.Client) -> None:
    code, verifier = signed_code(fake_x, config)
    fake_x.clock.advance(31)
    with pytest.raises(AuthExpired):
        finish_authorization(config, code=code, code_verifier=verifier, http=http)


def test_mismatched_redirect_uri_is_rejected(fake_x: FakeX, config: XOAuthConfig, http: httpx.Client) -> None:
    code, verifier = signed_code(fake_x, config)
    other = replace(config, redirect_uri=DEFAULT_REDIRECT + "/")
    with pytest.raises(Rejected, match="redirect uri"):
        finish_authorization(other, code=code, code_verifier=verifier, http=http)


def test_unregistered_redirect_uri_never_comes_back(fake_x: FakeX, config: XOAuthConfig) -> None:
    fake_x.login_as(ALICE.x_id)
    url, _, _ = start_authorization(replace(config, redirect_uri="https://evil.test/cb"))
    page = httpx.get(url)
    assert page.status_code == 400
    assert "location" not in page.headers


def test_denied_consent_is_rejected(fake_x: FakeX, config: XOAuthConfig) -> None:
    fake_x.login_as(ALICE.x_id)
    url, state, _ = start_authorization(config)
    callback = browser_consent(url, decision="deny")
    with pytest.raises(Rejected, match="access_denied"):
        read_callback(callback, expected_state=state)


def test_foreign_state_is_rejected_before_the_code_is_used(fake_x: FakeX, config: XOAuthConfig) -> None:
    fake_x.login_as(ALICE.x_id)
    url, _, _ = start_authorization(config)
    callback = browser_consent(url)
    _, other_state, _ = start_authorization(config)
    with pytest.raises(Rejected, match="state"):
        read_callback(callback, expected_state=other_state)
    with pytest.raises(Rejected, match="state"):
        read_callback(callback, expected_state="")


def test_rate_limited_users_me_gives_retry_at_and_still_revokes(
    fake_x: FakeX, config: XOAuthConfig, http: httpx.Client
) -> None:
    code, verifier = signed_code(fake_x, config)
    fake_x.exhaust_users_me(ALICE.x_id)  # window opened at the fake clock's start, 10:00 UTC
    with pytest.raises(RateLimited) as caught:
        finish_authorization(config, code=code, code_verifier=verifier, http=http)
    assert caught.value.retry_at == datetime(2026, 11, 23, 10, 15, tzinfo=UTC)
    assert len(fake_x.revoked) == 1
    assert fake_x.live_tokens() == []


def test_rate_limit_without_reset_header_falls_back_to_fifteen_minutes() -> None:
    from envol.platforms.x.wire import error_for

    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    error = error_for(httpx.Response(429, json={"title": "Too Many Requests"}), lambda: now)
    assert isinstance(error, RateLimited)
    assert error.retry_at == datetime(2026, 1, 1, 12, 15, tzinfo=UTC)


@pytest.mark.parametrize("fault", [503, None])
def test_server_errors_and_dropped_connections_are_transient(
    fake_x: FakeX, config: XOAuthConfig, http: httpx.Client, fault: int | None
) -> None:
    code, verifier = signed_code(fake_x, config)
    fake_x.fail_next("/2/oauth2/token", fault)
    with pytest.raises(Transient):
        finish_authorization(config, code=code, code_verifier=verifier, http=http)


def test_unreachable_x_is_transient(config: XOAuthConfig, http: httpx.Client) -> None:
    with pytest.raises(Transient):
        finish_authorization(
            replace(config, token_url="http://127.0.0.1:9/2/oauth2/token"),
            code="c",
            code_verifier="v",
            http=http,
        )


def test_users_me_failure_still_revokes(fake_x: FakeX, config: XOAuthConfig, http: httpx.Client) -> None:
    code, verifier = signed_code(fake_x, config)
    fake_x.fail_next("/2/users/me", 502)
    with pytest.raises(Transient):
        finish_authorization(config, code=code, code_verifier=verifier, http=http)
    assert len(fake_x.revoked) == 1
    assert fake_x.live_tokens() == []


def test_failed_revoke_does_not_fail_the_sign_in(
    fake_x: FakeX, config: XOAuthConfig, http: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    code, verifier = signed_code(fake_x, config)
    fake_x.fail_next("/2/oauth2/revoke", 503)
    with caplog.at_level(logging.WARNING, logger="envol.platforms.x"):
        assert finish_authorization(config, code=code, code_verifier=verifier, http=http) == ALICE
    assert [r.message for r in caplog.records if r.name == "envol.platforms.x"] == ["x_revoke_failed"]
    assert len(fake_x.live_tokens()) == 1  # it will expire on its own; nothing stored it


def test_wrong_client_secret_is_rejected(fake_x: FakeX, config: XOAuthConfig, http: httpx.Client) -> None:
    code, verifier = signed_code(fake_x, config)
    with pytest.raises(Rejected) as caught:
        finish_authorization(
            replace(config, client_secret="stale"), code=code, code_verifier=verifier, http=http
        )
    assert caught.value.status == 401


def test_public_client_sends_client_id_in_the_form(config: XOAuthConfig, http: httpx.Client) -> None:
    with FakeX(client_secret=None) as public:
        public.add_user("42", "bob_x", "Bob")
        public.login_as(42)
        cfg = replace(
            config,
            client_secret="",
            authorize_url=public.authorize_url,
            token_url=public.token_url,
            api_base_url=public.api_base_url,
            revoke_url=public.revoke_url,
        )
        url, state, verifier = start_authorization(cfg)
        code = read_callback(browser_consent(url), expected_state=state)
        assert finish_authorization(cfg, code=code, code_verifier=verifier, http=http) == XIdentity(
            42, "bob_x", "Bob"
        )
        assert public.live_tokens() == []


def test_a_real_browser_clicks_authorize_app(fake_x: FakeX, config: XOAuthConfig, http: httpx.Client) -> None:
    from playwright import sync_api

    fake_x.login_as(ALICE.x_id)
    url, state, verifier = start_authorization(config)
    with sync_api.sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page()
        # Envol's callback is not running here: answer it in the browser so the URL can be read.
        page.route(f"{DEFAULT_REDIRECT}**", lambda route: route.fulfill(body="back at Envol"))
        page.goto(url)
        page.get_by_role("button", name="Authorize app").click()
        page.wait_for_url(re.compile(r".*/x/callback\?.*code=.*"))
        landed = httpx.URL(page.url)
        browser.close()
    code = read_callback(dict(landed.params), expected_state=state)
    assert finish_authorization(config, code=code, code_verifier=verifier, http=http) == ALICE
