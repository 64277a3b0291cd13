"""Canonical platform errors: the only errors that leave ``platforms/<name>/``.

Connectors never sleep or retry inside a call; they raise one of these and the engine decides.
"""

from __future__ import annotations

from datetime import datetime


class PlatformError(Exception):
    """Base of every error a connector raises."""

    def __init__(self, message: str = "", *, status: int | None = None, code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        # A stable, platform-neutral name for what happened (e.g. ``follow_limit``), so that callers
        # can explain it to people without parsing a platform's wording.
        self.code = code


class RateLimited(PlatformError):
    """The platform refuses more calls until ``retry_at`` (UTC)."""

    def __init__(self, message: str = "", *, retry_at: datetime, status: int | None = 429) -> None:
        super().__init__(message, status=status)
        self.retry_at = retry_at


class NotFound(PlatformError):
    """The target (account, handle, record) does not exist or is gone for good."""


class AuthExpired(PlatformError):
    """The stored authorisation no longer works: the person must sign in again."""


class Transient(PlatformError):
    """A passing fault (network, 5xx): the same call may succeed later."""


class Rejected(PlatformError):
    """The platform refused this request for good (validation, policy, limit such as 7,500 follows)."""
