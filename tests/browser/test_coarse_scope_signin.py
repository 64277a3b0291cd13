"""In real Chromium, on a phone: a person whose instance honours only the coarse scopes (Takahē)
signs in with Mastodon, reads why their instance asks once more, approves, chooses to reconnect, and
the engine follows their people on that instance (issue #18, item 1)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connections
from playwright import sync_api
from pytest_django.live_server_helper import LiveServer

from envol.core.ids import Platform
from envol.matching.candidates import KnownAccount
from envol.reconnect.executor import run_account
from envol.registry.models import Account, MastodonApp, Person, Verification
from fakes.mastodon import FakeClock
from fakes.mastodon.fixtures import FakeMastodonFactory
from fakes.mastodon.realworld import CoarseScopeOnly
from support.chromium import launch

pytestmark = pytest.mark.django_db(transaction=True)

PEOPLE = ("bob", "carol")


@pytest.fixture
def page() -> Iterator[sync_api.Page]:
    with sync_api.sync_playwright() as p:
        browser = launch(p)
        context = browser.new_context(viewport={"width": 320, "height": 740}, locale="en-GB", is_mobile=True)
        yield context.new_page()
        # The ORM calls made beside Playwright's event loop have their own connection (Django keys
        # connections by async context): close it while that context is still the current one.
        connections.close_all()
        browser.close()


def _fits_the_screen(page: sync_api.Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def _people_already_on_envol(domain: str) -> list[KnownAccount]:
    """Bob and Carol, whom the person followed on X, signed in with their accounts on the same instance."""
    found = []
    for name in PEOPLE:
        person = Person.objects.create(findable_by="everyone")
        stable_id, handle = f"https://{domain}/users/{name}", f"{name}@{domain}"
        target = Account.objects.create(
            person=person,
            platform=Platform.MASTODON,
            stable_id=stable_id,
            handle=handle,
            verification=Verification.VERIFIED,
        )
        found.append(KnownAccount(person.pk, Platform.MASTODON, target.pk, stable_id, handle, True, False))
    return found


def test_a_coarse_scope_server_signs_in_then_is_reconnected(
    live_server: LiveServer,
    fake_mastodon: FakeMastodonFactory,
    mastodon_clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    page: sync_api.Page,
) -> None:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # ORM checks beside Playwright's loop
    coarse = CoarseScopeOnly()
    home = fake_mastodon("takahe.test", software="takahe", version="0.11.0", modes=[coarse])
    for name in ("alice", *PEOPLE):
        home.add_account(name)
    monkeypatch.setenv("ENVOL_MASTODON_INSTANCE_URLS", f"takahe.test={home.base_url}")
    monkeypatch.setenv("ENVOL_ALLOW_PRIVATE_HOSTS", "1")
    monkeypatch.setenv("ENVOL_RECONNECT_FROM", "2020-01-01")
    known = _people_already_on_envol("takahe.test")
    monkeypatch.setattr("envol.reconnect.plan.candidates_rows", lambda person_id: known)

    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Your Mastodon address or instance").fill("@alice@takahe.test")
    page.get_by_role("button", name="Sign in with Mastodon").click()
    page.fill("#username", "alice")  # the instance's own log-in, then its consent page
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Authorize").click()
    # The instance refused the narrow permissions it had just granted: Envol says so, in plain words.
    sync_api.expect(page.get_by_role("heading", name="One more approval on your instance")).to_be_visible()
    sync_api.expect(page.get_by_text("only accepts broader permissions")).to_be_visible()
    assert _fits_the_screen(page)
    page.get_by_role("link", name="Approve on takahe.test").click()
    page.get_by_role("button", name="Authorize").click()  # still logged in on the instance
    page.wait_for_url(f"{live_server.url}/accounts/who-can-find-me/")
    sync_api.expect(
        page.get_by_text("You are signed in with your Mastodon account @alice@takahe.test.")
    ).to_be_visible()

    page.goto(f"{live_server.url}/people/")
    page.get_by_label("both").check()
    page.get_by_label("automatically, now and whenever someone I knew joins").check()
    page.get_by_role("button", name="Save my choice").click()
    sync_api.expect(page.get_by_text("Under way: 0 done, 2 to go.")).to_be_visible()

    account = Account.objects.get(handle="alice@takahe.test")
    assert account.token_scope == "read write"
    assert MastodonApp.objects.get().scopes == "read write"
    assert run_account(account.pk, clock=mastodon_clock.now) == "idle"

    assert home.following_of("alice") == ["bob@takahe.test", "carol@takahe.test"]
    assert coarse.refused == ["GET /api/v1/accounts/verify_credentials"]  # once, before Envol learned
    page.reload()
    sync_api.expect(page.get_by_text("Done: 2 follows made.")).to_be_visible()
    assert _fits_the_screen(page)
