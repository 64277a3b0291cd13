"""The share widget in real Chromium, pasted into an outlet's article page on another origin.

Every request the browser makes is recorded; none may leave before the reader clicks, and the
clicks go exactly where they should: Bluesky's compose intent, and the share page of the Mastodon
instance the reader chose once (remembered on their device only). The same snippet is also pasted
into a page whose Content-Security-Policy forbids inline scripts: its buttons still share the page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest
from django.db import connections
from playwright import sync_api
from pytest_django.live_server_helper import LiveServer

from envol.media.widget import MAX_BYTES
from support.chromium import launch

pytestmark = pytest.mark.django_db(transaction=True)

ARTICLE = "https://news.example.org/2027/01/leaving-x.html"
TITLE = "We leave X — Example News"
OPTIONS = {"lang": "en", "bluesky": "on", "mastodon": "on", "follow_bluesky": "@news.example.org",
           "follow_mastodon": "@news@mastodon.example.org"}  # fmt: skip


HEIGHTS = "(buttons) => buttons.map((b) => b.getBoundingClientRect().height)"
NAMES = {
    "en": ("Share on Bluesky", "Share on Mastodon", "Your Mastodon instance", "Share"),
    "fr": ("Partager sur Bluesky", "Partager sur Mastodon", "Votre instance Mastodon", "Partager"),
}


def _component(text: str) -> str:
    """JavaScript's encodeURIComponent."""
    return quote(text, safe="-_.!~*'()")


@pytest.fixture
def browser_context() -> Iterator[sync_api.BrowserContext]:
    with sync_api.sync_playwright() as p:
        browser = launch(p)
        yield browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
        browser.close()
    connections.close_all()


class Network:
    """Serves the outlet's article with the snippet in it, answers any other site with a stub page
    (nothing reaches the Internet), and records every request. `csp` is the article's own
    Content-Security-Policy header, when it has one."""

    def __init__(
        self,
        context: sync_api.BrowserContext,
        snippet: str,
        live: str,
        csp: str = "",
        article_url: str = ARTICLE,
    ) -> None:
        self.requests: list[str] = []
        self.live = live
        self.article = article_url
        context.on("request", lambda request: self.requests.append(request.url))
        head = f"<head><meta charset='utf-8'><title>{TITLE}</title></head>"
        article = f"<!doctype html><html lang='en'>{head}<body><h1>{TITLE}</h1>{snippet}</body></html>"
        headers = {"Content-Security-Policy": csp} if csp else {}
        context.route("**/*", self._elsewhere)
        context.route(
            article_url,
            lambda route: route.fulfill(status=200, content_type="text/html", body=article, headers=headers),
        )

    def _elsewhere(self, route: sync_api.Route) -> None:
        if route.request.url.startswith(self.live):
            route.continue_()
        else:
            route.fulfill(status=200, content_type="text/html", body="<title>elsewhere</title>")

    def elsewhere(self) -> list[str]:
        return [url for url in self.requests if url != self.article and not url.startswith(self.live)]


@pytest.fixture
def snippet(live_server: LiveServer) -> str:
    response = httpx.get(f"{live_server.url}/media/widget/snippet.txt", params=OPTIONS, timeout=10)
    assert response.status_code == 200
    return response.text


def test_share_on_bluesky_and_on_a_chosen_mastodon_instance(
    browser_context: sync_api.BrowserContext, snippet: str, live_server: LiveServer
) -> None:
    assert len(snippet.encode()) < MAX_BYTES
    network = Network(browser_context, snippet, live_server.url)
    page = browser_context.new_page()
    page.goto(ARTICLE)
    message = _component(f"{TITLE} {ARTICLE}")

    bluesky = page.get_by_role("link", name="Share on Bluesky")
    assert bluesky.get_attribute("href") == f"https://bsky.app/intent/compose?text={message}"
    follow = page.get_by_role("link", name="Follow us on Mastodon")
    assert follow.get_attribute("href") == "https://mastodon.example.org/@news"
    assert page.get_by_role("link", name="Follow us on Bluesky").get_attribute("href") == (
        "https://bsky.app/profile/news.example.org"
    )
    assert network.elsewhere() == []  # the snippet itself requests nothing
    assert page.evaluate("document.cookie") == ""

    with page.expect_popup() as opened:
        bluesky.click()
    assert opened.value.url == f"https://bsky.app/intent/compose?text={message}"

    # First Mastodon share: the reader is asked for their instance, by keyboard alone.
    share = page.get_by_role("link", name="Share on Mastodon")
    share.focus()
    page.keyboard.press("Enter")
    assert share.get_attribute("aria-expanded") == "true"
    instance = page.get_by_label("Your Mastodon instance")
    sync_api.expect(instance).to_be_focused()
    instance.fill("not an instance")
    page.keyboard.press("Enter")
    sync_api.expect(page.get_by_role("alert")).to_have_text(
        "Enter the address of your instance, such as mastodon.social."
    )
    instance.fill("@me@Social.Example.org")  # any written form of an address on the instance
    with page.expect_popup() as opened:
        page.keyboard.press("Enter")
    assert opened.value.url == f"https://social.example.org/share?text={message}"
    assert page.evaluate("localStorage.getItem('envol-mastodon-instance')") == "social.example.org"

    # Back later: the instance is remembered on this device; one click shares.
    page.reload()
    sync_api.expect(
        page.get_by_role("button", name="Change your instance (social.example.org)")
    ).to_be_visible()
    with page.expect_popup() as opened:
        page.get_by_role("link", name="Share on Mastodon").click()
    assert opened.value.url == f"https://social.example.org/share?text={message}"
    page.get_by_role("button", name="Change your instance (social.example.org)").click()
    page.get_by_label("Your Mastodon instance").fill("https://piaille.fr/@someone")
    with page.expect_popup() as opened:
        page.get_by_role("button", name="Share", exact=True).click()
    assert opened.value.url == f"https://piaille.fr/share?text={message}"

    # The only requests that left the article were the shares the reader asked for.
    assert sorted({url.split("?")[0] for url in network.elsewhere()}) == [
        "https://bsky.app/intent/compose",
        "https://piaille.fr/share",
        "https://social.example.org/share",
    ]
    assert page.evaluate("document.cookie") == ""


def test_the_generator_previews_live(
    browser_context: sync_api.BrowserContext, live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    network = Network(browser_context, "", live_server.url)
    page = browser_context.new_page()
    page.goto(f"{live_server.url}/media/widget/")
    code = page.get_by_label("The snippet to paste")
    sync_api.expect(code).to_have_value(re.compile("Share on Mastodon"))
    page.get_by_label("Your Mastodon account, for a “follow us” button").fill(
        "https://mastodon.social/@lemonde"
    )
    sync_api.expect(code).to_have_value(re.compile(re.escape('href="https://mastodon.social/@lemonde"')))
    preview = page.frame_locator("#widget-preview")
    sync_api.expect(preview.get_by_role("link", name="Follow us on Mastodon")).to_have_attribute(
        "href", "https://mastodon.social/@lemonde"
    )
    page.get_by_label("Language of the buttons").select_option("fr")
    sync_api.expect(preview.get_by_role("link", name="Partager sur Mastodon")).to_be_visible()
    sync_api.expect(page.locator("#widget-size")).to_contain_text(
        re.compile(r"It weighs \d\.\d\xa0KB, under the 10\.0\xa0KB limit")
    )
    assert "lang=fr" in page.url
    heights = preview.locator(".envol-b:visible").evaluate_all(
        "(bs) => bs.map((b) => b.getBoundingClientRect().height)"
    )
    assert len(heights) == 3 and len(set(heights)) == 1, heights  # noqa: PT018 (equal buttons)

    # No script on the outlet's site: the snippet is links only, and its size says so.
    page.get_by_label("My site forbids inline scripts (strict Content-Security-Policy)").check()
    sync_api.expect(code).not_to_have_value(re.compile("<script"))
    browser_context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.get_by_role("button", name="Copy the snippet").click()
    sync_api.expect(page.get_by_role("status")).to_contain_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == code.input_value()
    assert network.elsewhere() == []


@pytest.mark.parametrize("language", ["en", "fr"])
def test_on_a_site_that_forbids_inline_scripts_the_buttons_still_share_the_page(
    browser_context: sync_api.BrowserContext, live_server: LiveServer, language: str
) -> None:
    """The outlet's page sends `Content-Security-Policy: script-src 'self'`: the snippet's script
    never runs, and the plain links do the work through Envol's share page."""
    snippet = httpx.get(f"{live_server.url}/media/widget/snippet.txt", params={**OPTIONS, "lang": language},
                        timeout=10).text  # fmt: skip
    article = (
        "http://news.example.org/2027/01/leaving-x.html"  # plain HTTP like the test server: no downgrade
    )
    network = Network(browser_context, snippet, live_server.url, csp="script-src 'self'", article_url=article)
    page = browser_context.new_page()
    blocked: list[str] = []
    page.on("console", lambda message: blocked.append(message.text))
    page.goto(article)
    assert any("inline script" in text for text in blocked)  # the policy did stop the script
    assert network.elsewhere() == []
    assert page.evaluate("document.cookie") == ""
    bluesky, mastodon, instance_label, share = NAMES[language]
    heights = page.locator(".envol-b:visible").evaluate_all(HEIGHTS)
    assert len(set(heights)) == 1, heights

    with page.expect_popup() as opened:
        page.get_by_role("link", name=bluesky).click()
    compose = opened.value
    compose.wait_for_url("https://bsky.app/**")
    assert compose.url == f"https://bsky.app/intent/compose?text={_component(article)}"  # never empty

    with page.expect_popup() as opened:
        page.get_by_role("link", name=mastodon).click()
    envol = opened.value
    envol.wait_for_load_state()
    assert envol.url.startswith(f"{live_server.url}/media/share/")
    sync_api.expect(envol.locator("html")).to_have_attribute("lang", language)
    envol.get_by_label(instance_label).fill("@me@Social.Example.org")
    envol.get_by_role("button", name=share, exact=True).click()
    envol.wait_for_url("https://social.example.org/**")
    assert envol.url == f"https://social.example.org/share?text={_component(article)}"

    # Next time, on any site with these buttons, the instance is known: one more click shares.
    with page.expect_popup() as opened:
        page.get_by_role("link", name=mastodon).click()
    again = opened.value
    again.wait_for_load_state()
    known = again.get_by_role("link", name=re.compile(r"\(\s*social\.example\.org\s*\)"))
    sync_api.expect(known).to_be_focused()
    assert known.get_attribute("href") == f"https://social.example.org/share?text={_component(article)}"
    assert browser_context.cookies() == []  # neither the article nor Envol's share page set one
    assert sorted({url.split("?")[0] for url in network.elsewhere()}) == [
        "https://bsky.app/intent/compose",
        "https://social.example.org/share",
    ]


def test_the_public_pages_fit_a_phone(
    browser_context: sync_api.BrowserContext, live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from envol.stats.service import take_snapshot

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop runs in this thread
    take_snapshot()
    page = browser_context.new_page()
    for path in ("/media/", "/media/declare/", "/media/widget/", "/figures/"):
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
