"""Django under ASGI with Envol's synchronous middleware run in one crossing (envol.core.synchandler):
the same answers, headers, forms and errors as Django's own handler gives, and no crossing back to
the event loop in the middle of a request."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from asgiref import sync
from django.contrib.sessions.backends.db import SessionStore
from django.core.handlers.asgi import ASGIHandler

from envol.core import middleware
from envol.core.asgi import django_application
from envol.core.synchandler import SyncStackHandler
from envol.registry.models import Person
from envol.registry.session import SESSION_KEY
from support.asgi import call

pytestmark = pytest.mark.django_db(transaction=True)

HEADERS = ("content-security-policy", "permissions-policy", "x-frame-options", "x-content-type-options",
           "referrer-policy", "cross-origin-opener-policy", "content-language")  # fmt: skip


def _signed_in() -> tuple[Person, str]:
    person = Person.objects.create()
    store = SessionStore()
    store[SESSION_KEY] = person.pk
    store.create()
    return person, f"sessionid={store.session_key}"


def test_the_site_serves_django_through_it() -> None:
    assert isinstance(django_application.app, SyncStackHandler)  # type: ignore[attr-defined]  # inside BodyLimit


def test_a_signed_in_page_crosses_to_a_thread_once_and_never_back(monkeypatch: pytest.MonkeyPatch) -> None:
    _, cookie = _signed_in()
    back: list[str] = []
    threads: set[int] = set()
    original = sync.AsyncToSync.__call__

    def counting(self: Any, *args: Any, **kwargs: Any) -> Any:
        back.append(getattr(self.awaitable, "__qualname__", "?"))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(sync.AsyncToSync, "__call__", counting)
    original_log = middleware.RequestLogMiddleware.__call__

    def logged(self: Any, request: Any) -> Any:
        threads.add(threading.get_ident())  # the outermost middleware: where the chain runs
        return original_log(self, request)

    monkeypatch.setattr(middleware.RequestLogMiddleware, "__call__", logged)
    answer = asyncio.run(call(SyncStackHandler(), "/people/", headers=[("cookie", cookie)]))
    assert answer.status == 200
    assert back == []  # the middleware chain never returns to the loop to dispatch the view
    assert threading.get_ident() not in threads  # the request ran in a thread, not on the loop


@pytest.mark.parametrize("path", ["/people/", "/faq/", "/not-a-page/", "/people/progress.json"])
def test_the_answers_are_django_s_own(path: str) -> None:
    _, cookie = _signed_in()
    ours = asyncio.run(
        call(SyncStackHandler(), path, headers=[("cookie", cookie), ("accept-language", "fr")])
    )
    theirs = asyncio.run(call(ASGIHandler(), path, headers=[("cookie", cookie), ("accept-language", "fr")]))
    assert ours.status == theirs.status
    for name in HEADERS:
        assert ours.header(name) == theirs.header(name), name
    assert ours.header("content-language") == "fr"
    if ours.status == 200 and path.endswith("/"):
        assert '<html lang="fr">' in ours.text


def test_a_form_posted_through_it_is_checked_and_acted_on() -> None:
    _, cookie = _signed_in()
    page = asyncio.run(call(SyncStackHandler(), "/people/", headers=[("cookie", cookie)]))
    token = page.text.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    csrf = next(v for v in page.all("set-cookie") if v.startswith("csrftoken=")).split(";", 1)[0]
    form = [("cookie", f"{cookie}; {csrf}"), ("content-type", "application/x-www-form-urlencoded")]
    refused = asyncio.run(
        call(SyncStackHandler(), "/people/follow/", method="POST", headers=form, body=b"x=1")
    )
    assert refused.status == 403  # no token: Django's CSRF check ran
    body = f"csrfmiddlewaretoken={token}&next=/people/".encode()
    answer = asyncio.run(call(SyncStackHandler(), "/people/follow/", method="POST", headers=form, body=body))
    assert answer.status == 302
