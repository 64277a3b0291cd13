"""The sign-in dance: build the authorize URL, read the callback, then code -> token -> users/me -> revoke.

Envol keeps nothing from X but the verified id and handle, so the token is revoked as soon as
users/me has answered (and also when it has not), never stored.
"""

from __future__ import annotations

import base64
import hmac
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

import httpx

from envol.platforms.errors import PlatformError, Rejected, Transient
from envol.platforms.http import HttpClient

from .config import XOAuthConfig
from .pkce import new_state, new_verifier, s256_challenge
from .wire import error_for, json_object

logger = logging.getLogger("envol.platforms.x")


@dataclass(frozen=True, slots=True)
class XIdentity:
    x_id: int
    username: str  # the handle without "@": it can change, x_id cannot
    name: str


def _utcnow() -> datetime:
    return datetime.now(UTC)


def start_authorization(config: XOAuthConfig) -> tuple[str, str, str]:
    """(authorize_url, state, code_verifier). Keep state and verifier in the person's session."""
    state, verifier = new_state(), new_verifier()
    query = urlencode(
        {
            "response_type": "code",
            "client_id": config.client_id,
            "redirect_uri": config.redirect_uri,
            "scope": " ".join(config.scopes),
            "state": state,
            "code_challenge": s256_challenge(verifier),
            "code_challenge_method": "S256",
        }
    )
    return f"{config.authorize_url}?{query}", state, verifier


def read_callback(params: Mapping[str, str], *, expected_state: str) -> str:
    """The code from X's redirect back to us, once its state is ours. Raises Rejected otherwise.

    A refused consent comes back as `error=access_denied`; a foreign state means the callback was
    not started by this browser (login CSRF), so nothing in it may be used.
    """
    state = params.get("state", "")
    if not expected_state or not hmac.compare_digest(state.encode(), expected_state.encode()):
        raise Rejected("X callback state does not match this sign-in")
    if "error" in params:
        raise Rejected(f"X sign-in refused: {params['error']}")
    code = params.get("code", "")
    if not code:
        raise Rejected("X callback carries no code")
    return code


def _client_auth(config: XOAuthConfig, form: dict[str, str]) -> dict[str, str]:
    # Confidential clients authenticate with Basic; X still wants client_id in the form for public ones.
    form["client_id"] = config.client_id
    if not config.client_secret:
        return {}
    pair = f"{config.client_id}:{config.client_secret}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}


def _post(
    http: HttpClient, url: str, config: XOAuthConfig, form: dict[str, str], now: Callable[[], datetime]
) -> httpx.Response:
    headers = _client_auth(config, form)
    try:
        response = http.request("POST", url, data=form, headers=headers)
    except httpx.TransportError as error:
        raise Transient(f"X unreachable: {error}") from error
    if response.is_error:
        raise error_for(response, now)
    return response


def _exchange(
    config: XOAuthConfig, code: str, verifier: str, http: HttpClient, now: Callable[[], datetime]
) -> str:
    form = {
        "code": code,
        "grant_type": "authorization_code",
        "redirect_uri": config.redirect_uri,
        "code_verifier": verifier,
    }
    body = json_object(_post(http, config.token_url, config, form, now))
    token = body.get("access_token")
    if not isinstance(token, str) or not token:
        raise Transient("X token answer has no access_token")
    return token


def _me(config: XOAuthConfig, token: str, http: HttpClient, now: Callable[[], datetime]) -> XIdentity:
    try:
        response = http.request(
            "GET", f"{config.api_base_url}/users/me", headers={"Authorization": f"Bearer {token}"}
        )
    except httpx.TransportError as error:
        raise Transient(f"X unreachable: {error}") from error
    if response.is_error:
        raise error_for(response, now)
    data = json_object(response).get("data")
    if not isinstance(data, dict):
        raise Transient("X users/me answer has no data")
    x_id, username = str(data.get("id", "")), data.get("username")
    # The id is the account's key for life: refuse anything that is not a plain decimal id.
    if not x_id.isdecimal() or not isinstance(username, str) or not username:
        raise Transient("X users/me answer lacks a valid id or username")
    name = data.get("name")
    return XIdentity(int(x_id), username, name if isinstance(name, str) else "")


def _revoke(config: XOAuthConfig, token: str, http: HttpClient, now: Callable[[], datetime]) -> None:
    form = {"token": token, "token_type_hint": "access_token"}
    try:
        _post(http, config.revoke_url, config, form, now)
    except PlatformError as error:
        # The identity is already proven and the token is in no storage; it dies by itself within
        # 2 hours. Failing the sign-in for X's revoke hiccup would punish the person, so only log.
        logger.warning("x_revoke_failed", extra={"error": type(error).__name__, "status": error.status})


def finish_authorization(
    config: XOAuthConfig,
    *,
    code: str,
    code_verifier: str,
    http: HttpClient,
    now: Callable[[], datetime] = _utcnow,
) -> XIdentity:
    """Exchange the code, ask users/me who signed in, revoke the token. Raises canonical errors only."""
    token = _exchange(config, code, code_verifier, http, now)
    try:
        return _me(config, token, http, now)
    finally:
        _revoke(config, token, http, now)
