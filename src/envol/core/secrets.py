"""Where the service's keys come from, and the refusal to run in production without them.

In development the keys are generated once into a file under the data folder, so that `make run`
needs no configuration and pseudonyms stay stable across restarts. The file lives outside the
database on purpose: a copy of the database alone must not be enough to reverse pseudonyms.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.exceptions import ImproperlyConfigured

from envol.core.config import CONFIG

DEV_SECRETS_FILE = "dev-secrets.json"
MIN_PSEUDONYM_KEY_HEX = 32
# Django's own deployment check (security.W009) asks as much of a secret key: shorter or plainer keys
# can be guessed, and with them sessions forged (docs/threat-model.md).
MIN_SECRET_KEY_LENGTH = 50
MIN_SECRET_KEY_CHARACTERS = 5


@dataclass(frozen=True, slots=True)
class Keys:
    secret_key: str
    token_keys: tuple[str, ...]
    pseudonym_key: bytes
    # ES256 private keys (base64url scalars) of the confidential Bluesky OAuth client; empty in a
    # production without them (Bluesky OAuth is then off, app passwords remain).
    bluesky_client_keys: tuple[str, ...] = ()


def _new_dev_secrets() -> dict[str, str]:
    return {
        "ENVOL_SECRET_KEY": secrets.token_urlsafe(50),
        "ENVOL_TOKEN_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "ENVOL_PSEUDONYM_KEY": secrets.token_hex(32),
        "ENVOL_BLUESKY_CLIENT_KEYS": _new_ec_key(),
    }


def _new_ec_key() -> str:
    """A P-256 private scalar, base64url, as ENVOL_BLUESKY_CLIENT_KEYS holds them."""
    private = ec.generate_private_key(ec.SECP256R1()).private_numbers().private_value
    return base64.urlsafe_b64encode(private.to_bytes(32, "big")).rstrip(b"=").decode()


def _dev_secrets(data_dir: Path) -> dict[str, str]:
    path = data_dir / DEV_SECRETS_FILE
    if path.exists():
        stored: dict[str, str] = json.loads(path.read_text())
        if "ENVOL_BLUESKY_CLIENT_KEYS" not in stored:
            # A file from before Bluesky sign-in: add the one missing key, keep the others.
            stored["ENVOL_BLUESKY_CLIENT_KEYS"] = _new_ec_key()
            temporary = path.with_suffix(".tmp")
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                json.dump(stored, handle)
            os.replace(temporary, path)
        return stored
    data_dir.mkdir(parents=True, exist_ok=True)
    generated = _new_dev_secrets()
    # Created with owner-only permissions from the start, never world-readable even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(generated, handle)
    return generated


def _pseudonym_key(hex_key: str) -> bytes:
    try:
        key = bytes.fromhex(hex_key)
    except ValueError as exc:
        raise ImproperlyConfigured("ENVOL_PSEUDONYM_KEY must be hexadecimal") from exc
    if len(hex_key) < MIN_PSEUDONYM_KEY_HEX:
        raise ImproperlyConfigured(f"ENVOL_PSEUDONYM_KEY needs at least {MIN_PSEUDONYM_KEY_HEX} hex digits")
    return key


def _refuse_weak_secret_key(key: str) -> None:
    if key.startswith("django-insecure"):
        raise ImproperlyConfigured("Refusing to start in production with a default secret key")
    if len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < MIN_SECRET_KEY_CHARACTERS:
        raise ImproperlyConfigured(
            f"Refusing to start in production with a weak ENVOL_SECRET_KEY: it needs at least "
            f"{MIN_SECRET_KEY_LENGTH} characters, {MIN_SECRET_KEY_CHARACTERS} of them different "
            "(for instance: python -c 'import secrets; print(secrets.token_urlsafe(50))')"
        )


def _refuse_malformed_token_keys(keys: tuple[str, ...]) -> None:
    """Every key must be a Fernet key now, not at the first token stored or read."""
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError) as exc:
            raise ImproperlyConfigured(
                f"Refusing to start: key {position} of ENVOL_TOKEN_KEYS is not a Fernet key "
                "(32 url-safe base64-encoded bytes; for instance: python -c 'from cryptography.fernet "
                "import Fernet; print(Fernet.generate_key().decode())')"
            ) from exc


def load_keys(*, production: bool, data_dir: Path) -> Keys:
    """The keys from the environment; in development, missing ones come from the dev-secrets file."""
    values = {
        "ENVOL_SECRET_KEY": CONFIG.secret_key,
        "ENVOL_TOKEN_KEYS": ",".join(CONFIG.token_keys),
        "ENVOL_PSEUDONYM_KEY": CONFIG.pseudonym_key,
    }
    missing = [name for name, value in values.items() if not value]
    if missing and production:
        raise ImproperlyConfigured(
            "Refusing to start in production without " + ", ".join(missing) + " (see docs/configuration.md)"
        )
    if missing:
        fallback = _dev_secrets(data_dir)
        values.update({name: fallback[name] for name in missing})
    if production:
        _refuse_weak_secret_key(values["ENVOL_SECRET_KEY"])
    token_keys = CONFIG.token_keys or (values["ENVOL_TOKEN_KEYS"],)
    _refuse_malformed_token_keys(token_keys)
    bluesky_keys = CONFIG.bluesky_client_keys
    if not bluesky_keys and not production:
        bluesky_keys = (_dev_secrets(data_dir)["ENVOL_BLUESKY_CLIENT_KEYS"],)
    return Keys(
        secret_key=values["ENVOL_SECRET_KEY"],
        token_keys=token_keys,
        pseudonym_key=_pseudonym_key(values["ENVOL_PSEUDONYM_KEY"]),
        bluesky_client_keys=bluesky_keys,
    )
