"""A signed-in person's upload page in real Chromium, against a live Envol."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.db import connections
from playwright import sync_api
from pytest_django.live_server_helper import LiveServer

from envol.archive.synthetic import write_synthetic_archive
from envol.core.ids import Platform
from envol.registry.models import Account, Person, Verification
from envol.registry.session import SESSION_KEY
from support.chromium import launch

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / "var" / "cache"  # generated once, reused by later runs (var/ is not in git)
BIG_FOLLOWERS = 3_000_000
BIG_PADDING = 1 << 30


@dataclass
class UploadPage:
    page: sync_api.Page
    url: str
    person: Person

    def open(self) -> None:
        self.page.goto(self.url)

    def choose(self, *paths: Path) -> None:
        self.page.set_input_files("#browser-files", [str(p) for p in paths])

    def outcome(self, timeout: float = 60_000) -> tuple[str, str]:
        """("done" | "error", text) once the reader has finished, either way."""
        finished = self.page.locator("#browser-done:not([hidden]), #browser-error:not([hidden])")
        finished.wait_for(timeout=timeout)
        kind = "done" if self.page.locator("#browser-done").is_visible() else "error"
        return kind, self.page.locator(f"#browser-{kind}").inner_text()


@pytest.fixture
def browser_context() -> Iterator[Callable[..., sync_api.BrowserContext]]:
    with sync_api.sync_playwright() as p:
        browser = launch(p)
        yield lambda **options: browser.new_context(**options)
        browser.close()


@pytest.fixture
def upload_page(
    live_server: LiveServer,
    browser_context: Callable[..., sync_api.BrowserContext],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[..., UploadPage]]:
    """Make a person (with a verified X id, or none), sign them in, and open the upload page."""
    # Playwright's sync API runs an event loop in this thread; the ORM calls here are plain sync code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    def make(*, x_id: int | None = 4242, locale: str = "en-GB") -> UploadPage:
        person = Person.objects.create(findable_by="everyone")
        if x_id is not None:
            Account.objects.create(person=person, platform=Platform.X, stable_id=str(x_id), handle="me",
                                   verification=Verification.VERIFIED)  # fmt: skip
        session = SessionStore()
        session[SESSION_KEY] = person.pk
        session.create()
        context = browser_context(locale=locale, viewport={"width": 390, "height": 844})
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key or "",
                              "url": live_server.url}])  # fmt: skip
        page = UploadPage(context.new_page(), f"{live_server.url}/archive/", person)
        page.open()
        return page

    yield make
    connections.close_all()


@pytest.fixture(scope="session")
def big_archive() -> Path:
    """A 1 GB zip: 3 million followers behind a gigabyte of incompressible media, Zip64."""
    path = CACHE / f"archive-{BIG_FOLLOWERS}-padded.zip"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        write_synthetic_archive(partial, owner_id=4242, handle="me", followers=BIG_FOLLOWERS, following=2_000,
                                seed=11, padding_bytes=BIG_PADDING, force_zip64=True)  # fmt: skip
        partial.rename(path)
    return path
