"""Modes: ways a fake instance departs from a well-behaved Mastodon, selected per instance.

A real server is not always the one the documentation describes: it may lie (a hostile server), honour
only some scopes, accept follows later, or be out of reach for a while. Each of these is a `Mode`, given
to `FakeMastodon(modes=[...])` or added later with `FakeMastodon.add_mode()`. A mode sees every request
twice, around the strict application:

- `before(ctx, req)` may answer in the application's place (a `Response`), or return None to let the
  request go on; a `Response.raw` writer takes over the socket (no answer, a dripping answer, a huge
  body), so that transport-level behaviour is a mode too;
- `after(ctx, req, response)` may change the application's answer (a field that lies, a status).

`EndpointMode` dispatches both hooks per endpoint (`"GET /api/v1/accounts/verify_credentials"`), which
is how most modes are written. Modes run in the order given; the first `before` that answers wins,
and every `after` sees the previous one's result. Hooks run under the instance lock, so they may read
and change the state; a `raw` writer runs after the lock is released (it may sleep).

Modes shipped here: `Hostile` (tests/fakes/mastodon/hostile.py). The documentation of each mode, and
the real behaviour it reproduces, is in docs/testing-fake-mastodon.md.
"""

from __future__ import annotations

from collections.abc import Callable

from .context import Context
from .server import Request, Response

Before = Callable[[Context, Request], Response | None]
After = Callable[[Context, Request, Response], Response]


class Mode:
    """The identity mode: a strict Mastodon. Subclasses override one hook or both."""

    def before(self, ctx: Context, req: Request) -> Response | None:
        return None

    def after(self, ctx: Context, req: Request, response: Response) -> Response:
        return response


class EndpointMode(Mode):
    """A mode whose hooks are chosen by endpoint: `"METHOD /path"` (the path exactly, no pattern)."""

    def __init__(self) -> None:
        self.before_hooks: dict[str, Before] = {}
        self.after_hooks: dict[str, After] = {}

    def on_before(self, endpoint: str, hook: Before) -> None:
        self.before_hooks[endpoint] = hook

    def on_after(self, endpoint: str, hook: After) -> None:
        self.after_hooks[endpoint] = hook

    @staticmethod
    def endpoint(req: Request) -> str:
        return f"{req.method} {req.path}"

    def before(self, ctx: Context, req: Request) -> Response | None:
        hook = self.before_hooks.get(self.endpoint(req))
        return hook(ctx, req) if hook is not None else None

    def after(self, ctx: Context, req: Request, response: Response) -> Response:
        hook = self.after_hooks.get(self.endpoint(req))
        return hook(ctx, req, response) if hook is not None else response


def run_modes(modes: list[Mode], ctx: Context, req: Request, app: Callable[[], Response]) -> Response:
    """The strict application `app`, wrapped by the instance's modes (see the module's docstring)."""
    for mode in modes:
        answer = mode.before(ctx, req)
        if answer is not None:
            return answer
    response = app()
    for mode in modes:
        response = mode.after(ctx, req, response)
    return response


class WellKnownRedirect(Mode):
    """A domain that only points elsewhere: every `/.well-known/*` request is redirected (301) to the
    same path at `to` (a base URL). This is how `example.com` hands its accounts `@u@example.com` to a
    server living at `social.example.com` (Mastodon's LOCAL_DOMAIN/WEB_DOMAIN set-up); everything else
    is the strict fake's own answer."""

    def __init__(self, to: str) -> None:
        self.to = to.rstrip("/")

    def before(self, ctx: Context, req: Request) -> Response | None:
        if not req.path.startswith("/.well-known/"):
            return None
        query = f"?{req.query_string}" if req.query_string else ""
        response = Response.redirect(f"{self.to}{req.path}{query}")
        response.status = 301
        return response
