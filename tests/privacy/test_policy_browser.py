"""The privacy page in Chromium: short on a phone, nothing wider than the window (issue #20: it was
13,000 px tall at 390 px, with a table clipped even at 1366 px)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connections
from playwright import sync_api
from pytest_django.live_server_helper import LiveServer

from support.chromium import launch

pytestmark = pytest.mark.django_db(transaction=True)

RIGHTMOST = (
    "Math.max(...[...document.querySelectorAll('main *')].map((e) => e.getBoundingClientRect().right))"
)
PHONE_HEIGHT_LIMIT = 4500  # px at 390 px wide: the summary and the rights, the inventory folded


@pytest.fixture
def browser() -> Iterator[sync_api.Browser]:
    with sync_api.sync_playwright() as p:
        launched = launch(p)
        yield launched
        launched.close()
    connections.close_all()


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_privacy_page_is_short_on_a_phone_and_never_too_wide(
    browser: sync_api.Browser, live_server: LiveServer, language: str
) -> None:
    for width, height in ((390, 844), (1366, 900)):
        context = browser.new_context(viewport={"width": width, "height": height}, locale=language)
        page = context.new_page()
        page.goto(f"{live_server.url}/privacy/")
        if width == 390:
            assert page.evaluate("document.documentElement.scrollHeight") < PHONE_HEIGHT_LIMIT
        page.locator("details.inventory > summary").click()  # the full list, opened
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), width
        widest = page.evaluate(RIGHTMOST)
        assert widest <= width, (width, widest)
        context.close()
