"""Django's ASGI handler, with Envol's synchronous middleware and views run in one crossing.

Django's own handler builds its middleware chain for the event loop. Envol's middleware and views
are synchronous (they read the database), so Django adapts that chain: each request crosses from
the loop to a thread for the middleware, back to the loop to dispatch the view, then to the thread
again for the view. Each crossing is a thread hand-off and a wake-up of the loop, about as much
CPU as a page read from the database (bench/load.py, "review"; docs/performance.md).

Here the chain is built as a WSGI server builds it (synchronous end to end) and run in one
crossing, in the request's own thread (`thread_sensitive`, in the per-request context Django's
handler opens): the same middleware, in the same order, with the same signals, on the same
thread for the whole request. Everything else (reading the body, the disconnect watch, sending
the response, streaming) is Django's ASGI handler unchanged. See decision 0025.
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.core.handlers import base
from django.core.handlers.asgi import ASGIHandler
from django.http import HttpRequest, HttpResponseBase


class SyncStackHandler(ASGIHandler):
    def __init__(self) -> None:
        base.BaseHandler.__init__(self)  # not ASGIHandler's: it would build the chain for the loop
        self.load_middleware(is_async=False)

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        # BaseHandler.get_response: the URL configuration, the chain, closing the request, and
        # logging answers of 400 and above, all in the request's thread.
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)
