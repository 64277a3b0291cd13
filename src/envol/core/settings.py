"""Django settings for Envol. Operators change behaviour through environment variables only:
each one is declared and documented in envol.core.config (and docs/configuration.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import dj_database_url
from django.utils.translation import gettext_lazy as _

from envol.core.cache import cache_config
from envol.core.config import CONFIG, validate
from envol.core.dbpool import check_connection
from envol.core.logs import logging_config
from envol.core.sandbox import refuse_sandbox_in_production
from envol.core.secrets import load_keys
from envol.core.security import CONTENT_SECURITY_POLICY

# Every Envol setting is checked here, at start-up: a bad value stops the process naming the variable.
validate()
refuse_sandbox_in_production()

SRC_DIR = Path(__file__).resolve().parent.parent
PRODUCTION = CONFIG.env == "production"
DATA_DIR = Path(CONFIG.data_dir).resolve()

KEYS = load_keys(production=PRODUCTION, data_dir=DATA_DIR)
SECRET_KEY = KEYS.secret_key
DEBUG = CONFIG.debug and not PRODUCTION
ALLOWED_HOSTS = list(CONFIG.allowed_hosts)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "envol.core.third_party.TasksConfig",  # django_tasks_db, with its name translated
    "envol.core",
    "envol.registry",
    "envol.signin",
    "envol.archive",
    "envol.graph",
    "envol.privacy",
    "envol.media",
    "envol.stats",
    "envol.reconnect",
    "envol.matching",
    "envol.sandbox",
    "envol.web",
]

MIDDLEWARE = [
    "envol.core.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "envol.core.middleware.SecurityHeadersMiddleware",  # before WhiteNoise: static files get the headers too
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "envol.core.prefetch.PrefetchMiddleware",  # before anything reads the session
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "envol.core.middleware.ReadableInputMiddleware",  # after locale: its page is in the visitor's language
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "envol.core.middleware.RateLimitMiddleware",  # after sessions (who is signed in) and locale (its page)
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "envol.privacy.activity.ActivityMiddleware",
]

ROOT_URLCONF = "envol.core.urls"
ASGI_APPLICATION = "envol.core.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "envol.web.context_processors.site",
                "envol.web.context_processors.person",
                "envol.media.campaign.campaign",
                "envol.matching.context_processors.new_people",
                "envol.signin.context_processors.findable",
                "envol.sandbox.context_processors.sandbox",
            ],
        },
    },
]


def _database() -> dict[str, Any]:
    url = CONFIG.database_url or f"sqlite:///{DATA_DIR / 'envol.sqlite3'}"
    config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=0, conn_health_checks=True))
    if "postgresql" in config["ENGINE"]:
        # Under Django's own ASGI handler each request ran in a thread of its own, so a persistent
        # connection per thread meant one per concurrent request, without bound: 50 clients
        # exhausted a server's 100. The request threads are a fixed pool now (core/synchandler.py),
        # but psycopg's pool still bounds what one process holds (its request threads, the
        # in-process worker's, a command's) and reuses them; Django requires CONN_MAX_AGE=0 with
        # it (a connection goes back to the pool when the request ends). The pool checks a
        # connection before lending it, asking the server only when the socket says something
        # happened meanwhile (core/dbpool.py, decision 0033).
        config["OPTIONS"] = {
            **config.get("OPTIONS", {}),
            "pool": {
                "min_size": 1,
                "max_size": CONFIG.db_pool_size,
                "timeout": CONFIG.db_pool_timeout,
                "check": check_connection,
            },
        }
        if CONFIG.db_prepare_threshold:
            # Parameters bound on the server, so that psycopg can prepare what repeats (decision 0030).
            config["OPTIONS"]["server_side_binding"] = True
            config["OPTIONS"]["prepare_threshold"] = CONFIG.db_prepare_threshold
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # One file shared by the web threads and the in-process worker: WAL lets readers go on
        # while one writer commits, IMMEDIATE takes the write lock up front (no upgrade deadlocks).
        # Persistent: the web server's request threads are a fixed pool (core/synchandler.py), and
        # a new connection reads the schema again (about 1 ms of CPU per request).
        config["CONN_MAX_AGE"] = None
        config["OPTIONS"] = {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        # A file, not Django's shared-cache memory database: tests run the worker in threads, and
        # shared-cache SQLite answers "table is locked" at once instead of waiting for the lock.
        config["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
    return config


DATABASES = {"default": _database()}


def _mailer(url: str) -> dict[str, Any]:
    """Django's default mailer from ENVOL_EMAIL_URL (tests swap it for the locmem outbox)."""
    parts = urlsplit(url or "console:")
    if parts.scheme == "console":
        return {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme not in {"smtp", "smtps"}:
        raise ValueError("ENVOL_EMAIL_URL must start with smtp://, smtps:// or console:")
    return {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": parts.hostname or "localhost",
            "port": parts.port or (465 if parts.scheme == "smtps" else 587),
            "username": unquote(parts.username or ""),
            "password": unquote(parts.password or ""),
            "use_ssl": parts.scheme == "smtps",
            "use_tls": parts.scheme == "smtp",
            "timeout": 20,
        },
    }


MAILERS = {"default": _mailer(CONFIG.email_url)}
DEFAULT_FROM_EMAIL = CONFIG.email_from

CACHES = {"default": cache_config(CONFIG.cache, DATABASES["default"]["ENGINE"])}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [SRC_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True
# Numbers are grouped explicitly (the `intcomma` filter of django.contrib.humanize), never by
# USE_THOUSAND_SEPARATOR, which would also group the ids written into forms and links. French groups
# with a narrow no-break space, as French typography wants (envol/core/formats/fr/formats.py).
FORMAT_MODULE_PATH = ["envol.core.formats"]

STATIC_URL = "/static/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Uploaded archives go straight to temporary files under the data folder (never into memory); the
# request deletes them when it ends.
# Owner-only, named after their process, deleted at start-up when that process is gone (archive.uploads).
FILE_UPLOAD_HANDLERS = ["envol.archive.uploads.PrivateUploadHandler"]
FILE_UPLOAD_TEMP_DIR = str(DATA_DIR / "uploads")
(DATA_DIR / "uploads").mkdir(
    mode=0o700, parents=True, exist_ok=True
)  # serve straight from the apps' static folders: no collectstatic step

# Security headers and cookies: docs/decisions/0011-security-headers-and-limits.md.
SECURE_CSP = CONTENT_SECURITY_POLICY
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"  # no referrer ever leaves for a platform
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Lax: the OAuth callbacks from X and Mastodon are top-level GET navigations, which Lax lets through.
SESSION_COOKIE_HTTPONLY = True
# Django's database sessions, read with one written-out statement (envol.core.sessions).
SESSION_ENGINE = "envol.core.sessions"
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PRODUCTION
# HttpOnly everywhere, so that scripts written in development already read the token from the
# form's hidden input, as they must in production.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = PRODUCTION
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = PRODUCTION
if PRODUCTION:
    # Behind a TLS-terminating proxy: plain HTTP is redirected, except /healthz, which load
    # balancers call on the private side.
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    _PROXY_SSL_HEADER = CONFIG.proxy_ssl_header
    if _PROXY_SSL_HEADER:
        SECURE_PROXY_SSL_HEADER = ("HTTP_" + _PROXY_SSL_HEADER.upper().replace("-", "_"), "https")
    SECURE_HSTS_SECONDS = CONFIG.hsts_seconds
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Preloading binds the whole registrable domain (every sibling site of the operator's) into
    # browsers for months: the domain's owner decides that, not the application.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]

LOGGING = logging_config(
    json_format=(CONFIG.log_format or ("json" if PRODUCTION else "text")) == "json",
    level=CONFIG.log_level,
)

# Envol's own settings are read through envol.core.config.CONFIG, not from here.
