"""Modes that make the fake behave like the world rather than like the documentation: follows
accepted later, and remote lookups that find nothing for a while (docs/testing-fake-mastodon.md).

- `AsyncAccept(delay)`: a follow of an account that is not locked is answered `requested: true`
  and stays a follow request for `delay` seconds of the fake clock, then is accepted; relationships
  show it requested until then, following afterwards. Takahē answers every follow this way (its
  follows are accepted by its own background stator), and Mastodon keeps a follow of a remote account
  as a FollowRequest until the remote server's Accept arrives.
- `FlakyLookups(for_seconds, only)`: `GET /api/v2/search?resolve=true` finds nothing for a query
  until `for_seconds` of the fake clock have passed since the query was first asked: the target's
  server was unreachable, or the person's instance could not fetch the actor yet. After that the
  search answers as usual.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .api import truthy
from .auth import current_account, peek_token
from .context import Context
from .entities import relationship_json
from .follows import accept
from .modes import Mode
from .server import Request, Response

_FOLLOW = re.compile(r"/api/v1/accounts/([^/]+)/follow")


class AsyncAccept(Mode):
    def __init__(self, delay: float = 30.0) -> None:
        self.delay = delay
        self.due: dict[tuple[str, str], float] = {}  # (requester id, target id) -> when accepted
        self._fresh: tuple[str, str] | None = None  # the follow the current request may create
        self.created = 0  # follows created (each one a request first): a second follow creates none
        self.accepted = 0

    def accept_due(self, ctx: Context) -> None:
        """Accept every request whose time came (called before each request the instance serves)."""
        now = ctx.clock()
        for key, when in list(self.due.items()):
            if when <= now:
                del self.due[key]
                requester, target = ctx.state.accounts.get(key[0]), ctx.state.accounts.get(key[1])
                if requester is not None and target is not None and accept(ctx.state, requester, target):
                    self.accepted += 1

    def before(self, ctx: Context, req: Request) -> Response | None:
        self.accept_due(ctx)
        self._fresh = None
        found = _FOLLOW.fullmatch(req.path)
        me = current_account(ctx.state, peek_token(ctx.state, req))
        if req.method == "POST" and found and me is not None:
            key = (me.id, found.group(1))
            if key not in ctx.state.follows and key not in ctx.state.requests:
                self._fresh = key
        return None

    def after(self, ctx: Context, req: Request, response: Response) -> Response:
        key, self._fresh = self._fresh, None
        if key is None or response.status != 200 or key not in ctx.state.follows:
            return response  # refused, or a locked account's request: Mastodon's own answer stands
        ctx.state.requests[key] = ctx.state.follows.pop(key)
        self.due[key] = ctx.clock() + self.delay
        self.created += 1
        me, target = ctx.state.accounts[key[0]], ctx.state.accounts[key[1]]
        answer = Response.json(relationship_json(ctx.state, me, target))
        answer.headers = response.headers
        return answer


class FlakyLookups(Mode):
    def __init__(self, for_seconds: float = 600.0, only: Callable[[str], bool] | None = None) -> None:
        self.for_seconds = for_seconds
        self.only = only or (lambda query: True)
        self.first_asked: dict[str, float] = {}
        self.misses = 0

    def before(self, ctx: Context, req: Request) -> Response | None:
        if req.method != "GET" or req.path != "/api/v2/search" or not truthy(req.param("resolve")):
            return None
        query = (req.param("q") or "").strip().removeprefix("@").lower()
        if not query or not self.only(query):
            return None
        first = self.first_asked.setdefault(query, ctx.clock())
        if ctx.clock() - first >= self.for_seconds:
            return None
        self.misses += 1
        return Response.json({"accounts": [], "statuses": [], "hashtags": []})


__all__ = ["AsyncAccept", "FlakyLookups"]
