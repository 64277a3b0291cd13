"""The security headers every response carries: the Content-Security-Policy and its companions.

Django sends most of them (`SecurityMiddleware`, `ContentSecurityPolicyMiddleware`); this module
holds the policy itself and the one header Django has no setting for (Permissions-Policy). The
reasons behind each source are in docs/decisions/0011-security-headers-and-limits.md.
"""

from __future__ import annotations

from django.utils.csp import CSP

from envol.core.config import env_flag

# Every page is served by Envol itself: no inline code, no nonce, no third-party script, style or
# font; a directive not named falls back to default-src 'self'. `img-src https:` because the
# matching review page shows avatars from the Bluesky CDN and from any Mastodon instance, and an
# image cannot run code. `form-action https:` because Chromium applies form-action to the redirects
# that follow a POST, and the sign-in forms POST to Envol, which redirects to an authorisation
# server that can be any Mastodon instance.
CONTENT_SECURITY_POLICY: dict[str, list[str]] = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "https:"],
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
    if not env_flag("ENVOL_ALLOW_PRIVATE_HOSTS"):
        return base
    form_action = base.get("form-action", [])
    if "http:" in form_action:
        return base
    return {**base, "form-action": [*form_action, "http:"]}
