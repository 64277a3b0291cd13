"""One call path for XRPC queries and procedures, with every failure mapped to a canonical error.

Every module of the connector goes through :class:`Xrpc`, so no httpx exception, raw status code or
XRPC error name leaves ``platforms/bluesky/``. Calls on a person's PDS carry a ``Credentials``
(app-password session or OAuth with DPoP, ``auth.py``): the credentials give the headers of each
request and see each response; when they answer that the request failed only for want of what they
just learnt (a DPoP nonce), it is sent once more, never more. Nothing sleeps or retries otherwise:
the caller reschedules (docs/architecture.md, "Bluesky connector").

The error names below were read from the reference PDS's answers (tests/platforms/bluesky/
test_xrpc_errors.py pins them): an expired or unverifiable token is a **400** ``ExpiredToken`` /
``InvalidToken``, an unknown repository a 400 ``InvalidRequest`` "Could not find repo: ...", a
refused password a 401 ``AuthenticationRequired``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import httpx

from envol.platforms.bluesky.auth import Credentials
from envol.platforms.bluesky.ratelimit import RateLimitInfo, parse_rate_limit, retry_at
from envol.platforms.errors import (
    AuthExpired,
    NotFound,
    OutOfScope,
    PlatformError,
    RateLimited,
    Rejected,
    Transient,
)
from envol.platforms.http import HttpClient

ParamValue = str | int | bool | Sequence[str]
Params = Mapping[str, ParamValue | None]

# Error names that mean "this authorisation no longer works" whatever the status says.
AUTH_ERRORS = frozenset(
    {"ExpiredToken", "InvalidToken", "AuthMissing", "AuthenticationRequired", "AccountTakedown"}
)
NOT_FOUND_ERRORS = frozenset({"RecordNotFound", "RepoNotFound", "HandleNotFound", "NotFound"})
# The PDS and the AppView say "not found" as a plain InvalidRequest in these cases.
NOT_FOUND_MESSAGES = (
    "Could not find repo",
    "Unable to resolve handle",
    "Profile not found",
    "Actor not found",
)


def _now() -> datetime:
    return datetime.now(UTC)


def _query_pairs(params: Params | None) -> list[tuple[str, str]]:
    """Query-string pairs; a sequence repeats its key (``actors=a&actors=b``), as XRPC wants."""
    pairs: list[tuple[str, str]] = []
    for key, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, bool):
            pairs.append((key, "true" if value else "false"))
        elif isinstance(value, int | str):
            pairs.append((key, str(value)))
        else:
            pairs.extend((key, item) for item in value)
    return pairs


def xrpc_url(service_url: str, nsid: str, params: Params | None = None) -> str:
    url = f"{service_url.rstrip('/')}/xrpc/{nsid}"
    pairs = _query_pairs(params)
    return f"{url}?{urlencode(pairs)}" if pairs else url


def _error_body(response: httpx.Response) -> tuple[str, str]:
    """The XRPC ``error`` name and ``message`` ('' when the body is not an XRPC error)."""
    try:
        body = response.json()
    except ValueError:
        return "", ""
    if not isinstance(body, dict):
        return "", ""
    name, message = body.get("error"), body.get("message")
    return (name if isinstance(name, str) else "", message if isinstance(message, str) else "")


def error_for(response: httpx.Response, nsid: str, *, now: datetime) -> PlatformError:
    """The canonical error for a non-2xx XRPC answer."""
    status = response.status_code
    name, detail = _error_body(response)
    message = f"{nsid}: {status} {name or response.reason_phrase}" + (f": {detail}" if detail else "")
    if status == 429:
        return RateLimited(message, retry_at=retry_at(response.headers, now=now), status=status)
    if status == 401 or name in AUTH_ERRORS:
        return AuthExpired(message, status=status)
    if name in NOT_FOUND_ERRORS or (name == "InvalidRequest" and detail.startswith(NOT_FOUND_MESSAGES)):
        return NotFound(message, status=status)
    if status >= 500:
        # 500 InternalServerError, 502 UpstreamFailure, 503, 504: the same call may work later.
        return Transient(message, status=status)
    if status == 404 and name != "MethodNotImplemented":
        return NotFound(message, status=status)
    if status == 403 and "scope" in f"{name} {detail}".lower():
        # An OAuth grant without the permission for this record (a follows-only grant asked to
        # write a block, decision 0026): a grant with other scopes is needed.
        return OutOfScope(message, status=status)
    # 400 InvalidRequest (bad parameters, "Too many writes"), 403, 413...: asking again won't help.
    return Rejected(message, status=status)


def _json_object(response: httpx.Response, nsid: str) -> dict[str, Any]:
    if not response.content:
        return {}  # procedures without output (deleteSession) answer 200 with no body
    try:
        body = response.json()
    except ValueError as error:
        # A proxy's HTML page in front of the PDS: a passing fault, not an answer.
        raise Transient(f"{nsid}: the answer is not JSON") from error
    if not isinstance(body, dict):
        raise Transient(f"{nsid}: expected a JSON object")
    return body


class Xrpc:
    """XRPC calls to one service (a PDS, an AppView), on behalf of ``credentials`` when given.

    ``last_rate_limit`` is the rate-limit state of the last response (None when the service sent
    no ``ratelimit-*`` headers), including the response of a call that raised.
    """

    def __init__(
        self,
        http: HttpClient,
        service_url: str,
        credentials: Credentials | None = None,
        *,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.http = http
        self.service_url = service_url.rstrip("/")
        self.credentials = credentials
        self.clock = clock
        self.last_rate_limit: RateLimitInfo | None = None

    @classmethod
    def for_account(cls, http: HttpClient, credentials: Credentials) -> Xrpc:
        """Calls to the account's own PDS, authorised by its credentials."""
        return cls(http, credentials.pds_url, credentials)

    @property
    def did(self) -> str:
        """The DID of the account whose credentials sign the calls."""
        if self.credentials is None:
            raise ValueError("this Xrpc has no credentials: it acts for no account")
        return self.credentials.did

    def query(
        self, nsid: str, params: Params | None = None, *, headers: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        """An XRPC query (HTTP GET); the JSON object it answers."""
        return self._call("GET", nsid, params, None, headers)

    def procedure(
        self,
        nsid: str,
        body: Mapping[str, Any] | None = None,
        *,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """An XRPC procedure (HTTP POST with a JSON body); the JSON object it answers ({} if none)."""
        return self._call("POST", nsid, params, body, headers)

    def _call(
        self,
        method: str,
        nsid: str,
        params: Params | None,
        body: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
    ) -> dict[str, Any]:
        url = xrpc_url(self.service_url, nsid, params)
        response = self._send(method, url, body, headers)
        if self.credentials is not None and self.credentials.observe(response):
            response = self._send(method, url, body, headers)
            # Learn from the second answer too (a rotated nonce), but never send a third time.
            self.credentials.observe(response)
        self.last_rate_limit = parse_rate_limit(response.headers)
        if response.is_success:
            return _json_object(response, nsid)
        raise error_for(response, nsid, now=self.clock())

    def _send(
        self, method: str, url: str, body: Mapping[str, Any] | None, extra: Mapping[str, str] | None
    ) -> httpx.Response:
        # Fresh headers for every send: a DPoP proof is single-use and carries the latest nonce.
        headers = dict(self.credentials.headers(method, url)) if self.credentials is not None else {}
        headers.update(extra or {})
        try:
            return self.http.request(
                method, url, json=dict(body) if body is not None else None, headers=headers
            )
        except httpx.TransportError as error:  # refused connection, reset, timeout, DNS
            raise Transient(f"{method} {url.split('?', 1)[0]}: {type(error).__name__}") from error
