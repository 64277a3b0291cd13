"""Calling Envol's ASGI application directly, as uvicorn does, many requests at once if need be."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

AsgiApp = Callable[[dict[str, Any], Callable[[], Awaitable[dict[str, Any]]],
                    Callable[[dict[str, Any]], Awaitable[None]]], Awaitable[None]]  # fmt: skip


@dataclass(frozen=True)
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k == name.lower()), None)

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k == name.lower()]

    @property
    def text(self) -> str:
        return self.body.decode()


async def call(app: AsgiApp, path: str, *, method: str = "GET", headers: Iterable[tuple[str, str]] = (),
               body: bytes = b"", scheme: str = "http") -> Answer:  # fmt: skip
    """One request through the application, with the `host` header the test settings allow."""
    route, _, query = path.partition("?")
    all_headers = [("host", "testserver"), *headers]
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": scheme, "path": route, "raw_path": route.encode(), "query_string": query.encode(),
        "root_path": "", "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in all_headers],
    }  # fmt: skip
    delivered = False
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # the client never disconnects: the application ends the wait
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    await app(scope, receive, send)
    start = next(m for m in messages if m["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    decoded = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in start["headers"]]
    return Answer(start["status"], decoded, content)


def call_many(app: AsgiApp, paths: list[str], **options: Any) -> list[Answer]:
    """All the requests at once in one event loop, as one server process receives a crowd."""

    async def together() -> list[Answer]:
        return list(await asyncio.gather(*(call(app, path, **options) for path in paths)))

    return asyncio.run(together())
