"""A lean HTTP/1.1 load client for bench.load: N clients, each one keep-alive connection with its own
cookies (as a browser keeps them), sending requests back to back for a bounded time and count.

Lean on purpose: the client shares the machine's two cores with the server it measures, so every
microsecond it spends is one the server does not get. It speaks only what Envol answers (a status
line, headers, a Content-Length or chunked body) and checks each answer as the bench asks: the
expected status, and a text the body must hold (the page's language, the signed-in person's own
rows), so that a fast wrong answer counts as an error, never as throughput.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    language: str = "en"
    body: bytes = b""
    expect: int = 200
    must_hold: tuple[bytes, ...] = ()  # texts the body must contain
    must_not_hold: tuple[bytes, ...] = ()


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    elapsed: float = 0.0
    sent: int = 0  # every answered request, the warm-up's included
    # Counted answers of each client: requests parked behind others show as a client with few
    # (before the request slots were handed over in order, 9 of 50 clients had one in 12 s).
    per_client: list[int] = field(default_factory=list)

    def summary(self) -> dict[str, float]:
        ordered = sorted(self.latencies)
        n = len(ordered)

        def at(q: float) -> float:
            return ordered[min(n - 1, int(q * n))] * 1000 if n else float("nan")

        return {
            "requests": n,
            "throughput": n / self.elapsed if self.elapsed else 0.0,
            "p50_ms": statistics.median(ordered) * 1000 if n else float("nan"),
            "p95_ms": at(0.95),
            "p99_ms": at(0.99),
            "errors": sum(self.errors.values()),
            "sent": self.sent,
            "fewest_per_client": min(self.per_client, default=0),
            "most_per_client": max(self.per_client, default=0),
        }


class Connection:
    def __init__(self, host: str, port: int, cookies: dict[str, str]) -> None:
        self.host, self.port = host, port
        self.cookies = dict(cookies)
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None

    async def send(self, request: Request) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        lines = [
            f"{request.method} {request.path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            f"Accept-Language: {request.language}",
        ]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if request.body:
            lines += [
                "Content-Type: application/x-www-form-urlencoded",
                f"Content-Length: {len(request.body)}",
            ]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + request.body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        length, chunked, close = 0, False, False
        for line in header_lines:
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
            elif name == "connection" and value.lower() == "close":
                close = True
            elif name == "set-cookie":
                self._keep(value)
        body = await self._chunked() if chunked else await self.reader.readexactly(length)
        if close:
            await self.close()
        return status, body

    async def _chunked(self) -> bytes:
        assert self.reader is not None
        parts = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            parts.append(await self.reader.readexactly(size + 2))
            if size == 0:
                return b"".join(parts)

    def _keep(self, header: str) -> None:
        pair, *attributes = header.split(";")
        name, _, value = pair.strip().partition("=")
        expired = any(
            a.strip().lower() in {"max-age=0", "expires=thu, 01 jan 1970 00:00:00 gmt"} for a in attributes
        )
        if expired or not value.strip('"'):
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = value


def _judge(request: Request, status: int, body: bytes) -> str | None:
    if status != request.expect:
        return f"status {status}"
    for text in request.must_hold:
        if text not in body:
            return f"missing {text[:40]!r}"
    for text in request.must_not_hold:
        if text in body:
            return f"holds {text[:40]!r}"
    return None


async def _client(
    host: str,
    port: int,
    cookies: dict[str, str],
    next_request: Callable[[int], Request],
    warm_until: float,
    stop_at: float,
    budget: list[int],
    outcome: Outcome,
) -> None:
    connection = Connection(host, port, cookies)
    n = counted = 0
    try:
        while budget[0] > 0 and (started := time.perf_counter()) < stop_at:
            request = next_request(n)
            n += 1
            try:
                status, body = await asyncio.wait_for(connection.send(request), timeout=30)
                error = _judge(request, status, body)
            except (
                OSError,
                asyncio.IncompleteReadError,
                asyncio.LimitOverrunError,
                TimeoutError,
                ValueError,
            ) as exc:
                await connection.close()
                error = type(exc).__name__
            outcome.sent += 1
            if started < warm_until:
                continue
            budget[0] -= 1
            counted += 1
            outcome.latencies.append(time.perf_counter() - started)
            if error:
                outcome.errors[error] += 1
    finally:
        outcome.per_client.append(counted)
        await connection.close()


async def _run(
    host: str,
    port: int,
    clients: list[tuple[dict[str, str], Callable[[int], Request]]],
    warmup: float,
    duration: float,
    max_requests: int,
) -> Outcome:
    outcome = Outcome()
    now = time.perf_counter()
    warm_until, stop_at = now + warmup, now + warmup + duration
    budget = [max_requests]
    await asyncio.gather(
        *(
            _client(host, port, cookies, make, warm_until, stop_at, budget, outcome)
            for cookies, make in clients
        )
    )
    outcome.elapsed = time.perf_counter() - warm_until
    return outcome


def load(
    host: str,
    port: int,
    clients: list[tuple[dict[str, str], Callable[[int], Request]]],
    *,
    warmup: float = 2.0,
    duration: float = 10.0,
    max_requests: int = 100_000,
) -> Outcome:
    """Run every client at once: `warmup` seconds not counted, then at most `duration` seconds and
    `max_requests` counted requests."""
    try:
        import uvloop

        return uvloop.run(_run(host, port, clients, warmup, duration, max_requests))
    except ImportError:
        return asyncio.run(_run(host, port, clients, warmup, duration, max_requests))
