"""`sandbox`: whether this page is shown inside the sandbox (its banner, its simulated sign-in
buttons in place of the platforms' own)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from envol.core.sandbox import sandbox_enabled

#: Set in the session by the sandbox's simulated sign-in; signing out ends it with the session.
SESSION_FLAG = "envol_sandbox"


def in_sandbox(request: HttpRequest) -> bool:
    if not sandbox_enabled():
        return False
    return bool(request.session.get(SESSION_FLAG)) or request.path.startswith("/sandbox/")


def sandbox(request: HttpRequest) -> dict[str, Any]:
    return {"sandbox": in_sandbox(request), "sandbox_offered": sandbox_enabled()}
