"""The "Your accounts" page: what is linked, in what state, what Envol may do with it; unlinking."""

from __future__ import annotations

import pytest
from django.test import Client

from envol.core.ids import Platform
from envol.registry.linking import mark_needs_reauth
from envol.registry.models import Account, Person, Verification

from .conftest import signed_in

pytestmark = pytest.mark.django_db


def _page(client: Client, language: str) -> str:
    response = client.get("/accounts/", headers={"accept-language": language})
    assert response.status_code == 200
    return response.content.decode()


def _person_with_both(client: Client) -> Person:
    person = signed_in(client, (Platform.X, "42", "alice_x"))
    Account.objects.create(
        person=person,
        platform=Platform.MASTODON,
        stable_id="https://m.test/users/a",
        handle="a@m.test",
        verification=Verification.VERIFIED,
        access_token="t",
        token_scope="read:accounts read:follows write:follows read:search",
    )
    return person


def test_anonymous_visitors_are_sent_to_sign_in(client: Client) -> None:
    response = client.get("/accounts/")
    assert (response.status_code, response["Location"]) == (302, "/sign-in/?next=/accounts/")


def test_the_page_in_english(client: Client) -> None:
    _person_with_both(client)
    page = _page(client, "en")
    assert "<h1>Your accounts</h1>" in page
    assert "X @alice_x" in page
    assert "Mastodon @a@m.test" in page
    assert "nothing: Envol only learned your X id and handle" in page
    assert "follow accounts for you" in page
    assert "see which accounts you follow" in page
    assert page.count("Unlink this") == 2
    assert 'aria-current="page">Your accounts</a>' in page  # in the nav of signed-in persons
    # One account per network: nothing left to link but Bluesky.
    assert "Link your X" not in page
    assert "Link your Mastodon" not in page
    assert "Link your Bluesky account" in page


def test_the_page_in_french(client: Client) -> None:
    _person_with_both(client)
    page = _page(client, "fr")
    assert "<h1>Vos comptes</h1>" in page
    assert "suivre des comptes pour vous" in page
    assert "Délier ce compte Mastodon" in page


def test_claimed_and_needs_reauth_states_are_shown(client: Client) -> None:
    person = _person_with_both(client)
    Account.objects.create(
        person=person,
        platform=Platform.BLUESKY,
        stable_id="did:plc:x",
        handle="a.bsky.social",
        verification=Verification.CLAIMED,
    )
    mark_needs_reauth(person.accounts.get(platform=Platform.MASTODON), "401")
    page = _page(client, "en")
    assert "Claimed" in page
    assert "not proven yet" in page
    assert "Envol can no longer use this account: sign in with it again" in page


def test_link_buttons_for_what_is_missing(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVOL_X_CLIENT_ID", "id")
    signed_in(client, (Platform.MASTODON, "https://m.test/users/a", "a@m.test"))
    page = _page(client, "en")
    assert "Link your X account" in page
    assert "Link your Mastodon account" not in page


def test_the_last_account_cannot_be_unlinked_and_is_not_offered(client: Client) -> None:
    person = signed_in(client, (Platform.X, "42", "alice_x"))
    account = person.accounts.get()
    page = _page(client, "en")
    assert f"/accounts/{account.pk}/unlink/" not in page  # no button that would only be refused
    assert "This is the only account you sign in with, so it stays linked" in page
    assert client.get(f"/accounts/{account.pk}/unlink/")["Location"] == "/accounts/"  # nothing to confirm
    response = client.post(f"/accounts/{account.pk}/unlink/", follow=True, headers={"accept-language": "en"})
    assert "This is the only account you sign in with, so it cannot be unlinked" in response.content.decode()
    assert Account.objects.filter(pk=account.pk).exists()


def test_unlinking_is_confirmed_with_its_consequences(client: Client) -> None:
    person = _person_with_both(client)
    mastodon = person.accounts.get(platform=Platform.MASTODON)
    page = _page(client, "en")
    link = f'<a class="button danger-first" href="/accounts/{mastodon.pk}/unlink/">'
    assert (
        link + "Unlink this Mastodon account…</a>" in page
    )  # a danger style, not the primary button, and a link to a confirmation
    confirmation = client.get(f"/accounts/{mastodon.pk}/unlink/", headers={"accept-language": "en"})
    html = confirmation.content.decode()
    assert "Unlink Mastodon @a@m.test" in html
    assert "gives back the permission the network gave it" in html
    assert '<button type="submit" class="button danger">Unlink it</button>' in html
    assert Account.objects.filter(pk=mastodon.pk).exists()  # a GET changes nothing
    french = client.get(
        f"/accounts/{mastodon.pk}/unlink/", headers={"accept-language": "fr"}
    ).content.decode()
    assert "Si vous déliez ce compte\u202f:" in french


def test_unlinking_needs_post_and_ones_own_account(client: Client) -> None:
    person = _person_with_both(client)
    x_account = person.accounts.get(platform=Platform.X)
    assert client.get(f"/accounts/{x_account.pk}/unlink/").status_code == 200  # the confirmation
    assert Account.objects.filter(pk=x_account.pk).exists()
    stranger = Person.objects.create(findable_by="everyone")
    theirs = Account.objects.create(
        person=stranger, platform=Platform.X, stable_id="7", verification="verified"
    )
    assert client.post(f"/accounts/{theirs.pk}/unlink/").status_code == 404
    response = client.post(f"/accounts/{x_account.pk}/unlink/")
    assert response.status_code == 302
    assert not Account.objects.filter(pk=x_account.pk).exists()
