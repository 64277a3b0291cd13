"""Encryption at rest of platform tokens, with keys that can be rotated.

The keys are ``settings.KEYS.token_keys`` (``ENVOL_TOKEN_KEYS``, see ``secrets.py``): Fernet keys,
the first one encrypts and every one of them decrypts. Rotating is therefore: put a new key first,
keep the old one second, re-encrypt stored values with :func:`rotate`, then drop the old key.

Fernet (AES-128-CBC + HMAC-SHA256, random IV) is authenticated: a value that was tampered with, or
encrypted under a key we no longer hold, fails loudly instead of decrypting to garbage.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class TokenKeyError(Exception):
    """A stored token cannot be decrypted with any configured key (key dropped too early, or tampering)."""


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    # Cached on the key tuple itself, so overriding settings (tests, rotation) is never served stale.
    if not keys:
        raise ImproperlyConfigured("ENVOL_TOKEN_KEYS holds no key")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as exc:
        # The key text itself is never put in the message: it would end up in logs.
        raise ImproperlyConfigured(
            "ENVOL_TOKEN_KEYS: every key must be 32 url-safe base64-encoded bytes"
        ) from exc


def _current() -> MultiFernet:
    keys: tuple[str, ...] = tuple(settings.KEYS.token_keys)
    return _fernet(keys)


def encrypt_token(plain: str) -> str:
    """``plain`` encrypted under the first key, as ASCII text fit for a text column."""
    return _current().encrypt(plain.encode()).decode("ascii")


def decrypt_token(stored: str) -> str:
    """The plain text of a value made by :func:`encrypt_token` under any configured key."""
    try:
        return _current().decrypt(stored.encode("ascii")).decode()
    except (InvalidToken, UnicodeError) as exc:
        raise TokenKeyError("stored token cannot be decrypted with any configured key") from exc


def rotate(stored: str) -> str:
    """``stored`` re-encrypted under the first key (whatever configured key it was made with)."""
    try:
        return _current().rotate(stored.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeError) as exc:
        raise TokenKeyError("stored token cannot be decrypted with any configured key") from exc
