"""What an app-password session's access token says about itself (its scope and expiry).

The PDS signs these JWTs with its own secret: Envol cannot verify them and does not need to (the
PDS checks them on every call). Reading their claims only tells Envol two things the
``createSession`` answer does not: whether the person typed an app password or their main password
(scope ``com.atproto.appPass`` or ``com.atproto.access``), and when the token runs out.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from envol.platforms.bluesky.oauth.jose import b64url_decode

APP_PASSWORD_SCOPES = frozenset({"com.atproto.appPass", "com.atproto.appPassPrivileged"})
MAIN_PASSWORD_SCOPE = "com.atproto.access"  # noqa: S105 (a scope name, not a secret)


def claims(jwt: str) -> dict[str, Any]:
    try:
        payload = json.loads(b64url_decode(jwt.split(".")[1]))
    except (IndexError, ValueError):
        return {}
    return payload if isinstance(payload, dict) else {}


def made_with_main_password(access_jwt: str) -> bool:
    return claims(access_jwt).get("scope") == MAIN_PASSWORD_SCOPE


def expires_at(jwt: str) -> datetime | None:
    exp = claims(jwt).get("exp")
    return datetime.fromtimestamp(exp, UTC) if isinstance(exp, int) else None
