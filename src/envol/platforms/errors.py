"""Canonical platform errors: the only errors that leave ``platforms/<name>/``.

Connectors never sleep or retry inside a call; they raise one of these and the engine decides. Each
carries an `ErrorCode`: what the engine stores and what pages explain, so that no message a person
reads ever depends on a class name.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import ClassVar


class ErrorCode(enum.StrEnum):
    """A stable, platform-neutral name for what happened (the values are stored: never rename)."""

    TRANSIENT = "transient"  # a passing fault: network, 5xx
    RATE_LIMITED = "ratelimited"  # the server asked to slow down
    AUTH_EXPIRED = "authexpired"  # the stored authorisation no longer works
    NO_TOKEN = "no_token"  # noqa: S105 (a code, not a secret): no authorisation stored at all
    GONE = "gone"  # the target does not exist (any more)
    REJECTED = "rejected"  # refused for good, for a reason the server did not make clear
    INVALID = "invalid"  # the server found the request about this target invalid
    NOT_ALLOWED = "not_allowed"  # refused by a rule about this target (a block, a move)
    FOLLOW_LIMIT = "follow_limit"  # the account follows as many as its server allows
    RECORD_EXISTS = "record_exists"  # a create whose key an earlier attempt already wrote
    DOMAIN = "domain"  # a server claims a handle domain that does not point back to it
    IDENTITY = "identity"  # a server answered for an account it does not host
    TLS = "tls"  # the server's certificate is not one Envol trusts
    DNS = "dns"  # the server's name does not resolve
    SCOPE = "scope"  # the token was granted scopes the server then refuses (Takahē and read:*)


class PlatformError(Exception):
    """Base of every error a connector raises."""

    default_code: ClassVar[ErrorCode] = ErrorCode.REJECTED

    def __init__(
        self, message: str = "", *, status: int | None = None, code: ErrorCode | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code or self.default_code

    @property
    def specific(self) -> bool:
        """Whether the code says more than the kind of error does."""
        return self.code != self.default_code


class RateLimited(PlatformError):
    """The platform refuses more calls until ``retry_at`` (UTC)."""

    default_code = ErrorCode.RATE_LIMITED

    def __init__(self, message: str = "", *, retry_at: datetime, status: int | None = 429) -> None:
        super().__init__(message, status=status)
        self.retry_at = retry_at


class NotFound(PlatformError):
    """The target (account, handle, record) does not exist or is gone for good."""

    default_code = ErrorCode.GONE


class AuthExpired(PlatformError):
    """The stored authorisation no longer works: the person must sign in again."""

    default_code = ErrorCode.AUTH_EXPIRED


class Transient(PlatformError):
    """A passing fault (network, 5xx): the same call may succeed later."""

    default_code = ErrorCode.TRANSIENT


class Rejected(PlatformError):
    """The platform refused this request for good (validation, policy, limit such as 7,500 follows)."""

    default_code = ErrorCode.REJECTED


class OutOfScope(AuthExpired):
    """The server refuses the token's scopes for this call (403 `out_of_scope_for_token`, Mastodon's
    "outside the authorized scopes"): a grant with other scopes is needed, so the person signs in again."""

    default_code = ErrorCode.SCOPE


class CertificateUntrusted(Transient):
    """The server's TLS certificate is not vouched for by a CA Envol trusts (expired, self-signed, a
    private CA the operator did not name in ENVOL_EXTRA_CA_BUNDLE). Passing: it may be fixed."""

    default_code = ErrorCode.TLS


class NameNotFound(Transient):
    """The server's name does not resolve (a typo, a domain gone, a DNS fault). Passing: DNS heals."""

    default_code = ErrorCode.DNS
