"""The progress on "Your people" changes without a reload (issue #20, item 3): progress.js asks
/people/progress.json and writes the new sentence and figures into the page, in Chromium, under
the site's strict Content-Security-Policy (no inline script)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from playwright import sync_api
from pytest_django.live_server_helper import LiveServer

from envol.core.ids import Platform
from envol.reconnect.models import FollowTask, ReconnectChoice
from envol.reconnect.states import TaskState
from envol.registry.models import Account, Person, Verification
from envol.registry.session import SESSION_KEY
from support.chromium import browser_beside_orm

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.one_database]


@pytest.fixture
def browser() -> Iterator[sync_api.Browser]:
    with browser_beside_orm() as browser:
        yield browser


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_progress_changes_without_a_reload(
    browser: sync_api.Browser, live_server: LiveServer, lang: str
) -> None:
    me = Person.objects.create(findable_by="everyone")
    bluesky = Account.objects.create(person=me, platform=Platform.BLUESKY, stable_id="did:plc:me",
                                     handle="me.test", verification=Verification.VERIFIED)  # fmt: skip
    ReconnectChoice.objects.create(account=bluesky, directions="both", mode="manual")
    now = timezone.now()
    FollowTask.objects.bulk_create(
        FollowTask(source=bluesky, network="bluesky", target_id=f"did:plc:t{n}", target_handle=f"t{n}.test",
                   followee=True, state=TaskState.READY, created_at=now, updated_at=now)
        for n in range(3)
    )  # fmt: skip
    store = SessionStore()
    store[SESSION_KEY] = me.pk
    store.create()
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.add_cookies([  # type: ignore[list-item]
        {"name": settings.SESSION_COOKIE_NAME, "value": store.session_key, "url": live_server.url},
        {"name": settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": live_server.url},
    ])  # fmt: skip
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{live_server.url}/people/")
    statement = page.locator(f'[data-account="{bluesky.pk}"] [data-field="statement"]')
    running = {"en": "Under way: 0 done, 3 to go.", "fr": "En cours\u202f: encore 3 abonnements à envoyer"}[
        lang
    ]
    assert running in statement.inner_text()
    page.evaluate("window.notReloaded = true")
    FollowTask.objects.filter(source=bluesky).update(state=TaskState.DONE)  # the engine sent them
    done = {
        "en": "Done: 3 follows made.",
        "fr": "Terminé\u202f: 3 abonnements faits.",
    }[lang]
    sync_api.expect(statement).to_have_text(done, timeout=20_000)
    sync_api.expect(page.locator(f'[data-account="{bluesky.pk}"] [data-field="done"]')).to_have_text("3")
    assert page.evaluate("window.notReloaded") is True
    assert errors == []  # no script refused by the Content-Security-Policy
    context.close()
