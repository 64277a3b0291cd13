"""One HTTP call to a Mastodon-API server, with its failures mapped to the canonical errors.

Every module of the connector goes through `call`, so no httpx exception and no raw status code
ever leaves ``platforms/mastodon/`` (docs/architecture.md).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

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
from envol.platforms.mastodon.ratelimit import DEFAULT_BACKOFF, retry_at

__all__ = ["DEFAULT_BACKOFF", "HttpClient", "call", "json_object", "text"]


def call(http: HttpClient, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """Send one request; return the response when it is a 2xx, raise a canonical error otherwise."""
    try:
        response = http.request(method, url, **kwargs)
    except httpx.TransportError as error:  # DNS, refused connection, reset, timeout
        raise Transient(f"{method} {url}: {error.__class__.__name__}: {error}") from error
    if response.is_success:
        return response
    raise error_for(response)


def error_for(response: httpx.Response) -> PlatformError:
    """The canonical error for a non-2xx answer (401 AuthExpired, 403/422 Rejected, 404 NotFound...)."""
    status = response.status_code
    message = f"{response.request.method} {response.request.url.path}: {status} {_reason(response)}"
    if status == 429:
        return RateLimited(message, retry_at=retry_at(response.headers, now=datetime.now(UTC)), status=status)
    if status == 401:
        return AuthExpired(message, status=status)
    if status == 404 or status == 410:
        return NotFound(message, status=status)
    if status >= 500:
        return Transient(message, status=status)
    if status == 403 and _about_scope(response):
        return OutOfScope(message, status=status)
    # 400 (OAuth invalid_grant, bad parameters), 403, 422 and anything else: asking again won't help.
    return Rejected(message, status=status)


def _about_scope(response: httpx.Response) -> bool:
    """Whether a 403 says the token lacks a scope: Takahē's `out_of_scope_for_token`, Mastodon's "This
    action is outside the authorized scopes", Pleroma's "Insufficient permissions: read:accounts.",
    RFC 6750's `insufficient_scope`. Any other 403 (a suspended login, a block) is about the request."""
    said = f"{_reason(response)} {response.headers.get('www-authenticate', '')}".lower()
    return "scope" in said or "insufficient permissions" in said


def json_object(response: httpx.Response) -> dict[str, Any]:
    """The body as a JSON object; anything else (a proxy's HTML page) is a passing fault."""
    body = _json_body(response)
    if not isinstance(body, dict):
        raise Transient(f"{response.request.url.path}: expected a JSON object")
    return body


def json_list(response: httpx.Response) -> list[Any]:
    """The body as a JSON list (pages of accounts, relationships); anything else is a passing fault."""
    body = _json_body(response)
    if not isinstance(body, list):
        raise Transient(f"{response.request.url.path}: expected a JSON list")
    return body


def _json_body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError as error:
        raise Transient(f"{response.request.url.path}: the answer is not JSON") from error


def text(body: dict[str, Any], key: str) -> str:
    """A string field, '' when absent or null (servers other than Mastodon omit optional fields)."""
    value = body.get(key)
    return value if isinstance(value, str) else ""


def _reason(response: httpx.Response) -> str:
    """Mastodon's `error` (+ Doorkeeper's `error_description`), or the bare reason phrase."""
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase
    if not isinstance(body, dict):
        return response.reason_phrase
    parts = [str(body[k]) for k in ("error", "error_description") if body.get(k)]
    return ": ".join(parts) or response.reason_phrase
