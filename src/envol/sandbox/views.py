"""The sandbox's pages (decision 0024): an explanation and a start button, simulated sign-ins that
hand their identity to the same `finish_proof` as every real platform, and the sample archive.
Every view answers 404 unless the sandbox is on (development only)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from functools import wraps
from pathlib import Path

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_POST

from envol.core.ids import Platform
from envol.core.sandbox import sandbox_enabled
from envol.registry.models import Person
from envol.registry.session import current_person, person_required
from envol.sandbox import service
from envol.sandbox.context_processors import SESSION_FLAG
from envol.signin.flow import finish_proof

NETWORKS = {"bluesky": Platform.BLUESKY, "mastodon": Platform.MASTODON}


def sandbox_only[**P](view: Callable[P, HttpResponseBase]) -> Callable[P, HttpResponseBase]:
    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        if not sandbox_enabled():
            raise Http404
        return view(*args, **kwargs)

    return wrapper


@sandbox_only
def page(request: HttpRequest) -> HttpResponse:
    person = current_person(request)
    newcomer = service.newcomer_nick(person) if person is not None else None
    linked = set(person.accounts.values_list("platform", flat=True)) if person is not None else set()
    context = {
        "page": "sandbox",
        "newcomer": newcomer[0] if newcomer else "",
        "can_link_bluesky": Platform.BLUESKY not in linked,
        "can_link_mastodon": Platform.MASTODON not in linked,
    }
    return render(request, "sandbox/page.html", context)


@require_POST
@sandbox_only
def start(request: HttpRequest) -> HttpResponseBase:
    """Sign in with a new simulated X account (signing out whoever was signed in)."""
    service.populate()
    number = service.newcomer_number()
    nick = f"newcomer{number % 1_000_000}"
    request.session.flush()
    response = finish_proof(request, service.identity(Platform.X, nick, nick, x_number=number))
    request.session[SESSION_FLAG] = True
    return response


@require_POST
@sandbox_only
@person_required
def link(request: HttpRequest, person: Person, network: str) -> HttpResponseBase:
    platform = NETWORKS.get(network)
    newcomer = service.newcomer_nick(person)
    if platform is None or newcomer is None:
        raise Http404
    nick, number = newcomer
    proven = service.identity(platform, nick, nick, x_number=number)
    response = finish_proof(request, proven)
    # The simulated people's lists have the newcomer too: their lookups are answered in advance.
    service.known(platform, proven.stable_id, nick)
    return response


@sandbox_only
@person_required
def sample_archive(request: HttpRequest, person: Person) -> HttpResponseBase:
    newcomer = service.newcomer_nick(person)
    if newcomer is None:
        raise Http404
    nick, number = newcomer
    service.populate()  # the names of the people it lists, again if the retention job pruned them
    # The file is opened then unlinked: the response streams it and the system frees it at close.
    with tempfile.TemporaryDirectory() as folder:
        path = service.write_sample_archive(Path(folder) / "archive.zip", x_number=number, nick=nick)
        handle = path.open("rb")
    return FileResponse(handle, as_attachment=True, filename=f"twitter-{nick}-sample.zip")
