"""The public pages kept in memory (envol.core.pagecache): fast, and never wrong for the visitor.

Each test wraps Django's ASGI application in its own cache with a clock the test moves, and counts
the requests that reached Django: a request that did not is one the cache answered.
"""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.utils import timezone

from envol.core import pagecache
from envol.core.asgi import django_application
from envol.media.models import MediaOutlet, Status
from envol.registry.models import Person
from envol.registry.session import SESSION_KEY
from envol.stats.service import take_snapshot
from support.asgi import Answer, call

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"')
SECURITY_HEADERS = (
    "content-security-policy",
    "permissions-policy",
    "x-frame-options",
    "x-content-type-options",
    "referrer-policy",
    "cross-origin-opener-policy",
    "vary",
    "content-language",
    "content-type",
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Harness:
    """A page cache around Django, the requests Django saw, and the test's clock."""

    def __init__(self) -> None:
        self.clock = Clock()
        self.reached_django: list[str] = []

        async def counting(scope: dict[str, Any], receive: Any, send: Any) -> None:
            self.reached_django.append(scope["path"])
            await django_application(scope, receive, send)

        self.cache = pagecache.PublicPageCache(counting, check_seconds=1.0, clock=self.clock)

    def get(self, path: str, language: str = "en", cookies: dict[str, str] | None = None) -> Answer:
        headers = [("accept-language", language)]
        if cookies:
            headers.append(("cookie", "; ".join(f"{k}={v}" for k, v in cookies.items())))
        return asyncio.run(call(self.cache, path, headers=headers))


@pytest.fixture
def pages() -> Harness:
    return Harness()


def signed_in_session() -> str:
    store = SessionStore()
    store[SESSION_KEY] = Person.objects.create().pk
    store.create()
    assert store.session_key is not None
    return store.session_key


def outlet(name: str) -> MediaOutlet:
    slug = name.lower().replace(" ", "-")
    return MediaOutlet.objects.create(name=name, slug=slug, country="FR", website=f"https://{slug}.example",
                                      domain=f"{slug}.example", kind="press", status=Status.CONSIDERING,
                                      published=True, status_since=timezone.now())  # fmt: skip


@pytest.mark.parametrize("path", ["/", "/faq/", "/how-it-works/", "/media/", "/figures/"])
def test_each_language_gets_its_own_page_and_the_second_visitor_is_served_from_memory(
    pages: Harness, path: str
) -> None:
    for language in ("fr", "en", "fr", "en"):
        answer = pages.get(path, language)
        assert answer.status == 200
        assert f'<html lang="{language}">' in answer.text
        assert answer.header("content-language") == language
    assert pages.reached_django == [path, path]  # one render per language


def test_the_language_cookie_wins_over_the_browser_as_django_decides(pages: Harness) -> None:
    pages.get("/faq/", "en")
    answer = pages.get("/faq/", "en", cookies={settings.LANGUAGE_COOKIE_NAME: "fr"})
    assert '<html lang="fr">' in answer.text
    assert "Questions et réponses" in answer.text


def test_a_signed_in_person_always_reaches_django_and_their_page_is_never_kept(pages: Harness) -> None:
    session = signed_in_session()
    anonymous = pages.get("/", "en")
    assert "Sign out" not in anonymous.text
    for _ in range(2):
        mine = pages.get("/", "en", cookies={settings.SESSION_COOKIE_NAME: session})
        assert "Sign out" in mine.text
        assert "Your people" in mine.text
    after = pages.get("/", "en")
    assert "Sign out" not in after.text
    assert "Your people" not in after.text
    assert pages.reached_django == ["/", "/", "/"]  # the anonymous page once, the person's each time


def test_a_visitor_with_notices_waiting_reaches_django(pages: Harness) -> None:
    pages.get("/faq/")
    pages.get("/faq/", cookies={"messages": "anything"})
    assert pages.reached_django == ["/faq/", "/faq/"]


def test_kept_pages_carry_the_same_security_headers(pages: Harness) -> None:
    rendered, kept = pages.get("/media/", "fr"), pages.get("/media/", "fr")
    assert pages.reached_django == ["/media/"]
    for name in SECURITY_HEADERS:
        assert kept.header(name) is not None, name
        assert kept.header(name) == rendered.header(name), name
    assert "frame-ancestors 'none'" in (kept.header("content-security-policy") or "")
    assert kept.header("content-length") == str(len(kept.body))


def test_each_visitor_gets_their_own_form_token_and_django_accepts_it(pages: Harness) -> None:
    first, second = pages.get("/faq/"), pages.get("/faq/")
    tokens = [TOKEN.findall(a.text) for a in (first, second)]
    assert all(len(set(t)) == 1 for t in tokens)
    assert tokens[0][0] != tokens[1][0]
    secret = csrf_cookie(second)
    assert secret is not None
    assert secret != csrf_cookie(first)
    client = Client(enforce_csrf_checks=True)
    client.cookies[settings.CSRF_COOKIE_NAME] = secret
    response = client.post(
        "/i18n/setlang/", {"language": "fr", "next": "/faq/", "csrfmiddlewaretoken": tokens[1][0]}
    )
    assert response.status_code == 302
    refused = Client(enforce_csrf_checks=True)
    refused.cookies[settings.CSRF_COOKIE_NAME] = secret
    assert (
        refused.post("/i18n/setlang/", {"language": "fr", "csrfmiddlewaretoken": tokens[0][0]}).status_code
        == 403
    )


def test_a_visitor_keeps_their_own_csrf_secret(pages: Harness) -> None:
    secret = "abcdefghijklmnopqrstuvwxyzABCDEF"
    pages.get("/faq/")
    answer = pages.get("/faq/", cookies={settings.CSRF_COOKIE_NAME: secret})
    assert csrf_cookie(answer) == secret
    (token,) = set(TOKEN.findall(answer.text))
    assert pagecache.csrf_secret(token) == secret  # the token is that secret, masked


def csrf_cookie(answer: Answer) -> str | None:
    for value in answer.all("set-cookie"):
        name, _, rest = value.partition("=")
        if name == settings.CSRF_COOKIE_NAME:
            return rest.split(";", 1)[0]
    return None


def without_token(answer: Answer) -> str:
    return TOKEN.sub("", answer.text)


def test_the_media_directory_is_no_staler_than_the_check_interval(pages: Harness) -> None:
    outlet("Le Premier")
    assert "Le Premier" in pages.get("/media/").text
    outlet("La Seconde")
    assert "La Seconde" not in pages.get("/media/").text  # within the interval: the kept page
    pages.clock.now += 1.0
    assert "La Seconde" in pages.get("/media/").text
    MediaOutlet.objects.filter(name="Le Premier").first().delete()  # type: ignore[union-attr]
    pages.clock.now += 1.0
    assert "Le Premier" not in pages.get("/media/").text
    assert pages.reached_django == ["/media/"] * 3


def test_a_withdrawn_outlet_leaves_the_kept_directory(pages: Harness) -> None:
    kept = outlet("Le Retrait")
    assert "Le Retrait" in pages.get("/media/", "fr").text
    kept.published = False
    kept.save(update_fields=["published", "updated_at"])
    pages.clock.now += 1.0
    assert "Le Retrait" not in pages.get("/media/", "fr").text


def test_new_figures_show_once_the_interval_passed(pages: Harness) -> None:
    take_snapshot(now=timezone.now() - timedelta(days=2))
    before = without_token(pages.get("/figures/"))
    take_snapshot(now=timezone.now())
    assert without_token(pages.get("/figures/")) == before
    pages.clock.now += 1.0
    assert without_token(pages.get("/figures/")) != before
    assert pages.reached_django == ["/figures/", "/figures/"]


def test_only_plain_successful_reads_are_kept(pages: Harness) -> None:
    assert pages.get("/no-such-page/").status == 404
    assert pages.get("/no-such-page/").status == 404
    assert asyncio.run(call(pages.cache, "/faq/", method="HEAD")).status == 200
    pages.get("/media/?q=premier")
    pages.get("/media/")
    assert pages.reached_django == ["/no-such-page/", "/no-such-page/", "/faq/", "/media/", "/media/"]
    assert all(key[0] != "/no-such-page/" for key in pages.cache.entries)


def test_the_memory_is_bounded(pages: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pagecache, "MAX_ENTRIES", 3)
    for n in range(6):
        pages.get(f"/faq/?from={n}")
    assert len(pages.cache.entries) == 3


def test_when_the_version_cannot_be_read_django_answers_and_nothing_is_kept(
    pages: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable() -> object:
        raise OSError("database away")

    broken = [pagecache.CachedPage(p.url_name, unreachable if p.version else None) for p in pagecache.PAGES]
    monkeypatch.setattr(pagecache, "PAGES", broken)
    pages.cache._pages = None
    assert pages.get("/media/").status == 200
    assert pages.get("/media/").status == 200
    assert pages.reached_django == ["/media/", "/media/"]
    assert not pages.cache.entries


def test_form_token_masks_the_request_s_secret_or_lets_django_make_one() -> None:
    from django.middleware.csrf import _unmask_cipher_token
    from django.test import RequestFactory

    from envol.core.pagecache import form_token

    secret = "a" * 32
    with_secret = RequestFactory().get("/")
    with_secret.META["CSRF_COOKIE"] = secret
    tokens = {form_token(with_secret) for _ in range(3)}
    assert len(tokens) == 3  # a fresh mask each time
    assert {_unmask_cipher_token(t) for t in tokens} == {secret}
    assert with_secret.META["CSRF_COOKIE_NEEDS_UPDATE"] is True
    without = RequestFactory().get("/")
    made = form_token(without)
    assert _unmask_cipher_token(made) == without.META["CSRF_COOKIE"]  # Django's own new secret
