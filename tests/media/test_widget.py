"""The share widget's snippet and its generator page (the browser test is test_widget_browser.py)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from envol.media.widget import MAX_BYTES, WidgetOptions, snippet

pytestmark = pytest.mark.django_db

EVERYTHING = {"lang": "fr", "bluesky": "on", "mastodon": "on", "follow_bluesky": "https://bsky.app/profile/lemonde.fr",
              "follow_mastodon": "https://mastodon.social/@lemonde"}  # fmt: skip


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_fullest_snippet_stays_under_ten_kilobytes(language: str) -> None:
    code = snippet(WidgetOptions.from_params({**EVERYTHING, "lang": language}))
    assert len(code.encode()) < MAX_BYTES
    assert "https://bsky.app/profile/lemonde.fr" in code
    assert 'href="https://mastodon.social/@lemonde"' in code


def test_the_snippet_loads_nothing_and_sets_no_cookie() -> None:
    code = snippet(WidgetOptions.from_params(EVERYTHING))
    assert re.findall(r"\bsrc=", code) == []  # no script, image, frame or font from anywhere
    assert "<link" not in code
    assert "@import" not in code
    assert "url(" not in code
    assert "document.cookie" not in code
    assert "fetch(" not in code
    assert "XMLHttpRequest" not in code
    assert "sendBeacon" not in code


def test_options_come_from_the_form_in_any_written_form() -> None:
    options = WidgetOptions.from_params(EVERYTHING)
    assert options.follow_bluesky == "lemonde.fr"
    assert options.follow_mastodon == "lemonde@mastodon.social"
    assert options.language == "fr"
    only_bluesky = WidgetOptions.from_params({"bluesky": "on", "follow_bluesky": "", "follow_mastodon": ""})
    assert (only_bluesky.share_bluesky, only_bluesky.share_mastodon) == (True, False)
    first_visit = WidgetOptions.from_params({})
    assert (first_visit.share_bluesky, first_visit.share_mastodon) == (True, True)
    assert WidgetOptions.from_params({"lang": "de"}).language == "en"


def test_labels_in_the_chosen_language() -> None:
    french = snippet(WidgetOptions.from_params(EVERYTHING))
    assert "Partager sur Bluesky" in french
    assert "Suivez-nous sur Mastodon" in french
    assert 'lang="fr"' in french
    english = snippet(WidgetOptions.from_params({**EVERYTHING, "lang": "en"}))
    assert "Share on Mastodon" in english


def test_the_generator_works_without_javascript(client: Client) -> None:
    html = client.get(
        "/media/widget/", {**EVERYTHING, "lang": "en"}, headers={"accept-language": "fr"}
    ).content.decode()
    assert "Des boutons de partage pour votre site" in html  # the page in the visitor's language
    assert "Share on Bluesky" in html  # the snippet in the chosen one, escaped in the text area
    assert "<noscript><button" in html
    assert 'src="/media/widget/preview/?lang=en' in html
    preview = client.get("/media/widget/preview/", EVERYTHING)
    assert preview["X-Frame-Options"] == "SAMEORIGIN"
    assert snippet(WidgetOptions.from_params(EVERYTHING)) in preview.content.decode()
    text = client.get("/media/widget/snippet.txt", EVERYTHING)
    assert text["Content-Type"].startswith("text/plain")
    assert text.content.decode() == snippet(WidgetOptions.from_params(EVERYTHING))
