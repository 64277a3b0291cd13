"""The public pages and the error pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader

PUBLIC_PAGES = ("home", "how", "faq", "privacy", "legal")


def page(request: HttpRequest, name: str) -> HttpResponse:
    return render(request, f"web/{name}.html", {"page": name})


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "web/404.html", {"page": "404"}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors or database access here: the failure may be the database itself.
    return HttpResponse(loader.get_template("web/500.html").render({}, None), status=500)
