"""What Chromium does with form-action, tested on the real Mastodon sign-in form against the fake
Mastodon (another origin): Chromium applies form-action to the redirect that follows the POST, so
`form-action 'self'` alone would break every sign-in; Envol's policy lets it through. And what it
does with the admin's inline <style> on a change list without action bars."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.db import connections
from playwright import sync_api
from pytest_django.live_server_helper import LiveServer

from envol.core import middleware
from envol.privacy.models import ErasureProof
from envol.registry.models import Account
from fakes.mastodon import FakeMastodon
from fakes.mastodon.fixtures import FakeMastodonFactory
from support.chromium import launch

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def page() -> Iterator[sync_api.Page]:
    with sync_api.sync_playwright() as p:
        browser = launch(p)
        yield browser.new_context(locale="en-GB").new_page()
        browser.close()
    connections.close_all()  # the ORM calls made beside Playwright's loop had connections of their own


@pytest.fixture
def instance(fake_mastodon: FakeMastodonFactory, monkeypatch: pytest.MonkeyPatch) -> FakeMastodon:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop here
    home = fake_mastodon("mastodon.test", version="4.3.0")
    home.add_account("alice", display_name="Alice on Mastodon")
    monkeypatch.setenv("ENVOL_MASTODON_INSTANCE_URLS", f"{home.domain}={home.base_url}")
    monkeypatch.setenv("ENVOL_ALLOW_PRIVATE_HOSTS", "1")  # the fake listens on plain HTTP, on loopback
    return home


def _csp_violations(page: sync_api.Page) -> list[str]:
    seen: list[str] = []
    page.on("console", lambda m: seen.append(m.text) if "Content Security Policy" in m.text else None)
    return seen


def test_form_action_self_alone_blocks_the_redirect_to_the_instance(
    live_server: LiveServer, instance: FakeMastodon, page: sync_api.Page, monkeypatch: pytest.MonkeyPatch
) -> None:
    def self_only(base: dict[str, list[str]]) -> dict[str, list[str]]:
        return {**base, "form-action": ["'self'"]}

    monkeypatch.setattr(middleware, "policy_for_request", self_only)
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Your Mastodon address or instance").fill("@alice@mastodon.test")
    with page.expect_console_message(lambda m: "form-action" in m.text) as blocked:
        page.get_by_role("button", name="Sign in with Mastodon").click()
    # Chromium names the form's own URL (the spec hides where a redirect led), yet the POST itself
    # was sent and answered: Envol registered its app on the instance before redirecting there.
    assert f"Sending form data to '{live_server.url}/sign-in/mastodon/'" in blocked.value.text
    assert len(instance.calls("POST", "/api/v1/apps")) == 1
    assert instance.calls("GET", "/oauth/authorize") == []  # what was blocked is the redirect


def test_the_mastodon_sign_in_goes_through_under_envols_policy(
    live_server: LiveServer, instance: FakeMastodon, page: sync_api.Page
) -> None:
    violations = _csp_violations(page)
    response = page.goto(f"{live_server.url}/sign-in/")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "form-action 'self' https: http:" in policy  # http: only because private hosts are allowed
    page.get_by_label("Your Mastodon address or instance").fill("@alice@mastodon.test")
    page.get_by_role("button", name="Sign in with Mastodon").click()
    page.fill("#username", "alice")  # the instance's own log-in, then its consent page
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{live_server.url}/accounts/who-can-find-me/")  # a new person is asked first
    welcome = "You are signed in with your Mastodon account @alice@mastodon.test."
    sync_api.expect(page.get_by_text(welcome)).to_be_visible()
    assert violations == []
    assert Account.objects.get().handle == "alice@mastodon.test"


APPLIED_STYLE_BLOCKS = "[...document.querySelectorAll('style')].map(s => s.sheet !== null)"


def test_an_admin_change_list_without_action_bars_breaks_no_rule(
    live_server: LiveServer, page: sync_api.Page, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Django's change list of a ModelAdmin without action bars has an inline <style>: Chromium
    applies it under the admin's policy, and refuses it under the base policy alone."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop here
    model_admin = admin.site.get_model_admin(ErasureProof)
    monkeypatch.setattr(model_admin, "actions_on_top", False)
    monkeypatch.setattr(model_admin, "actions_on_bottom", False)
    User.objects.create_superuser("op", "op@example.test", "a-long-password-1")
    violations = _csp_violations(page)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "op")
    page.fill("#id_password", "a-long-password-1")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/admin/")

    page.goto(f"{live_server.url}/admin/privacy/erasureproof/")
    page.wait_for_load_state("load")
    assert page.evaluate(APPLIED_STYLE_BLOCKS) == [True]  # a refused <style> has no sheet
    assert violations == []

    monkeypatch.setattr(middleware, "policy_for_admin", lambda base: base)
    with page.expect_console_message(lambda m: "Content Security Policy" in m.text) as refused:
        page.goto(f"{live_server.url}/admin/privacy/erasureproof/")
    assert "style-src" in refused.value.text
    assert page.evaluate(APPLIED_STYLE_BLOCKS) == [False]
