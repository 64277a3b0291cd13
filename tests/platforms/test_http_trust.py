"""SafeHttp toward servers of a closed network (issue #18, item 5): a private CA given by
ENVOL_EXTRA_CA_BUNDLE is trusted beside certifi's; a certificate nobody vouches for and a name that
does not resolve are distinct errors, logged with the host and the error's class only."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from envol.platforms.errors import CertificateUntrusted, ErrorCode, NameNotFound, Transient
from envol.platforms.http import SafeHttp
from fakes.mastodon.fixtures import FakeMastodonFactory
from support.tls import PrivateCa, TlsFront


@pytest.fixture
def front(
    fake_mastodon: FakeMastodonFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[PrivateCa, TlsFront]]:
    monkeypatch.setenv("ENVOL_ALLOW_PRIVATE_HOSTS", "1")
    m = fake_mastodon("closed.test")
    ca = PrivateCa()
    tls = TlsFront(ca, int(m.base_url.rpartition(":")[2]))
    yield ca, tls
    tls.close()


def test_a_private_ca_is_trusted_only_when_the_operator_names_it(
    front: tuple[PrivateCa, TlsFront], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    ca, tls = front
    with (
        caplog.at_level(logging.WARNING, logger="envol.platforms"),
        SafeHttp() as http,
        pytest.raises(CertificateUntrusted) as refused,
    ):
        http.get(f"{tls.base_url}/api/v1/instance?secret=1")
    assert refused.value.code == ErrorCode.TLS
    (record,) = [r for r in caplog.records if r.getMessage() == "outbound_tls_failed"]
    assert (record.host, record.error) == ("localhost", "SSLCertVerificationError")  # type: ignore[attr-defined]
    assert "/api/v1/instance" not in caplog.text
    assert "secret" not in caplog.text
    monkeypatch.setenv("ENVOL_EXTRA_CA_BUNDLE", str(ca.ca_file))
    with SafeHttp() as http:
        answer = http.get(f"{tls.base_url}/api/v1/instance")
    assert answer.status_code == 200
    assert answer.json()["uri"] == "closed.test"


def test_a_name_that_does_not_resolve_is_its_own_error(caplog: pytest.LogCaptureFixture) -> None:
    with (
        caplog.at_level(logging.WARNING, logger="envol.platforms"),
        SafeHttp() as http,
        pytest.raises(NameNotFound) as missing,
    ):
        http.get("https://no-such-instance.invalid/.well-known/nodeinfo?q=x")
    assert missing.value.code == ErrorCode.DNS
    (record,) = [r for r in caplog.records if r.getMessage() == "outbound_dns_failed"]
    assert (record.host, record.error) == ("no-such-instance.invalid", "gaierror")  # type: ignore[attr-defined]
    assert "nodeinfo" not in caplog.text


def test_a_refused_connection_is_logged_with_its_host_only(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENVOL_ALLOW_PRIVATE_HOSTS", "1")
    with (
        caplog.at_level(logging.INFO, logger="envol.platforms"),
        SafeHttp() as http,
        pytest.raises(Transient) as failed,
    ):
        http.get("http://127.0.0.1:9/api/v1/instance?q=secret")
    assert not isinstance(failed.value, CertificateUntrusted | NameNotFound)
    (record,) = [r for r in caplog.records if r.getMessage() == "outbound_failed"]
    assert (record.host, record.error) == ("127.0.0.1", "ConnectError")  # type: ignore[attr-defined]
    assert "secret" not in caplog.text
