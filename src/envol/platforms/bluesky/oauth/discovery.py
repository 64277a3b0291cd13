"""From a PDS to its authorization server, with the checks the AT Protocol OAuth profile demands."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from envol.platforms.bluesky.oauth.wire import get_json
from envol.platforms.errors import Rejected
from envol.platforms.http import HttpClient


class UnfitServer(Rejected):
    """The server does not offer what AT Protocol OAuth requires (PAR, PKCE S256, DPoP ES256...)."""


@dataclass(frozen=True, slots=True)
class AuthServer:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    par_endpoint: str
    revocation_endpoint: str
    scopes_supported: tuple[str, ...]


def issuer_of(pds_url: str, http: HttpClient) -> str:
    """The authorization server a PDS delegates to (its protected-resource metadata)."""
    resource = get_json(http, f"{pds_url}/.well-known/oauth-protected-resource")
    servers = resource.get("authorization_servers")
    if resource.get("resource", "").rstrip("/") != pds_url.rstrip("/"):
        raise UnfitServer(f"{pds_url} describes another resource ({resource.get('resource')!r})")
    if not isinstance(servers, list) or not servers or not isinstance(servers[0], str):
        raise UnfitServer(f"{pds_url} names no authorization server")
    return servers[0].rstrip("/")


def _require(metadata: dict[str, Any], name: str, value: str) -> None:
    offered = metadata.get(name)
    if not isinstance(offered, list) or value not in offered:
        raise UnfitServer(f"the authorization server does not offer {name} {value}")


def auth_server(issuer: str, http: HttpClient) -> AuthServer:
    metadata = get_json(http, f"{issuer}/.well-known/oauth-authorization-server")
    if metadata.get("issuer") != issuer:
        raise UnfitServer(f"metadata of {issuer} claims to be {metadata.get('issuer')!r}")
    _require(metadata, "code_challenge_methods_supported", "S256")
    _require(metadata, "dpop_signing_alg_values_supported", "ES256")
    _require(metadata, "scopes_supported", "atproto")
    _require(metadata, "response_types_supported", "code")
    if metadata.get("authorization_response_iss_parameter_supported") is not True:
        raise UnfitServer("the authorization server does not return `iss` with its answers")
    endpoints = {
        name: metadata.get(name)
        for name in (
            "authorization_endpoint",
            "token_endpoint",
            "pushed_authorization_request_endpoint",
            "revocation_endpoint",
        )
    }
    if not all(
        isinstance(url, str) and url.startswith(("https://", "http://")) for url in endpoints.values()
    ):
        raise UnfitServer("the authorization server lacks an endpoint (authorize, token, PAR, revoke)")
    return AuthServer(
        issuer=issuer,
        authorization_endpoint=str(endpoints["authorization_endpoint"]),
        token_endpoint=str(endpoints["token_endpoint"]),
        par_endpoint=str(endpoints["pushed_authorization_request_endpoint"]),
        revocation_endpoint=str(endpoints["revocation_endpoint"]),
        scopes_supported=tuple(str(s) for s in metadata.get("scopes_supported") or ()),
    )


def discover(pds_url: str, http: HttpClient) -> AuthServer:
    return auth_server(issuer_of(pds_url, http), http)
