"""HTTP plumbing for the fake Mastodon: request/response types, router and a loopback server.

Only the standard library is used (``http.server.ThreadingHTTPServer`` in a daemon thread) so the
fake costs nothing to install and speaks real HTTP/1.1 with keep-alive, like a server behind nginx.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from .params import BadBody, Params, parse_body, parse_query

JSON_TYPE = "application/json; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"


@dataclass
class Request:
    method: str
    path: str
    query_string: str
    query: Params
    form: Params
    headers: dict[str, str]  # lower-cased names
    base_url: str  # scheme://host:port the client used: links must point back to a reachable place
    cookies: dict[str, str]
    client_ip: str
    # Set by a handler that wants its own rate-limit headers (the follow endpoint does).
    override_window: Any = None

    def param(self, name: str) -> str | None:
        """A scalar parameter. Rails merges query and body parameters; the body wins."""
        values = self.form.get(name) or self.query.get(name)
        return values[0] if values else None

    def params(self, name: str) -> list[str]:
        """An array parameter: `name[]=a&name[]=b` (or a JSON array); a lone `name=a` also counts."""
        for source in (self.form, self.query):
            if f"{name}[]" in source:
                return source[f"{name}[]"]
        single = self.param(name)
        return [single] if single is not None else []

    def is_array(self, name: str) -> bool:
        return f"{name}[]" in self.form or f"{name}[]" in self.query

    def has(self, name: str) -> bool:
        return any(key in src for key in (name, f"{name}[]") for src in (self.form, self.query))


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str | None = JSON_TYPE
    headers: list[tuple[str, str]] = field(default_factory=list)
    # Transport-level behaviour (modes.py): when set, this writer owns the socket instead of the usual
    # status line, headers and body (a dripping answer, a huge body, no answer at all); the connection
    # is closed afterwards. A writer ends on OSError: stop() shuts its socket down.
    raw: Callable[[BinaryIO], None] | None = None

    @classmethod
    def json(cls, obj: Any, status: int = 200, headers: list[tuple[str, str]] | None = None) -> Response:
        data = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()
        return cls(status, data, JSON_TYPE, list(headers or []))

    @classmethod
    def error(cls, status: int, message: str, headers: list[tuple[str, str]] | None = None) -> Response:
        return cls.json({"error": message}, status, headers)

    @classmethod
    def html(cls, text: str, status: int = 200) -> Response:
        return cls(status, text.encode(), HTML_TYPE)

    @classmethod
    def redirect(cls, location: str, headers: list[tuple[str, str]] | None = None) -> Response:
        return cls(302, b"", HTML_TYPE, [("Location", location), *(headers or [])])

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def set_header(self, name: str, value: str) -> None:
        self.headers = [(k, v) for k, v in self.headers if k.lower() != name.lower()]
        self.headers.append((name, value))


class ApiError(Exception):
    """Raised anywhere in a handler; becomes the JSON body Mastodon would send."""

    def __init__(self, status: int, message: str, **extra: str) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, str] = {"error": message, **extra}
        self.headers: list[tuple[str, str]] = []

    def response(self) -> Response:
        return Response.json(self.body, self.status, self.headers)


Handler = Callable[..., Response]


class Router:
    """Method + path-regex table. Like Rails, an unmatched method is simply an unknown route (404)."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        regex = re.compile("^" + re.sub(r":(\w+)", r"(?P<\1>[^/]+)", pattern) + "$")
        self._routes.append((method, regex, handler))

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, str]] | None:
        for route_method, regex, handler in self._routes:
            found = regex.match(path)
            if found and route_method == method:
                return handler, found.groupdict()
        return None


# The application callback: returns None to drop the connection without an answer (fault tests).
App = Callable[[Request], Response | None]


def _make_handler(app: App, connections: set[socket.socket]) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a real server behind nginx
        disable_nagle_algorithm = True  # headers and body go out in two writes: avoid 40 ms ACK stalls
        server_version = "nginx"
        sys_version = ""

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            return

        def setup(self) -> None:
            super().setup()
            connections.add(self.connection)

        def finish(self) -> None:
            connections.discard(self.connection)
            super().finish()

        def _handle(self) -> None:
            split = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                form = parse_body(self.headers.get("Content-Type") or "", raw)
            except BadBody:
                self._send(Response.error(400, "Error occurred while parsing request parameters"))
                return
            cookie = SimpleCookie(self.headers.get("Cookie") or "")
            host = self.headers.get("Host") or "127.0.0.1"  # HTTP/1.1 requires Host; be lenient
            request = Request(
                method=self.command,
                path=split.path,
                query_string=split.query,
                query=parse_query(split.query),
                form=form,
                headers={k.lower(): v for k, v in self.headers.items()},
                base_url=f"http://{host}",
                cookies={k: m.value for k, m in cookie.items()},
                client_ip=self.client_address[0],
            )
            response = app(request)
            if response is None:
                self.close_connection = True
                return
            self._send(response)

        def _send(self, response: Response) -> None:
            if response.raw is not None:
                self.close_connection = True
                with contextlib.suppress(OSError):  # the client gave up, or the server stopped
                    response.raw(self.wfile)
                    self.wfile.flush()
                return
            body = b"" if self.command == "HEAD" else response.body
            self.send_response(response.status, HTTPStatus(response.status).phrase)
            if response.content_type:
                self.send_header("Content-Type", response.content_type)
            for key, value in response.headers:
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

    return _Handler


class LoopbackServer:
    """A ThreadingHTTPServer on 127.0.0.1 with an OS-chosen port, served from a daemon thread."""

    def __init__(self, app: App) -> None:
        # Open keep-alive connections, so that stop() really stops answering (pooled clients included).
        self._connections: set[socket.socket] = set()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(app, self._connections))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        for connection in list(self._connections):
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
