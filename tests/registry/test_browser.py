"""The acceptance test, in real Chromium against a live Envol: sign in with X, link Mastodon, see
both verified, unlink one, sign out, and sign in again with the other. On a phone-sized screen."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.db import connections
from playwright import sync_api
from pytest_django.live_server_helper import LiveServer

from envol.core.ids import Platform
from envol.registry.models import Account, Person
from fakes.mastodon.fixtures import FakeMastodonFactory
from fakes.x import FakeX
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


@pytest.fixture
def orm_beside_playwright(page: sync_api.Page) -> Iterator[None]:
    """ORM calls made while Playwright's event loop runs get a connection of their own (Django keys
    connections by async context); close it before the test database is dropped."""
    yield
    connections.close_all()


def _fits_the_screen(page: sync_api.Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_sign_in_with_x_link_mastodon_unlink_and_sign_in_with_the_other(
    live_server: LiveServer,
    fake_mastodon: FakeMastodonFactory,
    monkeypatch: pytest.MonkeyPatch,
    page: sync_api.Page,
    orm_beside_playwright: None,
) -> None:
    # Playwright's sync API runs an event loop in this thread; the ORM checks below are plain sync code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    home = fake_mastodon("mastodon.test", version="4.3.0")
    home.add_account("alice", display_name="Alice on Mastodon")
    point_mastodon_at(monkeypatch, home)
    accounts_url = f"{live_server.url}/accounts/"
    with FakeX(redirect_uri=f"{live_server.url}/sign-in/x/callback/") as x:
        x.add_user(str(ALICE_X), "alice_x", "Alice")
        x.login_as(ALICE_X)
        point_x_at(monkeypatch, x)

        page.goto(f"{live_server.url}/sign-in/")
        page.get_by_role("button", name="Sign in with X").click()
        page.get_by_role("button", name="Authorize app").click()
        # A new person is asked who can find them first: "everyone" pre-selected, its risk beside it.
        page.wait_for_url(f"{live_server.url}/accounts/who-can-find-me/")
        sync_api.expect(page.get_by_text("You are signed in with your X account @alice_x.")).to_be_visible()
        sync_api.expect(page.get_by_label("Everyone whose archive lists me")).to_be_checked()
        sync_api.expect(page.get_by_text("An archive can be forged")).to_be_visible()
        page.get_by_label("Only people my own archive confirms").check()
        page.get_by_role("button", name="Save my choice").click()
        page.wait_for_url(f"{live_server.url}/")  # the journey, whose next step is shown there
        page.goto(accounts_url)
        sync_api.expect(page.get_by_text("Your choice: Only people my own archive confirms.")).to_be_visible()

        page.get_by_label("Your Mastodon address or instance").fill("@alice@mastodon.test")
        page.get_by_role("button", name="Link your Mastodon account").click()
        page.fill("#username", "alice")  # the instance's own log-in, then its consent page
        page.get_by_role("button", name="Log in").click()
        page.get_by_role("button", name="Authorize").click()
        page.wait_for_url(f"{live_server.url}/")  # each proof lands on the journey
        sync_api.expect(
            page.get_by_text("Your Mastodon account @alice@mastodon.test is linked.")
        ).to_be_visible()
        page.goto(accounts_url)
        cards = page.locator("li.phase")
        sync_api.expect(cards).to_have_count(2)
        sync_api.expect(cards.filter(has_text="Verified")).to_have_count(2)
        assert _fits_the_screen(page)
        assert x.live_tokens() == []

        page.get_by_role("link", name="Unlink this X account…").click()
        sync_api.expect(page.get_by_text("If you unlink this account:")).to_be_visible()  # the consequences
        page.get_by_role("button", name="Unlink it").click()
        page.wait_for_url(accounts_url)
        sync_api.expect(page.get_by_text("X @alice_x is no longer linked.")).to_be_visible()
        sync_api.expect(cards).to_have_count(1)

        page.locator("summary", has_text="Menu").click()  # on a phone, the menu holds "Sign out"
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(re.compile(r".*/$"))
        page.locator("summary", has_text="Menu").click()
        sync_api.expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()

        page.goto(f"{live_server.url}/sign-in/")
        page.get_by_label("Your Mastodon address or instance").fill("mastodon.test")
        page.get_by_role("button", name="Sign in with Mastodon").click()
        page.get_by_role("button", name="Authorize").click()  # still logged in on the instance
        page.wait_for_url(f"{live_server.url}/")  # a sign-in lands on the journey too
        welcome = "You are signed in with your Mastodon account @alice@mastodon.test."
        sync_api.expect(page.get_by_text(welcome)).to_be_visible()
        page.goto(accounts_url)
        sync_api.expect(page.get_by_role("heading", name="Mastodon @alice@mastodon.test")).to_be_visible()

    person = Person.objects.get()
    assert list(person.accounts.values_list("platform", flat=True)) == [Platform.MASTODON.value]
    assert Account.objects.get().handle == "alice@mastodon.test"
