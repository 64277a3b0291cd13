"""Whether the sandbox (simulated platforms, decision 0024) is on: development only, never in
production. Start-up refuses a production configuration that asks for it; every sandbox view and
the follow port factory ask `sandbox_enabled()` at each request, so nothing of it answers otherwise."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from envol.core.config import CONFIG


def sandbox_enabled() -> bool:
    return CONFIG.env != "production" and CONFIG.sandbox in ("auto", "on")


def refuse_sandbox_in_production() -> None:
    """Called when the settings load: `ENVOL_SANDBOX=on` with `ENVOL_ENV=production` stops start-up."""
    if CONFIG.env == "production" and CONFIG.sandbox == "on":
        raise ImproperlyConfigured(
            "Refusing to start in production with ENVOL_SANDBOX=on: the sandbox's simulated platforms "
            "are for trying Envol on a laptop only (see docs/decisions/0024-sandbox.md)"
        )
