"""Who is signed in: a person id in the Django session, set only after a platform sign-in.

Persons are not Django users: they have no password and never see the admin. Operators are
Django staff users, kept apart on purpose (an operator account is not a person's data).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, wraps
from typing import Concatenate

from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse

from envol.core import reads, rows
from envol.registry.models import Person

SESSION_KEY = "envol_person_id"


def current_person(request: HttpRequest) -> Person | None:
    """The signed-in person, looked up once per request."""
    if not hasattr(request, "_envol_person"):
        person_id = signed_in_id(request)
        remember(request, reads.fetch(person_read(person_id)) if person_id is not None else None)
    person: Person | None = request._envol_person  # type: ignore[attr-defined]
    return person


def signed_in_id(request: HttpRequest) -> int | None:
    """The id the session names, before anything says whether that person still exists."""
    person_id = request.session.get(SESSION_KEY)
    return int(person_id) if person_id else None


def person_read(person_id: int) -> reads.Read[Person | None]:
    """The person with this id, written out: every signed-in request asks, and compiling the
    queryset cost more than running it (the "Your people" page, docs/performance.md). A page
    that reads more for the same id sends it with its other reads, then calls `remember`."""
    return reads.Read(_person_sql(), [person_id], _person_of)


def _person_of(found: reads.Rows) -> Person | None:
    return rows.instance(Person, found[0]) if found else None


def remember(request: HttpRequest, person: Person | None) -> None:
    """What `current_person` answers for the rest of the request."""
    request._envol_person = person  # type: ignore[attr-defined]


@cache
def _person_sql() -> str:
    table = connection.ops.quote_name(Person._meta.db_table)
    return f"SELECT {rows.columns(Person)} FROM {table} WHERE id = %s"  # noqa: S608 (quoted names only)


def sign_in(request: HttpRequest, person: Person) -> None:
    request.session.cycle_key()  # a new session id at sign-in: no session fixation
    request.session[SESSION_KEY] = person.pk
    request._envol_person = person  # type: ignore[attr-defined]


def sign_out(request: HttpRequest) -> None:
    request.session.flush()
    request._envol_person = None  # type: ignore[attr-defined]


def person_required[**P](
    view: Callable[Concatenate[HttpRequest, Person, P], HttpResponseBase],
) -> Callable[Concatenate[HttpRequest, P], HttpResponseBase]:
    """Views that act for a person get it as their second argument; others are sent to sign in."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        person = current_person(request)
        if person is None:
            return to_sign_in(request)
        return view(request, person, *args, **kwargs)

    return wrapper  # type: ignore[return-value]  # functools.wraps' type drops the ParamSpec


def to_sign_in(request: HttpRequest) -> HttpResponse:
    """Where a page that needs a signed-in person sends anyone else, to come back after."""
    response: HttpResponse = redirect(reverse("sign_in") + f"?next={request.path}")
    return response
