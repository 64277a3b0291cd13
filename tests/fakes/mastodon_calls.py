"""Client-side calls the fake Mastodon's own tests share."""

from __future__ import annotations

import httpx

REDIRECT = "http://127.0.0.1:9/callback"  # never contacted: tests read the Location header
GRANULAR = "read:accounts read:follows write:follows read:search"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def register(client: httpx.Client, scopes: str = GRANULAR, redirect: str | list[str] = REDIRECT) -> dict:
    data = {
        "client_name": "Envol",
        "redirect_uris": redirect,
        "scopes": scopes,
        "website": "https://envol.test",
    }
    response = client.post("/api/v1/apps", json=data)
    assert response.status_code == 200, response.text
    return response.json()


def token_for(
    client: httpx.Client, app: dict, code: str, verifier: str | None, redirect: str = REDIRECT
) -> httpx.Response:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect}
    data |= {"client_id": app["client_id"], "client_secret": app["client_secret"]}
    if verifier is not None:
        data["code_verifier"] = verifier
    return client.post("/oauth/token", data=data)


# -- OAuth -------------------------------------------------------------------------------------------
