"""App-password sessions: the fallback way to act for an account (issue #5; OAuth is the main way).

``PasswordCredentials.create_session`` trades an identifier and app password for a session
(``com.atproto.server.createSession``); the password is used for that one call and kept nowhere,
not on the object either. The session's access token (2 hours on the reference PDS) authorises
calls; its refresh token makes a new session (``refresh_session``) or ends it (``delete_session``).
The credentials implement ``auth.Credentials``, so the connector treats them like OAuth ones.

The PDS URL is the one the session's DID document names when the server returns it (an entryway
such as bsky.social creates sessions for accounts hosted elsewhere), else the service asked. The
sign-in side re-verifies DID, handle and PDS independently (``identity.py``): this is a claim.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from envol.platforms.bluesky.errors import WrongPassword
from envol.platforms.bluesky.xrpc import Xrpc
from envol.platforms.errors import AuthExpired, Transient
from envol.platforms.http import HttpClient


def _text(body: dict[str, Any], key: str, nsid: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise Transient(f"{nsid}: the answer has no {key}")
    return value


def pds_from_did_doc(did_doc: object) -> str | None:
    """The ``#atproto_pds`` service endpoint of a DID document, without a trailing slash."""
    if not isinstance(did_doc, dict):
        return None
    services = did_doc.get("service")
    for service in services if isinstance(services, list) else []:
        if (
            isinstance(service, dict)
            and str(service.get("id", "")).endswith("#atproto_pds")
            and service.get("type") == "AtprotoPersonalDataServer"
            and isinstance(service.get("serviceEndpoint"), str)
        ):
            return str(service["serviceEndpoint"]).rstrip("/")
    return None


@dataclass(frozen=True, slots=True)
class PasswordCredentials:
    """An app-password session of one account. Immutable: refreshing makes a new object."""

    did: str
    handle: str
    pds_url: str
    access_jwt: str = field(repr=False)
    refresh_jwt: str = field(repr=False)

    @classmethod
    def create_session(
        cls, http: HttpClient, service_url: str, identifier: str, app_password: str
    ) -> PasswordCredentials:
        """Sign in with a handle or DID and an app password at ``service_url`` (a PDS or an entryway).

        Raises ``WrongPassword`` (an ``AuthExpired``) when the server refuses the pair.
        """
        nsid = "com.atproto.server.createSession"
        try:
            body = Xrpc(http, service_url).procedure(
                nsid, {"identifier": identifier, "password": app_password}
            )
        except AuthExpired as error:
            if error.status == 401:
                raise WrongPassword(error.message, status=error.status) from error
            raise
        return cls._from_session(body, nsid, pds_url=pds_from_did_doc(body.get("didDoc")) or service_url)

    @classmethod
    def _from_session(cls, body: dict[str, Any], nsid: str, *, pds_url: str) -> PasswordCredentials:
        return cls(
            did=_text(body, "did", nsid),
            handle=_text(body, "handle", nsid),
            pds_url=pds_url.rstrip("/"),
            access_jwt=_text(body, "accessJwt", nsid),
            refresh_jwt=_text(body, "refreshJwt", nsid),
        )

    def refresh_session(self, http: HttpClient) -> PasswordCredentials:
        """A new session from the refresh token (AuthExpired once it expired or was revoked)."""
        nsid = "com.atproto.server.refreshSession"
        body = Xrpc(http, self.pds_url).procedure(nsid, headers=self._refresh_auth())
        if body.get("did") != self.did:
            raise AuthExpired(f"{nsid}: the session answered for another account")
        return self._from_session(body, nsid, pds_url=pds_from_did_doc(body.get("didDoc")) or self.pds_url)

    def delete_session(self, http: HttpClient) -> None:
        """End the session: the refresh token is revoked at once (access tokens run out by themselves)."""
        Xrpc(http, self.pds_url).procedure("com.atproto.server.deleteSession", headers=self._refresh_auth())

    def _refresh_auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.refresh_jwt}"}

    # --- auth.Credentials ------------------------------------------------------------------------

    def headers(self, method: str, url: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_jwt}"}

    def observe(self, response: httpx.Response) -> bool:
        return False  # bearer tokens have no nonce to learn
