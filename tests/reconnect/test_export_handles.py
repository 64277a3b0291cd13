"""following_accounts.csv carries only addresses of the grammar (issue #16, item 10): a handle a
server chose — a formula, say — is left out of the file, counted and said on the page."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from envol.core.ids import Platform
from envol.matching.candidates import KnownAccount
from envol.reconnect.exports import csv_address
from envol.registry.models import Account, Person
from envol.registry.session import SESSION_KEY
from fakes.mastodon import FORMULA_HANDLE, Hostile
from fakes.mastodon.fixtures import FakeMastodonFactory
from signin.conftest import point_mastodon_at, sign_in_with_mastodon

from .conftest import account

pytestmark = pytest.mark.django_db

FIRST_LANDING = "/accounts/who-can-find-me/"  # a first sign-in is asked who can find them

EN = {"accept-language": "en"}
FR = {"accept-language": "fr"}


@pytest.mark.parametrize(
    "handle",
    [FORMULA_HANDLE, "+cmd@evil.test", "-2+3@evil.test", "@@evil.test", "\tx@evil.test", "\rx@evil.test",
     "=1+1", "bob", "bob@", "bob@not a domain", "bo\"b@evil.test"],
)  # fmt: skip
def test_what_is_not_an_address_stays_out(handle: str) -> None:
    assert csv_address(handle) is None


BRIDGED = "alice.bsky.social@bsky.brid.gy"


@pytest.mark.parametrize(
    ("handle", "written"), [("bob@m.test", "bob@m.test"), ("@Bob@M.Test", "bob@m.test"), (BRIDGED, BRIDGED)]
)
def test_addresses_are_written(handle: str, written: str) -> None:
    assert csv_address(handle) == written


def test_a_formula_handle_from_a_hostile_server_is_left_out_counted_and_said(
    client: Client, fake_mastodon: FakeMastodonFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Mallory signs in through her own server, which names her account with a spreadsheet formula.
    evil = fake_mastodon("evil.test", modes=[Hostile(acct=FORMULA_HANDLE)])
    evil.add_account("mallory")
    evil.login_as("mallory")
    point_mastodon_at(monkeypatch, evil)
    assert sign_in_with_mastodon(Client(), evil, "evil.test") == FIRST_LANDING
    mallory = Account.objects.get(platform=Platform.MASTODON)
    assert mallory.handle.startswith("=hyperlink(")
    # Alice knew Mallory and Bob on X; her file must hold Bob only.
    alice = Person.objects.create()
    account(alice, Platform.MASTODON, "https://m.test/users/alice", "alice@m.test")
    bob = account(Person.objects.create(), Platform.MASTODON, "https://m.test/users/bob", "bob@m.test")
    found = [KnownAccount(a.person_id, Platform.MASTODON, a.pk, a.stable_id, a.handle, True, False)
             for a in (mallory, bob)]  # fmt: skip
    monkeypatch.setattr("envol.reconnect.plan.candidates_rows", lambda person_id: found)
    monkeypatch.setattr("envol.reconnect.exports.candidates_rows", lambda person_id: found)
    session = client.session
    session[SESSION_KEY] = alice.pk
    session.save()
    rows = list(
        csv.reader(io.StringIO(client.get("/reconnect/export/following_accounts.csv").content.decode()))
    )
    assert rows[1:] == [["bob@m.test", "true", "false", ""]]
    page = client.get("/people/", headers=EN).content.decode()
    assert "Accounts left out of this file: 1. Their servers gave them names that are not Mastodon" in page
    page = client.get("/people/", headers=FR).content.decode()
    assert "Comptes laissés hors de ce fichier : 1." in page
