"""The hostile mode: a server that lies about who it is and whom it hosts, and abuses the transport.

Every lie is off unless asked for, so one test sets exactly the attack it is about:

    evil = fake_mastodon("evil.test", modes=[Hostile(uri="https://victim.test/users/victim")])

What each option does (docs/testing-fake-mastodon.md, "Modes"):

- `uri`, `acct`: verify_credentials answers with this actor URI / `acct` instead of the signed-in
  account's own (an account of another server, a formula such as `FORMULA_HANDLE`);
- `domain`: the instance API (`/api/v2/instance` `domain`, `/api/v1/instance` `uri`) claims this
  handle domain;
- `webfinger`: WebFinger answers for *any* resource, of any domain, naming this actor URI as `self`;
- `nodeinfo`: `/.well-known/nodeinfo` links to this address instead of the server's own document;
- `token_status`: `POST /oauth/token` answers this status (401 `invalid_client`: "I forgot your app");
- `drip`: the answer to the given paths is sent one byte at a time, `interval` seconds apart, status
  line and headers first: a client that bounds each read, not the whole exchange, waits it all out;
- `huge`: the answer to the given paths is a JSON body of `size` bytes (with or without a declared
  Content-Length), larger than any client should accept.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

from .context import Context
from .meta import JRD, NODEINFO_REL
from .modes import EndpointMode
from .server import Request, Response

#: A handle that a spreadsheet would run as a formula (CSV injection).
FORMULA_HANDLE = '=HYPERLINK("https://evil.test/x","click")'

# Endpoints whose answer carries the lies about identity.
CREDENTIALS = "GET /api/v1/accounts/verify_credentials"
INSTANCE_V2 = "GET /api/v2/instance"
INSTANCE_V1 = "GET /api/v1/instance"


@dataclass(frozen=True)
class Drip:
    """Send a complete answer to `paths` (200, no body), one byte every `interval` seconds (80 bytes)."""

    paths: tuple[str, ...]
    interval: float = 0.03


@dataclass(frozen=True)
class Huge:
    """Answer `paths` with a body of `size` bytes; `declared`: say so in Content-Length first."""

    paths: tuple[str, ...]
    size: int = 3 * 1024 * 1024
    declared: bool = True


@dataclass
class Hostile(EndpointMode):
    uri: str | None = None
    acct: str | None = None
    domain: str | None = None
    webfinger: str | None = None
    nodeinfo: str | None = None
    token_status: int | None = None
    drip: Drip | None = None
    huge: Huge | None = None
    # Requests answered by a raw writer, for tests that check the client gave up in time.
    transport_hits: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()
        if self.uri is not None or self.acct is not None:
            self.on_after(CREDENTIALS, self._lie_about_account)
        if self.domain is not None:
            self.on_after(INSTANCE_V2, self._lie_about_domain)
            self.on_after(INSTANCE_V1, self._lie_about_domain)
        if self.webfinger is not None:
            self.on_before("GET /.well-known/webfinger", self._webfinger_for_anyone)
        if self.nodeinfo is not None:
            self.on_before("GET /.well-known/nodeinfo", self._nodeinfo_elsewhere)
        if self.token_status is not None:
            self.on_before("POST /oauth/token", self._refuse_token)

    def before(self, ctx: Context, req: Request) -> Response | None:
        if self.drip is not None and req.path in self.drip.paths:
            self.transport_hits.append(req.path)
            return Response(200, raw=_dripping(self.drip))
        if self.huge is not None and req.path in self.huge.paths:
            self.transport_hits.append(req.path)
            return Response(200, raw=_huge(self.huge))
        return super().before(ctx, req)

    # -- identity lies ----------------------------------------------------------------------------------
    def _lie_about_account(self, ctx: Context, req: Request, response: Response) -> Response:
        if response.status != 200:
            return response
        body = json.loads(response.body)
        if self.uri is not None:
            body["uri"] = self.uri
        if self.acct is not None:
            body["acct"] = self.acct
        return Response.json(body, response.status, response.headers)

    def _lie_about_domain(self, ctx: Context, req: Request, response: Response) -> Response:
        if response.status != 200:
            return response
        body = json.loads(response.body)
        body["domain" if req.path == "/api/v2/instance" else "uri"] = self.domain
        return Response.json(body, response.status, response.headers)

    def _webfinger_for_anyone(self, ctx: Context, req: Request) -> Response:
        resource = (req.param("resource") or "").strip()
        body = {
            "subject": resource,
            "aliases": [self.webfinger],
            "links": [{"rel": "self", "type": "application/activity+json", "href": self.webfinger}],
        }
        response = Response.json(body)
        response.content_type = JRD
        return response

    def _nodeinfo_elsewhere(self, ctx: Context, req: Request) -> Response:
        return Response.json({"links": [{"rel": NODEINFO_REL, "href": self.nodeinfo}]})

    def _refuse_token(self, ctx: Context, req: Request) -> Response:
        status = self.token_status or 401
        description = "Client authentication failed due to unknown client, no client authentication "
        return Response.json({"error": "invalid_client", "error_description": description}, status)


def _dripping(drip: Drip) -> Callable[[BinaryIO], None]:
    # A complete, valid answer without a body: a client that bounds each read, or checks its deadline
    # only while reading a body, ends up *accepting* it, late.
    payload = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Drip: slow\r\nContent-Length: 0\r\n\r\n"
    )

    def write(out: BinaryIO) -> None:
        for index in range(len(payload)):
            out.write(payload[index : index + 1])
            out.flush()
            time.sleep(drip.interval)

    return write


def _huge(huge: Huge) -> Callable[[BinaryIO], None]:
    def write(out: BinaryIO) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        if huge.declared:
            head += f"Content-Length: {huge.size}\r\n".encode()
        out.write(head + b"Connection: close\r\n\r\n")
        out.write(b'{"padding":"')
        chunk = b"x" * 65536
        sent = 12
        while sent < huge.size - 2:
            piece = chunk[: huge.size - 2 - sent]
            out.write(piece)
            sent += len(piece)
        out.write(b'"}')

    return write
