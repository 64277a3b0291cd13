"""Client-side helpers for tests that drive the fake over HTTP: PKCE, the consent form, Link headers.

They do what a browser or a careful client does, so tests of the fake (and of Envol's own client)
can go through the real OAuth dance without Playwright when no JavaScript is involved.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from html import unescape

import httpx

_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
_LINK = re.compile(r'<([^>]+)>;\s*rel="([^"]+)"')


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge) as RFC 7636 defines them."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def form_fields(html: str, index: int = 0) -> dict[str, str]:
    """Hidden fields of the `index`-th form of a page (0 = Authorize, 1 = Deny on the consent page)."""
    form = html.split("<form")[index + 1].split("</form>")[0]
    return {name: unescape(value) for name, value in _HIDDEN.findall(form)}


def links(header: str | None) -> dict[str, str]:
    """`<url>; rel="next", <url>; rel="prev"` -> {"next": url, "prev": url}."""
    return {rel: url for url, rel in _LINK.findall(header or "")}


def authorization_code(
    client: httpx.Client,
    client_id: str,
    redirect_uri: str,
    scope: str,
    *,
    challenge: str | None = None,
    state: str = "state-123",
    approve: bool = True,
) -> httpx.URL:
    """GET /oauth/authorize as the signed-in browser user, submit the consent form; return the redirect.

    The caller signs in first (`FakeMastodon.login_as` or POST /auth/sign_in with the same client).
    """
    params = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, "scope": scope}
    params["state"] = state
    if challenge is not None:
        params |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    page = client.get("/oauth/authorize", params=params)
    if page.status_code != 200:
        raise AssertionError(f"consent page not shown: {page.status_code} {page.headers.get('location')}")
    decision = client.post("/oauth/authorize", data=form_fields(page.text, 0 if approve else 1))
    if decision.status_code != 302:
        raise AssertionError(f"no redirect after consent: {decision.status_code}")
    return httpx.URL(decision.headers["location"])
