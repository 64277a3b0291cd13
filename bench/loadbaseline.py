"""The baseline of bench.load: the smallest ASGI application that answers a page of the same size,
served by the same uvicorn as `envol run`. What the server stack and the load client alone cost on
this machine; Envol's figures are read against it."""

from __future__ import annotations

from typing import Any

BODY = b"<!doctype html><html lang=en><title>baseline</title>" + b"x" * 16_000


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    assert scope["type"] == "http"
    headers = [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(BODY)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": BODY})
