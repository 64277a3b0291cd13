"""WebFinger (RFC 7033) and AT Protocol handle resolution over HTTPS: "does this address exist?".

Used to learn whether Bridgy Fed bridges an account: the bridge answers WebFinger for
``acct:handle@bsky.brid.gy`` (a Bluesky account seen from the fediverse) and serves
``https://user.instance.ap.brid.gy/.well-known/atproto-did`` (a fediverse account seen from Bluesky).
The caller passes the HTTP client (`SafeHttp` in production) and where the server answers.
Failures are the canonical errors; "no such account" is an answer (False / None), not an error.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from envol.platforms.errors import PlatformError, RateLimited, Rejected, Transient
from envol.platforms.http import HttpClient

JRD_TYPES = ("application/jrd+json", "application/json")


def _send(http: HttpClient, url: str, **kwargs: object) -> httpx.Response:
    try:
        return http.request("GET", url, **kwargs)  # type: ignore[arg-type]
    except httpx.TransportError as error:
        raise Transient(f"GET {url}: {error.__class__.__name__}") from error


def _error(response: httpx.Response) -> PlatformError:
    status, path = response.status_code, response.request.url.path
    if status == 429:
        seconds = response.headers.get("Retry-After", "")
        wait = timedelta(seconds=int(seconds)) if seconds.isdigit() else timedelta(minutes=5)
        return RateLimited(f"GET {path}: 429", retry_at=datetime.now(UTC) + wait)
    if status >= 500:
        return Transient(f"GET {path}: {status}", status=status)
    return Rejected(f"GET {path}: {status}", status=status)


def account_exists(http: HttpClient, base_url: str, acct: str) -> bool:
    """Whether the server at `base_url` knows ``acct:user@domain`` (404 and 410 say it does not)."""
    url = f"{base_url.rstrip('/')}/.well-known/webfinger"
    response = _send(http, url, params={"resource": f"acct:{acct}"}, headers={"Accept": JRD_TYPES[0]})
    if response.status_code in (404, 410):
        return False
    if not response.is_success:
        raise _error(response)
    try:
        body = response.json()
    except ValueError as error:
        raise Transient(f"{url}: the answer is not JSON") from error
    # A server must name the account it found; an empty or foreign JRD does not count as found.
    return isinstance(body, dict) and isinstance(body.get("subject"), str) and bool(body["subject"])


def handle_did(http: HttpClient, url: str) -> str | None:
    """The DID a handle's ``/.well-known/atproto-did`` names (`url` is that document), None if none."""
    response = _send(http, url)
    if response.status_code in (404, 410):
        return None
    if not response.is_success:
        raise _error(response)
    did = response.text.strip()
    return did if did.startswith("did:") and len(did) < 2048 and " " not in did else None
