"""The logs carry no secret and no third party's address (issue #16, item 13): the request log names
routes, not paths holding tokens; outbound URLs (`lookup?acct=…`) never reach an INFO line."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from envol.core.ids import Platform
from envol.matching import lookups
from envol.matching.materialise import refresh_everyone
from envol.platforms.http import SafeHttp
from envol.platforms.mastodon.accounts import lookup
from fakes.mastodon import FakeMastodon
from fakes.mastodon.fixtures import FakeMastodonFactory
from matching.world import V, account, person, upload

TOKEN = "k3Y-0nLy-f0r-Th3-0wn3r"


@pytest.mark.django_db
def test_the_request_log_names_the_route_not_the_token(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="envol.request"):
        client.get(f"/media/confirm/{TOKEN}/")
        client.get(f"/no-such-page/{TOKEN}/")
    logged = [r for r in caplog.records if r.name == "envol.request"]
    assert [getattr(r, "path", None) for r in logged] == ["/media/confirm/<str:token>/", "/no-such-page/…"]
    assert TOKEN not in caplog.text  # nor in Django's own "Not Found: …" line


def test_outbound_urls_and_their_queries_are_not_logged(
    fake_mastodon: FakeMastodonFactory, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    m: FakeMastodon = fake_mastodon("mastodon.test")
    m.add_account("bob")
    monkeypatch.setenv("ENVOL_ALLOW_PRIVATE_HOSTS", "1")
    with caplog.at_level(logging.DEBUG), SafeHttp() as http:
        assert lookup(m.base_url, "bob@mastodon.test", home_domain="mastodon.test", http=http) is not None
    assert m.calls("GET", "/api/v1/accounts/lookup")  # the request was made...
    assert "acct=" not in caplog.text  # ...and no line says whom it was about
    assert "bob" not in caplog.text


@pytest.mark.django_db
def test_a_failed_lookup_logs_no_handle(
    tmp_path: Path,
    fake_mastodon: FakeMastodonFactory,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    m = fake_mastodon("mastodon.test")
    monkeypatch.setenv("ENVOL_ALLOW_PRIVATE_HOSTS", "1")
    monkeypatch.setenv("ENVOL_MASTODON_INSTANCE_URLS", f"mastodon.test={m.base_url}")
    person(1)
    account(
        person(2), Platform.MASTODON, "https://mastodon.test/users/carolyn", V, handle="carolyn@mastodon.test"
    )
    upload(tmp_path, 1, followers=[], following=[2])
    refresh_everyone(notify=False)
    m.fail_next(5, status=503)
    with caplog.at_level(logging.INFO), SafeHttp() as http:
        lookups.check_mastodon(http, now=timezone.now() + timedelta(seconds=1))
    assert "mastodon lookup failed" in caplog.text
    assert "carolyn" not in caplog.text


@pytest.mark.django_db
def test_a_csrf_refusal_logs_the_route_not_the_token(caplog: pytest.LogCaptureFixture) -> None:
    client = Client(enforce_csrf_checks=True)
    with caplog.at_level(logging.WARNING):
        assert client.post(f"/media/confirm/{TOKEN}/").status_code == 403
    assert "Forbidden" in caplog.text
    assert TOKEN not in caplog.text
