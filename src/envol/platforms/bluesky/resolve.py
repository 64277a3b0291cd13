"""Handle → DID through XRPC (``com.atproto.identity.resolveHandle``) on a chosen service.

A PDS resolves the handles it hosts, an AppView any handle it has indexed. This is a lookup, not a
proof: the sign-in side verifies the handle both ways (DNS or ``/.well-known/atproto-did``, and the
DID document) in ``identity.py``.
"""

from __future__ import annotations

from envol.platforms.bluesky.repo import is_did
from envol.platforms.bluesky.xrpc import Xrpc
from envol.platforms.errors import Transient
from envol.platforms.http import HttpClient


def resolve_handle(http: HttpClient, service_url: str, handle: str) -> str:
    """The DID ``service_url`` knows for ``handle``. NotFound for an unknown handle (400
    ``HandleNotFound``, or ``InvalidRequest`` "Unable to resolve handle" outside the service's own
    domains), Rejected for a malformed one."""
    nsid = "com.atproto.identity.resolveHandle"
    did = Xrpc(http, service_url).query(nsid, {"handle": handle.strip().removeprefix("@").lower()}).get("did")
    if not isinstance(did, str) or not is_did(did):
        raise Transient(f"{nsid}: the answer has no DID")
    return did
