"""Signing in and out. The platform sign-in flows live beside this, one module per platform."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from envol.registry.session import sign_out as end_session


def sign_in(request: HttpRequest) -> HttpResponse:
    return render(request, "registry/sign_in.html", {"page": "sign_in", "next": request.GET.get("next", "")})


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    end_session(request)
    return redirect("home")
