"""The campaign's "follow us" links on every page, from settings typed in any form."""

from __future__ import annotations

import pytest
from django.test import Client

from envol.media.campaign import campaign_links

pytestmark = pytest.mark.django_db


def test_hidden_when_unset(client: Client) -> None:
    assert campaign_links() == []
    assert 'class="campaign"' not in client.get("/").content.decode()


def test_shown_on_every_page_in_both_languages(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVOL_CAMPAIGN_MASTODON", "https://mastodon.social/@HelloQuitteX")
    monkeypatch.setenv("ENVOL_CAMPAIGN_BLUESKY", "@helloquittex.com")
    monkeypatch.setenv("ENVOL_CAMPAIGN_X", "https://x.com/HelloQuitteX")
    expected = [
        ("https://mastodon.social/@helloquittex", "Mastodon: @helloquittex@mastodon.social"),
        ("https://bsky.app/profile/helloquittex.com", "Bluesky: @helloquittex.com"),
        ("https://x.com/HelloQuitteX", "X: @HelloQuitteX"),
    ]
    for path in ("/", "/faq/", "/media/", "/figures/", "/media/widget/"):
        html = client.get(path, headers={"accept-language": "en"}).content.decode()
        for url, text in expected:
            assert f'<a href="{url}" rel="me noopener">{text}</a>' in html, path
    assert "Suivez-nous" in client.get("/", headers={"accept-language": "fr"}).content.decode()


def test_only_the_readable_accounts_are_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVOL_CAMPAIGN_MASTODON", "not an address")
    monkeypatch.setenv("ENVOL_CAMPAIGN_BLUESKY", "did:plc:abcdefghijklmnopqrstuvwx")
    assert [(link.network, link.address) for link in campaign_links()] == [
        ("Bluesky", "did:plc:abcdefghijklmnopqrstuvwx")
    ]
