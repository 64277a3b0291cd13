"""Every response carries the security headers: the Content-Security-Policy without 'unsafe-inline',
nosniff, a referrer policy that lets nothing leave for a platform, COOP, a minimal
Permissions-Policy, and no framing."""

from __future__ import annotations

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client

from envol.core.middleware import SecurityHeadersMiddleware
from envol.core.security import CONTENT_SECURITY_POLICY, PERMISSIONS_POLICY, policy_for_request

EXPECTED_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "worker-src 'self'; frame-ancestors 'none'; form-action 'self' https:; base-uri 'none'; object-src 'none'"
)


@pytest.fixture(autouse=True)
def public_deployment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ENVOL_ALLOW_PRIVATE_HOSTS", raising=False)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/sign-in/", "/privacy/", "/no-such-page/", "/static/envol/site.css"])
def test_every_response_carries_the_headers(client: Client, path: str) -> None:
    response = client.get(path)
    assert response["Content-Security-Policy"] == EXPECTED_CSP
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] in {"same-origin", "no-referrer"}
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY
    assert "camera=()" in PERMISSIONS_POLICY
    assert "geolocation=()" in PERMISSIONS_POLICY
    if path != "/static/envol/site.css":
        assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_an_error_answer_carries_them_too() -> None:
    response = Client(enforce_csrf_checks=True).post("/sign-in/x/")  # no CSRF token
    assert response.status_code == 403
    assert response["Content-Security-Policy"] == EXPECTED_CSP


def test_plain_http_forms_only_where_private_hosts_are_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    assert policy_for_request(CONTENT_SECURITY_POLICY) is CONTENT_SECURITY_POLICY
    monkeypatch.setenv("ENVOL_ALLOW_PRIVATE_HOSTS", "1")
    widened = policy_for_request(CONTENT_SECURITY_POLICY)
    assert widened["form-action"] == ["'self'", "https:", "http:"]
    assert {k: v for k, v in widened.items() if k != "form-action"} == {
        k: v for k, v in CONTENT_SECURITY_POLICY.items() if k != "form-action"
    }
    assert CONTENT_SECURITY_POLICY["form-action"] == ["'self'", "https:"]  # the base is not changed


def test_a_view_that_sets_its_own_policy_keeps_it() -> None:
    def view(request: HttpRequest) -> HttpResponse:
        response = HttpResponse("widget")
        response._csp_config = {"default-src": ["'self'"], "frame-ancestors": ["https:"]}  # type: ignore[attr-defined]
        return response

    response = SecurityHeadersMiddleware(view)(HttpRequest())
    assert response["Content-Security-Policy"] == "default-src 'self'; frame-ancestors https:"
