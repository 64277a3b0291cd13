"""SafeHttp against loopback servers only: refusals happen before any connection is attempted.

An autouse guard wraps ``socket.socket.connect``: it records every address and refuses anything that
is not loopback, so no test can send traffic off this machine even if the code under test is wrong.
"""

from __future__ import annotations

import gzip
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from envol.platforms.errors import Rejected, Transient
from envol.platforms.http import (
    ResponseTooLarge,
    SafeHttp,
    TooManyRedirects,
    UnsafeHost,
    is_public,
)
from fakes.mastodon import Drip, FakeMastodon, Hostile

FLAG = "ENVOL_ALLOW_PRIVATE_HOSTS"
MIB = 1024 * 1024


class Handler(BaseHTTPRequestHandler):
    """Routes by path; HTTP/1.0 so a body without Content-Length simply ends at close."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if "Content-Length" not in (headers or {}) and body is not None:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        received = self.rfile.read(length)
        if self.path == "/see-other":
            self._send(303, headers={"Location": "/ok"})
        else:
            self._send(200, b"posted:" + received, {"X-Method": "POST"})

    def do_GET(self) -> None:
        path, _, query = self.path.partition("?")
        seen = {"X-Seen-Host": self.headers.get("Host", ""), "X-Method": "GET"}
        try:
            if path == "/ok":
                auth = self.headers.get("Authorization", "")
                self._send(200, b"hello", {**seen, "X-Seen-Auth": auth})
            elif path == "/redirect":
                self._send(302, headers={"Location": query.removeprefix("to=")})
            elif path == "/chain":
                left = int(query or "0")
                location = f"/chain?{left - 1}" if left > 0 else "/ok"
                self._send(302, headers={"Location": location})
            elif path == "/huge-declared":
                self._send(200, b"x" * 10, {"Content-Length": str(3 * MIB)})
            elif path == "/huge-streamed":
                self.send_response(200)
                self.end_headers()
                for _ in range(3 * 16):
                    self.wfile.write(b"x" * (MIB // 16))
            elif path == "/gzip-bomb":
                packed = gzip.compress(b"\0" * (5 * MIB))
                self._send(200, packed, {"Content-Encoding": "gzip"})
            elif path == "/gzip-small":
                self._send(200, gzip.compress(b"small " * 100), {"Content-Encoding": "gzip"})
            elif path == "/slow":
                time.sleep(1.5)
                self._send(200, b"late")
            elif path == "/drip":
                self.send_response(200)
                self.end_headers()
                for _ in range(20):
                    self.wfile.write(b"d")
                    self.wfile.flush()
                    time.sleep(0.1)
            else:
                self._send(404, b"no")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up on purpose (size or time limit)


Server = Callable[[], str]


@pytest.fixture
def server() -> Iterator[Server]:
    """A factory of loopback servers; each call returns a new base URL (a new port)."""
    started: list[ThreadingHTTPServer] = []

    def start() -> str:
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        started.append(httpd)
        return f"http://127.0.0.1:{httpd.server_address[1]}"

    yield start
    for httpd in started:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(autouse=True)
def connects(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every address a socket tries to connect to; non-loopback ones are refused here."""
    seen: list[str] = []
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> None:
        host = str(address[0]) if isinstance(address, tuple) else str(address)
        seen.append(host)
        if not ipaddress.ip_address(host.split("%")[0]).is_loopback:
            raise ConnectionRefusedError(f"test guard: no traffic to {host}")
        real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    return seen


@pytest.fixture
def allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FLAG, "1")


@pytest.fixture
def refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(FLAG, raising=False)


def _is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def fake_dns(monkeypatch: pytest.MonkeyPatch, table: dict[str, list[str]]) -> list[str]:
    """Answer names from ``table`` (never the real DNS); returns the names asked, in order."""
    asked: list[str] = []

    real = socket.getaddrinfo

    def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        if _is_literal(host):
            return real(host, port, *args, **kwargs)  # httpcore's own call for a pinned address
        asked.append(host)
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "unknown in test")
        return [
            (socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))
            for ip in table[host]
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


# --- refusals, before any connection --------------------------------------------------------------


@pytest.mark.usefixtures("refused")
@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.1/",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/",
        "https://[::ffff:127.0.0.1]/",
        "https://[::ffff:10.0.0.1]/",
        "https://[fe80::1]/",
        "https://[64:ff9b::a00:1]/",
        "https://0.0.0.0/",
        "https://224.0.0.1/",
        "https://100.64.0.1/",
        "https://127.0.0.1:1/",
    ],
)
def test_non_public_literals_are_refused_without_connecting(url: str, connects: list[str]) -> None:
    with SafeHttp() as http, pytest.raises(UnsafeHost):
        http.get(url)
    assert connects == []


@pytest.mark.usefixtures("refused")
def test_loopback_server_is_refused_when_private_hosts_are_not_allowed(
    server: Server, connects: list[str]
) -> None:
    base = server()
    with SafeHttp() as http:
        with pytest.raises(UnsafeHost, match="scheme"):
            http.get(base + "/ok")  # plain http is only for private test setups
        with pytest.raises(UnsafeHost):
            http.get(base.replace("http://", "https://") + "/ok")
    assert connects == []


@pytest.mark.usefixtures("refused")
def test_a_name_with_any_private_address_is_refused(
    monkeypatch: pytest.MonkeyPatch, connects: list[str]
) -> None:
    fake_dns(monkeypatch, {"mixed.test": ["93.184.215.14", "127.0.0.1"]})
    with SafeHttp() as http, pytest.raises(UnsafeHost, match=r"127\.0\.0\.1"):
        http.get("https://mixed.test/")
    assert connects == []


@pytest.mark.usefixtures("refused")
@pytest.mark.parametrize("host", ["2130706433", "0x7f000001", "127.1", "0177.0.0.1"])
def test_odd_spellings_of_loopback_are_refused(host: str, connects: list[str]) -> None:
    # Not IP literals for ipaddress, but the system resolver reads them as 127.0.0.1 (no DNS query).
    with SafeHttp() as http, pytest.raises(UnsafeHost):
        http.get(f"https://{host}/")
    assert connects == []


@pytest.mark.usefixtures("refused")
def test_a_public_name_is_pinned_to_the_checked_address(
    monkeypatch: pytest.MonkeyPatch, connects: list[str]
) -> None:
    asked = fake_dns(monkeypatch, {"public.test": ["93.184.215.14"]})
    # The connect guard refuses the public address, so nothing leaves; what matters is where it went.
    with SafeHttp() as http, pytest.raises(Transient):
        http.get("https://public.test/")
    assert asked == ["public.test"]
    assert connects == ["93.184.215.14"]


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/",
        "file:///etc/passwd",
        "https://user:pw@example.org/",
        "https:///nohost",
        "not a url",
    ],
)
def test_bad_urls_are_refused(url: str, connects: list[str], allowed: None) -> None:
    with SafeHttp() as http, pytest.raises(UnsafeHost):
        http.get(url)
    assert connects == []


def test_unresolvable_name_is_transient(monkeypatch: pytest.MonkeyPatch, allowed: None) -> None:
    fake_dns(monkeypatch, {})
    with SafeHttp() as http, pytest.raises(Transient):
        http.get("https://nowhere.test/")


@pytest.mark.parametrize(
    ("text", "public"),
    [
        ("93.184.215.14", True),
        ("2606:4700::1111", True),
        ("192.168.1.1", False),
        ("172.16.0.1", False),
        ("::", False),
        ("ff02::1", False),
        ("fc00::1", False),
        ("2002:7f00:1::", False),  # 6to4 wrapping 127.0.0.1
        ("2002:5db8:d70e::", False),  # 6to4 as a whole is not globally reachable (IANA)
        ("240.0.0.1", False),
    ],
)
def test_public_address_rule(text: str, public: bool) -> None:
    assert is_public(ipaddress.ip_address(text)) is public


# --- with private hosts allowed (local test servers) ----------------------------------------------


@pytest.mark.usefixtures("allowed")
def test_get_and_post_work_against_a_loopback_server(server: Server) -> None:
    base = server()
    with SafeHttp() as http:
        got = http.get(base + "/ok")
        posted = http.post(base + "/echo", json={"a": 1})
    assert (got.status_code, got.text) == (200, "hello")
    assert str(got.url) == base + "/ok"  # the URL asked for, not a rewritten one
    assert posted.text == 'posted:{"a":1}'


@pytest.mark.usefixtures("allowed")
def test_a_name_reaches_the_resolved_address_with_its_own_host_header(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = server().rsplit(":", 1)[1]
    asked = fake_dns(monkeypatch, {"instance.test": ["127.0.0.1"]})
    with SafeHttp() as http:
        response = http.get(f"http://instance.test:{port}/ok")
    assert response.text == "hello"
    assert response.headers["x-seen-host"] == f"instance.test:{port}"
    assert asked == ["instance.test"]


@pytest.mark.usefixtures("allowed")
def test_redirect_to_another_port_is_followed_and_each_hop_checked(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = server(), server()
    second_port = second.rsplit(":", 1)[1]
    asked = fake_dns(monkeypatch, {"a.test": ["127.0.0.1"], "b.test": ["127.0.0.1"]})
    first_port = first.rsplit(":", 1)[1]
    with SafeHttp() as http:
        response = http.get(
            f"http://a.test:{first_port}/redirect?to=http://b.test:{second_port}/ok",
            headers={"Authorization": "Bearer secret"},
        )
    assert response.text == "hello"
    assert response.headers["x-seen-host"] == f"b.test:{second_port}"
    assert response.headers["x-seen-auth"] == ""  # credentials do not follow to another origin
    assert asked == ["a.test", "b.test"]


@pytest.mark.usefixtures("allowed")
def test_same_origin_redirect_keeps_credentials(server: Server) -> None:
    base = server()
    with SafeHttp() as http:
        response = http.get(base + "/redirect?to=/ok", headers={"Authorization": "Bearer secret"})
    assert response.headers["x-seen-auth"] == "Bearer secret"


@pytest.mark.usefixtures("allowed")
def test_303_after_post_becomes_a_get(server: Server) -> None:
    base = server()
    with SafeHttp() as http:
        response = http.post(base + "/see-other", data={"x": "1"})
    assert response.headers["x-method"] == "GET"
    assert response.text == "hello"


@pytest.mark.usefixtures("allowed")
@pytest.mark.parametrize("location", ["file:///etc/passwd", "gopher://127.0.0.1:70/", "ftp://127.0.0.1/"])
def test_redirect_to_a_non_http_scheme_is_refused(server: Server, location: str) -> None:
    base = server()
    with SafeHttp() as http, pytest.raises(UnsafeHost, match="scheme"):
        http.get(f"{base}/redirect?to={location}")


def test_redirect_to_a_private_host_is_refused_without_connecting(
    server: Server, monkeypatch: pytest.MonkeyPatch, connects: list[str]
) -> None:
    # The first hop is allowed only because this test pretends the loopback server is public.
    base = server()
    port = base.rsplit(":", 1)[1]
    monkeypatch.delenv(FLAG, raising=False)
    monkeypatch.setattr("envol.platforms.http.is_public", lambda ip: ip == ipaddress.ip_address("127.0.0.1"))
    monkeypatch.setattr("envol.platforms.http._check_url", lambda url, allow_private: None)
    with SafeHttp() as http, pytest.raises(UnsafeHost, match=r"10\.0\.0\.1"):
        http.get(f"http://127.0.0.1:{port}/redirect?to=https://10.0.0.1/")
    assert connects == ["127.0.0.1"]


@pytest.mark.usefixtures("allowed")
def test_redirect_chain_within_the_limit_is_followed(server: Server) -> None:
    base = server()
    with SafeHttp(max_redirects=5) as http:
        assert http.get(base + "/chain?4").text == "hello"  # 5 redirects: /chain?4 … /chain?0 → /ok


@pytest.mark.usefixtures("allowed")
def test_redirect_chain_beyond_the_limit_is_refused(server: Server) -> None:
    base = server()
    with SafeHttp(max_redirects=5) as http, pytest.raises(TooManyRedirects):
        http.get(base + "/chain?5")  # 6 redirects
    assert issubclass(TooManyRedirects, Rejected)


@pytest.mark.usefixtures("allowed")
@pytest.mark.parametrize("path", ["/huge-declared", "/huge-streamed", "/gzip-bomb"])
def test_bodies_over_the_limit_are_refused(server: Server, path: str) -> None:
    base = server()
    with SafeHttp(max_bytes=2 * MIB) as http, pytest.raises(ResponseTooLarge):
        http.get(base + path)
    assert issubclass(ResponseTooLarge, Rejected)


@pytest.mark.usefixtures("allowed")
def test_compressed_bodies_within_the_limit_are_decoded(server: Server) -> None:
    base = server()
    with SafeHttp() as http:
        response = http.get(base + "/gzip-small")
    assert response.text == "small " * 100
    assert "content-encoding" not in response.headers


@pytest.mark.usefixtures("allowed")
def test_a_body_at_the_limit_is_accepted(server: Server) -> None:
    base = server()
    with SafeHttp(max_bytes=5) as http:
        assert http.get(base + "/ok").text == "hello"
    with SafeHttp(max_bytes=4) as http, pytest.raises(ResponseTooLarge):
        http.get(base + "/ok")


@pytest.mark.usefixtures("allowed")
def test_slow_response_is_transient(server: Server) -> None:
    base = server()
    started = time.monotonic()
    with SafeHttp(timeout=0.3) as http, pytest.raises(Transient):
        http.get(base + "/slow")
    assert time.monotonic() - started < 1.2


@pytest.mark.usefixtures("allowed")
def test_slow_drip_body_hits_the_deadline(server: Server) -> None:
    base = server()
    started = time.monotonic()
    with SafeHttp(timeout=1.0, deadline=0.5) as http, pytest.raises(Transient):
        http.get(base + "/drip")  # each byte within the read timeout, the whole far beyond
    assert time.monotonic() - started < 1.5


@pytest.mark.usefixtures("allowed")
def test_closed_port_is_transient() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with SafeHttp() as http, pytest.raises(Transient):
        http.get(f"http://127.0.0.1:{port}/")


# --- TLS with a pinned address: the certificate is checked against the name, not the IP ----------


def _certificate(name: str) -> tuple[bytes, bytes]:
    """A self-signed certificate for ``name`` and its key, both PEM."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


@pytest.fixture
def tls_server(tmp_path: Any) -> Iterator[tuple[int, ssl.SSLContext]]:
    """An https loopback server whose certificate names ``instance.test``; and a client trusting it."""
    cert_pem, key_pem = _certificate("instance.test")
    (tmp_path / "cert.pem").write_bytes(cert_pem)
    (tmp_path / "key.pem").write_bytes(key_pem)
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.socket = server_side.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd.server_address[1], ssl.create_default_context(cadata=cert_pem.decode())
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.usefixtures("allowed")
def test_https_to_a_pinned_address_checks_the_certificate_against_the_name(
    tls_server: tuple[int, ssl.SSLContext], monkeypatch: pytest.MonkeyPatch
) -> None:
    port, trust = tls_server
    fake_dns(monkeypatch, {"instance.test": ["127.0.0.1"], "other.test": ["127.0.0.1"]})
    with SafeHttp(tls=trust) as http:
        response = http.get(f"https://instance.test:{port}/ok")
        assert response.text == "hello"
        assert response.headers["x-seen-host"] == f"instance.test:{port}"
        # Same address, a name the certificate does not cover: the TLS check must fail.
        with pytest.raises(Transient):
            http.get(f"https://other.test:{port}/ok")


@pytest.mark.usefixtures("allowed")
def test_headers_dripped_one_byte_at_a_time_hit_the_deadline() -> None:
    # The hostile fake sends a complete, valid answer without a body, status line and headers one byte
    # every 30 ms (about 2.4 s in all): each read is quick and there is no body to read, so only a
    # deadline over every read of the exchange stops it.
    hostile = Hostile(drip=Drip(("/api/v1/instance",)))
    with FakeMastodon("drip.test", modes=[hostile]) as m:
        with SafeHttp(timeout=1.0, deadline=0.5) as http, pytest.raises(Transient):
            http.get(m.url("/api/v1/instance"))
        with SafeHttp(timeout=1.0, deadline=30) as http:  # the same answer, given the time, is read
            assert http.get(m.url("/api/v1/instance")).headers["x-drip"] == "slow"
    assert "/api/v1/instance" in hostile.transport_hits  # the dripping writer answered
