"""Every setting an operator can change, read from the environment.

Each entry is documented here (``help``) and in docs/configuration.md; a test keeps the two in step
and fails when code reads an ``ENVOL_`` variable that is not declared below.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "ENVOL_ENV",
        "development",
        "`development` or `production`. Production refuses to start "
        "without its secret key, token-encryption keys and pseudonym key.",
    ),
    Setting(
        "ENVOL_SECRET_KEY",
        "",
        "Django's secret key (sessions, CSRF). Generated and kept in "
        "`ENVOL_DATA_DIR/dev-secrets.json` in development; required in production.",
    ),
    Setting(
        "ENVOL_TOKEN_KEYS",
        "",
        "Comma-separated Fernet keys that encrypt platform tokens at rest; "
        "the first encrypts, all decrypt (rotation). Required in production.",
    ),
    Setting(
        "ENVOL_PSEUDONYM_KEY",
        "",
        "Hex key (at least 32 hex digits) of the keyed pseudonym applied to "
        "X ids. Never stored in the database. Required in production.",
    ),
    Setting(
        "DATABASE_URL",
        "",
        "Database URL. Empty: a SQLite file `envol.sqlite3` in `ENVOL_DATA_DIR`. "
        "Production: `postgres://user@host:5432/name`.",
    ),
    Setting(
        "ENVOL_DATA_DIR", "var", "Folder for the SQLite file, development secrets and temporary uploads."
    ),
    Setting(
        "ENVOL_ALLOWED_HOSTS", "127.0.0.1,localhost", "Comma-separated host names the service answers to."
    ),
    Setting("ENVOL_DEBUG", "", "`1` shows Django's debug pages (development only; ignored in production)."),
    Setting(
        "ENVOL_LOG_FORMAT",
        "",
        "`json` (one JSON object a line) or `text`. Default: json in production, text in development.",
    ),
    Setting("ENVOL_LOG_LEVEL", "INFO", "Minimum level of log records: DEBUG, INFO, WARNING, ERROR."),
    Setting(
        "ENVOL_RECONNECT_FROM",
        "",
        "ISO date (e.g. `2027-01-20`) from which automatic reconnection "
        "runs; the pages announce it. Empty: not scheduled yet.",
    ),
    Setting(
        "ENVOL_OPERATOR_NAME",
        "",
        "Who runs this instance (legal notice). Empty: the notice says it is not configured.",
    ),
    Setting("ENVOL_OPERATOR_ADDRESS", "", "Postal address of the operator (legal notice)."),
    Setting(
        "ENVOL_CONTACT_EMAIL",
        "",
        "Address for questions and data-protection requests (legal notice, privacy page).",
    ),
    Setting("ENVOL_HOSTING_PROVIDER", "", "Name and address of the hosting provider (legal notice)."),
    Setting(
        "ENVOL_ALLOW_PRIVATE_HOSTS",
        "",
        "`1` lets Envol call platform servers on private, loopback or link-local addresses "
        "(tests, closed networks). Never on a public deployment.",
    ),
    Setting(
        "ENVOL_PUBLIC_URL",
        "",
        "The address people reach this instance at (e.g. `https://envol.example`), used to build "
        "the sign-in callback URLs registered with X and Mastodon. Empty: taken from each request.",
    ),
    Setting(
        "ENVOL_X_CLIENT_ID",
        "",
        "Client id of this instance's app in X's developer portal. Empty: sign-in with X is off "
        "and the sign-in page says so.",
    ),
    Setting(
        "ENVOL_X_CLIENT_SECRET",
        "",
        "Client secret of the X app (confidential client). Empty: a public client.",
    ),
    Setting("ENVOL_X_AUTHORIZE_URL", "https://x.com/i/oauth2/authorize", "X's OAuth 2.0 authorization page."),
    Setting("ENVOL_X_TOKEN_URL", "https://api.x.com/2/oauth2/token", "X's OAuth 2.0 token endpoint."),
    Setting("ENVOL_X_REVOKE_URL", "https://api.x.com/2/oauth2/revoke", "X's OAuth 2.0 revocation endpoint."),
    Setting("ENVOL_X_API_URL", "https://api.x.com/2", "Base URL of X's API (for `users/me`)."),
    Setting(
        "ENVOL_MASTODON_INSTANCE_URLS",
        "",
        "Comma-separated `domain=URL` pairs that send Envol to a given address for a Mastodon "
        "domain (tests and closed networks, with `ENVOL_ALLOW_PRIVATE_HOSTS`). Never on a public deployment.",
    ),
    Setting(
        "ENVOL_EMAIL_URL",
        "",
        "Where Envol sends e-mail (the media directory's confirmation links): "
        "`smtp://user:password@host:587` (STARTTLS), `smtps://user:password@host:465` (TLS), or "
        "`console:` (printed on standard output). Empty: `console:`, for development.",
    ),
    Setting("ENVOL_EMAIL_FROM", "envol@localhost", "The sender address of the e-mail Envol sends."),
    Setting(
        "ENVOL_CAMPAIGN_MASTODON",
        "",
        "The campaign's own Mastodon account, in any written form (`@name@instance`); shown as "
        '"follow us" on every page. Empty: not shown.',
    ),
    Setting(
        "ENVOL_CAMPAIGN_BLUESKY",
        "",
        'The campaign\'s own Bluesky account (handle, DID or profile link); shown as "follow us" '
        "on every page. Empty: not shown.",
    ),
    Setting(
        "ENVOL_CAMPAIGN_X",
        "",
        'The campaign\'s own X account (`@name` or profile link); shown as "follow us" on every page. '
        "Empty: not shown.",
    ),
    Setting(
        "ENVOL_FIGURES_EVERY_MINUTES",
        "60",
        "How often a worker counts the public figures and the media outlets' figures (and applies "
        "the media declarations' retention).",
    ),
    Setting(
        "ENVOL_HEARTBEAT_SECONDS",
        "15",
        "How often a worker records that it is alive; `/healthz` "
        "reports a worker stale after four missed beats.",
    ),
)

_DEFAULTS = {s.name: s.default for s in SETTINGS}


def env(name: str) -> str:
    """The value of a declared setting (its default when unset or blank)."""
    if name not in _DEFAULTS:
        raise KeyError(f"{name} is not a declared setting (envol.core.config.SETTINGS)")
    value = os.environ.get(name, "").strip()
    return value or _DEFAULTS[name]


def env_flag(name: str) -> bool:
    return env(name).lower() in {"1", "true", "yes", "on"}


def env_list(name: str) -> list[str]:
    return [part.strip() for part in env(name).split(",") if part.strip()]
