"""OAuth scopes and the bearer-token check every API call goes through (notes §3)."""

from __future__ import annotations

from .server import ApiError, Request
from .state import Account, State, Token

_READ: tuple[str, ...] = (
    "accounts",
    "blocks",
    "bookmarks",
    "favourites",
    "filters",
    "follows",
    "lists",
    "mutes",
)
_READ += ("notifications", "search", "statuses")
_WRITE: tuple[str, ...] = (
    "accounts",
    "blocks",
    "bookmarks",
    "conversations",
    "favourites",
    "filters",
    "follows",
    "lists",
)
_WRITE += ("media", "mutes", "notifications", "reports", "statuses")
READ_CHILDREN = frozenset(f"read:{s}" for s in _READ)
WRITE_CHILDREN = frozenset(f"write:{s}" for s in _WRITE)
# `follow` is deprecated since 3.5 but still accepted; it grants these (api/oauth-scopes.md).
FOLLOW_CHILDREN = frozenset(
    {"read:blocks", "write:blocks", "read:follows", "write:follows", "read:mutes", "write:mutes"}
)
# Scopes a Mastodon 4.3+ server knows (`profile` is new in 4.3; admin scopes are left out on purpose).
MASTODON_SCOPES = frozenset({"read", "write", "follow", "push", "profile"} | READ_CHILDREN | WRITE_CHILDREN)
# A server that only knows the coarse scopes (older forks, some other software).
LEGACY_SCOPES = frozenset({"read", "write", "follow", "push"})

INVALID_TOKEN = "The access token is invalid"
REVOKED_TOKEN = "The access token was revoked"  # Doorkeeper's wording for a revoked token (still 401)
OUTSIDE_SCOPES = "This action is outside the authorized scopes"
NEEDS_USER = "This method requires an authenticated user"


def parse_scopes(text: str | None) -> list[str]:
    """Space separated (pluses in query strings are already spaces); absent or blank means `read`."""
    scopes = (text or "").replace("+", " ").split()
    return list(dict.fromkeys(scopes)) or ["read"]


def expand(scopes: frozenset[str]) -> frozenset[str]:
    """The hierarchy of oauth-scopes.md: `read` grants every `read:*`, `write` every `write:*`."""
    out = set(scopes)
    if "read" in scopes:
        out |= READ_CHILDREN
    if "write" in scopes:
        out |= WRITE_CHILDREN
    if "follow" in scopes:
        out |= FOLLOW_CHILDREN
    return frozenset(out)


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    # Doorkeeper also reads `access_token` from the parameters.
    return request.param("access_token")


def _unauthorized(message: str) -> ApiError:
    error = ApiError(401, message)
    error.headers.append(
        (
            "WWW-Authenticate",
            f'Bearer realm="Doorkeeper", error="invalid_token", error_description="{message}"',
        )
    )
    return error


def peek_token(state: State, request: Request) -> Token | None:
    """The valid token of a request, without raising (the rate limiter keys on it)."""
    value = bearer(request)
    token = state.tokens.get(value) if value else None
    if token is None or token.revoked:
        return None
    if token.account_id is not None and token.account_id not in state.accounts:
        return None
    return token


def authorize(
    state: State, request: Request, *accepted: str, required: bool = True, user: bool = True
) -> Token | None:
    """`doorkeeper_authorize!` (required) or `authorize_if_got_token!` (optional) plus `require_user!`.

    A bad token is refused even on public endpoints: Mastodon never silently ignores it.
    """
    value = bearer(request)
    if value is None:
        if required:
            raise _unauthorized(INVALID_TOKEN)
        return None
    token = state.tokens.get(value)
    if token is None:
        raise _unauthorized(INVALID_TOKEN)
    if token.revoked:
        raise _unauthorized(REVOKED_TOKEN)
    owner = state.accounts.get(token.account_id) if token.account_id else None
    if token.account_id is not None and owner is None:  # the account was deleted with its tokens
        raise _unauthorized(INVALID_TOKEN)
    if accepted and not expand(token.scopes) & set(accepted):
        raise ApiError(403, OUTSIDE_SCOPES)
    if user and required and token.account_id is None:
        raise ApiError(422, NEEDS_USER)
    if user and required and owner is not None and owner.suspended:
        raise ApiError(403, "Your login is currently disabled")  # require_user! (accounts.md)
    return token


def current_account(state: State, token: Token | None) -> Account | None:
    if token is None or token.account_id is None:
        return None
    return state.accounts.get(token.account_id)
