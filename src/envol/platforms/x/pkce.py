"""PKCE (RFC 7636) and state: the random values that bind a callback to the browser that started it."""

from __future__ import annotations

import base64
import hashlib
import secrets


def new_verifier() -> str:
    # 64 random bytes -> 86 URL-safe characters: inside RFC 7636's 43..128 and its alphabet.
    return secrets.token_urlsafe(64)


def s256_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_state() -> str:
    return secrets.token_urlsafe(32)  # X caps state at 500 characters
