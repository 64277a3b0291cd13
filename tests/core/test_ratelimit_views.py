"""The limits on the real sign-in and upload views: 429 with Retry-After and a page in both languages,
per client address and per signed-in person, nothing else limited, and no clear address stored.
The limits are small and the clock is fixed, so every count is exact."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.test import Client
from django.urls import reverse

from envol.core import middleware, ratelimit
from envol.core.cache import CACHE_TABLE
from envol.core.ids import Platform
from envol.registry.models import Account, Person, Verification
from envol.registry.session import SESSION_KEY

pytestmark = pytest.mark.django_db

WINDOW_END = 1_800_000_000  # a multiple of every window used here
NOW = WINDOW_END - 300


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(ratelimit, "clock", lambda: float(NOW))
    monkeypatch.setenv("ENVOL_RATE_LIMIT_SIGN_IN", "3/600")
    monkeypatch.setenv("ENVOL_RATE_LIMIT_UPLOAD", "2/3600")
    caches["default"].clear()
    yield
    caches["default"].clear()


def _sign_in_posts(client: Client, n: int, address: str = "198.51.100.7") -> list[int]:
    return [client.post("/sign-in/x/", REMOTE_ADDR=address).status_code for _ in range(n)]


def _signed_in(client: Client) -> Person:
    person = Person.objects.create(findable_by="everyone")
    Account.objects.create(person=person, platform=Platform.X, stable_id="42", handle="alice_x",
                           verification=Verification.VERIFIED)  # fmt: skip
    session = client.session
    session[SESSION_KEY] = person.pk
    session.save()
    return person


def test_every_sign_in_start_and_the_upload_are_limited() -> None:
    for name in ("x_sign_in", "mastodon_sign_in"):
        rule = ratelimit.rule_for("POST", reverse(name))
        assert rule is not None, name
        assert rule.name == "sign_in", name
    upload = ratelimit.rule_for("POST", reverse("archive_upload"))
    assert upload is not None
    assert upload.name == "upload"
    for method, name in [
        ("GET", "sign_in"),
        ("GET", "archive_upload"),
        ("GET", "x_callback"),
        ("POST", "home"),
    ]:
        assert ratelimit.rule_for(method, reverse(name)) is None, (method, name)


def test_the_person_session_key_is_the_registrys() -> None:
    assert middleware.PERSON_SESSION_KEY == SESSION_KEY


@pytest.mark.parametrize(
    ("language", "title", "wait"),
    [
        ("en", "Too many attempts", "try again in 5 min."),
        ("fr", "Trop de tentatives", "réessayer dans 5 min."),
    ],
)
def test_sign_in_beyond_the_limit_gets_429_with_retry_after(
    client: Client, language: str, title: str, wait: str
) -> None:
    assert _sign_in_posts(client, 3) == [302, 302, 302]  # X is not configured: back to the sign-in page
    refused = client.post("/sign-in/mastodon/", {"instance": "mastodon.test"}, REMOTE_ADDR="198.51.100.7",
                          headers={"accept-language": language})  # fmt: skip
    assert refused.status_code == 429
    assert refused["Retry-After"] == str(WINDOW_END - NOW)
    html = refused.content.decode()
    assert f"<h1>{title}</h1>" in html
    assert wait in html
    assert "Content-Security-Policy" in refused


def test_addresses_are_counted_apart_and_a_new_window_starts_afresh(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _sign_in_posts(client, 4) == [302, 302, 302, 429]
    assert _sign_in_posts(client, 1, address="198.51.100.8") == [302]
    assert _sign_in_posts(client, 1, address="2001:db8:5::1") == [302]
    monkeypatch.setattr(ratelimit, "clock", lambda: float(WINDOW_END))
    assert _sign_in_posts(client, 1) == [302]


def test_the_sign_in_page_and_other_requests_are_never_limited(client: Client) -> None:
    _sign_in_posts(client, 4)
    assert client.get("/sign-in/", REMOTE_ADDR="198.51.100.7").status_code == 200
    assert client.get("/", REMOTE_ADDR="198.51.100.7").status_code == 200


def test_a_signed_in_person_is_limited_whatever_their_address(client: Client) -> None:
    _signed_in(client)
    statuses = [_sign_in_posts(client, 1, address=f"198.51.100.{n}")[0] for n in range(10, 14)]
    assert statuses == [302, 302, 302, 429]


def test_uploads_beyond_the_limit_get_429(client: Client) -> None:
    _signed_in(client)
    assert [client.post("/archive/").status_code for _ in range(3)] == [400, 400, 429]  # 400: no file sent
    refused = client.post("/archive/")
    assert refused["Retry-After"] == str(WINDOW_END - NOW)
    assert client.get("/archive/").status_code == 200


def _everything_stored() -> str:
    cache = caches["default"]
    if isinstance(cache, LocMemCache):
        return "\n".join(f"{key} {value!r}" for key, value in cache._cache.items())  # type: ignore[attr-defined]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key, value FROM {CACHE_TABLE}")  # noqa: S608
        return "\n".join(f"{key} {value}" for key, value in cursor.fetchall())


def test_no_clear_address_or_person_id_is_stored(client: Client) -> None:
    person = _signed_in(client)
    _sign_in_posts(client, 2, address="203.0.113.99")
    stored = _everything_stored()
    assert "envol-rl:sign_in:a:" in stored
    assert "envol-rl:sign_in:p:" in stored
    assert "203.0.113" not in stored
    assert f"p:{person.pk}:" not in stored
    assert f"person:{person.pk}" not in stored
