"""The security headers every response carries: the Content-Security-Policy and its companions.

Django sends most of them (`SecurityMiddleware`, `ContentSecurityPolicyMiddleware`); this module
holds the policy itself and the one header Django has no setting for (Permissions-Policy). The
reasons behind each source are in docs/decisions/0011-security-headers-and-limits.md.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import importlib.util
import re
from pathlib import Path

from django.utils.csp import CSP

from envol.core.config import CONFIG

# Every page is served by Envol itself: no inline code, no nonce, no third-party script, style or
# font; a directive not named falls back to default-src 'self'. Images too come from Envol only:
# avatars are fetched by Envol and served from its own origin (decision 0023), so that no page
# tells the Bluesky CDN or a Mastodon instance who is looking at whom. `form-action https:` because
# Chromium applies form-action to the redirects that follow a POST, and the sign-in forms POST to
# Envol, which redirects to an authorisation server that can be any Mastodon instance.
CONTENT_SECURITY_POLICY: dict[str, list[str]] = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "worker-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF, "https:"],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

# Powerful browser features no Envol page uses, switched off for the page and anything it embeds.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)


def policy_for_request(base: dict[str, list[str]]) -> dict[str, list[str]]:
    """The policy of one response. With ENVOL_ALLOW_PRIVATE_HOSTS (tests, closed networks) the
    platform servers may be plain-HTTP addresses on the local network, so the sign-in forms may
    also be redirected to `http:`; a public deployment never sets that flag. Read at each request,
    as the platform client reads it."""
    if not CONFIG.allow_private_hosts:
        return base
    form_action = base.get("form-action", [])
    if "http:" in form_action:
        return base
    return {**base, "form-action": [*form_action, "http:"]}


def hash_source(body: str) -> str:
    """The CSP source that allows exactly this inline block: `'sha256-…'` of its text."""
    digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
    return f"'sha256-{digest}'"


_INLINE_BLOCK = re.compile(r"<(script|style)>(.*?)</\1>", re.S)


def policy_for_own_inline_code(html: str, *, framed_by_self: bool = False) -> dict[str, list[str]]:
    """The policy of a page that must carry inline code because it stands for someone else's page
    (the share widget's preview shows the snippet exactly as an outlet pastes it). Each inline
    `<script>` and `<style>` block is allowed by its SHA-256 hash, never by 'unsafe-inline', so
    nothing else, injected or not, runs. Inline `style=""` attributes and event handlers stay
    blocked: hashes do not cover them."""
    allowed: dict[str, list[str]] = {"script": [], "style": []}
    for kind, body in _INLINE_BLOCK.findall(html):
        allowed[kind].append(hash_source(body))
    policy = dict(CONTENT_SECURITY_POLICY)
    policy["script-src"] = [*policy["script-src"], *allowed["script"]]
    policy["style-src"] = [*policy["style-src"], *allowed["style"]]
    if framed_by_self:
        policy["frame-ancestors"] = [CSP.SELF]
    return policy


# Django's admin templates carry a few constant inline <style> blocks (a change list without action
# bars has one). The admin's responses allow exactly those by hash, read from the admin's own
# template files, so a Django upgrade carries its blocks along; a block whose text is rendered
# (template tags inside) cannot be known in advance and stays blocked. Envol's pages gain nothing.
_STYLE_BLOCK = re.compile(r"<style\b[^>]*>(.*?)</style>", re.S)


def admin_templates() -> Path:
    """Where the installed Django keeps the admin's templates (found without importing the admin:
    the settings import this module before any app is loaded)."""
    spec = importlib.util.find_spec("django.contrib.admin")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("django.contrib.admin is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "templates"


@functools.cache
def admin_style_hashes() -> tuple[str, ...]:
    """The hash sources of the admin templates' constant <style> blocks (read once, then cached)."""
    found: set[str] = set()
    for template in admin_templates().rglob("*.html"):
        for body in _STYLE_BLOCK.findall(template.read_text()):
            if "{{" not in body and "{%" not in body:
                found.add(hash_source(body))
    return tuple(sorted(found))


def policy_for_admin(base: dict[str, list[str]]) -> dict[str, list[str]]:
    """The policy of a Django admin response: the base one, plus the admin's own style blocks."""
    return {**base, "style-src": [*base.get("style-src", []), *admin_style_hashes()]}
