"""Modes reproducing how real Mastodon-API servers other than Mastodon behave (issue #18, items 1, 5).

- `CoarseScopeOnly`: Takahē grants any scope an app asks for, then checks each API call against the
  coarse scope only (`read` for reading, `write` for writing): a token holding only granular scopes
  (`read:accounts`, `write:follows`...) is refused with 403 `{"error": "out_of_scope_for_token"}` on
  verify_credentials, search, relationships and every other call. Seen against Takahē 0.11 (issue #18).
- `Unreachable`: an instance out of reach for a while (a restart, a network cut, a proxy in front of a
  server that is down): for `seconds` of the fake clock after the first request it sees, every
  request is answered 503 by the proxy or has its connection closed without an answer; then the
  instance answers normally again.

The real behaviour each reproduces is documented in docs/testing-fake-mastodon.md ("Modes").
"""

from __future__ import annotations

from typing import BinaryIO

from .auth import bearer
from .context import Context
from .modes import Mode
from .server import Request, Response

TAKAHE_OUT_OF_SCOPE = "out_of_scope_for_token"
COARSE = frozenset({"read", "write"})


class CoarseScopeOnly(Mode):
    """A server that honours only `read` and `write`: granular-only tokens get 403 on every API call."""

    def __init__(self) -> None:
        self.refused: list[str] = []  # "METHOD /path" of each refusal, for the tests' assertions

    def before(self, ctx: Context, req: Request) -> Response | None:
        if not req.path.startswith("/api/") or req.path == "/api/v1/apps":
            return None
        value = bearer(req)
        token = ctx.state.tokens.get(value) if value else None
        if token is None:
            return None  # no token, or one the strict application refuses with its own 401
        needed = "read" if req.method in ("GET", "HEAD") else "write"
        if needed in token.scopes:
            return None
        self.refused.append(f"{req.method} {req.path}")
        return Response.error(403, TAKAHE_OUT_OF_SCOPE)


class Unreachable(Mode):
    """Out of reach for `seconds` of the fake clock from the first request seen (or from `since`).

    `how="503"`: the reverse proxy answers 503 with its HTML page (the server behind it is down);
    `how="drop"`: the connection is closed without any answer (what a client sees of a server that
    resets connections: httpx's RemoteProtocolError, a transport failure).
    """

    def __init__(self, seconds: float, *, how: str = "503", since: float | None = None) -> None:
        if how not in ("503", "drop"):
            raise ValueError("how is '503' or 'drop'")
        self.seconds, self.how, self.since = seconds, how, since
        self.refused = 0

    def down(self, ctx: Context) -> bool:
        now = ctx.clock()
        if self.since is None:
            self.since = now
        return now < self.since + self.seconds

    def before(self, ctx: Context, req: Request) -> Response | None:
        if not self.down(ctx):
            return None
        self.refused += 1
        if self.how == "drop":
            return Response(0, raw=_hang_up)
        page = "<html><head><title>503 Service Temporarily Unavailable</title></head></html>"
        return Response.html(page, status=503)


def _hang_up(stream: BinaryIO) -> None:
    """Write nothing: the server closes the connection, and the client reads no status line."""


class PublicName(Mode):
    """Absolute URLs written with the server's public name, as every real server writes them: NodeInfo's
    `href`, host-meta's template and the `Link` headers of paged lists say `https://{web_domain}/…`,
    never the address a client on a closed network (or a test) reaches the server at. The strict fake
    builds them from the `Host` the client used instead, which hides a client that follows them blindly.
    """

    def after(self, ctx: Context, req: Request, response: Response) -> Response:
        public = f"https://{ctx.config.web_domain}"
        if req.path.startswith("/.well-known/"):
            response.body = response.body.replace(req.base_url.encode(), public.encode())
        link = response.header("Link")
        if link:
            response.set_header("Link", link.replace(req.base_url, public))
        return response
