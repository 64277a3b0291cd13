"""Identity resolution against the real local PLC and PDS: handle or DID → DID document → PDS."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from envol.platforms.bluesky.identity import (
    Identity,
    IdentityMismatch,
    InvalidIdentifier,
    UnknownDid,
    UnknownHandle,
    normalize,
    resolve,
    resolve_did,
)
from envol.platforms.http import SafeHttp
from support.atproto_net import AtprotoNetwork
from support.bluesky_oauth import point_envol_at


@pytest.fixture
def network(atproto_network: AtprotoNetwork, monkeypatch: pytest.MonkeyPatch) -> AtprotoNetwork:
    point_envol_at(monkeypatch, atproto_network)
    return atproto_network


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("alice.bsky.social", "alice.bsky.social"),
        ("  @Alice.Bsky.Social ", "alice.bsky.social"),
        ("https://bsky.app/profile/alice.bsky.social", "alice.bsky.social"),
        ("did:plc:ewvi7nxzyoun6zhxrhs64oiz", "did:plc:ewvi7nxzyoun6zhxrhs64oiz"),
        ("did:web:example.com", "did:web:example.com"),
        ("did:web:localhost%3A2583", "did:web:localhost%3A2583"),
    ],
)
def test_normalize_accepts_the_written_forms(written: str, expected: str) -> None:
    assert normalize(written) == expected


@pytest.mark.parametrize(
    "written", ["", "alice", "alice..test", "-a.test", "a.1com", "did:key:zQ3sh", "did:plc:short", "a b.test"]
)
def test_normalize_refuses_what_is_neither_a_handle_nor_a_did(written: str) -> None:
    with pytest.raises(InvalidIdentifier):
        normalize(written)


@given(st.text(max_size=40))
def test_normalize_gives_a_did_or_a_lowercase_handle_or_refuses(written: str) -> None:
    try:
        result = normalize(written)
    except InvalidIdentifier:
        return
    assert result.startswith("did:") or (result == result.lower() and "." in result and " " not in result)


def test_a_handle_and_its_did_resolve_to_the_same_identity(network: AtprotoNetwork) -> None:
    alice = network.account("alice")
    with SafeHttp() as http:
        by_handle = resolve("@alice.test", http)
        by_did = resolve(alice.did, http)
    assert by_handle == by_did == Identity(did=alice.did, handle="alice.test", pds_url=network.pds_url)


def test_an_unknown_handle_or_did_says_so(network: AtprotoNetwork) -> None:
    with SafeHttp() as http:
        with pytest.raises(UnknownHandle, match=r"nobody\.test"):
            resolve("nobody.test", http)
        with pytest.raises(UnknownDid):
            resolve("did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", http)


def test_a_changed_handle_no_longer_leads_to_the_account_and_the_did_tells_the_new_one(
    network: AtprotoNetwork,
) -> None:
    someone = network.create_account()
    new_handle = f"{someone.name}-new.test"
    httpx.post(
        network.xrpc_url("com.atproto.identity.updateHandle"),
        json={"handle": new_handle},
        headers=someone.auth_headers(),
        timeout=10,
    ).raise_for_status()
    # The session network is shared: its account list must tell the handle the PDS now knows.
    del network.accounts[someone.handle]
    network.accounts[new_handle] = replace(someone, handle=new_handle)
    with SafeHttp() as http:
        with pytest.raises(UnknownHandle):
            resolve(someone.handle, http)
        assert resolve_did(someone.did, http).handle == new_handle
        assert resolve(new_handle, http).did == someone.did


class Routed:
    """The real network for everything, except a few HTTPS addresses answered here: web servers at
    handle or did:web addresses, which the local network cannot serve (they are https://<name>)."""

    def __init__(self, http: SafeHttp, answers: dict[str, httpx.Response]) -> None:
        self.http, self.answers = http, answers

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        answer = self.answers.get(url)
        if answer is None:
            return self.http.request(method, url, **kwargs)
        answer.request = httpx.Request(method, url)
        return answer


def _did_web_document(did: str, handle: str, pds_url: str) -> httpx.Response:
    service = {"id": "#atproto_pds", "type": "AtprotoPersonalDataServer", "serviceEndpoint": pds_url}
    return httpx.Response(200, json={"id": did, "alsoKnownAs": [f"at://{handle}"], "service": [service]})


def test_a_handle_whose_web_address_and_resolver_name_different_dids_is_refused(
    network: AtprotoNetwork,
) -> None:
    # Mallory controls the web server at alice.test (not its DNS, which the resolver reads) and made
    # her own did:web document claim the handle: each half agrees with itself, the two disagree.
    alice, mallory = network.account("alice"), "did:web:mallory.test"
    answers = {
        "https://alice.test/.well-known/atproto-did": httpx.Response(200, text=mallory),
        "https://mallory.test/.well-known/did.json": _did_web_document(
            mallory, "alice.test", network.pds_url
        ),
    }
    with SafeHttp() as http:
        routed = Routed(http, answers)
        with pytest.raises(IdentityMismatch, match=r"names did:web:mallory\.test, its resolver did:plc:"):
            resolve("alice.test", routed)
        # The DID claims the handle, but the handle does not lead to it without doubt: no handle.
        assert resolve_did(mallory, routed).handle == ""
        assert resolve("alice.test", http).did == alice.did  # without the lie, all is well


def test_a_handle_whose_did_document_does_not_name_it_is_refused(network: AtprotoNetwork) -> None:
    # unclaimed.test's web server names Alice's DID; Alice's document does not name unclaimed.test.
    alice = network.account("alice")
    answers = {"https://unclaimed.test/.well-known/atproto-did": httpx.Response(200, text=alice.did)}
    with (
        SafeHttp() as http,
        pytest.raises(IdentityMismatch, match="whose document does not name that handle"),
    ):
        resolve("unclaimed.test", Routed(http, answers))


def test_a_did_whose_document_names_a_handle_that_does_not_lead_back_keeps_no_handle(
    network: AtprotoNetwork,
) -> None:
    # A did:web document claiming alice.test, a handle whose resolutions all name Alice's DID.
    impostor = "did:web:impostor.test"
    answers = {
        "https://impostor.test/.well-known/did.json": _did_web_document(
            impostor, "alice.test", network.pds_url
        )
    }
    with SafeHttp() as http:
        identity = resolve_did(impostor, Routed(http, answers))
    assert (identity.did, identity.handle) == (impostor, "")
