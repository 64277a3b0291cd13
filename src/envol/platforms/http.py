"""Outbound HTTP for platform connectors that refuses to be turned against the service's own network.

Connectors fetch URLs that people type (a Mastodon instance, a PDS) and URLs that servers hand back
(redirects, nodeinfo links). Without care, ``https://169.254.169.254/`` or a name that resolves to
``10.0.0.5`` would let anyone probe or reach internal services (SSRF). :class:`SafeHttp` therefore:

- accepts only ``https`` URLs (``http`` too when ``ENVOL_ALLOW_PRIVATE_HOSTS`` is on, for local
  test servers), without credentials in the URL;
- resolves the host itself and refuses it when *any* address is not public (private, loopback,
  link-local, multicast, reserved, unspecified, shared, including IPv4 hidden inside IPv6), unless
  ``ENVOL_ALLOW_PRIVATE_HOSTS`` is on; the flag is read at every call so tests can flip it;
- connects to the very address it checked (the URL's host is replaced by the IP, while the ``Host``
  header and the TLS server name/certificate check keep the real name), so a second DNS answer
  cannot swap in a private address (DNS rebinding);
- follows at most ``max_redirects`` redirects itself, checking every hop like the first URL;
- bounds connect/read/write time, the whole exchange (``deadline``: every socket operation, headers
  included, gets only what is left of it, against servers that drip bytes) and the size of the
  decoded body (``Content-Length`` first, then while streaming, which also stops
  compression bombs).

Errors are the canonical platform errors: :class:`UnsafeHost`, :class:`TooManyRedirects` and
:class:`ResponseTooLarge` are ``Rejected`` (retrying will not help); network failures and timeouts
are ``Transient``. HTTP error statuses are returned as responses: the connector maps them.

Residual risk: the environment's proxy variables are ignored on purpose (``trust_env=False``); a
deployment that must go through a proxy needs the proxy itself to refuse internal destinations.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import socket
import ssl
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Protocol, Self

import httpx

from envol.core import requestslots
from envol.core.config import CONFIG
from envol.platforms.deadline import deadline_transport, exchange_deadline
from envol.platforms.errors import CertificateUntrusted, NameNotFound, Rejected, Transient

MAX_BYTES = 2 * 1024 * 1024
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# Failures toward a server are logged with its host and the error's class, never a path or a query
# (they may carry a person's handle or a token's parameters).
logger = logging.getLogger("envol.platforms")


class UnsafeHost(Rejected):
    """The URL's scheme, credentials or host (any of its addresses) may not be fetched."""


class TooManyRedirects(Rejected):
    """The chain of redirects is longer than allowed."""


class ResponseTooLarge(Rejected):
    """The response body is larger than allowed."""


def private_hosts_allowed() -> bool:
    return CONFIG.allow_private_hosts


def trust_store() -> ssl.SSLContext:
    """certifi's authorities, plus the operator's ENVOL_EXTRA_CA_BUNDLE (read at every call, so tests
    can set it; the context is built once per bundle)."""
    return _trust_store(CONFIG.extra_ca_bundle)


@functools.cache
def _trust_store(extra: str) -> ssl.SSLContext:
    context = httpx.create_ssl_context(trust_env=False)  # certifi's authorities, as httpx trusts them
    if extra:
        context.load_verify_locations(cafile=extra)  # a missing or unreadable file fails loudly
    return context


def _tls_cause(error: BaseException) -> ssl.SSLError | None:
    """The TLS error behind a transport error, if that is what it was (httpx wraps httpcore's)."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, Teredo, NAT64), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public(ip: IPAddress) -> bool:
    """Whether ``ip`` is a public unicast address (and so is whatever IPv4 address it hides)."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None and not is_public(inner):
            return False
    # is_global alone lets multicast through (some multicast ranges are global), hence the list.
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def _parse_ip(text: str) -> IPAddress:
    # getaddrinfo writes scoped IPv6 link-local addresses as "fe80::1%eth0".
    return ipaddress.ip_address(text.split("%", 1)[0])


def resolve(host: str, port: int, *, allow_private: bool) -> IPAddress:
    """The address to connect to for ``host``, after checking every address the host has."""
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        # Literal addresses are judged before any socket call: nothing leaves for a refused one.
        if not allow_private and not is_public(literal):
            raise UnsafeHost(f"refusing non-public address {literal}")
        return literal
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        # A failed lookup is often a passing DNS fault; the engine decides when to give up.
        logger.warning("outbound_dns_failed", extra={"host": host, "error": type(exc).__name__})
        raise NameNotFound(f"cannot resolve {host}") from exc
    addresses = [_parse_ip(str(info[4][0])) for info in infos]
    if not addresses:
        raise Transient(f"{host} has no address")
    if not allow_private:
        refused = [ip for ip in addresses if not is_public(ip)]
        if refused:
            # Any bad address refuses the host: which one a client would pick is not ours to guess.
            raise UnsafeHost(f"refusing {host}: it resolves to non-public address {refused[0]}")
    return addresses[0]


def _check_url(url: httpx.URL, *, allow_private: bool) -> None:
    allowed = {"https", "http"} if allow_private else {"https"}
    if url.scheme not in allowed:
        raise UnsafeHost(f"refusing scheme {url.scheme!r}")
    if url.userinfo:
        raise UnsafeHost("refusing credentials inside a URL")
    if not url.host:
        raise UnsafeHost("refusing a URL without host")


def _redirect_method(status: int, method: str) -> str:
    # What browsers do, and what httpx does when it follows redirects itself.
    if status == 303 and method != "HEAD":
        return "GET"
    if status in (301, 302) and method == "POST":
        return "GET"
    return method


class HttpClient(Protocol):
    """What connectors need from an HTTP client: `SafeHttp` in production, a plain `httpx.Client`
    (with ``follow_redirects=True``) in tests. Redirects must be followed: a handle domain may
    redirect /.well-known/* to the host where the server lives."""

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response: ...


class SafeHttp:
    """An HTTP client for untrusted URLs. One per connector call chain; close it (or use ``with``)."""

    def __init__(
        self,
        *,
        timeout: float = 10.0,
        deadline: float = 30.0,
        max_bytes: int = MAX_BYTES,
        max_redirects: int = 5,
        headers: Mapping[str, str] | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        # ``tls`` only swaps the trust store; certificates are always checked, by default against
        # certifi's authorities and the operator's ENVOL_EXTRA_CA_BUNDLE (a closed network's CA).
        self.verify: ssl.SSLContext | bool = tls if tls is not None else trust_store()
        self.timeout = httpx.Timeout(timeout)
        self.deadline = deadline
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.headers = dict(headers or {})
        # One pool per host name: pooled connections are keyed by IP, and a TLS connection checked
        # for one name must never carry a request meant for another name on the same IP.
        self._clients: dict[str, httpx.Client] = {}

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()

    def get(
        self, url: str, *, params: Mapping[str, str] | None = None, headers: Mapping[str, str] | None = None
    ) -> httpx.Response:
        return self.request("GET", url, params=params, headers=headers)

    def post(
        self,
        url: str,
        *,
        data: Mapping[str, str] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        return self.request("POST", url, data=data, json=json, headers=headers)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send the request, following redirects safely; the body is already read and bounded."""
        allow_private = private_hosts_allowed()
        stop_at = time.monotonic() + self.deadline
        try:
            target = httpx.URL(url)
            if params:
                # httpx.URL(url, params=None) would wipe the URL's own query, hence the merge.
                target = target.copy_merge_params(params)
        except (httpx.InvalidURL, TypeError, ValueError) as exc:
            raise UnsafeHost("refusing an invalid URL") from exc
        request_headers = {**self.headers, **(headers or {})}
        body: dict[str, Any] = {"data": data, "json": json}
        # Waiting on another server frees this request's slot for other pages (core.requestslots).
        with requestslots.waiting():
            for _hop in range(self.max_redirects + 1):
                response = self._send_one(method, target, request_headers, body, allow_private, stop_at)
                location = response.headers.get("location")
                if response.status_code not in REDIRECT_STATUSES or location is None:
                    return response
                try:
                    next_target = target.join(location)
                except (httpx.InvalidURL, ValueError) as exc:
                    raise UnsafeHost("refusing an invalid redirect location") from exc
                if (next_target.scheme, next_target.host, next_target.port) != (
                    target.scheme,
                    target.host,
                    target.port,
                ):
                    # Credentials meant for one origin must not travel to another.
                    request_headers = {
                        k: v
                        for k, v in request_headers.items()
                        if k.lower() not in {"authorization", "cookie"}
                    }
                new_method = _redirect_method(response.status_code, method)
                if new_method != method:
                    body = {"data": None, "json": None}
                method, target = new_method, next_target
        raise TooManyRedirects(f"more than {self.max_redirects} redirects")

    def _client(self, host: str) -> httpx.Client:
        client = self._clients.get(host)
        if client is None:
            # trust_env=False: a proxy from the environment would make its own DNS lookups and
            # defeat the address pinning below.
            client = httpx.Client(
                timeout=self.timeout,
                follow_redirects=False,
                trust_env=False,
                transport=deadline_transport(self.verify),
            )
            self._clients[host] = client
        return client

    def _send_one(
        self,
        method: str,
        target: httpx.URL,
        headers: dict[str, str],
        body: dict[str, Any],
        allow_private: bool,
        stop_at: float,
    ) -> httpx.Response:
        _check_url(target, allow_private=allow_private)
        port = target.port or (443 if target.scheme == "https" else 80)
        ip = resolve(target.host, port, allow_private=allow_private)
        client = self._client(target.host)
        wire = client.build_request(
            method,
            target.copy_with(host=str(ip)),
            headers={**headers, "Host": target.netloc.decode("ascii")},
            # TLS: send the real name (SNI) and check the certificate against it, not the IP.
            extensions={"sni_hostname": target.host},
            **{k: v for k, v in body.items() if v is not None},
        )
        try:
            # Every socket operation of the exchange, the status line and headers included, ends by
            # the deadline (deadline.py): one byte every few seconds cannot hold the exchange open.
            with exchange_deadline(stop_at):
                response = client.send(wire, stream=True)
                try:
                    content = self._read_bounded(response, stop_at)
                finally:
                    response.close()
        except httpx.TransportError as exc:
            cause = _tls_cause(exc)
            if cause is None:
                # Refused, reset, timed out: the common passing case, logged below warning level.
                logger.info("outbound_failed", extra={"host": target.host, "error": type(exc).__name__})
                raise Transient(f"{type(exc).__name__} talking to {target.host}") from exc
            logger.warning("outbound_tls_failed", extra={"host": target.host, "error": type(cause).__name__})
            if isinstance(cause, ssl.SSLCertVerificationError):
                raise CertificateUntrusted(f"{target.host}: certificate not trusted") from exc
            raise Transient(f"{type(cause).__name__} talking to {target.host}") from exc
        # A fresh response whose URL is the one asked for (not the IP); the body is already decoded,
        # so the encoding headers that described the wire bytes are dropped.
        kept = [
            (k, v)
            for k, v in response.headers.multi_items()
            if k.lower() not in {"content-encoding", "content-length"}
        ]
        return httpx.Response(
            response.status_code,
            headers=kept,
            content=content,
            request=httpx.Request(method, target),
        )

    def _read_bounded(self, response: httpx.Response, stop_at: float) -> bytes:
        declared = response.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            raise ResponseTooLarge(f"response declares {declared} bytes, more than {self.max_bytes}")
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise ResponseTooLarge(f"response is larger than {self.max_bytes} bytes")
            if time.monotonic() > stop_at:
                raise Transient(f"response took longer than {self.deadline} s")
            chunks.append(chunk)
        return b"".join(chunks)
