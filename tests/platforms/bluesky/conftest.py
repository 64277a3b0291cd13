"""Fixtures for the Bluesky connector's tests: an HTTP client and signed-in accounts on the real
local PDS (tests/support/atproto_plugin.py starts it)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from envol.platforms.bluesky.password import PasswordCredentials
from envol.platforms.bluesky.xrpc import Xrpc
from support.atproto_net import AtprotoNetwork, TestAccount

# @atproto/dev-env signs the PDS's session tokens with this constant (dev-env/dist/const.js), which
# lets a test make a token the real PDS judges expired without waiting its 2 hours.
DEV_ENV_JWT_SECRET = b"jwt-secret"


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=60, follow_redirects=True) as client:
        yield client


def sign_in(http: httpx.Client, network: AtprotoNetwork, account: TestAccount) -> PasswordCredentials:
    return PasswordCredentials.create_session(http, network.pds_url, account.handle, account.app_password)


def account_xrpc(http: httpx.Client, network: AtprotoNetwork) -> Xrpc:
    """An Xrpc acting for a brand-new account (its own clean repository) on ``network``."""
    return Xrpc.for_account(http, sign_in(http, network, network.create_account()))


def fake_did(seed: str) -> str:
    """A well-formed did:plc that exists nowhere (the PDS accepts follows of unknown DIDs)."""
    digest = hashlib.sha256(seed.encode()).digest()
    return "did:plc:" + base64.b32encode(digest).decode().lower()[:24]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt_claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def expired_copy(access_jwt: str) -> str:
    """The same access token, re-signed as the dev PDS would, but expired a minute ago."""
    header = {"typ": "at+jwt", "alg": "HS256"}
    claims = {**jwt_claims(access_jwt), "iat": int(time.time()) - 7200, "exp": int(time.time()) - 60}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = hmac.new(DEV_ENV_JWT_SECRET, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"
