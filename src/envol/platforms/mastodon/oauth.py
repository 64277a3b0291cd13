"""OAuth on the person's own instance: app registration, authorization code with PKCE, revocation.

Stateless: the caller stores the RegisteredApp per instance (Mastodon once vacuumed unused apps, so
re-registering when the client is refused is the caller's recovery) and the state/verifier per login.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from envol.platforms.errors import Rejected
from envol.platforms.mastodon.discovery import InstanceInfo
from envol.platforms.mastodon.wire import HttpClient, call, json_object, text

# Narrowest first (DESIGN §7); the coarse ones are for servers that only know `read`/`write`.
SCOPE_CHOICES = (
    "read:accounts read:follows write:follows read:search",
    "read write:follows",
    "read write",
)
# What a server that grants the narrow scopes but then refuses them (Takahē) honours: `read` and
# `write` only, since such a server checks the coarse scope on every call (decision 0020).
COARSE_SCOPES = SCOPE_CHOICES[-1]
_COARSE_NAMES = frozenset({"read", "write", "follow", "push"})


#: What blocking and muting for the person needs (decision 0026): asked only of people who asked
#: Envol to carry their X blocks over, never at an ordinary sign-in.
BLOCK_SCOPES = ("write:blocks", "write:mutes")


def covers_blocks(scopes: str) -> bool:
    """Whether `scopes` allow blocking and muting: both block scopes, or `write` or the deprecated
    `follow`, which include them (Mastodon's scope hierarchy)."""
    granted = set(scopes.split())
    return bool(granted & {"write", "follow"}) or set(BLOCK_SCOPES) <= granted


def with_blocks(scopes: str) -> str:
    """`scopes` and the right to block and mute (unchanged when they already cover it)."""
    return scopes if covers_blocks(scopes) else " ".join([*scopes.split(), *BLOCK_SCOPES])


def without_blocks(scopes: str) -> str:
    """`scopes` without the block scopes: what an ordinary sign-in asks for."""
    return " ".join(s for s in scopes.split() if s not in BLOCK_SCOPES)


def is_coarse(scopes: str) -> bool:
    """Whether `scopes` holds no granular scope (`read:accounts`...): nothing coarser is left to try."""
    return set(scopes.split()) <= _COARSE_NAMES


@dataclass(frozen=True, slots=True)
class RegisteredApp:
    client_id: str
    client_secret: str
    scopes: str  # space separated, as registered: /oauth/authorize must ask for a subset of these


@dataclass(frozen=True, slots=True)
class MastodonToken:
    access_token: str
    scope: str  # what the server granted, which may be narrower than what was asked


@dataclass(frozen=True, slots=True)
class Pkce:
    verifier: str  # kept by the caller until the callback
    challenge: str  # S256 of the verifier, sent in the authorization URL


def new_state() -> str:
    """An unguessable `state` binding the callback to the browser that started the sign-in."""
    return secrets.token_urlsafe(32)


def new_pkce() -> Pkce:
    """A fresh RFC 7636 pair: 64 url-safe characters (43..128 allowed), S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return Pkce(verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii"))


def register_app(
    info: InstanceInfo,
    *,
    redirect_uri: str,
    http: HttpClient,
    client_name: str = "Envol",
    website: str | None = None,
    scope_choices: tuple[str, ...] = SCOPE_CHOICES,
) -> RegisteredApp:
    """POST /api/v1/apps with the narrowest of `scope_choices` the server accepts."""
    choices = [
        scopes
        for scopes in scope_choices
        # When the server listed its scopes (Mastodon >= 4.3), skip what it would refuse anyway.
        if not info.scopes_supported or set(scopes.split()) <= info.scopes_supported
    ] or list(scope_choices)
    refusal: Rejected | None = None
    for scopes in choices:
        # redirect_uris as one string: arrays are refused before Mastodon 4.3 (methods/apps.md).
        form = {"client_name": client_name, "redirect_uris": redirect_uri, "scopes": scopes}
        if website:
            form["website"] = website
        try:
            body = json_object(call(http, "POST", info.url("/api/v1/apps"), data=form))
        except Rejected as error:
            # Doorkeeper's 422 "Scopes doesn't match configured on the server."; other servers word
            # it differently, so any refusal moves on to coarser scopes and the last one is raised.
            refusal = error
            continue
        client_id, secret = text(body, "client_id"), text(body, "client_secret")
        if not client_id or not secret:
            raise Rejected(f"{info.domain}: app registration returned no client credentials")
        granted = body.get("scopes")  # a list since Mastodon 4.0; absent on older servers
        if isinstance(granted, list) and all(isinstance(s, str) for s in granted):
            scopes = " ".join(granted) or scopes
        return RegisteredApp(client_id, secret, scopes)
    assert refusal is not None  # choices is never empty
    raise refusal


def authorization_url(
    info: InstanceInfo,
    app: RegisteredApp,
    *,
    redirect_uri: str,
    state: str,
    code_challenge: str,
    blocks: bool = False,
) -> str:
    """Where to send the browser. The PKCE challenge goes only to servers that advertised S256. The
    right to block is asked only with `blocks` (a registration may hold it for those who opt in)."""
    params = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": redirect_uri,
        "scope": with_blocks(app.scopes) if blocks else without_blocks(app.scopes),
        "state": state,
    }
    if info.pkce:
        params |= {"code_challenge": code_challenge, "code_challenge_method": "S256"}
    return f"{info.url('/oauth/authorize')}?{urlencode(params)}"


def code_from_callback(query: Mapping[str, str], *, expected_state: str) -> str:
    """The `code` of the redirect back to Envol, after checking `state`; Rejected on deny or forgery."""
    if not hmac.compare_digest(query.get("state", ""), expected_state):
        raise Rejected("the sign-in answer does not belong to this browser (state mismatch)")
    if "error" in query:
        raise Rejected(f"sign-in refused: {query['error']} {query.get('error_description', '')}".strip())
    code = query.get("code", "")
    if not code:
        raise Rejected("the sign-in answer carries no code")
    return code


def exchange_code(
    info: InstanceInfo,
    app: RegisteredApp,
    *,
    code: str,
    code_verifier: str,
    redirect_uri: str,
    http: HttpClient,
) -> MastodonToken:
    """POST /oauth/token (authorization_code). A wrong code or verifier is 400 invalid_grant: Rejected."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": app.client_id,
        "client_secret": app.client_secret,
    }
    if info.pkce:
        form["code_verifier"] = code_verifier
    body = json_object(call(http, "POST", info.url("/oauth/token"), data=form))
    access_token = text(body, "access_token")
    if not access_token:
        raise Rejected(f"{info.domain}: the token answer carries no access_token")
    return MastodonToken(access_token, text(body, "scope") or app.scopes)


def revoke(info: InstanceInfo, app: RegisteredApp, token: MastodonToken, http: HttpClient) -> None:
    """POST /oauth/revoke: the token stops working at once (idempotent on the server)."""
    form = {"client_id": app.client_id, "client_secret": app.client_secret, "token": token.access_token}
    call(http, "POST", info.url("/oauth/revoke"), data=form)
