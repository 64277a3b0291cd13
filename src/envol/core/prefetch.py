"""A signed-in page's reads sent with the session's own, on PostgreSQL: one round trip, not two.

"Your people" must read the session to learn who is signed in before it can ask for that
person's rows, so each reload made two trips to the database: the session, then the page's reads
in one pipeline (decision 0032). Each trip costs both processes CPU and a wait (decision 0034).
The person a session names does not change while the session lives (signing in gives a new
session key, `registry.session.sign_in`), so the person the page found last time for this key is
a good guess: the middleware sends the session's read and the page's reads for the guessed person
together, primes the session with its row (`SessionStore.prime`), and leaves the page's values on
the request. The page takes them only when the session, read in the same moment, names the
guessed person (`taken`); otherwise it reads again for the person it names. So a guess never
decides what anyone sees: a session signed out, expired or naming someone else gets exactly
the page it would have got without one.

Guesses live in the web process's memory only, under a digest of the session key (not the key,
which is a sign-in credential), a bounded number of them. SQLite has no round trip to save: the
middleware does nothing there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponseBase
from django.urls import NoReverseMatch, get_urlconf, reverse

from envol.core import reads
from envol.core.sessions import SessionStore, session_read

#: A page's reads for a person: what the page would send itself for that person.
type Plan = Callable[[HttpRequest, int], list[reads.Read[Any]]]

_PLANS: dict[str, Plan] = {}  # URL name → plan, registered by the apps at start-up
_PATHS: dict[str | None, dict[str, Plan]] = {}  # URL configuration → path → plan
_GUESSES: dict[bytes, int] = {}  # digest of a session key → the person its page last found
MOST_GUESSES = 100_000  # about 10 MB; past it the guesses start again from none
_TAKEN = "_envol_prefetched"


def register(url_name: str, plan: Plan) -> None:
    """Let the page named `url_name` (GET) have its reads sent with the session's."""
    _PLANS[url_name] = plan
    _PATHS.clear()


def _digest(session_key: str) -> bytes:
    return hashlib.blake2b(session_key.encode(), digest_size=16).digest()


def confirm(request: HttpRequest, person_id: int) -> None:
    """The page found this person for the request's session: guess them next time."""
    key = request.session.session_key
    if key and connection.vendor == "postgresql":
        if len(_GUESSES) >= MOST_GUESSES:
            _GUESSES.clear()
        _GUESSES[_digest(key)] = person_id


def taken(request: HttpRequest, person_id: int) -> list[Any] | None:
    """The page's values read with the session, when they were read for this person."""
    prefetched: tuple[int, list[Any]] | None = getattr(request, _TAKEN, None)
    if prefetched is None or prefetched[0] != person_id:
        return None
    return prefetched[1]


def _plan_for(path: str) -> Plan | None:
    urlconf = get_urlconf()
    paths = _PATHS.get(urlconf)
    if paths is None:
        paths = {}
        for name, plan in _PLANS.items():
            try:
                paths[reverse(name, urlconf=urlconf)] = plan
            except NoReverseMatch:  # a URL configuration without that page (some tests')
                continue
        _PATHS[urlconf] = paths
    return paths.get(path)


class PrefetchMiddleware:
    """After the session middleware, before anything reads the session."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method == "GET" and connection.vendor == "postgresql":
            self._prefetch(request)
        return self.get_response(request)

    def _prefetch(self, request: HttpRequest) -> None:
        plan = _plan_for(request.path_info)  # other pages: nothing more is looked at
        session = request.session
        if plan is None or not isinstance(session, SessionStore) or hasattr(session, "_session_cache"):
            return
        key = session.session_key  # the cookie's value: nothing read yet
        guess = _GUESSES.get(_digest(key)) if key else None
        if not key or guess is None:
            return
        found = reads.fetch_all(session_read(key), *plan(request, guess))
        session.prime(found[0])
        setattr(request, _TAKEN, (guess, found[1:]))
