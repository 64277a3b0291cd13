"""Who an AT Protocol account is: handle or DID → DID → DID document → PDS and verified handle.

A handle is only a claim until it is checked both ways: the handle resolves to the DID, *and* the
DID document names the handle (``alsoKnownAs: at://handle``). The DID is the stable id Envol keys
accounts on; the PDS endpoint from the DID document is where the account's data and its
authorization server live.

Handle resolution: the specification allows a DNS TXT record ``_atproto.<handle>`` or HTTPS
``https://<handle>/.well-known/atproto-did``. Envol does not query DNS records itself (the standard
library cannot, and handles on ``*.bsky.social`` answer over HTTPS anyway); it asks HTTPS and a
configured service (``com.atproto.identity.resolveHandle``, which reads DNS),
``ENVOL_BLUESKY_RESOLVER_URL``, and refuses a handle for which the two name different DIDs.
DIDs: ``did:plc`` from the PLC directory (``ENVOL_BLUESKY_PLC_URL``), ``did:web`` from
``https://<host>/.well-known/did.json``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import httpx

from envol.core.config import CONFIG
from envol.platforms.errors import NotFound, PlatformError, Rejected, Transient
from envol.platforms.http import HttpClient

_HANDLE = re.compile(r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$")
_DID_PLC = re.compile(r"^did:plc:[a-z2-7]{24}$")
_DID_WEB = re.compile(r"^did:web:[a-zA-Z0-9.\-]+(%3[aA][0-9]+)?$")
_PROFILE_URL = re.compile(r"^https?://(?:www\.)?bsky\.app/profile/([^/?#]+)")


class InvalidIdentifier(Rejected):
    """What was written is neither a handle nor a supported DID."""


class UnknownHandle(NotFound):
    """No DID answers for this handle."""


class UnknownDid(NotFound):
    """The DID has no document (never existed, or was deleted)."""


class IdentityMismatch(Rejected):
    """The identity does not hold together: a handle that points elsewhere, a document without PDS."""


@dataclass(frozen=True, slots=True)
class Identity:
    did: str
    handle: str  # verified both ways; "" when the document's handle does not point back to the DID
    pds_url: str  # without a trailing slash


def plc_url() -> str:
    return CONFIG.bluesky_plc_url


def resolver_url() -> str:
    return CONFIG.bluesky_resolver_url


def normalize(written: str) -> str:
    """A DID, or a lowercase handle without its ``@``; ``InvalidIdentifier`` for anything else."""
    text = written.strip()
    profile = _PROFILE_URL.match(text)
    if profile:
        text = unquote(profile.group(1))
    if text.startswith("did:"):
        if _DID_PLC.fullmatch(text) or _DID_WEB.fullmatch(text):
            return text
        raise InvalidIdentifier("only did:plc and did:web identities are supported")
    handle = text.removeprefix("@").lower()
    if len(handle) > 253 or not _HANDLE.fullmatch(handle):
        raise InvalidIdentifier("this is not a Bluesky handle (like alice.bsky.social) or a DID")
    return handle


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def resolve_handle(handle: str, http: HttpClient) -> str:
    """The DID a handle names, asked both ways: over HTTPS and through the configured resolver.

    When both answer and name different DIDs, the handle is refused (``IdentityMismatch``): whoever
    controls the web server at the handle's address is not necessarily who controls its DNS, and the
    specification says such a handle does not resolve. A resolver that is down does not hide an
    HTTPS answer; a handle neither way knows is ``UnknownHandle``.
    """
    over_https = _https_did(handle, http)
    try:
        by_resolver = _resolver_did(handle, http)
    except Transient:
        if over_https:
            return over_https
        raise
    if over_https and by_resolver and over_https != by_resolver:
        raise IdentityMismatch(f"{handle}: its web address names {over_https}, its resolver {by_resolver}")
    did = over_https or by_resolver
    if not did:
        raise UnknownHandle(f"no Bluesky account has the handle {handle}")
    return did


def _https_did(handle: str, http: HttpClient) -> str:
    """The DID `https://<handle>/.well-known/atproto-did` names; "" when none."""
    try:
        response = http.request("GET", f"https://{handle}/.well-known/atproto-did")
    except (PlatformError, httpx.TransportError):
        return ""  # no such host, a refused address: the resolver may still know (DNS TXT)
    did = response.text.strip() if response.status_code == 200 else ""
    return did if _DID_PLC.fullmatch(did) or _DID_WEB.fullmatch(did) else ""


def _resolver_did(handle: str, http: HttpClient) -> str:
    """The DID the configured resolver names (it also reads DNS); "" when it knows none."""
    response = http.request(
        "GET", f"{resolver_url()}/xrpc/com.atproto.identity.resolveHandle", params={"handle": handle}
    )
    body = _json(response)
    if response.status_code == 200 and isinstance(body, dict) and isinstance(body.get("did"), str):
        return str(body["did"])
    if response.status_code == 400:
        return ""
    raise Transient(f"the handle resolver answered {response.status_code}", status=response.status_code)


def did_document(did: str, http: HttpClient) -> dict[str, Any]:
    if did.startswith("did:plc:"):
        url = f"{plc_url()}/{did}"
    else:
        host = unquote(did.removeprefix("did:web:"))
        url = f"https://{host}/.well-known/did.json"
    response = http.request("GET", url)
    if response.status_code in (404, 410):
        raise UnknownDid(f"{did} has no DID document (unknown or deleted)", status=response.status_code)
    if response.status_code != 200:
        raise Transient(f"the DID directory answered {response.status_code}", status=response.status_code)
    document = _json(response)
    if not isinstance(document, dict) or document.get("id") != did:
        raise IdentityMismatch(f"the document served for {did} is not that DID's")
    return document


def document_handle(document: dict[str, Any]) -> str:
    for alias in document.get("alsoKnownAs") or []:
        if isinstance(alias, str) and alias.startswith("at://"):
            return alias.removeprefix("at://").lower()
    return ""


def document_pds(document: dict[str, Any]) -> str:
    for service in document.get("service") or []:
        if not isinstance(service, dict):
            continue
        if str(service.get("id", "")).endswith("#atproto_pds") and (
            service.get("type") == "AtprotoPersonalDataServer"
        ):
            endpoint = service.get("serviceEndpoint")
            if isinstance(endpoint, str) and endpoint.startswith(("https://", "http://")):
                return endpoint.rstrip("/")
    raise IdentityMismatch(f"{document.get('id')} names no personal data server (PDS)")


def resolve(written: str, http: HttpClient) -> Identity:
    """The identity behind a handle or DID, every link checked; a handle that does not lead back
    to itself is refused (``IdentityMismatch``)."""
    identifier = normalize(written)
    did = identifier if identifier.startswith("did:") else resolve_handle(identifier, http)
    identity = resolve_did(did, http)
    if not identifier.startswith("did:") and identity.handle != identifier:
        raise IdentityMismatch(f"{identifier} points to {did}, whose document does not name that handle")
    return identity


def resolve_did(did: str, http: HttpClient) -> Identity:
    """The DID's PDS, and its handle when the handle points back to the DID (else "")."""
    document = did_document(did, http)
    pds = document_pds(document)
    handle = document_handle(document)
    if handle and _HANDLE.fullmatch(handle):
        try:
            if resolve_handle(handle, http) != did:
                handle = ""
        except (NotFound, Rejected):
            handle = ""
    else:
        handle = ""
    return Identity(did=did, handle=handle, pds_url=pds)
