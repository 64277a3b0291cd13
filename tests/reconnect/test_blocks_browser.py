"""The second Bluesky consent of decision 0026, in real Chromium through Envol's own pages against
the real local PDS: a person signed in with X and linked Bluesky with the ordinary (follow-only)
grant; on the blocks page, on a phone, they read that Bluesky blocks are public, say yes, sign in
again from the page's button, approve on the PDS's consent page and are back on the blocks page,
which no longer asks them to sign in again. The engine then writes the block record once, and
removes it when the opt-in is turned off."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections
from playwright import sync_api
from pytest_django.live_server_helper import LiveServer

from envol.archive.service import ingest
from envol.archive.synthetic import write_synthetic_archive
from envol.core.ids import Platform
from envol.core.pseudonym import pseudonymizer
from envol.platforms.bluesky import block_port
from envol.reconnect.executor import run_account
from envol.reconnect.models import BlockTask
from envol.registry.models import Account, BlueskyAuth, Person
from fakes.x import FakeX
from registry.conftest import ALICE_X, point_x_at
from support.atproto_net import AtprotoNetwork
from support.bluesky_oauth import point_envol_at
from support.chromium import launch

from .conftest import account
from .test_blocks_bluesky import blocks_of

pytestmark = pytest.mark.django_db(transaction=True)
BOB_X = 2222

# What the person reads and presses, in each language (Envol's pages and the PDS's own).
WORDS = {
    "en": {
        "locale": "en-GB",
        "sign_in_with_x": "Sign in with X",
        "save": "Save my choice",
        "handle": "Your Bluesky handle",
        "link": "Link your Bluesky account",
        "pds_sign_in": "Sign in",
        "pds_authorize": "Authorize",
        "public": "Bluesky blocks are public records",
        "cannot": "On Bluesky, nothing will be blocked for now",
        "again": "Sign in again as {handle} to let Envol block",
        "after_yes": "If you say yes below, this page then asks you to sign in again",
        "saved": "Envol blocks and mutes them for you.",
        "granted": "Envol may now block on Bluesky as @{handle}.",
    },
    "fr": {
        "locale": "fr-FR",
        "sign_in_with_x": "Se connecter avec X",
        "save": "Enregistrer mon choix",
        "handle": "Votre identifiant Bluesky",
        "link": "Associer votre compte Bluesky",
        "pds_sign_in": "Se connecter",
        "pds_authorize": "Autoriser",
        "public": "Les blocages de Bluesky sont des enregistrements publics",
        "cannot": "Sur Bluesky, rien ne sera bloqué pour l’instant",
        "again": "Vous reconnecter en tant que {handle} pour permettre à Envol de bloquer",
        "after_yes": "Si vous répondez oui ci-dessous, cette page vous demandera",
        "saved": "Envol les bloque et les masque pour vous.",
        "granted": "Envol peut désormais bloquer sur Bluesky en tant que @{handle}.",
    },
}


@pytest.fixture(params=sorted(WORDS))
def words(request: pytest.FixtureRequest) -> dict[str, str]:
    return WORDS[request.param]


@pytest.fixture
def page(words: dict[str, str]) -> Iterator[sync_api.Page]:
    with sync_api.sync_playwright() as p:
        browser = launch(p)
        context = browser.new_context(
            viewport={"width": 390, "height": 844}, locale=words["locale"], is_mobile=True
        )
        yield context.new_page()
        browser.close()
    connections.close_all()  # ORM calls made beside Playwright's loop had connections of their own


def _on_pds(page: sync_api.Page, password: str, words: dict[str, str]) -> None:
    """The person's part on the PDS's own sign-in and consent pages."""
    page.locator("input[name=password]").fill(password)  # the PDS fills in the hinted handle itself
    page.get_by_role("button", name=words["pds_sign_in"], exact=True).click()
    page.get_by_role("button", name=words["pds_authorize"], exact=True).click()


def test_a_follow_only_grant_is_widened_from_the_blocks_page_then_the_block_is_written_once(
    live_server: LiveServer,
    pds_entryway: AtprotoNetwork,
    monkeypatch: pytest.MonkeyPatch,
    page: sync_api.Page,
    words: dict[str, str],
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    net = pds_entryway
    base = live_server.url.replace("localhost", "127.0.0.1")  # the loopback OAuth client's rule
    monkeypatch.setenv("ENVOL_PUBLIC_URL", base)
    point_envol_at(monkeypatch, net)
    me, bob = net.create_account(), net.account("bob")
    # Bob proved his X and Bluesky accounts on Envol, and lets everyone whose archive lists him find him.
    bob_person = Person.objects.create(findable_by="everyone")
    account(bob_person, Platform.X, str(BOB_X), "bob_x", x_key=pseudonymizer().key(BOB_X))
    account(bob_person, Platform.BLUESKY, bob.did, bob.handle)

    with FakeX(redirect_uri=f"{base}/sign-in/x/callback/") as x:
        x.add_user(str(ALICE_X), "alice_x", "Alice")
        x.login_as(ALICE_X)
        point_x_at(monkeypatch, x)
        page.goto(f"{base}/sign-in/")
        page.get_by_role("button", name=words["sign_in_with_x"]).click()
        page.get_by_role("button", name="Authorize app").click()  # the fake X's page, in English
        page.wait_for_url(f"{base}/accounts/who-can-find-me/")
        page.get_by_role("button", name=words["save"]).click()
        page.wait_for_url(f"{base}/")
    page.goto(f"{base}/accounts/")
    page.get_by_label(words["handle"]).first.fill(me.handle)
    page.get_by_role("button", name=words["link"]).click()
    _on_pds(page, me.password, words)
    page.wait_for_url(f"{base}/")
    person = Person.objects.get(accounts__stable_id=str(ALICE_X))
    source = person.accounts.get(platform=Platform.BLUESKY)
    assert (source.stable_id, source.auth_kind) == (me.did, BlueskyAuth.OAUTH)
    assert not block_port.may_block(True, source.token_scope)  # the ordinary grant follows only
    # Her archive, shared with "Honour my X blocks and mutes" ticked, lists Bob among those she blocked.
    archive = write_synthetic_archive(
        tmp_path / "a.zip", owner_id=ALICE_X, handle="alice_x", blocking=[BOB_X]
    )
    assert ingest(archive.path, person=person, honour_blocks=True).blocked == 1

    page.goto(f"{base}/people/blocks/")
    sync_api.expect(page.get_by_text(words["public"])).to_be_visible()
    sync_api.expect(page.get_by_text(words["cannot"])).to_be_visible()
    sync_api.expect(page.get_by_text(words["after_yes"])).to_be_visible()
    again = page.get_by_role("button", name=words["again"].format(handle=me.handle))
    sync_api.expect(again).to_have_count(0)  # asked once the person has said yes
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.locator("#carry-on").check()
    page.get_by_role("button", name=words["save"]).click()
    page.wait_for_url(f"{base}/people/blocks/")
    sync_api.expect(page.get_by_text(words["saved"])).to_be_visible()

    sync_api.expect(again).to_be_visible()
    again.click()
    _on_pds(page, me.password, words)
    page.wait_for_url(f"{base}/people/blocks/")  # the page the button promised, not the home page
    sync_api.expect(page.get_by_text(words["granted"].format(handle=me.handle))).to_be_visible()
    sync_api.expect(page.get_by_text(words["cannot"])).to_have_count(0)
    sync_api.expect(page.get_by_role("button", name=words["again"].format(handle=me.handle))).to_have_count(0)
    sync_api.expect(page.locator("#carry-on")).to_be_checked()
    source = Account.objects.get(pk=source.pk)
    assert block_port.may_block(True, source.token_scope)
    assert "repo:app.bsky.graph.block" in source.token_scope.split()

    assert run_account(source.pk) == "idle"
    assert [subject for _, subject in blocks_of(net, me)] == [bob.did]  # exactly once
    assert run_account(source.pk) == "idle"
    assert [subject for _, subject in blocks_of(net, me)] == [bob.did]
    assert BlockTask.objects.get(source=source).state == "done"

    page.locator("#carry-off").check()
    page.get_by_role("button", name=words["save"]).click()
    page.wait_for_url(f"{base}/people/blocks/")
    assert run_account(source.pk) == "idle"
    assert blocks_of(net, me) == []
    assert BlockTask.objects.get(source=source).state == "undone"
