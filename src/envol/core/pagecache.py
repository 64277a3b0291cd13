"""The public pages, served from memory to visitors who are not signed in (decision 0013).

A crowd arriving at the home page, the FAQ, the media directory or the figures asks each process
for the same few pages again and again. This ASGI layer, in front of Django, keeps each page as
Django rendered it, per address, language and host, and answers the next visitor with it without
entering Django, its thread or its database. What would differ between two visitors is handled:

- a visitor with a session cookie (a signed-in person, a sign-in under way, one-shot notices kept
  in the session) or a notices cookie always goes to Django, and their page is never kept: one
  person's page is never shown to another;
- the language is the one Django would choose (its own `get_language_from_request`, from the
  language cookie and Accept-Language), and is part of the key;
- the form token (CSRF) of the language switcher is each visitor's own: the kept page holds a
  placeholder, and each answer gets a token and a cookie made by Django's CSRF middleware for
  that visitor;
- the headers are those Django sent (Content-Security-Policy and its companions included), less
  the first visitor's cookie;
- a page whose content follows the database (`version` below) is checked at most once per
  ENVOL_PAGE_CACHE_CHECK_SECONDS by one cheap query, and rendered again when the answer changed.

Only GET answers of status 200 without `Cache-Control` and with no cookie but the CSRF one are kept;
anything else passes through untouched. The memory is bounded (MAX_ENTRIES pages per process).
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import string
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connections
from django.http import HttpRequest, HttpResponse
from django.http.cookie import parse_cookie
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import translation

from envol.core.config import CONFIG

logger = logging.getLogger("envol.request")

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_ENTRIES = 512
_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"')
_DROPPED = {b"set-cookie", b"content-length", b"date", b"server"}


@dataclass(frozen=True, slots=True)
class CachedPage:
    """A page that may be kept: its URL name, and what tells whether its data changed (None: only
    a new release changes it). `version` runs in a thread, with the database; it must be cheap."""

    url_name: str
    version: Callable[[], object] | None = None


#: Filled by each application's AppConfig.ready(): the pages it lets this layer keep.
PAGES: list[CachedPage] = []


def enabled() -> bool:
    """ENVOL_PAGE_CACHE, and never with DEBUG (templates are read again at each request there)."""
    return CONFIG.page_cache == "on" and not settings.DEBUG


def register(url_name: str, version: Callable[[], object] | None = None) -> None:
    PAGES.append(CachedPage(url_name, version))


@dataclass(slots=True)
class _Entry:
    version: object
    status: int
    headers: list[tuple[bytes, bytes]]
    parts: list[bytes]  # the body, split where the form token was


@dataclass(slots=True)
class _Version:
    value: object = None
    checked_at: float = float("-inf")
    asking: bool = False  # one request of the process is asking the database


_LANGUAGES: dict[tuple[str | None, str], str] = {}


def language_of(cookies: dict[str, str], accept_language: str) -> str:
    """The language Django's LocaleMiddleware chooses for these inputs (its own function), memoised:
    a crowd sends few distinct language cookies and Accept-Language headers."""
    key = (cookies.get(settings.LANGUAGE_COOKIE_NAME), accept_language)
    found = _LANGUAGES.get(key)
    if found is None:
        request = HttpRequest()
        request.COOKIES = {settings.LANGUAGE_COOKIE_NAME: key[0]} if key[0] is not None else {}
        request.META["HTTP_ACCEPT_LANGUAGE"] = accept_language
        found = translation.get_language_from_request(request)
        if len(_LANGUAGES) > 1024:  # bounded: the headers come from anyone
            _LANGUAGES.clear()
        _LANGUAGES[key] = found
    return found


_ALPHABET = string.ascii_letters + string.digits  # Django's CSRF alphabet
_INDEX = {c: i for i, c in enumerate(_ALPHABET)}
_SECRET_LENGTH = 32


def _random_string() -> str:
    """32 characters of the CSRF alphabet from one read of the system's generator (320 bits, so the
    remainder's bias is below 2**-130): Django's own generator reads it once per character."""
    value = int.from_bytes(secrets.token_bytes(40))
    out = []
    for _ in range(_SECRET_LENGTH):
        value, digit = divmod(value, len(_ALPHABET))
        out.append(_ALPHABET[digit])
    return "".join(out)


def _valid(text: str, length: int) -> bool:
    return len(text) == length and all(c in _INDEX for c in text)


def csrf_secret(cookie: str | None) -> str | None:
    """The CSRF secret in a visitor's cookie, as Django's middleware reads it (a 32-character secret,
    or a legacy 64-character masked one); None when there is none or it is malformed."""
    if cookie is None:
        return None
    if _valid(cookie, _SECRET_LENGTH):
        return cookie
    if _valid(cookie, 2 * _SECRET_LENGTH):  # mask, then secret + mask (mod the alphabet)
        mask, cipher = cookie[:_SECRET_LENGTH], cookie[_SECRET_LENGTH:]
        size = len(_ALPHABET)
        return "".join(_ALPHABET[(_INDEX[c] - _INDEX[m]) % size] for c, m in zip(cipher, mask, strict=True))
    return None


def masked_token(secret: str) -> str:
    """A form token for `secret` in the form Django's CSRF check accepts: a fresh random mask, then
    each character of the secret shifted by the mask's (BREACH: no two pages carry the same bytes).
    tests/core/test_pagecache.py checks that Django accepts it."""
    mask = _random_string()
    size = len(_ALPHABET)
    cipher = "".join(_ALPHABET[(_INDEX[c] + _INDEX[m]) % size] for c, m in zip(secret, mask, strict=True))
    return mask + cipher


def form_token(request: HttpRequest) -> str:
    """Django's `get_token` for a request that brought its CSRF secret, with the mask drawn in one
    read of the system's generator (`masked_token`: 16–23 µs against Django's 86–90, which reads it
    once per character); a request without a secret gets Django's own, which makes one."""
    secret = request.META.get("CSRF_COOKIE")
    if not isinstance(secret, str) or not _valid(secret, _SECRET_LENGTH):
        return get_token(request)
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True  # as get_token: the cookie's expiry is renewed
    return masked_token(secret)


def csrf_cookie(secret: str) -> bytes:
    """The Set-Cookie Django's CSRF middleware sends with every page that shows a token (its expiry
    renewed each time), made by Django's own `set_cookie` with the CSRF settings."""
    response = HttpResponse()
    response.set_cookie(
        settings.CSRF_COOKIE_NAME,
        secret,
        max_age=settings.CSRF_COOKIE_AGE,
        domain=settings.CSRF_COOKIE_DOMAIN,
        path=settings.CSRF_COOKIE_PATH,
        secure=settings.CSRF_COOKIE_SECURE,
        httponly=settings.CSRF_COOKIE_HTTPONLY,
        samesite=settings.CSRF_COOKIE_SAMESITE,  # type: ignore[arg-type]  # a str setting, Django checks it
    )
    return response.cookies[settings.CSRF_COOKIE_NAME].OutputString().encode("latin-1")


class PublicPageCache:
    """ASGI middleware: see the module's docstring."""

    def __init__(
        self, app: Asgi, *, check_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.app = app
        self.check_seconds = check_seconds
        self.clock = clock
        self.entries: OrderedDict[tuple[Any, ...], _Entry] = OrderedDict()
        self._pages: dict[str, CachedPage] | None = None
        self._versions: dict[str, _Version] = {}

    def pages(self) -> dict[str, CachedPage]:
        if self._pages is None:  # URLs resolve once Django is ready, not at import
            self._pages = {reverse(page.url_name): page for page in PAGES}
        return self._pages

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        page = self._cacheable(scope)
        if page is None:
            await self.app(scope, receive, send)
            return
        headers = {name: value for name, value in scope["headers"]}
        cookies = parse_cookie(headers.get(b"cookie", b"").decode("latin-1"))
        if settings.SESSION_COOKIE_NAME in cookies or CookieStorage.cookie_name in cookies:
            await self.app(scope, receive, send)
            return
        language = language_of(cookies, headers.get(b"accept-language", b"").decode("latin-1"))
        key = (scope["path"], scope.get("query_string", b""), scope.get("scheme"), scope.get("root_path", ""),
               headers.get(b"host"), self._proxy_scheme(headers), language)  # fmt: skip
        try:
            version = await self._version(page, scope["path"])
        except Exception:  # the database is away: Django answers (its error page), nothing is kept
            logger.exception("page cache: version of %s unknown", scope["path"])
            await self.app(scope, receive, send)
            return
        entry = self.entries.get(key)
        if entry is not None and entry.version == version:
            self.entries.move_to_end(key)
            await self._answer(entry, cookies, scope, send)
            return
        await self._render(key, version, scope, receive, send)

    def _cacheable(self, scope: Scope) -> CachedPage | None:
        if scope["type"] != "http" or scope["method"] != "GET":
            return None
        return self.pages().get(scope["path"])

    @staticmethod
    def _proxy_scheme(headers: dict[bytes, bytes]) -> bytes | None:
        """The proxy's word on HTTPS, when the settings trust one: Django's redirects and HSTS follow it."""
        header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
        if not header:
            return None
        name = header[0].removeprefix("HTTP_").replace("_", "-").lower().encode("latin-1")
        return headers.get(name)

    async def _version(self, page: CachedPage, path: str) -> object:
        if page.version is None:
            return None
        state = self._versions.setdefault(path, _Version())
        if self.clock() - state.checked_at < self.check_seconds:
            return state.value
        if state.asking and state.checked_at > float("-inf"):
            # One query per interval: the visitors who arrive while it runs get the page as of the
            # previous answer (at most the interval plus the query's time old) instead of waiting.
            return state.value
        state.asking = True
        try:
            state.value = await asyncio.to_thread(_read_version, page.version)
            state.checked_at = self.clock()
        finally:
            state.asking = False
        return state.value

    async def _answer(self, entry: _Entry, cookies: dict[str, str], scope: Scope, send: Send) -> None:
        started = time.perf_counter()
        headers = list(entry.headers)
        body = entry.parts[0]
        if len(entry.parts) > 1:  # the visitor's own token, and the cookie Django would send with it
            secret = csrf_secret(cookies.get(settings.CSRF_COOKIE_NAME)) or _random_string()
            body = masked_token(secret).encode("ascii").join(entry.parts)
            headers.append((b"set-cookie", csrf_cookie(secret)))
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": entry.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        logger.info("GET %s %s", scope["path"], entry.status, extra={
            "method": "GET", "path": scope["path"], "status": entry.status, "cached": True,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1)})  # fmt: skip

    async def _render(self, key: tuple[Any, ...], version: object, scope: Scope, receive: Receive,
                      send: Send) -> None:  # fmt: skip
        """Let Django answer, passing its answer on as it comes, and keep it if it may be kept."""
        start: Message | None = None
        chunks: list[bytes] = []
        complete = False

        async def capture(message: Message) -> None:
            nonlocal start, complete
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                complete = not message.get("more_body", False)
            await send(message)

        await self.app(scope, receive, capture)
        if start is not None and complete:
            entry = _keepable(version, start, b"".join(chunks))
            if entry is not None:
                self.entries[key] = entry
                self.entries.move_to_end(key)
                while len(self.entries) > MAX_ENTRIES:
                    self.entries.popitem(last=False)


def _read_version(version: Callable[[], object]) -> object:
    try:
        return version()
    finally:
        connections.close_all()  # this thread's connections go back (to the pool, on PostgreSQL)


def _keepable(version: object, start: Message, body: bytes) -> _Entry | None:
    """The answer as a cache entry, or None when it must not be shown to anyone else."""
    if start["status"] != 200:
        return None
    headers: list[tuple[bytes, bytes]] = [(bytes(k).lower(), bytes(v)) for k, v in start.get("headers", [])]
    csrf_cookie = settings.CSRF_COOKIE_NAME.encode("latin-1") + b"="
    for name, value in headers:
        if name == b"cache-control":
            return None  # a view that said anything about caching (never_cache, private) is obeyed
        if name == b"set-cookie" and not value.startswith(csrf_cookie):
            return None  # a session, a language choice, a notice: that visitor's own
    tokens = set(_TOKEN.findall(body))
    if len(tokens) > 1:
        return None  # one render makes one token; two mean something this layer does not understand
    parts = body.split(tokens.pop()) if tokens else [body]
    kept = [(name, value) for name, value in headers if name not in _DROPPED]
    return _Entry(version, 200, kept, parts)
