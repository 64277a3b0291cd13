"""The XRPC call path: canonical errors read from the real PDS's answers, the credentials' resend,
transport failures. Error names are pinned here so that a PDS upgrade that changes them shows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from envol.platforms.bluesky.errors import WrongPassword
from envol.platforms.bluesky.password import PasswordCredentials
from envol.platforms.bluesky.resolve import resolve_handle
from envol.platforms.bluesky.xrpc import Xrpc, error_for, xrpc_url
from envol.platforms.errors import AuthExpired, NotFound, OutOfScope, Rejected, Transient
from envol.platforms.http import SafeHttp
from support.atproto_net import AtprotoNetwork

from .conftest import expired_copy, sign_in


@pytest.fixture(scope="module")
def alice(http: httpx.Client, atproto_network: AtprotoNetwork) -> PasswordCredentials:
    return sign_in(http, atproto_network, atproto_network.account("alice"))


def with_token(credentials: PasswordCredentials, token: str) -> PasswordCredentials:
    return PasswordCredentials(
        did=credentials.did,
        handle=credentials.handle,
        pds_url=credentials.pds_url,
        access_jwt=token,
        refresh_jwt=credentials.refresh_jwt,
    )


def test_query_and_procedure(http: httpx.Client, alice: PasswordCredentials) -> None:
    xrpc = Xrpc.for_account(http, alice)
    assert xrpc.query("com.atproto.server.getSession")["did"] == alice.did
    assert xrpc.did == alice.did
    described = xrpc.query("com.atproto.repo.describeRepo", {"repo": alice.did})
    assert described["handle"] == "alice.test"
    assert xrpc.last_rate_limit is None  # limits are off on this PDS: no headers, nothing to expose


def test_wrong_password(http: httpx.Client, atproto_network: AtprotoNetwork) -> None:
    with pytest.raises(WrongPassword, match="401 AuthenticationRequired") as caught:
        PasswordCredentials.create_session(http, atproto_network.pds_url, "carol.test", "aaaa-bbbb-cccc-dddd")
    assert isinstance(caught.value, AuthExpired)
    assert caught.value.status == 401
    # An unknown identifier gets the very same answer.
    with pytest.raises(WrongPassword):
        PasswordCredentials.create_session(http, atproto_network.pds_url, "nobody.test", "password")


def test_unknown_handle(http: httpx.Client, atproto_network: AtprotoNetwork) -> None:
    assert resolve_handle(http, atproto_network.pds_url, "bob.test") == atproto_network.account("bob").did
    with pytest.raises(NotFound, match="HandleNotFound"):
        resolve_handle(http, atproto_network.pds_url, "nobody.test")
    # A handle under a domain this PDS does not serve: InvalidRequest "Unable to resolve handle".
    with pytest.raises(NotFound, match="Unable to resolve handle"):
        resolve_handle(http, atproto_network.pds_url, "nobody.example.com")
    with pytest.raises(Rejected, match="Invalid handle"):
        resolve_handle(http, atproto_network.pds_url, "not a handle")


def test_expired_token(http: httpx.Client, alice: PasswordCredentials) -> None:
    expired = with_token(alice, expired_copy(alice.access_jwt))
    with pytest.raises(AuthExpired, match="400 ExpiredToken: Token has expired") as caught:
        Xrpc.for_account(http, expired).query("com.atproto.server.getSession")
    assert caught.value.status == 400


@pytest.mark.parametrize("token", ["not-a-jwt", "eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl"])
def test_invalid_token(http: httpx.Client, alice: PasswordCredentials, token: str) -> None:
    with pytest.raises(AuthExpired, match="400 InvalidToken"):
        Xrpc.for_account(http, with_token(alice, token)).query("com.atproto.server.getSession")


def test_refresh_token_is_not_an_access_token(http: httpx.Client, alice: PasswordCredentials) -> None:
    with pytest.raises(AuthExpired, match="InvalidToken"):
        Xrpc.for_account(http, with_token(alice, alice.refresh_jwt)).query("com.atproto.server.getSession")


def test_missing_authorisation(http: httpx.Client, alice: PasswordCredentials) -> None:
    with pytest.raises(AuthExpired, match="401 AuthMissing"):
        Xrpc(http, alice.pds_url).query("com.atproto.server.getSession")


def test_unknown_repo(http: httpx.Client, alice: PasswordCredentials) -> None:
    xrpc = Xrpc.for_account(http, alice)
    unknown = "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"
    with pytest.raises(NotFound, match="Could not find repo"):
        xrpc.query("com.atproto.repo.listRecords", {"repo": unknown, "collection": "app.bsky.graph.follow"})
    with pytest.raises(NotFound, match="RepoNotFound"):
        xrpc.query("com.atproto.repo.describeRepo", {"repo": unknown})


def test_record_not_found(http: httpx.Client, alice: PasswordCredentials) -> None:
    with pytest.raises(NotFound, match="400 RecordNotFound"):
        Xrpc.for_account(http, alice).query(
            "com.atproto.repo.getRecord",
            {"repo": alice.did, "collection": "app.bsky.graph.follow", "rkey": "3aaaaaaaaaaa2"},
        )


def test_bad_parameters_are_rejected(http: httpx.Client, alice: PasswordCredentials) -> None:
    with pytest.raises(Rejected, match=r"400 InvalidRequest.*Invalid NSID") as caught:
        Xrpc.for_account(http, alice).query(
            "com.atproto.repo.listRecords", {"repo": alice.did, "collection": "not an nsid"}
        )
    assert type(caught.value) is Rejected


def test_upstream_failure_is_transient(http: httpx.Client, alice: PasswordCredentials) -> None:
    # Without an AppView the PDS proxies app.bsky.* to https://appview.invalid: 502 UpstreamFailure.
    with pytest.raises(Transient, match="502 UpstreamFailure") as caught:
        Xrpc.for_account(http, alice).query("app.bsky.actor.getProfiles", {"actors": ["alice.test"]})
    assert caught.value.status == 502


def test_connection_refused_is_transient(http: httpx.Client) -> None:
    with pytest.raises(Transient, match="ConnectError"):
        Xrpc(http, "http://127.0.0.1:9").query("com.atproto.server.describeServer")


def test_through_the_production_client(
    alice: PasswordCredentials, atproto_network: AtprotoNetwork, monkeypatch: pytest.MonkeyPatch
) -> None:
    with SafeHttp() as safe:
        # Loopback is refused unless the operator allows private hosts (tests do).
        with pytest.raises(Rejected, match="refusing"):
            Xrpc.for_account(safe, alice).query("com.atproto.server.getSession")
        monkeypatch.setenv("ENVOL_ALLOW_PRIVATE_HOSTS", "1")
        assert Xrpc.for_account(safe, alice).query("com.atproto.server.getSession")["handle"] == "alice.test"
        with pytest.raises(NotFound):
            resolve_handle(safe, atproto_network.pds_url, "nobody.test")


# --- the credentials' resend (DPoP nonces) -------------------------------------------------------


@dataclass
class CountingHttp:
    inner: httpx.Client
    sent: list[dict[str, str]] = field(default_factory=list)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        self.sent.append(dict(kwargs.get("headers") or {}))
        return self.inner.request(method, url, **kwargs)


@dataclass
class NonceLikeCredentials:
    """Wraps real credentials; asks for a resend ``resends`` times, numbering each request's headers."""

    inner: PasswordCredentials
    resends: int
    observed: list[int] = field(default_factory=list)
    calls: int = 0

    @property
    def did(self) -> str:
        return self.inner.did

    @property
    def pds_url(self) -> str:
        return self.inner.pds_url

    def headers(self, method: str, url: str) -> dict[str, str]:
        self.calls += 1
        return {**self.inner.headers(method, url), "X-Proof": str(self.calls)}

    def observe(self, response: httpx.Response) -> bool:
        self.observed.append(response.status_code)
        if self.resends > 0:
            self.resends -= 1
            return True
        return False


@pytest.mark.parametrize(("resends", "sends"), [(0, 1), (1, 2), (5, 2)])
def test_observe_sends_once_more_at_most(
    http: httpx.Client, alice: PasswordCredentials, resends: int, sends: int
) -> None:
    counting = CountingHttp(http)
    credentials = NonceLikeCredentials(alice, resends)
    body = Xrpc(counting, alice.pds_url, credentials).query("com.atproto.server.getSession")
    assert body["did"] == alice.did
    assert len(counting.sent) == sends
    # Fresh headers for every send (a DPoP proof is single-use), every answer shown.
    assert [h["X-Proof"] for h in counting.sent] == [str(i) for i in range(1, sends + 1)]
    assert credentials.observed == [200] * sends


# --- mapping of answers the local PDS does not give on demand ------------------------------------


def answer(status: int, body: bytes = b"", headers: Mapping[str, str] | None = None) -> httpx.Response:
    return httpx.Response(
        status, content=body, headers=headers, request=httpx.Request("GET", "http://pds.example/xrpc/x")
    )


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_transient(status: int) -> None:
    error = error_for(answer(status, b"<html>gateway</html>"), "x", now=datetime.now(UTC))
    assert type(error) is Transient
    assert error.status == status


def test_method_not_implemented_is_rejected() -> None:
    body = b'{"error":"MethodNotImplemented","message":"Method Not Implemented"}'
    assert type(error_for(answer(404, body), "x", now=datetime.now(UTC))) is Rejected


def test_non_json_success_is_transient() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"<html>captive portal</html>")

    with (
        httpx.Client(transport=httpx.MockTransport(handler)) as client,
        pytest.raises(Transient, match="not JSON"),
    ):
        Xrpc(client, "http://pds.example").query("com.atproto.server.describeServer")


def test_query_strings_repeat_sequences() -> None:
    url = xrpc_url(
        "http://av.example/", "app.bsky.actor.getProfiles", {"actors": ["a.test", "did:plc:x"], "x": None}
    )
    assert url == "http://av.example/xrpc/app.bsky.actor.getProfiles?actors=a.test&actors=did%3Aplc%3Ax"
    assert xrpc_url("http://s", "n", {"reverse": True, "limit": 5}) == "http://s/xrpc/n?reverse=true&limit=5"


def test_a_403_about_a_missing_scope_is_out_of_scope() -> None:
    # What a PDS with permission scopes answers a follows-only grant asked to write a block.
    body = b'{"error":"ScopeMissingError","message":"Missing required scope \\"repo:app.bsky.graph.block\\""}'
    assert type(error_for(answer(403, body), "x", now=datetime.now(UTC))) is OutOfScope
    other = b'{"error":"Forbidden","message":"account takedown"}'
    assert type(error_for(answer(403, other), "x", now=datetime.now(UTC))) is Rejected
