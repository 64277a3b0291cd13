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
        "ENVOL_RECONNECT_LEASE_SECONDS",
        "120",
        "How long a worker holds an account it drives; a run stops after a third of it and renews it "
        "before every write. A dead worker's accounts are released by the others two heartbeats after "
        "its last one; outside Envol's workers (a broker), once the lease ran out.",
    ),
    Setting(
        "ENVOL_RECONNECT_RETRY_SECONDS",
        "30",
        "First wait after a passing fault (network, 5xx) on an account; it doubles with each further "
        "fault, up to an hour, with ±50 % jitter.",
    ),
    Setting(
        "ENVOL_RECONNECT_LIMITS",
        "published",
        "`published`: pace follows by the platforms' published rate limits, corrected by what servers "
        "announce. `announced`: only by what servers announce in their headers and 429s (a self-hosted "
        "server with its limits off, tests, benchmarks). Never `announced` against public servers.",
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
        "ENVOL_MATCHING_REFRESH_HOURS",
        "24",
        "Hours between two full recomputations of everyone's candidates (a repair: links and imports "
        "already update the persons concerned within seconds).",
    ),
    Setting(
        "ENVOL_BRIDGY_BLUESKY_DOMAIN",
        "bsky.brid.gy",
        "Bridgy Fed's domain for Bluesky accounts seen from the fediverse (`handle@bsky.brid.gy`).",
    ),
    Setting(
        "ENVOL_BRIDGY_FEDIVERSE_DOMAIN",
        "ap.brid.gy",
        "Bridgy Fed's domain for fediverse accounts seen from Bluesky (`user.instance.ap.brid.gy`).",
    ),
    Setting(
        "ENVOL_BRIDGY_URLS",
        "",
        "Comma-separated `domain=URL` pairs that send Envol's Bridgy Fed lookups for a bridge domain to "
        "another address (tests and closed networks, with `ENVOL_ALLOW_PRIVATE_HOSTS`).",
    ),
    Setting(
        "ENVOL_BRIDGY_CACHE_HOURS",
        "72",
        "How long a Bridgy Fed lookup (is this account bridged?) is trusted before it is asked again.",
    ),
    Setting(
        "ENVOL_PROFILE_CACHE_HOURS",
        "168",
        "How long a cached display name and avatar of a candidate is kept before it is fetched again.",
    ),
    Setting(
        "ENVOL_EMAIL_URL",
        "",
        "Where Envol sends e-mail (the media directory's confirmation links): "
        "`smtp://user:password@host:587` (STARTTLS), `smtps://user:password@host:465` (TLS), or "
        "`console:` (printed on standard output). Empty: `console:`, for development.",
    ),
    Setting(
        "ENVOL_EMAIL_FROM",
        "envol@localhost",
        "The sender address of the e-mail Envol sends (media confirmation links, the warning before "
        "an erasure for inactivity), through `ENVOL_EMAIL_URL`.",
    ),
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
        "ENVOL_BLUESKY_PLC_URL",
        "https://plc.directory",
        "The PLC directory that `did:plc` identities are read from.",
    ),
    Setting(
        "ENVOL_BLUESKY_RESOLVER_URL",
        "https://public.api.bsky.app",
        "A service answering `com.atproto.identity.resolveHandle`, asked when a handle's own "
        "`https://<handle>/.well-known/atproto-did` does not answer (handles published in DNS).",
    ),
    Setting(
        "ENVOL_BLUESKY_CLIENT_KEYS",
        "",
        "Comma-separated ES256 private keys (base64url P-256 scalars) of Envol's confidential "
        "Bluesky OAuth client; the first signs, all are published in the JWKS (rotation). "
        "Generated into `ENVOL_DATA_DIR/dev-secrets.json` in development. Empty in production: "
        "Bluesky OAuth is off and only app passwords are offered.",
    ),
    Setting(
        "ENVOL_BLUESKY_OAUTH_CLIENT",
        "auto",
        "`confidential` (client-metadata document and JWKS served by Envol, `private_key_jwt`), "
        "`loopback` (development client `http://localhost?…`, callbacks on 127.0.0.1 only) or "
        "`auto`: loopback when Envol's address is `http://127.0.0.1`, confidential otherwise.",
    ),
    Setting(
        "ENVOL_BLUESKY_APPVIEW_URL",
        "https://public.api.bsky.app",
        "The Bluesky AppView that profiles (display name, avatar, labels) are read from.",
    ),
    Setting(
        "ENVOL_RETENTION_EDGES_DAYS",
        "30",
        "Days after a person declares their migration complete before their X lists (edges) are deleted.",
    ),
    Setting(
        "ENVOL_RETENTION_INACTIVE_DAYS",
        "730",
        "Days without any visit after which a person is warned that their data will be erased.",
    ),
    Setting(
        "ENVOL_RETENTION_GRACE_DAYS",
        "30",
        "Days between that warning and the erasure, unless the person comes back.",
    ),
    Setting(
        "ENVOL_ERASURE_UNDO_DEADLINE_DAYS",
        "7",
        "When a person asks Envol to remove the follows it made before erasing them, the erasure waits "
        "for that undo (it goes at the networks' pace); after this many days it happens anyway.",
    ),
    Setting(
        "ENVOL_UPLOAD_STALE_MINUTES",
        "60",
        "Temporary upload files older than this are deleted by the retention task (a request deletes "
        "its own files when it ends; only a killed process leaves some behind).",
    ),
    Setting(
        "ENVOL_DRIVE_RUN_RETENTION_DAYS",
        "90",
        "Days the reconnection engine's run log (one row per run per account: when, how many follows "
        "and requests, how it ended) is kept; older runs are deleted by the retention task.",
    ),
    Setting(
        "ENVOL_RETENTION_INTERVAL_HOURS",
        "24",
        "How often the retention task runs (edges, inactive persons, pending erasures, stale uploads, "
        "old engine runs).",
    ),
    Setting(
        "ENVOL_BROWSER_UPLOAD_MAX_BYTES",
        "1073741824",
        "Largest compact upload (ids read in the browser, compressed) the service accepts, in bytes. "
        "Ten million ids take about 40 MB.",
    ),
    Setting(
        "ENVOL_BROWSER_UPLOAD_MAX_IDS",
        "250000000",
        "Most follower and following ids one browser upload may hold (the server keeps 8 bytes per id "
        "while it stores them).",
    ),
    Setting(
        "ENVOL_EDGE_PARTITION_MIN_EDGES",
        "1000000",
        "PostgreSQL: an archive import with at least this many edges (followers plus following) gets "
        "a partition of its own, loaded without an index and indexed once (about 2× faster for 10 M); "
        "each such partition adds one index probe to every lookup of the graph (decision 0003).",
    ),
    Setting(
        "ENVOL_CACHE",
        "",
        "Where Django's cache (the rate-limit counters) lives: `memory` (one process) or `database` "
        "(a table shared by every process, created by `envol migrate`). Empty: `database` on "
        "PostgreSQL, `memory` on SQLite.",
    ),
    Setting(
        "ENVOL_RATE_LIMIT_SIGN_IN",
        "60/600",
        "`COUNT/SECONDS`: sign-in attempts (every POST under `/sign-in/`) allowed per client address, "
        "and per signed-in person, in each window; more get 429 with Retry-After.",
    ),
    Setting(
        "ENVOL_RATE_LIMIT_UPLOAD",
        "30/3600",
        "`COUNT/SECONDS`: archive uploads (every POST under `/archive/`) allowed per client address, "
        "and per person, in each window.",
    ),
    Setting(
        "ENVOL_HSTS_SECONDS",
        "31536000",
        "Production only: how long browsers must reach this host over HTTPS only "
        "(Strict-Transport-Security, subdomains included). Start lower (e.g. `3600`) while trying TLS out.",
    ),
    Setting(
        "ENVOL_PROXY_SSL_HEADER",
        "X-Forwarded-Proto",
        "Production only: the header by which the TLS-terminating proxy says a request came over "
        "HTTPS (value `https`); plain-HTTP requests are redirected. Empty: trust only the scheme the "
        "server itself reports.",
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
