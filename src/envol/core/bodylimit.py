"""A cap on request bodies, applied before Django reads them (#16 item 6).

Under ASGI, Django reads a whole request body into a temporary file before any view or middleware
runs, whatever its size: a view that refuses a 100 GB upload would refuse it only once it is on
disk. This wrapper around the ASGI application answers 413 at once when the declared length is over
the path's cap, and stops a body without a declared length (or with a false one) as soon as it
passes the cap, without handing the rest to Django.

Caps: the server-side archive form ``ENVOL_UPLOAD_MAX_BYTES``, the browser's compact upload
``ENVOL_BROWSER_UPLOAD_MAX_BYTES``, every other request Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE``
(Django refuses larger form bodies anyway, but only after reading them).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import HttpRequest
from django.http.cookie import parse_cookie
from django.template.loader import render_to_string
from django.utils import translation

from envol.core.config import CONFIG

Scope = dict[str, Any]
Message = Mapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

FORM_PATH = "/archive/"
BROWSER_PATH = "/archive/browser/"


def cap_for(path: str) -> int | None:
    if path == FORM_PATH:
        return CONFIG.upload_max_bytes
    if path == BROWSER_PATH:
        return CONFIG.browser_upload_max_bytes
    cap = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return None if cap is None else int(cap)


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodyLimit:
    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cap = cap_for(scope.get("path", ""))
        declared = _declared_length(scope)
        if cap is None:
            await self.app(scope, receive, send)
            return
        if declared is not None and declared > cap:
            await _refuse(scope, send, cap)  # the body is never read
            return
        received, over, answered = 0, False, False

        async def limited_receive() -> Message:
            nonlocal received, over
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    over = True  # Django sees a client that went away, and answers nothing
                    return {"type": "http.disconnect"}
            return message

        async def watched_send(message: Message) -> None:
            nonlocal answered
            if message["type"] == "http.response.start":
                answered = True
            await send(message)

        await self.app(scope, limited_receive, watched_send)
        if over and not answered:
            await _refuse(scope, send, cap)


async def _refuse(scope: Scope, send: Send, cap: int) -> None:
    content_type, body = await sync_to_async(_refusal, thread_sensitive=False)(scope, cap)
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", content_type.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                (b"cache-control", b"no-store"),
                (b"x-content-type-options", b"nosniff"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _refusal(scope: Scope, cap: int) -> tuple[str, bytes]:
    """The answer in the visitor's language: JSON for the browser's upload, a page otherwise."""
    request = HttpRequest()
    for name, value in scope.get("headers", ()):
        if name == b"accept-language":
            request.META["HTTP_ACCEPT_LANGUAGE"] = value.decode("latin-1")
        elif name == b"cookie":
            request.COOKIES = parse_cookie(value.decode("latin-1"))
    language = translation.get_language_from_request(request)
    with translation.override(language):
        if scope.get("path") == BROWSER_PATH:
            # The browser's page shows this message (the same words as archive.messages's code).
            message = translation.gettext("This upload is larger than Envol accepts.")
            answer = {"ok": False, "code": "upload_too_large", "message": message}
            return "application/json", json.dumps(answer).encode()
        page = render_to_string(
            "core/too_large.html",
            {"cap_mb": cap // 1_000_000, "archive_page": scope.get("path") == FORM_PATH},
        )
        return "text/html; charset=utf-8", page.encode()
