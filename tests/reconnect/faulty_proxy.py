"""A loopback HTTP proxy that misbehaves between the engine and a server, then stops by itself.

Each request may, at random, be: dropped before it is forwarded; forwarded and then dropped (the
server did the work, the client never hears of it: the case exactly-once is about); delayed;
answered 500, 502 or 429 without being forwarded; or forwarded and answered 500 anyway. After
`max_faults` faults it forwards everything faithfully. `script` forces the first faults of given
paths (e.g. the first applyWrites is applied and its answer lost); `headers` adds headers to the
forwarded answers of given paths (a server's rate-limit announcements); "429_long" answers 429 with
an absurd `retry-after`.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

FAULTS = ("drop_before", "drop_after", "delay", "500", "502", "429", "500_after")
ABSURD_RETRY_AFTER = "999999"  # eleven days and a half
_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "content-encoding"}


class FaultyProxy:
    def __init__(self, upstream: str, *, rate: float = 0.3, max_faults: int = 40, seed: int = 1,
                 script: dict[str, list[str]] | None = None,
                 headers: dict[str, dict[str, str]] | None = None) -> None:  # fmt: skip
        self.upstream = upstream.rstrip("/")
        self.rate, self.max_faults = rate, max_faults
        self.rng = random.Random(seed)  # noqa: S311 (fault choices, not secrets)
        self.script = {path: list(faults) for path, faults in (script or {}).items()}
        self.headers = headers or {}
        self.injected: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.client = httpx.Client(timeout=60)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                proxy.handle(self)

            def do_POST(self) -> None:
                proxy.handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FaultyProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.client.close()

    def _choose(self, path: str) -> str | None:
        with self.lock:
            for prefix, faults in self.script.items():
                if path.startswith(prefix) and faults:
                    fault = faults.pop(0)
                    self.injected[fault] += 1
                    return fault
            if sum(self.injected.values()) >= self.max_faults or self.rng.random() >= self.rate:
                return None
            fault = self.rng.choice(FAULTS)
            self.injected[fault] += 1
            return fault

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        body = h.rfile.read(int(h.headers.get("Content-Length") or 0))
        fault = self._choose(h.path.split("?", 1)[0])
        if fault == "drop_before":
            h.close_connection = True
            h.connection.close()
            return
        if fault in ("500", "502", "429", "429_long"):
            headers = {"retry-after": "1"} if fault == "429" else {}
            if fault == "429_long":
                headers = {"retry-after": ABSURD_RETRY_AFTER}
            self._answer(h, int(fault[:3]), b'{"error":"RateLimitExceeded"}', headers)
            return
        if fault == "delay":
            time.sleep(self.rng.uniform(0.2, 1.0))
        headers = {k: v for k, v in h.headers.items() if k.lower() not in _HOP}
        response = self.client.request(h.command, self.upstream + h.path, content=body, headers=headers)
        if fault == "drop_after":
            h.close_connection = True
            h.connection.close()
            return
        if fault == "500_after":
            self._answer(h, 500, b'{"error":"ProxyFault"}', {})
            return
        # Sessions name the PDS in their DID document: point the client back at the proxy.
        content = response.content.replace(self.upstream.encode(), self.url.encode())
        kept = {k: v for k, v in response.headers.items() if k.lower() not in _HOP}
        for prefix, extra in self.headers.items():
            if h.path.startswith(prefix):
                kept.update(extra)
        self._answer(h, response.status_code, content, kept)

    def _answer(
        self, h: BaseHTTPRequestHandler, status: int, content: bytes, headers: dict[str, str]
    ) -> None:
        h.send_response(status)
        for name, value in headers.items():
            h.send_header(name, value)
        h.send_header("Content-Type", headers.get("content-type", "application/json"))
        h.send_header("Content-Length", str(len(content)))
        h.end_headers()
        h.wfile.write(content)
