"""X's HTTP answers turned into canonical errors; nothing outside platforms/x/ sees X's wire format."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from envol.platforms.errors import AuthExpired, PlatformError, RateLimited, Rejected, Transient

# When a 429 carries no reset header, assume X's usual 15-minute window.
DEFAULT_WINDOW = timedelta(minutes=15)
# X answers an expired, replayed or unknown code with invalid_request and this description, not
# invalid_grant: either way the person has to start the sign-in again.
_CODE_INVALID = "authorization code was invalid"


def retry_at(response: httpx.Response, now: Callable[[], datetime]) -> datetime:
    reset = response.headers.get("x-rate-limit-reset", "")
    if reset.isdigit():
        return datetime.fromtimestamp(int(reset), UTC)
    return now() + DEFAULT_WINDOW


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def error_for(response: httpx.Response, now: Callable[[], datetime]) -> PlatformError:
    """The canonical error for a non-2xx answer of the token, revoke or API endpoints."""
    status = response.status_code
    if status == 429:
        return RateLimited("X rate limit reached", retry_at=retry_at(response, now))
    if status >= 500:
        return Transient(f"X answered {status}", status=status)
    body = _json(response)
    error = str(body.get("error", ""))
    description = str(body.get("error_description") or body.get("detail") or body.get("title") or "")
    message = f"X answered {status} {error}: {description}".strip()
    if error == "invalid_grant" or (error == "invalid_request" and _CODE_INVALID in description):
        return AuthExpired(message, status=status)
    if status == 401 and not error:
        return AuthExpired(message, status=status)  # the bearer no longer works
    return Rejected(message, status=status)


def json_object(response: httpx.Response) -> dict[str, Any]:
    """A 2xx body that must be a JSON object; anything else (a proxy's HTML page) is a passing fault."""
    body = _json(response)
    if not body:
        raise Transient(
            f"X answered {response.status_code} without a JSON object", status=response.status_code
        )
    return body
