"""Envol as an OAuth client: who it says it is, and how it proves it to the authorization server.

Two kinds (docs/decisions/0004-atproto-oauth.md):

- **confidential** (production): ``client_id`` is the URL of a client-metadata document Envol serves,
  which points to Envol's JWKS; Envol authenticates at PAR, token and revocation with
  ``private_key_jwt`` (an ES256 assertion signed by a key from ``ENVOL_BLUESKY_CLIENT_KEYS``). The
  server then grants long sessions.
- **loopback** (development): the specification's ``http://localhost?redirect_uri=…&scope=…``
  client id, which needs no published document and no key; redirect URIs must be on 127.0.0.1.
  Servers give such public clients short sessions.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from envol.platforms.bluesky.oauth.jose import EcKey

# Narrowest first: the granular permission for follow records (atproto "permission scopes"), then
# the general transition scope for servers that do not know granular permissions yet.
FOLLOWS_SCOPE = "atproto repo:app.bsky.graph.follow"
GENERIC_SCOPE = "atproto transition:generic"
SCOPE_CHOICES = (FOLLOWS_SCOPE, GENERIC_SCOPE)
# Asked only by a person who wants Envol to carry their X blocks over (decision 0026): follows and
# block records, or the transition scope where granular permissions are unknown.
BLOCKS_SCOPE = "atproto repo:app.bsky.graph.follow repo:app.bsky.graph.block"
BLOCK_SCOPE_CHOICES = (BLOCKS_SCOPE, GENERIC_SCOPE)
# Every scope ever asked for (a client may only ask for what it declares).
DECLARED_SCOPE = "atproto repo:app.bsky.graph.follow repo:app.bsky.graph.block transition:generic"

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@dataclass(frozen=True, slots=True)
class OAuthClient:
    client_id: str
    redirect_uri: str
    keys: tuple[EcKey, ...] = ()  # confidential: the first signs, all are published

    @property
    def confidential(self) -> bool:
        return bool(self.keys)

    def authentication(self, issuer: str) -> dict[str, str]:
        """The client's part of a PAR, token or revocation request."""
        if not self.keys:
            return {"client_id": self.client_id}
        key = self.keys[0]
        now = int(time.time())
        assertion = key.sign_jwt(
            {"kid": key.thumbprint()},
            {
                "iss": self.client_id,
                "sub": self.client_id,
                "aud": issuer,
                "jti": secrets.token_urlsafe(16),
                "iat": now,
                "exp": now + 60,
            },
        )
        return {
            "client_id": self.client_id,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion,
        }


def loopback_client(redirect_uri: str) -> OAuthClient:
    """The development client: everything it declares is in its id (no document to host)."""
    query = urlencode({"redirect_uri": redirect_uri, "scope": DECLARED_SCOPE})
    return OAuthClient(client_id=f"http://localhost?{query}", redirect_uri=redirect_uri)


def jwks(keys: tuple[EcKey, ...]) -> dict[str, Any]:
    """The public keys, as Envol publishes them at its ``jwks_uri``."""
    return {
        "keys": [{**key.public_jwk(), "kid": key.thumbprint(), "use": "sig", "alg": "ES256"} for key in keys]
    }


def client_metadata(
    client: OAuthClient, *, jwks_uri: str, client_name: str, client_uri: str
) -> dict[str, Any]:
    """The client-metadata document served at ``client.client_id`` (confidential client)."""
    return {
        "client_id": client.client_id,
        "client_name": client_name,
        "client_uri": client_uri,
        "application_type": "web",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "redirect_uris": [client.redirect_uri],
        "scope": DECLARED_SCOPE,
        "dpop_bound_access_tokens": True,
        "token_endpoint_auth_method": "private_key_jwt",
        "token_endpoint_auth_signing_alg": "ES256",
        "jwks_uri": jwks_uri,
    }
