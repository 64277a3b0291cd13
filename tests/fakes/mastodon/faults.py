"""Fault injection for resilience tests: the next N matching requests fail before reaching the app."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http import HTTPStatus

from . import pages
from .server import Request, Response


@dataclass
class Fault:
    remaining: int
    status: int = 502
    body: bytes | str | dict[str, object] | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    path: str | None = None  # path prefix; None matches every path
    method: str | None = None
    disconnect: bool = False  # close the connection without any answer
    delay: float = 0.0  # real seconds to wait first (to exercise client timeouts)

    def matches(self, req: Request) -> bool:
        return (self.path is None or req.path.startswith(self.path)) and (
            self.method is None or req.method == self.method.upper()
        )

    def response(self) -> Response | None:
        if self.disconnect:
            return None
        phrase = HTTPStatus(self.status).phrase
        if isinstance(self.body, dict):
            response = Response.json(self.body, self.status)
        elif isinstance(self.body, str | bytes):
            data = self.body.encode() if isinstance(self.body, str) else self.body
            response = Response(self.status, data, "text/plain; charset=utf-8")
        elif self.status in (502, 504):
            response = Response.html(pages.nginx(self.status, phrase), self.status)  # the proxy answers
        else:
            response = Response.error(self.status, phrase)
        response.headers.extend(self.headers)
        return response


class FaultInjector:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, req: Request) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.remaining > 0 and fault.matches(req):
                    fault.remaining -= 1
                    return fault
            self._faults = [f for f in self._faults if f.remaining > 0]
        return None
