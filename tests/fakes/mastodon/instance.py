"""`FakeMastodon`: one fake server on loopback, plus the helpers tests use to set it up and inspect it."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from .auth import bearer
from .clock import Clock
from .context import Config, Context
from .entities import remote_profile
from .faults import FaultInjector
from .federation import Federation, RemoteProfile
from .helpers import InstanceHelpers
from .limits import Limits, RateLimiter
from .modes import Mode, run_modes
from .routes import build_router, dispatch
from .server import LoopbackServer, Request, Response
from .state import State


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    query: str
    status: int
    token: str | None  # the bearer token sent, if any


class FakeMastodon(InstanceHelpers):
    """A strict fake of a Mastodon-API server. Use as a context manager or call start()/stop().

    The client talks to `base_url` (http://127.0.0.1:PORT); the server's identity is `domain`
    (accts, actor URIs, profile URLs). `web_domain` may differ from `domain`, as LOCAL_DOMAIN and
    WEB_DOMAIN do on real servers.
    """

    def __init__(
        self,
        domain: str = "mastodon.test",
        *,
        software: str = "mastodon",
        version: str = "4.3.0",
        web_domain: str | None = None,
        limits: Limits | None = None,
        clock: Clock = time.time,
        federation: Federation | None = None,
        known_scopes: frozenset[str] | set[str] | None = None,
        pkce: bool | None = None,
        instance_v2: bool | None = None,
        title: str = "Fake Mastodon",
        modes: Sequence[Mode] = (),
    ) -> None:
        domain = domain.lower()
        web = (web_domain or domain).lower()
        config = Config(
            domain,
            web,
            software,
            version,
            title,
            frozenset(known_scopes) if known_scopes is not None else None,
            pkce,
            instance_v2,
        )
        self.clock = clock
        self.federation = federation or Federation()
        self.state = State(domain, web, clock)
        self.limiter = RateLimiter(limits or Limits(), clock)
        self.ctx = Context(config, self.state, self.limiter, self.federation, clock)
        self.faults = FaultInjector()
        self.modes: list[Mode] = list(modes)  # how this instance departs from a strict Mastodon
        self.request_log: list[LoggedRequest] = []
        self._router = build_router()
        # One lock per instance serialises handlers: the fake is a consistent database, not a race test.
        self._lock = threading.RLock()
        self._server: LoopbackServer | None = None

    # -- lifecycle --------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeMastodon is not started")
        return f"http://127.0.0.1:{self._server.port}"

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def start(self) -> Self:
        self._server = LoopbackServer(self._handle)
        self._server.start()
        self.federation.register(sorted({self.domain, self.ctx.config.web_domain}), self._profile_of)
        return self

    def stop(self) -> None:
        self.federation.unregister(sorted({self.domain, self.ctx.config.web_domain}))
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _profile_of(self, username: str) -> RemoteProfile | None:
        # Called from another instance's handler thread. No lock on purpose: two instances resolving
        # each other at once would otherwise deadlock; a slightly stale read is what federation gives.
        account = self.state.find(username, None)
        return remote_profile(self.state, account) if account else None

    def _handle(self, req: Request) -> Response | None:
        fault = self.faults.take(req)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            response = fault.response()
        else:
            with self._lock:
                response = run_modes(self.modes, self.ctx, req, lambda: dispatch(self.ctx, self._router, req))
        token = bearer(req)
        with self._lock:
            self.request_log.append(
                LoggedRequest(
                    req.method, req.path, req.query_string, response.status if response else 0, token
                )
            )
        return response

    def add_mode(self, mode: Mode) -> Mode:
        """Depart from strict behaviour from now on (modes.py); returns the mode, for inspection."""
        with self._lock:
            self.modes.append(mode)
        return mode

    def calls(self, method: str, path_prefix: str) -> list[LoggedRequest]:
        return [r for r in self.request_log if r.method == method and r.path.startswith(path_prefix)]
