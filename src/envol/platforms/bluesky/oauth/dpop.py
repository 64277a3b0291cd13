"""DPoP (RFC 9449): every request carries a fresh proof signed by the key the tokens are bound to.

AT Protocol servers demand a server-issued nonce in each proof. The nonce is per server (origin):
the authorization server and the PDS hand out their own, and rotate them every few minutes. A
request sent with a missing or stale nonce is refused with ``use_dpop_nonce`` and the new nonce in
the ``DPoP-Nonce`` header; sending it once more with that nonce is part of the protocol, not a
retry of a failure, so :meth:`DpopSigner.observe` says when to do it.
"""

from __future__ import annotations

import secrets
import time

import httpx

from envol.platforms.bluesky.oauth.jose import EcKey, access_token_hash


def origin(url: str) -> str:
    parsed = httpx.URL(url)
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.scheme}://{parsed.host}{port}"


def htu(url: str) -> str:
    """The proof's target: the URL without query and fragment (RFC 9449 §4.2)."""
    return str(httpx.URL(url).copy_with(query=None, fragment=None))


def asks_for_nonce(response: httpx.Response) -> bool:
    """Whether the server refused the proof only for want of its current nonce."""
    if "dpop-nonce" not in response.headers:
        return False
    if response.status_code == 401:  # resource server: the error is in WWW-Authenticate
        return 'error="use_dpop_nonce"' in response.headers.get("www-authenticate", "")
    if response.status_code == 400:  # authorization server: in the JSON body
        try:
            body = response.json()
        except ValueError:
            return False
        return isinstance(body, dict) and body.get("error") == "use_dpop_nonce"
    return False


class DpopSigner:
    """One DPoP key and the last nonce each server gave it."""

    def __init__(self, key: EcKey, nonces: dict[str, str] | None = None) -> None:
        self.key = key
        self.nonces: dict[str, str] = dict(nonces or {})

    def proof(self, method: str, url: str, *, access_token: str | None = None) -> str:
        payload: dict[str, str | int] = {
            "jti": secrets.token_urlsafe(16),
            "htm": method.upper(),
            "htu": htu(url),
            "iat": int(time.time()),
        }
        nonce = self.nonces.get(origin(url))
        if nonce:
            payload["nonce"] = nonce
        if access_token is not None:
            payload["ath"] = access_token_hash(access_token)
        return self.key.sign_jwt({"typ": "dpop+jwt", "jwk": self.key.public_jwk()}, payload)

    def observe(self, response: httpx.Response) -> bool:
        """Keep the server's newest nonce; True when the request must be sent once more with it."""
        nonce = response.headers.get("dpop-nonce")
        if not nonce:
            return False
        url = str(response.request.url)
        previous = self.nonces.get(origin(url))
        self.nonces[origin(url)] = nonce
        # Only worth sending again when the nonce is new: otherwise the refusal is not about it.
        return asks_for_nonce(response) and nonce != previous
