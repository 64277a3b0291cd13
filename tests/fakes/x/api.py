"""GET /2/users/me, with X's bearer checks and its per-user rate-limit window and headers.

X answers problems as RFC 7807-like JSON (`title`, `detail`, `type`, `status`) and announces its
window in `x-rate-limit-limit`, `x-rate-limit-remaining` and `x-rate-limit-reset` (epoch seconds).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from fakes.mastodon.server import Request, Response

from .state import AccessToken

if TYPE_CHECKING:
    from .instance import FakeX


def problem(status: int, title: str, headers: list[tuple[str, str]] | None = None) -> Response:
    body = {"title": title, "detail": title, "type": "about:blank", "status": status}
    return Response.json(body, status, headers)


def _bearer(x: FakeX, request: Request) -> AccessToken | None:
    header = request.headers.get("authorization", "")
    if not header.startswith("Bearer "):
        return None
    with x.store.lock:
        found = x.store.tokens.get(header[7:])
    if found is None or found.revoked or found.expires_at <= x.clock():
        return None
    return found


def _window_headers(x: FakeX, user_id: str) -> tuple[bool, list[tuple[str, str]]]:
    """Count one call against the user's window: (allowed, headers)."""
    now = x.clock()
    with x.store.lock:
        start, used = x.windows.get(user_id, (now, 0))
        if now >= start + x.window_seconds:
            start, used = now, 0
        allowed = used < x.users_me_limit
        if allowed:
            used += 1
        x.windows[user_id] = (start, used)
    reset = math.ceil(start + x.window_seconds)
    headers = [
        ("x-rate-limit-limit", str(x.users_me_limit)),
        ("x-rate-limit-remaining", str(max(x.users_me_limit - used, 0))),
        ("x-rate-limit-reset", str(reset)),
    ]
    return allowed, headers


def users_me(x: FakeX, request: Request) -> Response:
    found = _bearer(x, request)
    if found is None:
        return problem(401, "Unauthorized")
    # X documents both scopes as required for GET /2/users/me.
    if not {"users.read", "tweet.read"} <= set(found.scopes):
        return problem(403, "Forbidden")
    allowed, headers = _window_headers(x, found.user_id)
    if not allowed:
        return problem(429, "Too Many Requests", headers)
    user = x.store.users[found.user_id]
    return Response.json(
        {"data": {"id": user.id, "name": user.name, "username": user.username}}, 200, headers
    )
