"""Every page in Chromium, in both languages, on a 320 px phone and on a desktop, for a visitor and
for a signed-in person with representative data (issue #20, item 8):

- axe-core finds no violation of any impact;
- at 320 px nothing scrolls sideways and the header takes at most a fifth of a 320×640 screen;
- every control is at least 44×44 px (a check box with its label);
- every focus stop shows the focus (walked with the Tab key, in English at both sizes);
- at 1200 px "Sign out" stays on one line.

One browser for the module, one context per language, size and visitor, one visit per page. The
results do not depend on the database, so the test runs on one database only (`one_database`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.db import connections
from django.test import Client
from django.urls import reverse
from playwright import sync_api
from pytest_django.live_server_helper import LiveServer

from envol.registry.session import SESSION_KEY
from support import a11y
from support.chromium import browser_beside_orm
from support.tour import Site, paths, populate

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.one_database]

SIZES = {"phone": {"width": 320, "height": 640}, "desktop": {"width": 1200, "height": 900}}
PUBLIC_FOR_THE_SIGNED_IN = {"home"}  # the header of a signed-in person, on a page everyone sees
# The share widget's preview is the content of a frame, checked inside the generator page that
# shows it (axe enters frames); alone it is a bare page by design: an outlet's page surrounds it.
FRAMES = {"media_widget_preview"}
DONE_FOLLOWS = 3  # the export page lists each follow: counts do not matter here, page size does


@pytest.fixture(scope="module")
def browser() -> Iterator[sync_api.Browser]:
    with browser_beside_orm() as browser:
        yield browser


def pages_to_visit(site: Site) -> dict[str, list[str]]:
    """Visitors: every page they can see. Signed in: the pages only a person sees, and the home
    page. POST-only routes, redirects and files are not pages to look at."""
    visitor, person = Client(), Client()
    session = person.session
    session[SESSION_KEY] = site.person.pk
    session.save()
    chosen: dict[str, list[str]] = {"visitor": [], "person": []}
    for name, path in paths(site, reverse):
        if name in FRAMES:
            continue
        public = visitor.get(path)
        if public.status_code < 300 and "html" in public.get("Content-Type", ""):
            chosen["visitor"].append(path)
            if name not in PUBLIC_FOR_THE_SIGNED_IN:
                continue
        own = person.get(path)
        if own.status_code < 300 and "html" in own.get("Content-Type", ""):
            chosen["person"].append(path)
    return chosen


def _context(browser: sync_api.Browser, live_server: LiveServer, lang: str, size: str, session_key: str | None
             ) -> sync_api.BrowserContext:  # fmt: skip
    context = browser.new_context(viewport=SIZES[size], locale="fr-FR" if lang == "fr" else "en-GB")
    context.add_init_script(a11y.axe_source())
    cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": live_server.url}]
    if session_key:
        cookies.append({"name": settings.SESSION_COOKIE_NAME, "value": session_key, "url": live_server.url})
    context.add_cookies(cookies)  # type: ignore[arg-type]
    return context


def check(page: sync_api.Page, lang: str, size: str) -> list[str]:
    problems = a11y.axe_violations(page) + a11y.small_targets(page)
    if size == "phone":
        problems += a11y.horizontal_scroll(page) + a11y.header_height(page)
    else:
        problems += a11y.sign_out_on_one_line(page)
    if lang == "en":  # focus styles do not depend on the language
        problems += a11y.focus_not_shown(page)
    return problems


def test_every_page_is_accessible(browser: sync_api.Browser, live_server: LiveServer, tmp_path: Path) -> None:
    site = populate(tmp_path, done_follows=DONE_FOLLOWS)
    chosen = pages_to_visit(site)
    assert len(chosen["visitor"]) >= 12
    assert len(chosen["person"]) >= 8
    store = SessionStore()
    store[SESSION_KEY] = site.person.pk
    store.create()
    report: list[str] = []
    visits = 0
    for lang in ("en", "fr"):
        for size in SIZES:
            for who, key in (("visitor", None), ("person", store.session_key)):
                context = _context(browser, live_server, lang, size, key)
                page = context.new_page()
                for path in chosen[who]:
                    response = page.goto(live_server.url + path)
                    assert response is not None, path
                    assert response.ok, path
                    visits += 1
                    report += [f"{lang} {size} {who} {path}: {p}" for p in check(page, lang, size)]
                context.close()
    connections.close_all()
    assert visits == 4 * (len(chosen["visitor"]) + len(chosen["person"]))
    assert not report, f"{len(report)} problems:\n" + "\n".join(report)


def test_the_archive_button_shows_the_focus_its_hidden_input_takes(
    browser: sync_api.Browser, live_server: LiveServer, tmp_path: Path
) -> None:
    """The upload page's file input is visually hidden and takes the focus: its label, the visible
    "Choose your archive" button, must show the ring (it showed none)."""
    site = populate(tmp_path, done_follows=DONE_FOLLOWS)
    store = SessionStore()
    store[SESSION_KEY] = site.person.pk
    store.create()
    context = _context(browser, live_server, "en", "desktop", store.session_key)
    page = context.new_page()
    page.goto(f"{live_server.url}/archive/")
    for _ in range(a11y.MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == "browser-files":
            break
    outline = page.evaluate(
        "() => getComputedStyle(document.querySelector('label[for=browser-files]')).outlineStyle"
    )
    context.close()
    connections.close_all()
    assert outline == "solid"


def test_the_pinned_axe_is_the_published_file() -> None:
    assert "axe-core" in a11y.axe_source()[:400] or a11y.AXE_VERSION in a11y.axe_source()[:400]
    assert (a11y.AXE.parent / "LICENSE").read_text().startswith("Mozilla Public License")
