"""The public pages and the error pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader

from envol.reconnect.journey import journey_for
from envol.registry.session import current_person

PUBLIC_PAGES = ("home", "how", "faq", "privacy", "legal")


def page(request: HttpRequest, name: str) -> HttpResponse:
    return render(request, f"web/{name}.html", {"page": name})


def home(request: HttpRequest) -> HttpResponse:
    """Signed out: what Envol is. Signed in: the journey, where the person is and what comes next."""
    person = current_person(request)
    if person is None:
        return page(request, "home")
    return render(request, "web/journey.html", {"page": "home", "journey": journey_for(person.pk)})


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "web/404.html", {"page": "404"}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors or database access here: the failure may be the database itself.
    return HttpResponse(loader.get_template("web/500.html").render({}, None), status=500)
