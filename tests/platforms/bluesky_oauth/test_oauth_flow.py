"""The whole AT Protocol OAuth flow against the real local PDS, the person's part (sign-in and
consent on the PDS's own pages) done in real Chromium."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime

import httpx
import pytest

from envol.platforms.bluesky import oauth
from envol.platforms.bluesky.identity import IdentityMismatch
from envol.platforms.bluesky.oauth.discovery import issuer_of
from envol.platforms.bluesky.oauth.flow import verify_subject
from envol.platforms.bluesky.xrpc import error_for
from envol.platforms.errors import AuthExpired, OutOfScope, Rejected
from envol.platforms.http import SafeHttp
from support.atproto_net import AtprotoNetwork, TestAccount
from support.bluesky_oauth import consent_on_pds, move_did_to, point_envol_at

CALLBACK = "http://127.0.0.1:8765/sign-in/bluesky/callback/"
CLIENT = oauth.loopback_client(CALLBACK)


@pytest.fixture
def network(atproto_network: AtprotoNetwork, monkeypatch: pytest.MonkeyPatch) -> AtprotoNetwork:
    point_envol_at(monkeypatch, atproto_network)
    return atproto_network


@pytest.fixture
def http() -> Iterator[SafeHttp]:
    with SafeHttp() as client:
        yield client


def _params(callback: str) -> dict[str, str]:
    return dict(httpx.URL(callback).params)


def _sign_in(account: TestAccount, http: SafeHttp, *, blocks: bool = False) -> oauth.TokenSet:
    url, pending = oauth.start(CLIENT, account.handle, http, blocks=blocks)
    callback = consent_on_pds(url, password=account.password, callback_prefix=CALLBACK)
    return oauth.finish(CLIENT, _params(callback), pending, http)


def _call(
    http: SafeHttp, credentials: oauth.OAuthCredentials, method: str, nsid: str, json: object = None
) -> httpx.Response:
    """One XRPC call the way the connector makes it: headers from the credentials, once more when
    they learnt the nonce the server wanted."""
    url = f"{credentials.pds_url}/xrpc/{nsid}"

    def send() -> httpx.Response:
        return http.request(method, url, json=json, headers=credentials.headers(method, url))

    response = send()
    if credentials.observe(response):
        response = send()
    return response


def _follow(subject: str, did: str) -> dict[str, object]:
    record = {"$type": "app.bsky.graph.follow", "subject": subject, "createdAt": "2026-11-23T00:00:00Z"}
    return {"repo": did, "collection": "app.bsky.graph.follow", "record": record}


def _credentials(tokens: oauth.TokenSet) -> oauth.OAuthCredentials:
    return oauth.OAuthCredentials(
        did=tokens.did, pds_url=tokens.pds_url, access_token=tokens.access_token, dpop_key=tokens.dpop_key
    )


def test_sign_in_grants_only_follows_then_refresh_and_revocation(
    network: AtprotoNetwork, http: SafeHttp
) -> None:
    me = network.create_account()
    tokens = _sign_in(me, http)
    assert (tokens.did, tokens.handle, tokens.pds_url, tokens.issuer) == (
        me.did, me.handle, network.pds_url, network.pds_url,
    )  # fmt: skip
    # The narrowest scope: the server accepted the granular permission although its metadata
    # lists only the transition scopes.
    assert tokens.scope == oauth.FOLLOWS_SCOPE
    credentials = _credentials(tokens)
    written = _call(
        http,
        credentials,
        "POST",
        "com.atproto.repo.createRecord",
        _follow(network.account("bob").did, me.did),
    )
    assert written.status_code == 200, written.text
    text_post = {"$type": "app.bsky.feed.post", "text": "hi", "createdAt": "2026-11-23T00:00:00Z"}
    post = {"repo": me.did, "collection": "app.bsky.feed.post", "record": text_post}
    refused = _call(http, credentials, "POST", "com.atproto.repo.createRecord", post)
    assert refused.status_code == 403
    assert "repo:app.bsky.feed.post" in refused.json()["message"]

    fresh = oauth.refresh(CLIENT, tokens, http)
    assert fresh.access_token != tokens.access_token
    assert fresh.refresh_token != tokens.refresh_token
    assert fresh.dpop_key == tokens.dpop_key  # the grant stays bound to the same key
    assert fresh.scope == oauth.FOLLOWS_SCOPE
    with pytest.raises(AuthExpired, match="replayed"):
        oauth.refresh(CLIENT, tokens, http)  # refresh tokens are single-use

    oauth.revoke(CLIENT, fresh, http)
    after = _call(http, _credentials(fresh), "POST", "com.atproto.repo.createRecord", _follow(me.did, me.did))
    assert after.status_code == 401
    assert 'error="invalid_token"' in after.headers["www-authenticate"]
    with pytest.raises(AuthExpired):
        oauth.refresh(CLIENT, fresh, http)


def test_a_stale_dpop_nonce_is_replaced_by_the_servers_new_one(
    network: AtprotoNetwork, http: SafeHttp
) -> None:
    me = network.create_account()
    credentials = _credentials(_sign_in(me, http))
    credentials.signer.nonces[network.pds_url] = "a-nonce-the-server-rotated-away"
    url = f"{network.pds_url}/xrpc/com.atproto.repo.createRecord"
    body = _follow(network.account("carol").did, me.did)
    first = http.request("POST", url, json=body, headers=credentials.headers("POST", url))
    assert first.status_code == 401
    assert credentials.observe(first)  # refused for the nonce: send once more
    assert credentials.signer.nonces[network.pds_url] == first.headers["dpop-nonce"]
    second = http.request("POST", url, json=body, headers=credentials.headers("POST", url))
    assert second.status_code == 200, second.text


def test_tokens_for_another_account_than_the_one_asked_for_are_refused(
    network: AtprotoNetwork, http: SafeHttp
) -> None:
    # The PDS's page makes the hinted account read-only, so a person cannot switch there; what is
    # checked is Envol's own rule: the tokens' subject must be the DID the sign-in was started for.
    asked, other = network.create_account(), network.create_account()
    url, pending = oauth.start(CLIENT, other.handle, http)
    callback = consent_on_pds(url, password=other.password, callback_prefix=CALLBACK)
    started_for_asked = replace(pending, expected_did=asked.did)
    with pytest.raises(IdentityMismatch, match="not as the account asked for"):
        oauth.finish(CLIENT, _params(callback), started_for_asked, http)


def test_a_did_that_moved_to_another_pds_meanwhile_is_refused(
    network: AtprotoNetwork,
    http: SafeHttp,
    atproto_network_factory: Callable[..., AtprotoNetwork],
) -> None:
    elsewhere = atproto_network_factory(accounts=("erin",))
    me = network.create_account()
    url, pending = oauth.start(CLIENT, me.handle, http)
    callback = consent_on_pds(url, password=me.password, callback_prefix=CALLBACK)
    move_did_to(network, me, elsewhere.pds_url)
    with pytest.raises(IdentityMismatch, match="now served by another server"):
        oauth.finish(CLIENT, _params(callback), pending, http)


def test_a_declined_consent_and_a_forged_state_are_refused(network: AtprotoNetwork, http: SafeHttp) -> None:
    me = network.create_account()
    url, pending = oauth.start(CLIENT, me.did, http)
    callback = consent_on_pds(url, password=me.password, callback_prefix=CALLBACK, approve=False)
    with pytest.raises(oauth.CallbackRefused) as declined:
        oauth.finish(CLIENT, _params(callback), pending, http)
    assert declined.value.error == "access_denied"
    with pytest.raises(Rejected, match="state"):
        oauth.finish(CLIENT, {**_params(callback), "state": "forged"}, pending, http)


def test_tokens_from_an_issuer_the_pds_does_not_name_are_refused(
    network: AtprotoNetwork, http: SafeHttp
) -> None:
    # The PDS's oauth-protected-resource names its authorization server; tokens whose issuer is any
    # other server (one that would vouch for DIDs it does not host) are refused, the real one kept.
    me = network.account("alice")
    real = issuer_of(network.pds_url, http)
    assert verify_subject(me.did, real, me.did, http).did == me.did
    with pytest.raises(IdentityMismatch, match="now served by another server"):
        verify_subject(me.did, "https://evil.test", me.did, http)
    with pytest.raises(IdentityMismatch, match="names no DID"):
        verify_subject("alice.test", real, "", http)


def test_a_follows_only_grant_asked_to_block_is_out_of_scope(network: AtprotoNetwork, http: SafeHttp) -> None:
    # Decision 0026: the PDS's refusal of a block record for want of its permission is OutOfScope, which
    # fails the blocks without stopping the follows.
    me = network.create_account()
    credentials = _credentials(_sign_in(me, http))
    record = {"$type": "app.bsky.graph.block", "subject": network.account("bob").did,
              "createdAt": "2026-11-23T00:00:00Z"}  # fmt: skip
    block = {"repo": me.did, "collection": "app.bsky.graph.block", "record": record}
    refused = _call(http, credentials, "POST", "com.atproto.repo.createRecord", block)
    assert refused.status_code == 403, refused.text
    error = error_for(refused, "com.atproto.repo.createRecord", now=datetime.now(UTC))
    assert isinstance(error, OutOfScope), refused.text


def test_a_sign_in_that_asks_for_blocks_may_write_block_records(
    network: AtprotoNetwork, http: SafeHttp
) -> None:
    # Decision 0026: asked only from the blocks page; the grant covers follows and block records.
    me = network.create_account()
    tokens = _sign_in(me, http, blocks=True)
    assert tokens.scope == oauth.BLOCKS_SCOPE
    record = {"$type": "app.bsky.graph.block", "subject": network.account("bob").did,
              "createdAt": "2026-11-23T00:00:00Z"}  # fmt: skip
    block = {"repo": me.did, "collection": "app.bsky.graph.block", "record": record}
    written = _call(http, _credentials(tokens), "POST", "com.atproto.repo.createRecord", block)
    assert written.status_code == 200, written.text
