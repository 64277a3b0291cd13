"""The pure parts of the OAuth client: ES256 JWTs, DPoP proofs, client assertions, nonce handling."""

from __future__ import annotations

import hashlib
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from envol.platforms.bluesky.oauth import (
    DECLARED_SCOPE,
    EcKey,
    OAuthClient,
    client_metadata,
    jwks,
    loopback_client,
)
from envol.platforms.bluesky.oauth.dpop import DpopSigner, asks_for_nonce, htu
from envol.platforms.bluesky.oauth.jose import b64url, verify_jwt

KEY = EcKey.generate()
claims = st.dictionaries(st.text(max_size=10), st.one_of(st.text(max_size=30), st.integers()), max_size=6)


@given(claims)
def test_a_signed_jwt_verifies_with_the_public_jwk_and_gives_back_its_claims(
    payload: dict[str, object],
) -> None:
    header, body = verify_jwt(KEY.sign_jwt({"typ": "x"}, payload), KEY.public_jwk())
    assert header == {"typ": "x", "alg": "ES256"}
    assert body == payload


def test_a_tampered_jwt_or_another_key_is_refused() -> None:
    token = KEY.sign_jwt({}, {"sub": "a"})
    head, _body, sig = token.split(".")
    with pytest.raises(ValueError, match="invalid"):
        verify_jwt(f"{head}.{b64url(b'{"sub":"b"}')}.{sig}", KEY.public_jwk())
    with pytest.raises(ValueError, match="invalid"):
        verify_jwt(token, EcKey.generate().public_jwk())


def test_a_key_survives_its_stored_form_and_keeps_its_thumbprint() -> None:
    again = EcKey.from_secret(KEY.secret())
    assert again.public_jwk() == KEY.public_jwk()
    assert again.thumbprint() == KEY.thumbprint()
    assert len(KEY.thumbprint()) == 43  # base64url of a SHA-256
    with pytest.raises(ValueError, match="P-256"):
        EcKey.from_secret("not base64 !")


def test_a_dpop_proof_binds_method_url_token_and_the_servers_nonce() -> None:
    signer = DpopSigner(KEY, {"https://pds.example": "n1"})
    proof = signer.proof("post", "https://pds.example/xrpc/x?cursor=2#f", access_token="tok")
    header, body = verify_jwt(proof, KEY.public_jwk())
    assert header["typ"] == "dpop+jwt"
    assert header["jwk"] == KEY.public_jwk()
    assert body["htm"] == "POST"
    assert body["htu"] == "https://pds.example/xrpc/x"
    assert body["nonce"] == "n1"
    assert body["ath"] == b64url(hashlib.sha256(b"tok").digest())
    assert abs(body["iat"] - time.time()) < 60
    other = verify_jwt(signer.proof("GET", "https://auth.example/token"), KEY.public_jwk())[1]
    assert "nonce" not in other  # nonces are per server
    assert "ath" not in other
    assert (
        body["jti"]
        != verify_jwt(signer.proof("POST", "https://pds.example/xrpc/x"), KEY.public_jwk())[1]["jti"]
    )


def _answer(status: int, *, nonce: str | None, body: object = None, www: str = "") -> httpx.Response:
    headers = {"www-authenticate": www} if www else {}
    if nonce:
        headers["dpop-nonce"] = nonce
    return httpx.Response(
        status, json=body, headers=headers, request=httpx.Request("POST", "https://pds.example/x")
    )


def test_the_signer_asks_to_send_again_only_when_refused_for_a_new_nonce() -> None:
    signer = DpopSigner(KEY)
    refused = _answer(401, nonce="n2", www='DPoP error="use_dpop_nonce"')
    assert asks_for_nonce(refused)
    assert signer.observe(refused)
    assert signer.nonces == {"https://pds.example": "n2"}
    assert not signer.observe(refused)  # the same nonce again: sending once more would not help
    assert signer.observe(_answer(400, nonce="n3", body={"error": "use_dpop_nonce"}))
    assert not signer.observe(_answer(200, nonce="n4", body={}))  # learnt, nothing to resend
    assert signer.nonces["https://pds.example"] == "n4"
    assert not signer.observe(_answer(401, nonce="n5", www='DPoP error="invalid_token"'))
    assert not signer.observe(_answer(400, nonce=None, body={"error": "use_dpop_nonce"}))


def test_htu_drops_query_and_fragment_only() -> None:
    assert htu("https://h.example:8443/a/b?c=d#e") == "https://h.example:8443/a/b"


def test_the_loopback_client_declares_its_redirect_and_scopes_in_its_id() -> None:
    client = loopback_client("http://127.0.0.1:8000/sign-in/bluesky/callback/")
    parts = urlsplit(client.client_id)
    assert (parts.scheme, parts.netloc, parts.path) == ("http", "localhost", "")
    query = parse_qs(parts.query)
    assert query == {"redirect_uri": [client.redirect_uri], "scope": [DECLARED_SCOPE]}
    assert not client.confidential
    assert client.authentication("https://auth.example") == {"client_id": client.client_id}


def test_the_confidential_client_signs_an_assertion_its_published_jwks_verifies() -> None:
    old, new = EcKey.generate(), KEY
    client = OAuthClient(
        "https://envol.example/oauth/bluesky/client-metadata.json", "https://envol.example/cb", (new, old)
    )
    auth = client.authentication("https://bsky.social")
    assert auth["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    published = jwks(client.keys)["keys"]
    assert [k["kid"] for k in published] == [new.thumbprint(), old.thumbprint()]  # both, while rotating
    header, body = verify_jwt(auth["client_assertion"], published[0])
    assert header["kid"] == published[0]["kid"]
    assert body["iss"] == body["sub"] == client.client_id
    assert body["aud"] == "https://bsky.social"
    assert 0 < body["exp"] - body["iat"] <= 60
    document = client_metadata(
        client, jwks_uri="https://envol.example/jwks", client_name="Envol", client_uri="https://envol.example"
    )
    assert document["client_id"] == client.client_id
    assert document["token_endpoint_auth_method"] == "private_key_jwt"
    assert document["token_endpoint_auth_signing_alg"] == "ES256"
    assert document["dpop_bound_access_tokens"] is True
    assert document["redirect_uris"] == ["https://envol.example/cb"]
    assert set(document["scope"].split()) >= {"atproto", "repo:app.bsky.graph.follow", "transition:generic"}
    assert all("d" not in key for key in published)  # never the private part
