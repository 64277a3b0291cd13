"""The pure rules: an outlet's web domain, whose e-mail addresses belong to it, X handles in any form."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from envol.media.rules import email_matches_site, parse_x_handle, site_domain


@pytest.mark.parametrize(
    ("website", "domain"),
    [
        ("https://www.lemonde.fr/", "lemonde.fr"),
        ("lemonde.fr", "lemonde.fr"),
        ("HTTP://WWW.Liberation.FR/politique", "liberation.fr"),
        ("https://info.francetvinfo.fr", "info.francetvinfo.fr"),
        ("https://www.süddeutsche.de", "xn--sddeutsche-9db.de"),
        ("https://lemonde.fr:8443/", None),  # a port: not a public site
        ("ftp://lemonde.fr", None),
        ("https://gmail.com", None),  # an e-mail provider is no outlet
        ("not a site", None),
        ("https://localhost/", None),
    ],
)
def test_site_domain(website: str, domain: str | None) -> None:
    assert site_domain(website) == domain


@pytest.mark.parametrize(
    ("email", "domain", "matches"),
    [
        ("redaction@lemonde.fr", "lemonde.fr", True),
        ("Redaction@LeMonde.FR", "lemonde.fr", True),
        ("x@journalistes.lemonde.fr", "lemonde.fr", True),
        ("x@francetvinfo.fr", "info.francetvinfo.fr", True),  # the parent domain owns the site
        ("x@notlemonde.fr", "lemonde.fr", False),
        ("x@lemonde.fr.evil.com", "lemonde.fr", False),
        ("lemonde@gmail.com", "lemonde.fr", False),
        ("x@fr", "lemonde.fr", False),  # a TLD is nobody's parent domain here
        ("no-at-sign", "lemonde.fr", False),
    ],
)
def test_email_matches_site(email: str, domain: str, matches: bool) -> None:
    assert email_matches_site(email, domain) is matches


@pytest.mark.parametrize(
    ("text", "handle"),
    [
        ("@lemondefr", "lemondefr"),
        ("lemondefr", "lemondefr"),
        ("https://x.com/lemondefr", "lemondefr"),
        ("twitter.com/LeMondeFr/status/1", "LeMondeFr"),
        ("https://mobile.twitter.com/le_monde", "le_monde"),
        ("https://x.com/home", None),
        ("https://example.com/lemondefr", None),
        ("@much_too_long_for_x", None),
        ("le monde", None),
        ("", None),
    ],
)
def test_parse_x_handle(text: str, handle: str | None) -> None:
    assert parse_x_handle(text) == handle


labels = st.from_regex(r"[a-z][a-z0-9]{0,10}", fullmatch=True)


@given(site=st.lists(labels, min_size=2, max_size=4), local=labels, sub=st.lists(labels, max_size=2))
def test_addresses_on_the_site_or_below_always_match(site: list[str], local: str, sub: list[str]) -> None:
    domain = ".".join(site)
    host = ".".join([*sub, domain])
    if site_domain(domain) is None:  # a provider's domain or a reserved name: no outlet there
        return
    assert email_matches_site(f"{local}@{host}", domain)


@given(site=st.lists(labels, min_size=2, max_size=3), other=st.lists(labels, min_size=2, max_size=3),
       local=labels)  # fmt: skip
def test_an_address_elsewhere_never_matches(site: list[str], other: list[str], local: str) -> None:
    domain, host = ".".join(site), ".".join(other)
    related = host == domain or host.endswith("." + domain) or domain.endswith("." + host)
    assume(not related)
    assert not email_matches_site(f"{local}@{host}", domain)


@given(name=st.from_regex(r"[A-Za-z0-9_]{1,15}", fullmatch=True))
def test_every_form_of_an_x_handle_gives_the_name(name: str) -> None:
    assume(name.lower() not in {"home", "i", "intent", "share", "search", "explore", "settings", "messages"})
    for form in (name, f"@{name}", f"https://x.com/{name}", f"twitter.com/{name}/"):
        assert parse_x_handle(form) == name
