"""The authorization-code flow of AT Protocol OAuth: PAR with PKCE and DPoP, the browser's visit to
the authorization server, the token exchange, and the re-verification of who signed in.

Stateless: :func:`start` returns a :class:`PendingAuthorization` that the caller keeps (encrypted,
in the browser's session) until the callback and hands back to :func:`finish`.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from envol.platforms.bluesky.identity import Identity, IdentityMismatch, resolve, resolve_did
from envol.platforms.bluesky.oauth.client import BLOCK_SCOPE_CHOICES, SCOPE_CHOICES, OAuthClient
from envol.platforms.bluesky.oauth.discovery import AuthServer, auth_server, discover, issuer_of
from envol.platforms.bluesky.oauth.dpop import DpopSigner
from envol.platforms.bluesky.oauth.jose import EcKey
from envol.platforms.bluesky.oauth.wire import post_form
from envol.platforms.errors import PlatformError, Rejected
from envol.platforms.http import HttpClient


@dataclass(frozen=True, slots=True)
class PendingAuthorization:
    """What the callback needs; kept server-side, encrypted (it holds the DPoP private key)."""

    state: str
    code_verifier: str
    issuer: str
    expected_did: str  # "" when the person named their server rather than their account
    dpop_key: str  # EcKey.secret()
    nonces: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PendingAuthorization:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})


@dataclass(frozen=True, slots=True)
class TokenSet:
    did: str  # the token response's `sub`, re-verified
    handle: str
    pds_url: str
    issuer: str
    access_token: str
    refresh_token: str
    scope: str
    expires_at: datetime
    dpop_key: str


class CallbackRefused(Rejected):
    """The authorization server's answer is an error (``access_denied`` when the person declined)."""

    def __init__(self, error: str, description: str = "") -> None:
        super().__init__(f"{error}: {description}" if description else error)
        self.error = error


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def start(
    client: OAuthClient, written: str, http: HttpClient, *, blocks: bool = False
) -> tuple[str, PendingAuthorization]:
    """(URL to send the browser to, what to keep) for a handle or DID.

    Asks for the narrowest scope first and falls back when the server refuses it (``invalid_scope``);
    with ``blocks``, for the permission on block records too (decision 0026).
    """
    choices = BLOCK_SCOPE_CHOICES if blocks else SCOPE_CHOICES
    identity = resolve(written, http)
    server = discover(identity.pds_url, http)
    signer = DpopSigner(EcKey.generate())
    state = secrets.token_urlsafe(32)
    verifier, challenge = _pkce()
    request_uri = ""
    for scope in choices:
        params = {
            **client.authentication(server.issuer),
            "response_type": "code",
            "redirect_uri": client.redirect_uri,
            "scope": scope,
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "login_hint": identity.handle or identity.did,
        }
        try:
            request_uri = str(post_form(http, signer, server.par_endpoint, params)["request_uri"])
            break
        except Rejected as refused:
            if "invalid_scope" not in refused.message or scope == choices[-1]:
                raise
        except KeyError as missing:
            raise Rejected("the authorization server returned no request_uri") from missing
    pending = PendingAuthorization(
        state, verifier, server.issuer, identity.did, signer.key.secret(), signer.nonces
    )
    query = urlencode({"client_id": client.client_id, "request_uri": request_uri})
    return f"{server.authorization_endpoint}?{query}", pending


def read_callback(params: Mapping[str, str], pending: PendingAuthorization) -> str:
    """The code from the callback's query, once ``state`` and ``iss`` match what was started."""
    if not hmac.compare_digest(params.get("state", "").encode(), pending.state.encode()):
        raise Rejected("the callback's state is not this sign-in's")
    if params.get("iss", "") != pending.issuer:
        raise Rejected("the callback does not come from the authorization server that was asked")
    if "error" in params:
        raise CallbackRefused(params["error"], params.get("error_description", ""))
    code = params.get("code", "")
    if not code:
        raise Rejected("the callback carries no code")
    return code


def _tokens(body: dict[str, Any], identity: Identity, issuer: str, signer: DpopSigner) -> TokenSet:
    if str(body.get("token_type", "")).lower() != "dpop":
        raise Rejected("the authorization server did not bind the tokens to the DPoP key")
    try:
        expires_in = int(body.get("expires_in", 0))
        return TokenSet(
            did=identity.did,
            handle=identity.handle,
            pds_url=identity.pds_url,
            issuer=issuer,
            access_token=str(body["access_token"]),
            refresh_token=str(body.get("refresh_token", "")),
            scope=str(body.get("scope", "")),
            expires_at=datetime.now(UTC) + timedelta(seconds=max(expires_in, 0)),
            dpop_key=signer.key.secret(),
        )
    except (KeyError, TypeError, ValueError) as bad:
        raise Rejected("the token response is malformed") from bad


def verify_subject(sub: str, issuer: str, expected_did: str, http: HttpClient) -> Identity:
    """Never trust the browser: the token's subject must be the account that was asked for, and
    its DID document must lead, through its PDS, to the very authorization server that issued it."""
    if expected_did and sub != expected_did:
        raise IdentityMismatch(f"signed in as {sub}, not as the account asked for ({expected_did})")
    if not sub.startswith("did:"):
        raise IdentityMismatch("the token names no DID")
    identity = resolve_did(sub, http)
    if issuer_of(identity.pds_url, http) != issuer:
        raise IdentityMismatch(f"{sub} is now served by another server than {issuer}")
    return identity


def finish(
    client: OAuthClient, params: Mapping[str, str], pending: PendingAuthorization, http: HttpClient
) -> TokenSet:
    code = read_callback(params, pending)
    server = auth_server(pending.issuer, http)
    signer = DpopSigner(EcKey.from_secret(pending.dpop_key), pending.nonces)
    body = post_form(
        http,
        signer,
        server.token_endpoint,
        {
            **client.authentication(server.issuer),
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": client.redirect_uri,
            "code_verifier": pending.code_verifier,
        },
    )
    try:
        identity = verify_subject(str(body.get("sub", "")), server.issuer, pending.expected_did, http)
    except PlatformError:
        # Tokens for an account we will not record must not stay valid behind our back.
        _revoke_quietly(
            client, server, signer, str(body.get("refresh_token") or body.get("access_token", "")), http
        )
        raise
    return _tokens(body, identity, server.issuer, signer)


def refresh(client: OAuthClient, tokens: TokenSet, http: HttpClient) -> TokenSet:
    """New tokens for the same DPoP key; ``AuthExpired`` when the refresh token is refused."""
    server = auth_server(tokens.issuer, http)
    signer = DpopSigner(EcKey.from_secret(tokens.dpop_key))
    body = post_form(
        http,
        signer,
        server.token_endpoint,
        {
            **client.authentication(server.issuer),
            "grant_type": "refresh_token",
            "refresh_token": tokens.refresh_token,
        },
    )
    if body.get("sub") != tokens.did:
        raise IdentityMismatch("the refreshed tokens are for another account")
    identity = Identity(did=tokens.did, handle=tokens.handle, pds_url=tokens.pds_url)
    return _tokens(body, identity, server.issuer, signer)


def revoke(client: OAuthClient, tokens: TokenSet, http: HttpClient) -> None:
    """Revoke the refresh token (and with it the session) at the authorization server."""
    server = auth_server(tokens.issuer, http)
    signer = DpopSigner(EcKey.from_secret(tokens.dpop_key))
    for token in (tokens.refresh_token, tokens.access_token):
        if token:
            post_form(
                http,
                signer,
                server.revocation_endpoint,
                {**client.authentication(server.issuer), "token": token},
            )


def _revoke_quietly(
    client: OAuthClient, server: AuthServer, signer: DpopSigner, token: str, http: HttpClient
) -> None:
    if not token:
        return
    # Best effort: the caller reports the refusal that brought us here.
    with contextlib.suppress(PlatformError):
        post_form(
            http, signer, server.revocation_endpoint, {**client.authentication(server.issuer), "token": token}
        )
