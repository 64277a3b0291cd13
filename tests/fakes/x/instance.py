"""FakeX: one loopback HTTP server playing both x.com (the consent dialog) and api.x.com.

Test hooks: `add_user`, `login_as`, `fail_next` (5xx or a dropped connection), `exhaust_users_me`,
and the recorded `revoked` tokens.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Self

from fakes.mastodon.clock import FakeClock
from fakes.mastodon.server import LoopbackServer, Request, Response, Router

from . import api, oauth
from .api import problem
from .state import Store, XApp, XUser

DEFAULT_REDIRECT = "http://127.0.0.1:9/x/callback"  # never contacted: tests read Location headers


class FakeX:
    def __init__(
        self,
        *,
        client_id: str = "envol-client-id",
        client_secret: str | None = "envol-client-secret",  # noqa: S107 (a fake)
        redirect_uri: str = DEFAULT_REDIRECT,
        clock: FakeClock | None = None,
        code_lifetime: float = 30.0,  # X's authorization codes live 30 seconds
        token_lifetime: float = 7200.0,  # access tokens: 2 hours
        users_me_limit: int = 75,  # GET /2/users/me: 75 requests per 15 minutes per user
        window_seconds: float = 900.0,
    ) -> None:
        self.app = XApp(client_id, client_secret, redirect_uri)
        self.clock = clock or FakeClock()
        self.code_lifetime = code_lifetime
        self.token_lifetime = token_lifetime
        self.users_me_limit = users_me_limit
        self.window_seconds = window_seconds
        self.store = Store()
        self.windows: dict[str, tuple[float, int]] = {}  # user id -> (window start, calls)
        self._faults: list[tuple[str, int | None]] = []  # (path, status or None = drop connection)
        self._faults_lock = threading.Lock()
        self._router = Router()
        self._route("GET", "/i/oauth2/authorize", oauth.authorize_page)
        self._route("POST", "/i/oauth2/authorize", oauth.authorize_decision)
        self._route("POST", "/2/oauth2/token", oauth.token)
        self._route("POST", "/2/oauth2/revoke", oauth.revoke)
        self._route("GET", "/2/users/me", api.users_me)
        self._server = LoopbackServer(self._dispatch)

    def _route(self, method: str, path: str, handler: Callable[[FakeX, Request], Response]) -> None:
        self._router.add(method, path, lambda request: handler(self, request))

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> Self:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.port}"

    @property
    def authorize_url(self) -> str:
        return f"{self.base_url}/i/oauth2/authorize"  # https://x.com/i/oauth2/authorize

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/2/oauth2/token"  # https://api.x.com/2/oauth2/token

    @property
    def revoke_url(self) -> str:
        return f"{self.base_url}/2/oauth2/revoke"

    @property
    def api_base_url(self) -> str:
        return f"{self.base_url}/2"  # https://api.x.com/2

    # --- test hooks --------------------------------------------------------------------------

    def add_user(self, id: str | int, username: str, name: str = "") -> XUser:
        user = XUser(str(id), username, name or username)
        with self.store.lock:
            self.store.users[user.id] = user
        return user

    def login_as(self, user_id: str | int | None) -> None:
        """Sign the (only) browser in as this user; None signs out."""
        with self.store.lock:
            if user_id is not None and str(user_id) not in self.store.users:
                raise KeyError(f"no such fake X user: {user_id}")
            self.store.logged_in = None if user_id is None else str(user_id)

    def signed_in_user(self) -> XUser | None:
        with self.store.lock:
            return self.store.users.get(self.store.logged_in or "")

    def fail_next(self, path: str, status: int | None = 503) -> None:
        """The next request to `path` answers `status` (None: the connection drops unanswered)."""
        with self._faults_lock:
            self._faults.append((path, status))

    def exhaust_users_me(self, user_id: str | int) -> None:
        """Use up the user's current users/me window, as if another client had spent it."""
        with self.store.lock:
            start, _ = self.windows.get(str(user_id), (self.clock(), 0))
            self.windows[str(user_id)] = (start, self.users_me_limit)

    @property
    def revoked(self) -> list[str]:
        with self.store.lock:
            return list(self.store.revoked)

    def live_tokens(self) -> list[str]:
        """Tokens that still work: after a sign-in, Envol must have left none."""
        now = self.clock()
        with self.store.lock:
            return [t.token for t in self.store.tokens.values() if not t.revoked and t.expires_at > now]

    # --- dispatch ----------------------------------------------------------------------------

    def _dispatch(self, request: Request) -> Response | None:
        with self._faults_lock:
            fault = next((f for f in self._faults if f[0] == request.path), None)
            if fault is not None:
                self._faults.remove(fault)
        if fault is not None:
            return None if fault[1] is None else problem(fault[1], "Service Unavailable")
        found = self._router.match(request.method, request.path)
        if found is None:
            return problem(404, "Not Found")
        handler, _ = found
        return handler(request)
