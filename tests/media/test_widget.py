"""The share widget's snippet and its generator page (the browser test is test_widget_browser.py)."""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

import pytest
from django.test import Client

from envol.media.widget import MAX_BYTES, WidgetOptions, inline_hashes, instance_host, shared_url, snippet

pytestmark = pytest.mark.django_db

BASE = "https://envol.example.org"

EVERYTHING = {"lang": "fr", "bluesky": "on", "mastodon": "on", "follow_bluesky": "https://bsky.app/profile/lemonde.fr",
              "follow_mastodon": "https://mastodon.social/@lemonde"}  # fmt: skip


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_fullest_snippet_stays_under_ten_kilobytes(language: str) -> None:
    code = snippet(WidgetOptions.from_params({**EVERYTHING, "lang": language}), BASE)
    assert len(code.encode()) < MAX_BYTES
    assert "https://bsky.app/profile/lemonde.fr" in code
    assert 'href="https://mastodon.social/@lemonde"' in code


def test_the_snippet_loads_nothing_and_sets_no_cookie() -> None:
    code = snippet(WidgetOptions.from_params(EVERYTHING), BASE)
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
    french = snippet(WidgetOptions.from_params(EVERYTHING), BASE)
    assert "Partager sur Bluesky" in french
    assert "Suivez-nous sur Mastodon" in french
    assert 'lang="fr"' in french
    english = snippet(WidgetOptions.from_params({**EVERYTHING, "lang": "en"}), BASE)
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
    assert snippet(WidgetOptions.from_params(EVERYTHING), "http://testserver/") in preview.content.decode()
    text = client.get("/media/widget/snippet.txt", EVERYTHING)
    assert text["Content-Type"].startswith("text/plain")
    assert text.content.decode() == snippet(WidgetOptions.from_params(EVERYTHING), "http://testserver/")


def test_without_script_the_buttons_are_links_to_the_share_page() -> None:
    strict = snippet(WidgetOptions.from_params({**EVERYTHING, "lang": "en", "strict": "on"}), BASE)
    assert "<script" not in strict
    assert 'href="https://envol.example.org/media/share/?to=bluesky&amp;lang=en"' in strict
    assert 'href="https://envol.example.org/media/share/?to=mastodon&amp;lang=en"' in strict
    assert "<button" not in strict  # nothing that needs a script to do anything
    assert strict.count('referrerpolicy="no-referrer-when-downgrade"') == 2
    # The default snippet has the same links, and a script that improves them where it may run.
    default = snippet(WidgetOptions.from_params({**EVERYTHING, "lang": "en"}), BASE)
    assert 'href="https://envol.example.org/media/share/?to=mastodon&amp;lang=en"' in default
    assert set(inline_hashes(default)) == {"style", "script"}
    assert set(inline_hashes(strict)) == {"style"}


@pytest.mark.parametrize(
    ("language", "label"), [("fr", "Langue des boutons"), ("en", "Language of the buttons")]
)
def test_the_generator_speaks_its_page_language_by_default(client: Client, language: str, label: str) -> None:
    html = client.get("/media/widget/", headers={"accept-language": language}).content.decode()
    assert f'<option value="{language}" lang="{language}" selected>' in html
    assert "bytes" not in html and "octets" not in html  # noqa: PT018 (the size is said in words)
    words = {
        "en": r"It weighs \d\.\d\xa0KB, under the 10\.0\xa0KB limit",
        "fr": r"Il pèse \d,\d\xa0Kio, sous la limite de 10,0\xa0Kio",
    }[language]
    assert re.search(words, html)
    text = client.get("/media/widget/snippet.txt", headers={"accept-language": language})
    assert f'lang="{language}"' in text.content.decode()
    # What the generator's script writes as the options change: the same words, in the page's language.
    assert re.search(words, unquote(text["X-Envol-Size"]))


def test_share_page_for_bluesky_goes_to_the_compose_window_with_the_page() -> None:
    client = Client()
    article = "https://news.example.org/2027/01/leaving-x.html"
    response = client.get("/media/share/?to=bluesky&lang=fr", headers={"referer": article + "?utm_source=x"})
    assert response.status_code == 303
    assert response["Location"] == "https://bsky.app/intent/compose?text=" + quote(article, safe="")
    assert response.cookies == {}


def test_share_page_never_opens_an_empty_compose_window() -> None:
    client = Client()
    for headers in ({}, {"referer": "http://testserver/media/widget/"}, {"referer": "javascript:alert(1)"}):
        response = client.get("/media/share/?to=bluesky&lang=en", headers=headers)
        assert response.status_code == 200
        assert "Address of the page to share" in response.content.decode()
    given = client.get("/media/share/", {"to": "bluesky", "url": "https://news.example.org/a"})
    assert given["Location"] == "https://bsky.app/intent/compose?text=https%3A%2F%2Fnews.example.org%2Fa"


def test_share_page_for_mastodon_asks_the_instance_and_never_redirects_by_itself() -> None:
    client = Client()
    article = "https://news.example.org/a"
    page = client.get("/media/share/?to=mastodon&lang=fr", headers={"referer": article})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Votre instance Mastodon" in html
    assert 'lang="fr"' in html
    assert page.cookies == {}
    assert "csrfmiddlewaretoken" not in html
    chosen = client.get("/media/share/", {"to": "mastodon", "url": article, "instance": "@me@Piaille.fr"})
    assert chosen.status_code == 200  # a link the reader reads, not a redirect anyone could aim
    assert (
        'href="https://piaille.fr/share?text=https%3A%2F%2Fnews.example.org%2Fa"' in chosen.content.decode()
    )
    wrong = client.get("/media/share/", {"to": "mastodon", "url": article, "instance": "not one"})
    assert 'aria-invalid="true"' in wrong.content.decode()


def test_shared_addresses_and_instances_in_any_form() -> None:
    assert shared_url("https://n.example.org/a?utm_medium=s&id=3#c") == "https://n.example.org/a?id=3"
    assert shared_url("javascript:alert(1)") is None
    assert shared_url("https://" + "a" * 3000 + ".org/") is None
    assert instance_host("@me@Social.Example.org") == "social.example.org"
    assert instance_host("https://piaille.fr/@someone") == "piaille.fr"
    assert instance_host("mastodon.social") == "mastodon.social"
    assert instance_host("not an instance") is None
