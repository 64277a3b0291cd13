"""Envol's middleware: the request log (method, route, status, duration; no IP, no query string, no
path that could hold a token), the refusal of unreadable input, the security headers, and the rate
limits on sign-in, upload and media declarations."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.csp import ContentSecurityPolicyMiddleware
from django.shortcuts import render

from envol.core import ratelimit
from envol.core.cache import PurgeClock, purge_expired
from envol.core.logs import logged_path
from envol.core.security import PERMISSIONS_POLICY, policy_for_admin, policy_for_request

logger = logging.getLogger("envol.request")


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        response = self.get_response(request)
        path = logged_path(request)
        logger.info(
            "%s %s %s",
            request.method,
            path,
            response.status_code,
            extra={
                "method": request.method,
                "path": path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        return response


class SecurityHeadersMiddleware(ContentSecurityPolicyMiddleware):
    """Django's Content-Security-Policy middleware with the policy of `envol.core.security` (widened
    for plain-HTTP platform servers only where ENVOL_ALLOW_PRIVATE_HOSTS allows them, and on the
    admin's pages by the hashes of its own style blocks), plus the Permissions-Policy header Django
    has no setting for. A view that needs another policy sets it with
    `django.views.decorators.csp.csp_override`, which this leaves alone."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if not hasattr(response, "_csp_config"):
            policy = policy_for_request(settings.SECURE_CSP)
            match = getattr(request, "resolver_match", None)
            if match is not None and "admin" in match.app_names:  # every AdminSite's app name
                policy = policy_for_admin(policy)
            response._csp_config = policy  # type: ignore[attr-defined]
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return super().process_response(request, response)


FORM_TYPE = "application/x-www-form-urlencoded"


class ReadableInputMiddleware:
    """Refuses, with 400 and a page saying so, a query string or a plain form holding a NUL character.

    No text Envol reads may hold one, and PostgreSQL refuses to store or even compare it: without this,
    `/media/?q=%00` or `/review/?after=bluesky:%00` reached the database and answered 500. Multipart
    bodies (uploads) are left to their views, which stream them; reading them here would consume them.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        sources = [request.GET]
        if request.content_type == FORM_TYPE:
            sources.append(request.POST)
        for source in sources:
            for key, values in source.lists():
                if "\x00" in key or any("\x00" in value for value in values):
                    logger.warning("refused a NUL character", extra={"path": logged_path(request)})
                    return render(request, "core/bad_request.html", status=400)
        return self.get_response(request)


# registry.session.SESSION_KEY: core sits below registry and does not import it; a test keeps the
# two equal.
PERSON_SESSION_KEY = "envol_person_id"


class RateLimitMiddleware:
    """Refuses, with 429 and Retry-After, the requests of `ratelimit.RULES` (sign-in, upload, media) beyond
    their limits, counted per hashed client address and per hashed signed-in person. Also purges
    expired cache entries, at most once a minute per process."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.purges = PurgeClock()

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        cache = caches["default"]
        if self.purges.due(time.monotonic()):
            try:
                purge_expired(cache)
            except Exception:  # housekeeping must never fail someone's request; the task purges too
                logger.exception("cache purge failed")
        rule = ratelimit.rule_for(request.method or "", request.path)
        if rule is None:
            return self.get_response(request)
        decision = ratelimit.hit_all(cache, rule, self._subjects(request), ratelimit.clock())
        if decision.allowed:
            return self.get_response(request)
        logger.warning("rate limited", extra={"rule": rule.name, "path": request.path})
        minutes = max(1, math.ceil(decision.retry_after / 60))
        response = render(request, "core/rate_limited.html", {"minutes": minutes}, status=429)
        response["Retry-After"] = str(decision.retry_after)
        return response

    @staticmethod
    def _subjects(request: HttpRequest) -> list[str]:
        secret = settings.SECRET_KEY
        address = ratelimit.network_of(ratelimit.client_address(request.META))
        subjects = ["a:" + ratelimit.subject_digest(secret, "address", address)]
        person_id = request.session.get(PERSON_SESSION_KEY) if hasattr(request, "session") else None
        if person_id is not None:
            subjects.append("p:" + ratelimit.subject_digest(secret, "person", str(person_id)))
        return subjects
