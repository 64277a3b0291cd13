"""The header fits a phone (issue #20, item 4): at most five primary links, the same links in a
<details> menu for small screens (no script: the CSP has no 'unsafe-inline'), "Sign out" in both.
Its height and the one-line "Sign out" are measured in Chromium (test_accessibility.py)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from envol.core.ids import Platform
from envol.registry.models import Account, Person, Verification
from envol.registry.session import SESSION_KEY

pytestmark = pytest.mark.django_db


def _links(html: str, start: str, end: str) -> list[str]:
    part = html[html.index(start) : html.index(end, html.index(start))]
    return re.findall(r'<li><a href="([^"]+)"', part)


def _sign_in(client: Client) -> None:
    person = Person.objects.create()
    Account.objects.create(person=person, platform=Platform.X, stable_id="42", handle="a",
                           verification=Verification.VERIFIED)  # fmt: skip
    session = client.session
    session[SESSION_KEY] = person.pk
    session.save()


@pytest.mark.parametrize("signed_in", [False, True])
def test_at_most_five_primary_links_and_the_same_in_the_small_screen_menu(
    client: Client, signed_in: bool
) -> None:
    if signed_in:
        _sign_in(client)
    html = client.get("/", headers={"accept-language": "en"}).content.decode()
    wide = _links(html, '<nav class="nav-wide"', "</nav>")
    menu = _links(html, '<details class="menu">', "</details>")
    assert 3 <= len(wide) <= 5
    assert menu == wide
    if signed_in:
        assert wide == ["/", "/people/", "/archive/", "/accounts/", "/your-data/"]
    else:
        assert "/sign-in/" in wide
    menu_html = html[html.index('<details class="menu">') : html.index("</details>")]
    assert ("Sign out" in menu_html) is signed_in
    assert "<script" not in html  # the menu is a <details>: it opens without JavaScript


def test_the_pages_left_out_of_the_header_stay_in_the_footer(client: Client) -> None:
    _sign_in(client)
    html = client.get("/", headers={"accept-language": "en"}).content.decode()
    footer = html[html.index('<footer class="site-footer">') :]
    for path in ("/how-it-works/", "/media/", "/figures/", "/faq/", "/privacy/", "/legal/"):
        assert f'href="{path}"' in footer, path
