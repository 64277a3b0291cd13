"""The sign-in page (one button or form per platform) and signing out."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from envol.core.config import CONFIG
from envol.registry.session import sign_out as end_session
from envol.signin.flow import callback_url


def x_configured() -> bool:
    return bool(CONFIG.x_client_id)


def loopback_address(request: HttpRequest) -> str | None:
    """A development instance asked at http://localhost:<port>: the same page at 127.0.0.1, where
    Bluesky's development (loopback) client works with nothing configured; its callbacks may only
    name a loopback IP, and the session started at one host is not sent to the other."""
    if CONFIG.env == "production" or CONFIG.public_url or CONFIG.bluesky_oauth_client != "auto":
        return None
    host, _, port = request.get_host().partition(":")
    if request.scheme != "http" or host.lower() != "localhost":
        return None
    return f"http://127.0.0.1{':' + port if port else ''}{request.get_full_path()}"


def sign_in(request: HttpRequest) -> HttpResponseBase:
    context = {
        "page": "sign_in",
        "next": request.GET.get("next", ""),
        "x_configured": x_configured(),
        # What the operator registers at X when sign-in with X is not set up yet (the page says so).
        "x_callback": callback_url(request, "x_callback"),
        # Not a redirect: the visitor's cookies (language, session) belong to the host they typed.
        "loopback_address": loopback_address(request),
    }
    return render(request, "signin/sign_in.html", context)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    end_session(request)
    return redirect("home")
