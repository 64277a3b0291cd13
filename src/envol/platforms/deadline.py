"""One overall deadline per HTTP exchange, enforced on every socket operation.

httpx bounds each read, write and connect on its own. A server that sends one header byte every few
seconds never trips a per-read timeout, and held a sign-in request for 150 s despite a 30 s budget
(issue #16, item 8). Here every socket operation of an exchange — connect, TLS handshake, each write
and each read, status line and headers included — gets at most the time left until the exchange's
deadline, so the whole exchange ends by then, whatever the server does.

The deadline is set by the caller around one exchange (`exchange_deadline`) and read, through a
context variable, by the network streams of an httpx transport built here (`deadline_transport`).
"""

from __future__ import annotations

import contextlib
import ssl
import time
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from typing import Any

import httpcore
import httpx

# Monotonic time by which the current exchange must be over; None outside an exchange.
_STOP_AT: ContextVar[float | None] = ContextVar("envol_http_stop_at", default=None)


@contextlib.contextmanager
def exchange_deadline(stop_at: float) -> Iterator[None]:
    """Every socket operation inside the block ends by `stop_at` (time.monotonic())."""
    token = _STOP_AT.set(stop_at)
    try:
        yield
    finally:
        _STOP_AT.reset(token)


def _budget(timeout: float | None, error: type[Exception]) -> float | None:
    """The operation's own timeout, shortened to what is left of the exchange's deadline."""
    stop_at = _STOP_AT.get()
    if stop_at is None:
        return timeout
    left = stop_at - time.monotonic()
    if left <= 0:
        raise error("the exchange's deadline has passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _budget(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _budget(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        budget = _budget(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, budget))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.SyncBackend):
    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        budget = _budget(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(super().connect_tcp(host, port, budget, local_address, socket_options))


def deadline_transport(verify: ssl.SSLContext | bool) -> httpx.HTTPTransport:
    """An httpx transport (HTTP/1.1, no proxy) whose sockets obey `exchange_deadline`."""
    transport = httpx.HTTPTransport(verify=verify, trust_env=False)
    # httpx has no parameter for the network backend of its connection pool: give it the same pool
    # as its own (httpx's default limits), with our backend. Certificates are always checked.
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(verify=verify, trust_env=False),
        max_connections=100,
        max_keepalive_connections=20,
        keepalive_expiry=5.0,
        network_backend=_DeadlineBackend(),
    )
    return transport
