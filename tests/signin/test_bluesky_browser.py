"""The acceptance test of Bluesky sign-in, in real Chromium against a live Envol and the real local
PDS: sign in with X, link Bluesky through OAuth (the PDS's own sign-in and consent pages), link
Mastodon, then the connector follows in a batch and reads the follows back with the stored grant."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connections
from playwright import sync_api
from pytest_django.live_server_helper import LiveServer

from envol.core.ids import Platform
from envol.platforms.bluesky.repo import create_follows, list_follows, new_follow
from envol.platforms.bluesky.xrpc import Xrpc
from envol.platforms.http import SafeHttp
from envol.registry.bluesky_tokens import credentials_for
from envol.registry.models import Person
from fakes.mastodon.fixtures import FakeMastodonFactory
from fakes.x import FakeX
from support.atproto_net import AtprotoNetwork
from support.bluesky_oauth import point_envol_at
from support.chromium import launch

from .conftest import ALICE_X, point_mastodon_at, point_x_at

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def page() -> Iterator[sync_api.Page]:
    with sync_api.sync_playwright() as p:
        browser = launch(p)
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB", is_mobile=True)
        yield context.new_page()
        browser.close()
    connections.close_all()  # ORM calls made beside Playwright's loop had connections of their own


def test_sign_in_with_x_link_bluesky_through_oauth_and_mastodon_then_follow_with_the_grant(
    live_server: LiveServer,
    atproto_network: AtprotoNetwork,
    fake_mastodon: FakeMastodonFactory,
    monkeypatch: pytest.MonkeyPatch,
    page: sync_api.Page,
) -> None:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # The loopback OAuth client needs Envol at a loopback IP, not at "localhost".
    base = live_server.url.replace("localhost", "127.0.0.1")
    monkeypatch.setenv("ENVOL_PUBLIC_URL", base)
    point_envol_at(monkeypatch, atproto_network)
    home = fake_mastodon("mastodon.test", version="4.3.0")
    home.add_account("alice", display_name="Alice on Mastodon")
    point_mastodon_at(monkeypatch, home)
    me, bob, carol = (
        atproto_network.create_account(),
        atproto_network.account("bob"),
        atproto_network.account("carol"),
    )
    accounts_url = f"{base}/accounts/"
    with FakeX(redirect_uri=f"{base}/sign-in/x/callback/") as x:
        x.add_user(str(ALICE_X), "alice_x", "Alice")
        x.login_as(ALICE_X)
        point_x_at(monkeypatch, x)
        page.goto(f"{base}/sign-in/")
        page.get_by_role("button", name="Sign in with X").click()
        page.get_by_role("button", name="Authorize app").click()
        page.wait_for_url(f"{base}/accounts/who-can-find-me/")  # a new person is asked first
        page.get_by_role("button", name="Save my choice").click()  # "everyone", pre-selected
        page.wait_for_url(f"{base}/")  # the journey: where the person is, and what comes next
        sync_api.expect(
            page.get_by_role("link", name="Link your Bluesky or Mastodon account")
        ).to_be_visible()
        page.goto(accounts_url)

        page.get_by_label("Your Bluesky handle").first.fill(me.handle)
        page.get_by_role("button", name="Link your Bluesky account").click()
        page.locator("input[name=password]").fill(me.password)  # on the PDS's own page
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("button", name="Authorize").click()
        page.wait_for_url(f"{base}/")
        sync_api.expect(page.get_by_text(f"Your Bluesky account @{me.handle} is linked.")).to_be_visible()
        sync_api.expect(page.get_by_role("link", name="Share your X archive")).to_be_visible()
        page.goto(accounts_url)

        page.get_by_label("Your Mastodon address or instance").fill("@alice@mastodon.test")
        page.get_by_role("button", name="Link your Mastodon account").click()
        page.fill("#username", "alice")
        page.get_by_role("button", name="Log in").click()
        page.get_by_role("button", name="Authorize").click()
        page.wait_for_url(f"{base}/")
        page.goto(accounts_url)
        cards = page.locator("li.phase")
        sync_api.expect(cards).to_have_count(3)
        sync_api.expect(cards.filter(has_text="Verified")).to_have_count(3)
        sync_api.expect(page.get_by_role("heading", name=f"Bluesky @{me.handle}")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    person = Person.objects.get()
    assert set(person.accounts.values_list("platform", flat=True)) == {"x", "bluesky", "mastodon"}
    account = person.accounts.get(platform=Platform.BLUESKY)
    assert account.stable_id == me.did
    with SafeHttp() as http:
        xrpc = Xrpc.for_account(http, credentials_for(account, http))
        create_follows(xrpc, [new_follow(bob.did), new_follow(carol.did)])
        assert sorted(f.subject for f in list_follows(xrpc).records) == sorted([bob.did, carol.did])
