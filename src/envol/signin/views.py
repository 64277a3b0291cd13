"""The sign-in page (one button or form per platform) and signing out."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from envol.core.config import CONFIG
from envol.registry.session import sign_out as end_session
from envol.signin.flow import callback_url


def x_configured() -> bool:
    return bool(CONFIG.x_client_id)


def sign_in(request: HttpRequest) -> HttpResponse:
    context = {
        "page": "sign_in",
        "next": request.GET.get("next", ""),
        "x_configured": x_configured(),
        # What the operator registers at X when sign-in with X is not set up yet (the page says so).
        "x_callback": callback_url(request, "x_callback"),
    }
    return render(request, "signin/sign_in.html", context)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    end_session(request)
    return redirect("home")
