"""Every setting an operator can change, read from the environment: the one place each is declared,
documented (``help``, and docs/configuration.md, which a test keeps in step) and typed (its parser).

``CONFIG.<name>`` is the typed value of ``ENVOL_<NAME>`` (``DATABASE_URL`` is ``database_url``). A
read goes to the environment each time, through the setting's parser (a parsed value is reused while
the text is the same), so that tests and benches change a setting with the environment alone.
``validate`` reads every setting once when Django's settings load: a bad value stops start-up with
one error naming each bad variable, instead of a failure later in a page or a task. See
docs/decisions/0016-settings-object.md.
"""

from __future__ import annotations

from typing import Any

from envol.core.config_limits import RetentionAndLimits
from envol.core.config_pacing import PacingSettings
from envol.core.config_parse import (
    addresses_by_domain,
    at_least_zero,
    choice,
    flag,
    mail_url,
    positive,
    rate,
    start_moment,
    text,
    web_address,
    whole,
    words,
)
from envol.core.setting import Setting, SettingError

__all__ = ["CONFIG", "SETTINGS", "Config", "Setting", "SettingError", "validate"]


class Config(RetentionAndLimits, PacingSettings):
    """The settings, by name. Use the one instance, ``CONFIG``."""

    env = Setting(
        "ENVOL_ENV",
        "development",
        "`development` or `production`. Production refuses to start "
        "without its secret key, token-encryption keys and pseudonym key.",
        choice("development", "production"),
    )
    secret_key = Setting(
        "ENVOL_SECRET_KEY",
        "",
        "Django's secret key (sessions, CSRF). Generated and kept in "
        "`ENVOL_DATA_DIR/dev-secrets.json` in development; required in production, where a key "
        "shorter than 50 characters or with fewer than 5 different ones is refused at start-up.",
        text,
    )
    token_keys = Setting(
        "ENVOL_TOKEN_KEYS",
        "",
        "Comma-separated Fernet keys that encrypt platform tokens at rest; "
        "the first encrypts, all decrypt (rotation). Required in production; a malformed key "
        "is refused at start-up.",
        words,
    )
    pseudonym_key = Setting(
        "ENVOL_PSEUDONYM_KEY",
        "",
        "Hex key (at least 32 hex digits) of the keyed pseudonym applied to "
        "X ids. Never stored in the database. Required in production.",
        text,
    )
    database_url = Setting(
        "DATABASE_URL",
        "",
        "Database URL. Empty: a SQLite file `envol.sqlite3` in `ENVOL_DATA_DIR`. "
        "Production: `postgres://user@host:5432/name`.",
        text,
    )
    data_dir = Setting(
        "ENVOL_DATA_DIR",
        "var",
        "Folder for the SQLite file, development secrets and temporary uploads.",
        text,
    )
    allowed_hosts = Setting(
        "ENVOL_ALLOWED_HOSTS",
        "127.0.0.1,localhost",
        "Comma-separated host names the service answers to.",
        words,
    )
    debug = Setting(
        "ENVOL_DEBUG", "", "`1` shows Django's debug pages (development only; ignored in production).", flag
    )
    sandbox = Setting(
        "ENVOL_SANDBOX",
        "auto",
        "The sandbox at `/sandbox/`: X, Bluesky and Mastodon simulated inside Envol, a sample archive "
        "and simulated people, to try the whole journey on a laptop (decision 0024). `auto`: on in "
        "development, off in production; `on`: on (production refuses to start with it); `off`: off.",
        choice("auto", "on", "off"),
    )
    log_format = Setting(
        "ENVOL_LOG_FORMAT",
        "",
        "`json` (one JSON object a line) or `text`. Default: json in production, text in development.",
        choice("", "json", "text"),
    )
    log_level = Setting(
        "ENVOL_LOG_LEVEL",
        "INFO",
        "Minimum level of log records: DEBUG, INFO, WARNING, ERROR.",
        choice("DEBUG", "INFO", "WARNING", "ERROR", case=str.upper),
    )
    reconnect_from = Setting(
        "ENVOL_RECONNECT_FROM",
        "",
        "When automatic reconnection starts; the pages announce its day. `YYYY-MM-DD` (midnight UTC) or "
        "an ISO date-time (`2027-01-20T09:00`, UTC unless it gives an offset such as `+01:00`). Empty: not "
        "scheduled yet.",
        start_moment,
    )
    reconnect_lease_seconds = Setting(
        "ENVOL_RECONNECT_LEASE_SECONDS",
        "120",
        "How long a worker holds an account it drives; a run stops after a third of it and renews it "
        "before every write. A dead worker's accounts are released by the others two heartbeats after "
        "its last one; outside Envol's workers (a broker), once the lease ran out.",
        positive,
    )
    reconnect_retry_seconds = Setting(
        "ENVOL_RECONNECT_RETRY_SECONDS",
        "30",
        "First wait after a passing fault (network, 5xx) on an account; it doubles with each further "
        "fault, up to an hour, with ±50 % jitter.",
        positive,
    )
    reconnect_limits = Setting(
        "ENVOL_RECONNECT_LIMITS",
        "published",
        "`published`: pace follows by the platforms' published rate limits, corrected by what servers "
        "announce. `announced`: only by what servers announce in their headers and 429s (a self-hosted "
        "server with its limits off, tests, benchmarks). Never `announced` against public servers.",
        choice("published", "announced"),
    )
    operator_name = Setting(
        "ENVOL_OPERATOR_NAME",
        "",
        "Who runs this instance (legal notice). Empty: the notice says it is not configured.",
        text,
    )
    operator_address = Setting(
        "ENVOL_OPERATOR_ADDRESS", "", "Postal address of the operator (legal notice).", text
    )
    contact_email = Setting(
        "ENVOL_CONTACT_EMAIL",
        "",
        "Address for questions and data-protection requests (legal notice, privacy page).",
        text,
    )
    hosting_provider = Setting(
        "ENVOL_HOSTING_PROVIDER", "", "Name and address of the hosting provider (legal notice).", text
    )
    allow_private_hosts = Setting(
        "ENVOL_ALLOW_PRIVATE_HOSTS",
        "",
        "`1` lets Envol call platform servers on private, loopback or link-local addresses "
        "(tests, closed networks). Never on a public deployment.",
        flag,
    )
    extra_ca_bundle = Setting(
        "ENVOL_EXTRA_CA_BUNDLE",
        "",
        "Path of a PEM file of certificate authorities Envol trusts for platform servers in addition "
        "to the public ones (certifi): a closed network's private CA, tests. Empty: the public ones only.",
        text,
    )
    public_url = Setting(
        "ENVOL_PUBLIC_URL",
        "",
        "The address people reach this instance at (e.g. `https://envol.example`), used to build "
        "the sign-in callback URLs registered with X and Mastodon. Empty: taken from each request.",
        web_address,
    )
    x_client_id = Setting(
        "ENVOL_X_CLIENT_ID",
        "",
        "Client id of this instance's app in X's developer portal. Empty: sign-in with X is off "
        "and the sign-in page says so.",
        text,
    )
    x_client_secret = Setting(
        "ENVOL_X_CLIENT_SECRET",
        "",
        "Client secret of the X app (confidential client). Empty: a public client.",
        text,
    )
    x_authorize_url = Setting(
        "ENVOL_X_AUTHORIZE_URL",
        "https://x.com/i/oauth2/authorize",
        "X's OAuth 2.0 authorization page.",
        web_address,
    )
    x_token_url = Setting(
        "ENVOL_X_TOKEN_URL", "https://api.x.com/2/oauth2/token", "X's OAuth 2.0 token endpoint.", web_address
    )
    x_revoke_url = Setting(
        "ENVOL_X_REVOKE_URL",
        "https://api.x.com/2/oauth2/revoke",
        "X's OAuth 2.0 revocation endpoint.",
        web_address,
    )
    x_api_url = Setting(
        "ENVOL_X_API_URL", "https://api.x.com/2", "Base URL of X's API (for `users/me`).", web_address
    )
    mastodon_instance_urls = Setting(
        "ENVOL_MASTODON_INSTANCE_URLS",
        "",
        "Comma-separated `domain=URL` pairs that send Envol to a given address for a Mastodon "
        "domain (tests and closed networks, with `ENVOL_ALLOW_PRIVATE_HOSTS`). Never on a public deployment.",
        addresses_by_domain,
    )
    matching_refresh_hours = Setting(
        "ENVOL_MATCHING_REFRESH_HOURS",
        "24",
        "Hours between two full recomputations of everyone's candidates (a repair: links and imports "
        "already update the persons concerned within seconds); also between two re-plannings of the "
        "blocks of everyone who asked Envol to carry their X blocks over (`reconnect.blocks`, decision "
        "0026).",
        positive,
    )
    matching_uncorroborated_limit = Setting(
        "ENVOL_MATCHING_UNCORROBORATED_LIMIT",
        "2000",
        "How many people one person can ever be shown whom only that person's own archive links to "
        "them (no archive of theirs says so): bounds what a forged list of ids can reveal "
        "(docs/decisions/0019-who-can-find-me.md).",
        whole(minimum=0),
    )
    bridgy_bluesky_domain = Setting(
        "ENVOL_BRIDGY_BLUESKY_DOMAIN",
        "bsky.brid.gy",
        "Bridgy Fed's domain for Bluesky accounts seen from the fediverse (`handle@bsky.brid.gy`).",
        text,
    )
    bridgy_fediverse_domain = Setting(
        "ENVOL_BRIDGY_FEDIVERSE_DOMAIN",
        "ap.brid.gy",
        "Bridgy Fed's domain for fediverse accounts seen from Bluesky (`user.instance.ap.brid.gy`).",
        text,
    )
    bridgy_urls = Setting(
        "ENVOL_BRIDGY_URLS",
        "",
        "Comma-separated `domain=URL` pairs that send Envol's Bridgy Fed lookups for a bridge domain to "
        "another address (tests and closed networks, with `ENVOL_ALLOW_PRIVATE_HOSTS`).",
        addresses_by_domain,
    )
    bridgy_cache_hours = Setting(
        "ENVOL_BRIDGY_CACHE_HOURS",
        "72",
        "How long a Bridgy Fed lookup (is this account bridged?) is trusted before it is asked again.",
        at_least_zero,
    )
    profile_cache_hours = Setting(
        "ENVOL_PROFILE_CACHE_HOURS",
        "168",
        "How long a cached display name and avatar of a candidate is kept before it is fetched again.",
        at_least_zero,
    )
    email_url = Setting(
        "ENVOL_EMAIL_URL",
        "",
        "Where Envol sends e-mail (the media directory's confirmation links): "
        "`smtp://user:password@host:587` (STARTTLS), `smtps://user:password@host:465` (TLS), or "
        "`console:` (printed on standard output). Empty: `console:`, for development.",
        mail_url,
    )
    email_from = Setting(
        "ENVOL_EMAIL_FROM",
        "envol@localhost",
        "The sender address of the e-mail Envol sends (media confirmation links, the warning before "
        "an erasure for inactivity), through `ENVOL_EMAIL_URL`.",
        text,
    )
    campaign_mastodon = Setting(
        "ENVOL_CAMPAIGN_MASTODON",
        "",
        "The campaign's own Mastodon account, in any written form (`@name@instance`); shown as "
        '"follow us" on every page. Empty: not shown.',
        text,
    )
    campaign_bluesky = Setting(
        "ENVOL_CAMPAIGN_BLUESKY",
        "",
        'The campaign\'s own Bluesky account (handle, DID or profile link); shown as "follow us" '
        "on every page. Empty: not shown.",
        text,
    )
    campaign_x = Setting(
        "ENVOL_CAMPAIGN_X",
        "",
        'The campaign\'s own X account (`@name` or profile link); shown as "follow us" on every page. '
        "Empty: not shown.",
        text,
    )
    figures_every_minutes = Setting(
        "ENVOL_FIGURES_EVERY_MINUTES",
        "60",
        "How often a worker counts the public figures and the media outlets' figures (and applies "
        "the media declarations' retention).",
        positive,
    )
    bluesky_plc_url = Setting(
        "ENVOL_BLUESKY_PLC_URL",
        "https://plc.directory",
        "The PLC directory that `did:plc` identities are read from.",
        web_address,
    )
    bluesky_resolver_url = Setting(
        "ENVOL_BLUESKY_RESOLVER_URL",
        "https://public.api.bsky.app",
        "A service answering `com.atproto.identity.resolveHandle`, asked when a handle's own "
        "`https://<handle>/.well-known/atproto-did` does not answer (handles published in DNS).",
        web_address,
    )
    bluesky_client_keys = Setting(
        "ENVOL_BLUESKY_CLIENT_KEYS",
        "",
        "Comma-separated ES256 private keys (base64url P-256 scalars) of Envol's confidential "
        "Bluesky OAuth client; the first signs, all are published in the JWKS (rotation). "
        "Generated into `ENVOL_DATA_DIR/dev-secrets.json` in development. Empty in production: "
        "Bluesky OAuth is off and only app passwords are offered.",
        words,
    )
    bluesky_oauth_client = Setting(
        "ENVOL_BLUESKY_OAUTH_CLIENT",
        "auto",
        "`confidential` (client-metadata document and JWKS served by Envol, `private_key_jwt`), "
        "`loopback` (development client `http://localhost?…`, callbacks on 127.0.0.1 only) or "
        "`auto`: loopback when Envol's address is `http://127.0.0.1`, confidential otherwise.",
        choice("auto", "confidential", "loopback"),
    )
    bluesky_appview_url = Setting(
        "ENVOL_BLUESKY_APPVIEW_URL",
        "https://public.api.bsky.app",
        "The Bluesky AppView that profiles (display name, avatar, labels) are read from.",
        web_address,
    )
    cache = Setting(
        "ENVOL_CACHE",
        "",
        "Where Django's cache (the rate-limit counters) lives: `memory` (one process) or `database` "
        "(a table shared by every process, created by `envol migrate`). Empty: `database` on "
        "PostgreSQL, `memory` on SQLite.",
        choice("", "memory", "database"),
    )
    db_pool_size = Setting(
        "ENVOL_DB_POOL_SIZE",
        "10",
        "PostgreSQL: most database connections one process (each `envol run` worker, each "
        "`envol worker`) holds, in psycopg's pool; a request holds one while it runs and gives it "
        "back when it ends. Size it so that processes × this stays under the server's "
        "`max_connections` (docs/operations.md).",
        whole(minimum=1),
    )
    db_prepare_threshold = Setting(
        "ENVOL_DB_PREPARE_THRESHOLD",
        "5",
        "PostgreSQL: a statement run more than this many times on one connection is prepared on the "
        "server (parsed and planned once, then reused); 0 sends every statement as text, as a "
        "connection pooler in transaction mode requires unless it keeps prepared statements "
        "(PgBouncer before 1.21, or without `max_prepared_statements`). Decision 0030.",
        whole(minimum=0),
    )
    request_threads = Setting(
        "ENVOL_REQUEST_THREADS",
        "8",
        "Threads each web process (`envol run`) serves requests with; more requests wait their "
        "turn. A request that waits on another server (a sign-in's Mastodon or Bluesky server, the "
        "mail server) keeps its thread meanwhile, so this bounds how many such waits one process "
        "carries at once. Each thread holds one database connection while its request runs: on "
        "PostgreSQL keep this under `ENVOL_DB_POOL_SIZE`.",
        whole(minimum=1),
    )
    requests_at_once = Setting(
        "ENVOL_REQUESTS_AT_ONCE",
        "2",
        "Requests each web process runs at the same time; the others wait their turn. A request "
        "waiting on another server, reading an upload (uploads have their own bound) or waiting "
        "past 100 ms for SQLite's write lock does not count. More than about one per core costs "
        "CPU per page without serving more (docs/performance.md).",
        whole(minimum=1),
    )
    page_cache = Setting(
        "ENVOL_PAGE_CACHE",
        "on",
        "`on`: each web process keeps the public pages (home, how it works, FAQ, privacy, legal "
        "notice, media directory, figures) in memory for visitors who are not signed in, each "
        "visitor with their own form token (decision 0013). `off`: every page is rendered again.",
        choice("on", "off"),
    )
    page_cache_check_seconds = Setting(
        "ENVOL_PAGE_CACHE_CHECK_SECONDS",
        "1",
        "How often, at most, a web process asks the database whether the media directory or the "
        "figures changed since it kept them: the longest those pages lag behind a change.",
        positive,
    )
    db_pool_timeout = Setting(
        "ENVOL_DB_POOL_TIMEOUT",
        "10",
        "PostgreSQL: seconds a request waits for a free connection of its process's pool before it "
        "fails (500) instead of queueing for ever.",
        positive,
    )
    rate_limit_sign_in = Setting(
        "ENVOL_RATE_LIMIT_SIGN_IN",
        "60/600",
        "`COUNT/SECONDS`: sign-in attempts (every POST under `/sign-in/`) allowed per client address, "
        "and per signed-in person, in each window; more get 429 with Retry-After.",
        rate,
    )
    rate_limit_upload = Setting(
        "ENVOL_RATE_LIMIT_UPLOAD",
        "30/3600",
        "`COUNT/SECONDS`: archive uploads (every POST under `/archive/`) allowed per client address, "
        "and per person, in each window.",
        rate,
    )
    rate_limit_media = Setting(
        "ENVOL_RATE_LIMIT_MEDIA",
        "8/3600",
        "`COUNT/SECONDS`: posts of the media declaration form and of its confirmation (every POST "
        "under `/media/`) allowed per client address in each window. Each declaration sends an "
        "e-mail: this keeps the form from being used to mail many domains.",
        rate,
    )
    hsts_seconds = Setting(
        "ENVOL_HSTS_SECONDS",
        "31536000",
        "Production only: how long browsers must reach this host over HTTPS only "
        "(Strict-Transport-Security, subdomains included). Start lower (e.g. `3600`) while trying TLS out.",
        whole(minimum=0),
    )
    proxy_ssl_header = Setting(
        "ENVOL_PROXY_SSL_HEADER",
        "X-Forwarded-Proto",
        "Production only: the header by which the TLS-terminating proxy says a request came over "
        "HTTPS (value `https`); plain-HTTP requests are redirected. Empty: trust only the scheme the "
        "server itself reports.",
        text,
    )
    heartbeat_seconds = Setting(
        "ENVOL_HEARTBEAT_SECONDS",
        "15",
        "How often a worker records that it is alive and starts the periodic jobs that are due; a "
        "worker silent for two beats is dead (the others release what it held); `/healthz` reports a "
        "worker stale after four missed beats.",
        positive,
    )


CONFIG = Config()
SETTINGS: tuple[Setting[Any], ...] = tuple(
    v for klass in reversed(Config.__mro__) for v in vars(klass).values() if isinstance(v, Setting)
)


def validate() -> None:
    """Read every setting once; raise one SettingError naming every variable whose value is bad."""
    problems = []
    for setting in SETTINGS:
        try:
            setting.read()
        except SettingError as exc:
            problems.append(str(exc))
    if problems:
        raise SettingError("; ".join(problems))
