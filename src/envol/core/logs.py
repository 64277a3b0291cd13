"""Structured logs: one JSON object a line in production, readable text in development.

Records never carry request bodies, IP addresses or X ids: only what an operator needs to see
that the service works (routes, statuses, durations, counts). Nor do they carry other people's
handles: httpx's own INFO line is the full URL of each outbound request (`…/lookup?acct=…`, a
third party's address), so httpx and httpcore log warnings only; and the request log writes the
route a request matched (`media/confirm/<str:token>/`), never a path that holds a token.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

# Attributes every LogRecord has; anything else was passed through ``extra=`` and is kept.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def logged_path(request: Any) -> str:
    """What a log says of a request's path: the route it matched, its parameters unfilled
    (`/media/confirm/<str:token>/`: a confirmation token is a password for one declaration), or, for
    a path no route matched, its first segment only (a mistyped link may still hold a token)."""
    match = getattr(request, "resolver_match", None)
    if match is not None and match.route:
        return "/" + str(match.route).lstrip("^").rstrip("$")
    first = str(getattr(request, "path", "")).strip("/").partition("/")[0]
    return f"/{first[:40]}/…" if first else "/"


class RouteOnly(logging.Filter):
    """Django's own request logs (`django.request`: "Not Found: /path", "Internal Server Error: /path";
    `django.security.csrf`: "Forbidden (CSRF token missing.): /path") get the route instead of the
    path, and lose the request object, which a JSON line would print whole (URL included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if request is not None:
            if isinstance(record.args, tuple) and len(record.args) == 2:
                record.args = (record.args[0], logged_path(request))
            delattr(record, "request")
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                payload[key] = value
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str, ensure_ascii=False)


def logging_config(*, json_format: bool, level: str) -> dict[str, Any]:
    formatter = "json" if json_format else "text"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {"()": JsonFormatter},
            "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        },
        "filters": {"route_only": {"()": RouteOnly}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": formatter}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Our request log replaces Django's and uvicorn's access lines (which carry client IPs).
            "django.server": {"level": "WARNING"},
            "uvicorn.access": {"level": "WARNING"},
            # Their INFO lines are outbound URLs, queries included: other people's handles.
            "httpx": {"level": "WARNING"},
            "httpcore": {"level": "WARNING"},
            # On the loggers themselves: the record is changed before any handler sees it.
            "django.request": {"filters": ["route_only"]},
            "django.security.csrf": {"filters": ["route_only"]},
        },
    }
