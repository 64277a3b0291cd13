"""Requests to an authorization server, and its answers mapped to the canonical errors."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from envol.platforms.bluesky.oauth.dpop import DpopSigner
from envol.platforms.errors import AuthExpired, RateLimited, Rejected, Transient
from envol.platforms.http import HttpClient

# Errors meaning "this grant (code or refresh token) is gone": the person must consent again.
_GRANT_GONE = {"invalid_grant", "invalid_token", "access_denied"}


def json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    return body if isinstance(body, dict) else {}


def get_json(http: HttpClient, url: str) -> dict[str, Any]:
    response = http.request("GET", url, headers={"Accept": "application/json"})
    if response.status_code >= 500 or response.status_code == 429:
        raise Transient(f"{url} answered {response.status_code}", status=response.status_code)
    body = json_object(response)
    if response.status_code != 200 or not body:
        raise Rejected(
            f"{url} answered {response.status_code} without a JSON object", status=response.status_code
        )
    return body


def retry_at(response: httpx.Response) -> datetime:
    now = datetime.now(UTC)
    after = response.headers.get("retry-after", "")
    if after.isdigit():
        return now + timedelta(seconds=int(after))
    reset = response.headers.get("ratelimit-reset", "")
    if reset.isdigit():
        return datetime.fromtimestamp(int(reset), UTC)
    return now + timedelta(minutes=1)


def post_form(http: HttpClient, signer: DpopSigner, url: str, data: Mapping[str, str]) -> dict[str, Any]:
    """POST a form with a DPoP proof (sent once more when the server asks for its nonce)."""
    response = http.request("POST", url, data=data, headers={"DPoP": signer.proof("POST", url)})
    if signer.observe(response):
        response = http.request("POST", url, data=data, headers={"DPoP": signer.proof("POST", url)})
        signer.observe(response)
    body = json_object(response)
    if response.status_code in (200, 201):
        return body
    error = str(body.get("error", ""))
    described = f"{error}: {body.get('error_description', '')}".strip(": ")
    if response.status_code == 429:
        raise RateLimited(described or "rate limited", retry_at=retry_at(response))
    if response.status_code >= 500:
        raise Transient(f"{url} answered {response.status_code}", status=response.status_code)
    if error in _GRANT_GONE or response.status_code == 401:
        raise AuthExpired(described or "authorization refused", status=response.status_code)
    raise Rejected(described or f"{url} answered {response.status_code}", status=response.status_code)
