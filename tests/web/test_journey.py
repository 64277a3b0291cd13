"""The person's whole journey in Chromium, as issue #20's "done when" says: sign in, link, upload,
follow some by hand, follow all, watch progress change without reload, undo, export, erase; in
both languages, on a phone (390×844) and a desktop (1366×900).

It runs against the sandbox (decision 0024): the simulated platforms plug in at the port level, so
the pages, matching and engine are the real ones, and a real worker runs the background tasks. On
the phone it takes the guide's screenshots (docs/guide/<language>/, referenced by docs/guide.md), so
that they cannot go stale. The outcome does not depend on the database: SQLite only (`one_database`).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from playwright import sync_api
from pytest_django.live_server_helper import LiveServer

from envol.core.ids import Platform
from envol.core.worker import EmbeddedWorker
from envol.platforms.sandbox import follow_port
from envol.registry.models import Account
from envol.sandbox import service
from support.chromium import browser_beside_orm

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.one_database]

REPO = Path(__file__).resolve().parents[2]
GUIDE = REPO / "docs" / "guide"
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}
SHOT_HEIGHT = 1200  # at most this much of a long page: the top of it tells the step
WAIT = 30_000  # ms: background work (matching, the engine's paced follows) within this


@pytest.fixture(scope="module")
def browser() -> Iterator[sync_api.Browser]:
    with browser_beside_orm() as browser:
        yield browser


class Worker:
    """The background worker, which the journey pauses to see the progress start from its beginning."""

    def __init__(self) -> None:
        self.running: EmbeddedWorker | None = None

    def start(self) -> None:
        self.running = EmbeddedWorker(interval=0.1)
        self.running.start()

    def stop(self) -> None:
        if self.running is not None:
            self.running.stop(timeout=30)
            self.running = None


@pytest.fixture
def worker(monkeypatch: pytest.MonkeyPatch) -> Iterator[Worker]:
    """What `make run` runs beside the web server: the worker, with the simulated pace quickened (a
    follow every half second: slow enough to see progress move, quick enough for the suite)."""
    monkeypatch.setenv("ENVOL_SANDBOX", "on")
    monkeypatch.setenv("ENVOL_RECONNECT_FROM", "2026-01-01")
    monkeypatch.setattr(follow_port, "PACE_SECONDS", 0.5)
    monkeypatch.setattr(follow_port, "_ACCOUNTS", {})  # each journey's simulated platforms start empty
    monkeypatch.setattr(service, "newcomer_number", lambda: service.world.NEWCOMER_BASE + 424_242)
    running = Worker()
    running.start()
    yield running
    running.stop()
    connections.close_all()


class Journey:
    def __init__(self, page: sync_api.Page, base: str, lang: str, shots: Path | None) -> None:
        self.page, self.base, self.lang, self.shots = page, base, lang, shots
        self.taken: list[str] = []

    def go(self, path: str) -> None:
        response = self.page.goto(self.base + path)
        assert response is not None
        assert response.ok, path

    def submit(self, form: str) -> None:
        """Press the submit button of the form matched by ``form`` (a CSS selector)."""
        self.page.locator(f"{form} button[type=submit]").first.click()
        self.page.wait_for_load_state()

    def shot(self, name: str, at: str | None = None) -> None:
        """The page from its top, or from the element ``at`` (a CSS selector) down."""
        if self.shots is None:
            return
        top = 0
        if at is not None:
            top = max(
                0,
                int(self.page.locator(at).first.evaluate("e => e.getBoundingClientRect().top + scrollY")) - 8,
            )
        bottom = self.page.evaluate("() => document.documentElement.scrollHeight")
        height = min(bottom - top, SHOT_HEIGHT)
        raw = self.shots / f"{name}.raw.png"
        width = self.page.viewport_size["width"] if self.page.viewport_size else 390
        self.page.screenshot(
            path=str(raw), full_page=True, clip={"x": 0, "y": top, "width": width, "height": height}
        )
        final = self.shots / f"{name}.png"
        # 32 colours: a page of text and flat colours loses nothing a reader sees (a quarter of the bytes).
        quantise = ["pngquant", "--force", "--skip-if-larger", "--strip", "--speed", "1", "32"]
        subprocess.run([*quantise, "--output", str(final), str(raw)], check=False)
        if not final.exists():
            raw.rename(final)
        raw.unlink(missing_ok=True)
        self.taken.append(final.name)

    def until(self, check: Callable[[], bool], *, reload: bool) -> None:
        """Wait for ``check`` to hold; with ``reload``, reload the page between looks."""
        for _ in range(WAIT // 250):
            if check():
                return
            if reload:
                self.page.reload()
            else:
                self.page.wait_for_timeout(250)
        text = self.page.locator("main").inner_text()
        raise AssertionError(f"not reached within {WAIT} ms on {self.page.url}:\n{text}")


def _context(
    browser: sync_api.Browser, live_server: LiveServer, lang: str, size: str
) -> sync_api.BrowserContext:
    context = browser.new_context(viewport=SIZES[size], locale="fr-FR" if lang == "fr" else "en-GB",  # type: ignore[arg-type]
                                  accept_downloads=True)  # fmt: skip
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": live_server.url}])
    return context


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_whole_journey(
    browser: sync_api.Browser, live_server: LiveServer, worker: Worker, tmp_path: Path, lang: str, size: str
) -> None:
    shots = None
    if size == "phone":
        shots = GUIDE / lang
        shutil.rmtree(shots, ignore_errors=True)
        shots.mkdir(parents=True)
    context = _context(browser, live_server, lang, size)
    journey = Journey(context.new_page(), live_server.url, lang, shots)
    page = journey.page

    # 1. Sign in: the sign-in page points to the sandbox, where a simulated X account signs in.
    journey.go("/sign-in/")
    journey.shot("01-sign-in")
    page.locator('a[href="/sandbox/"]').first.click()
    page.wait_for_url("**/sandbox/")
    assert page.locator(".sandbox-banner").is_visible()
    journey.shot("02-sandbox")
    journey.submit('form[action="/sandbox/start/"]')
    assert page.url.endswith("/accounts/who-can-find-me/")
    page.locator("input[value=everyone]").check()
    journey.shot("03-who-can-find-you")
    journey.submit("form.choices")

    # 2. Link: simulated Bluesky and Mastodon accounts.
    for network in ("bluesky", "mastodon"):
        journey.go("/accounts/")
        journey.submit(f'form[action="/sandbox/link/{network}/"]')
    journey.go("/accounts/")
    assert page.locator('form[action^="/sandbox/link/"]').count() == 0
    journey.shot("04-accounts")

    # 3. Upload: the sample archive, read in the browser by the real upload page.
    journey.go("/sandbox/")
    with page.expect_download() as download:
        page.locator('a[href="/sandbox/sample-archive.zip"]').click()
    archive = tmp_path / "archive.zip"
    download.value.save_as(archive)
    journey.go("/archive/")
    page.set_input_files("#browser-files", str(archive))
    page.locator("#browser-done:not([hidden])").wait_for(timeout=WAIT)
    journey.shot("05-archive", at="#dropzone")

    follow_steps(journey, worker)

    # 8. Export, then erase.
    journey.go("/your-data/export/")
    assert page.locator("section.export").count() > 3
    journey.shot("09-export")
    journey.go("/your-data/erase/")
    page.locator("#confirm").check()
    journey.shot("10-erase")
    journey.submit('form[action="/your-data/erase/"]')
    newcomer = str(service.newcomer_number())
    assert not Account.objects.filter(platform=Platform.X, stable_id=newcomer).exists()
    assert page.locator('a[href="/sign-in/"]').count() > 0  # signed out, with the way back in
    context.close()
    if shots is not None:
        assert sorted(journey.taken) == sorted(p.name for p in shots.glob("*.png"))


def _figure(page: sync_api.Page, network: str, field: str) -> int:
    """A figure of one account's progress box, as the page shows it now (digits only: 1,234)."""
    box = page.locator(f'li.phase[data-account="{_account_id(page, network)}"]')
    return int(re.sub(r"\D", "", box.locator(f'[data-field="{field}"]').inner_text()) or 0)


def _account_id(page: sync_api.Page, network: str) -> str:
    """The id of the person's account on ``network``, from its progress box (headed by the network)."""
    name = {"bluesky": "Bluesky", "mastodon": "Mastodon"}[network]
    box = page.locator("li.phase[data-account]").filter(
        has=page.locator("h3", has_text=re.compile(f"^{name}"))
    )
    return box.first.get_attribute("data-account") or ""


def _mastodon_source(page: sync_api.Page) -> str:
    box = page.locator(f'li.phase[data-account="{_account_id(page, "mastodon")}"] .handle')
    nick = box.inner_text().split("@")[0]
    return service.world.mastodon_actor(nick)


def follow_steps(journey: Journey, worker: Worker) -> None:
    """4–7 on the "Your people" page: the people found, follows by hand and all, the progress seen
    moving without a reload, undo."""
    page = journey.page
    journey.go("/people/")
    journey.until(lambda: page.locator("button.follow").count() > 0, reload=True)
    assert page.locator(".candidate strong").first.inner_text() in {p.name for p in service.world.PEOPLE}
    journey.shot("06-your-people", at="#list-title")
    # By hand: the first two people's Follow buttons.
    offered = page.locator("button.follow").count()
    for _ in range(2):
        page.locator("button.follow").first.click()
        page.wait_for_load_state()
    assert page.locator("button.follow").count() == offered - 2
    journey.shot("07-by-hand", at="#list-title")
    # All: everyone followed on X on Mastodon, while the worker waits, so that the page shows the
    # start; then the worker runs, and the page's figures move without a reload.
    worker.stop()
    page.locator(
        'form[action="/people/follow-all/"]:has(input[value=mastodon]) button[value=followees]'
    ).click()
    page.wait_for_load_state()
    done, remaining = _figure(page, "mastodon", "done"), _figure(page, "mastodon", "remaining")
    assert remaining > 0
    worker.start()
    journey.until(lambda: _figure(page, "mastodon", "done") > done, reload=False)
    journey.until(lambda: _figure(page, "mastodon", "remaining") == 0, reload=False)
    journey.shot("08-progress")
    # Undo, on Mastodon: the confirmation says what goes, then the follows Envol made go.
    page.reload()  # the button to undo them is offered once the follows exist
    page.locator(f'a[href="/reconnect/{_account_id(page, "mastodon")}/undo/"]').click()
    page.wait_for_url("**/undo/")  # the click only starts the navigation: the shot waits for its page
    journey.shot("08-undo")
    journey.submit("form.actions")
    source = _mastodon_source(page)
    journey.until(lambda: follow_port.follows_of(source) == {}, reload=False)
    page.reload()  # the live figures follow new follows every few seconds, an undo within a minute
    assert _figure(page, "mastodon", "done") == 0
