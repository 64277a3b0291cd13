"""The public pages answer in both languages, link only to themselves, and load nothing external."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from envol.web.views import PUBLIC_PAGES

pytestmark = pytest.mark.django_db

URL_NAMES = {"home": "home", "how": "how", "faq": "faq", "privacy": "privacy", "legal": "legal"}


@pytest.mark.parametrize("name", PUBLIC_PAGES)
@pytest.mark.parametrize(("language", "marker"), [("en", "Legal notice"), ("fr", "Mentions légales")])
def test_page_renders_in_the_browser_language(client: Client, name: str, language: str, marker: str) -> None:
    response = client.get(reverse(URL_NAMES[name]), headers={"accept-language": language})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert marker in html


def test_home_explains_the_two_phases(client: Client) -> None:
    html = client.get("/", headers={"accept-language": "fr"}).content.decode()
    assert "Deux étapes" in html
    assert "reconnexion automatique commence à une date annoncée" in html


def test_home_announces_the_operator_start_date(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVOL_RECONNECT_FROM", "2027-01-20")
    html = client.get("/", headers={"accept-language": "en"}).content.decode()
    assert "Automatic reconnection starts on 20\u00a0January\u00a02027" in html


def test_a_start_on_the_first_of_a_month_reads_as_french_writes_it(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Campaigns start on the first of a month: French writes it "1er janvier", never "1 janvier"."""
    monkeypatch.setenv("ENVOL_RECONNECT_FROM", "2027-01-01")
    html = client.get("/", headers={"accept-language": "fr"}).content.decode()
    assert "1er\u00a0janvier\u00a02027" in html
    assert "1 janvier" not in html
    english = client.get("/", headers={"accept-language": "en"}).content.decode()
    assert "Automatic reconnection starts on 1\u00a0January\u00a02027" in english


def test_a_start_date_time_shows_the_day_and_every_page_answers(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 17: a date-time made every page answer 500 (the page parsed the whole value, the
    engine only its first ten characters)."""
    monkeypatch.setenv("ENVOL_RECONNECT_FROM", "2027-01-20T00:00")
    response = client.get("/", headers={"accept-language": "en"})
    assert response.status_code == 200
    assert "Automatic reconnection starts on 20\u00a0January\u00a02027" in response.content.decode()


def test_language_switcher_sets_the_language(client: Client) -> None:
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/faq/"})
    assert response.status_code == 302
    assert response["Location"] == "/faq/"
    html = client.get("/faq/", headers={"accept-language": "en"}).content.decode()
    assert "Questions et réponses" in html


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_no_external_scripts_fonts_or_styles(client: Client, name: str) -> None:
    html = client.get(reverse(URL_NAMES[name])).content.decode()
    for attribute in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert not re.match(r"^(https?:)?//", attribute), f"{name} loads {attribute} from another site"
    assert "<script" not in html  # these pages need no JavaScript at all


def test_every_faq_link_lands_on_an_answer(client: Client) -> None:
    """Each claim on the home and how-it-works pages links to the FAQ answer that backs it."""
    faq = client.get(reverse("faq")).content.decode()
    anchors = set(re.findall(r'id="([\w-]+)"', faq))
    linked: set[str] = set()
    for name in ("home", "how"):
        html = client.get(reverse(name)).content.decode()
        linked |= set(re.findall(r'href="/faq/#([\w-]+)"', html))
    assert len(linked) >= 6
    assert linked <= anchors, f"links to missing FAQ answers: {sorted(linked - anchors)}"


def test_pages_have_landmarks_and_a_skip_link(client: Client) -> None:
    html = client.get("/").content.decode()
    assert '<a class="skip" href="#main">' in html
    assert '<main id="main"' in html
    assert "<nav aria-label=" in html
    assert html.count("<h1") == 1
    assert 'name="viewport"' in html


@pytest.mark.parametrize(("language", "title"), [("en", "Page not found"), ("fr", "Page introuvable")])
def test_friendly_404_in_both_languages(client: Client, language: str, title: str) -> None:
    response = client.get("/no-such-page/", headers={"accept-language": language})
    assert response.status_code == 404
    assert f"<h1>{title}</h1>" in response.content.decode()
