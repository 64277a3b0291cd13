"""Django under ASGI, with Envol's synchronous middleware and views run in one hand-off to a thread.

Django's own handler is built for asynchronous code: with synchronous middleware each request
crosses from the event loop to a thread for the middleware, back to the loop to dispatch the view
and to a thread again; the request's start and end signals cross once more each; and every request
gets a thread of its own (a new one each time), hence on SQLite a new connection that reads the
schema again. Each crossing costs about as much CPU as a page read from the database, and 25
threads running at once cost two to three times the CPU per page of two (docs/performance.md).

Here, as a WSGI server does it: the body is read on the event loop (Django's own `read_body`, which
spools a big one to disk), then one hand-off runs everything synchronous in a thread of a fixed
pool: the start signal, the middleware chain built for synchronous code, the view, the content,
closing the response (the end signal). The threads last, so each keeps its SQLite connection; a
request runs only while it holds one of the process's slots (`core.requestslots`), which it gives
up while it waits on another server. Each request runs in a fresh copy of the loop's context, so
nothing a request sets in a context variable (its language) reaches the next one on that thread.
Streaming answers (files) are sent by Django's handler code, then closed in the pool. See decision
0028, which replaces part of 0025.
"""

from __future__ import annotations

import asyncio
import contextvars
from concurrent.futures import ThreadPoolExecutor
from typing import IO, Any

from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers import base
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import HttpResponseBase
from django.urls import set_script_prefix

from envol.core.bodylimit import Receive, Scope, Send
from envol.core.requestslots import Slots

type Answer = tuple[int, list[tuple[bytes, bytes]], bytes]


class SyncStackHandler(ASGIHandler):
    def __init__(self, *, threads: int = 8, at_once: int = 2) -> None:
        base.BaseHandler.__init__(self)  # not ASGIHandler's: it would build the chain for the loop
        self.load_middleware(is_async=False)
        self.slots = Slots(at_once)
        self.threads = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="envol-request")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:  # the client left (or core.bodylimit cut the body): no answer
            return
        loop = asyncio.get_running_loop()
        context = contextvars.copy_context()
        with body_file:
            answer = await loop.run_in_executor(self.threads, context.run, self._respond, scope, body_file)
        if isinstance(answer, HttpResponseBase):  # streaming: sent from the loop, closed in the pool
            try:
                await self.send_response(answer, send)
            finally:
                await loop.run_in_executor(self.threads, context.run, self._close, answer)
            return
        status, headers, content = answer
        await send({"type": "http.response.start", "status": status, "headers": headers, "trailers": False})
        await send({"type": "http.response.body", "body": content, "more_body": False})

    def _respond(self, scope: Scope, body_file: IO[bytes]) -> Answer | HttpResponseBase:
        with self.slots.running():
            set_script_prefix(get_script_prefix(scope))
            signals.request_started.send(sender=self.__class__, scope=scope)
            request, response = self.create_request(scope, body_file)
            if request is not None:
                # BaseHandler.get_response: the URL configuration, the chain, closing the request,
                # logging answers of 400 and above.
                response = self.get_response(request)
            response._handler_class = self.__class__  # type: ignore[union-attr]
            if response.streaming:  # type: ignore[union-attr]
                return response  # type: ignore[return-value]
            try:
                return _answer(response)  # type: ignore[arg-type]
            finally:
                response.close()  # type: ignore[union-attr]  # the request_finished signal

    def _close(self, response: HttpResponseBase) -> None:
        with self.slots.running():
            response.close()


def _answer(response: HttpResponseBase) -> Answer:
    """Status, headers and body as ASGI sends them (as Django's `send_response` encodes them)."""
    headers: list[tuple[bytes, bytes]] = []
    for name, value in response.items():
        headers.append((_bytes(name, "ascii"), _bytes(value, "latin1")))
    for cookie in response.cookies.values():
        headers.append((b"Set-Cookie", cookie.OutputString().encode("ascii")))
    return response.status_code, headers, response.content  # type: ignore[attr-defined]


def _bytes(value: Any, encoding: str) -> bytes:
    return value.encode(encoding) if isinstance(value, str) else bytes(value)
