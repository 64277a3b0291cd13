"""Which OAuth client Envol is towards Bluesky servers, and the documents a confidential client
publishes (client metadata and JWKS). See docs/decisions/0004-atproto-oauth.md."""

from __future__ import annotations

import ipaddress

import httpx
from django.conf import settings
from django.http import Http404, HttpRequest, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from envol.core.config import CONFIG
from envol.platforms.bluesky.oauth import EcKey, OAuthClient, client_metadata, jwks, loopback_client


class ClientUnavailable(Exception):
    """Bluesky OAuth cannot run with this configuration; the message says why, for the operator."""


def base_url(request: HttpRequest) -> str:
    return (CONFIG.public_url or request.build_absolute_uri("/")).rstrip("/")


def _is_loopback_ip(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def client_kind(request: HttpRequest) -> str:
    kind = CONFIG.bluesky_oauth_client
    if kind in ("confidential", "loopback"):
        return kind
    url = httpx.URL(base_url(request))
    return "loopback" if url.scheme == "http" and _is_loopback_ip(url.host) else "confidential"


def client_keys() -> tuple[EcKey, ...]:
    return tuple(EcKey.from_secret(secret) for secret in settings.KEYS.bluesky_client_keys)


def oauth_client(request: HttpRequest) -> OAuthClient:
    """The client for this request's sign-in; ``ClientUnavailable`` when it cannot work here."""
    base = base_url(request)
    redirect_uri = base + reverse("bluesky_callback")
    if client_kind(request) == "loopback":
        if not _is_loopback_ip(httpx.URL(base).host):
            # The specification allows loopback clients only with redirects to 127.0.0.1 / [::1].
            raise ClientUnavailable("the loopback client needs Envol at http://127.0.0.1:<port>")
        return loopback_client(redirect_uri)
    keys = client_keys()
    if not keys:
        raise ClientUnavailable("ENVOL_BLUESKY_CLIENT_KEYS is empty")
    return OAuthClient(
        client_id=base + reverse("bluesky_client_metadata"), redirect_uri=redirect_uri, keys=keys
    )


@require_GET
def metadata_document(request: HttpRequest) -> JsonResponse:
    """The client-metadata document; its URL is the confidential client's ``client_id``."""
    try:
        client = oauth_client(request)
    except ClientUnavailable as unavailable:
        raise Http404("no confidential Bluesky client here") from unavailable
    if not client.confidential:
        raise Http404("the loopback client publishes no document")
    base = base_url(request)
    document = client_metadata(
        client, jwks_uri=base + reverse("bluesky_jwks"), client_name="Envol", client_uri=base
    )
    return JsonResponse(document, headers={"Cache-Control": "public, max-age=600"})


@require_GET
def jwks_document(request: HttpRequest) -> JsonResponse:
    """Every configured public key: the old ones stay listed while they rotate out."""
    return JsonResponse(jwks(client_keys()), headers={"Cache-Control": "public, max-age=600"})
