"""Avatars fetched for Envol's own origin (decision 0023): raster images only, size-capped.

A platform says what type an image is in its Content-Type header, and that header is untrusted
input: an SVG (which can carry script) or an HTML page could be served as ``image/png``. So the type
Envol stores and serves is read from the bytes themselves — PNG, JPEG, WebP and GIF signatures —
and anything else is refused, whatever the server said. The bytes are not re-encoded: Envol serves
them with the type read here, ``nosniff`` and a ``default-src 'none'`` policy of their own.

`fetch_avatar` is what each connector (`bluesky.appview.fetch_avatar`,
`mastodon.accounts.fetch_image`) calls with its SafeHttp client; `raster_type` is pure.
"""

from __future__ import annotations

import httpx

from envol.platforms.errors import NotFound, PlatformError, Transient
from envol.platforms.http import HttpClient

#: An avatar larger than this is not kept (a profile picture needs far less; decision 0023).
MAX_AVATAR_BYTES = 256 * 1024


def raster_type(data: bytes) -> str | None:
    """The MIME type of a PNG, JPEG, WebP or GIF image, read from its first bytes; None otherwise."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if len(data) >= 12 and data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    return None


def fetch_avatar(
    url: str, *, http: HttpClient, max_bytes: int = MAX_AVATAR_BYTES
) -> tuple[bytes, str] | None:
    """An avatar's bytes and the type its bytes show; None when it is missing, too large or no
    raster image. A server fault is raised (the caller keeps the previous image and tries later)."""
    try:
        response = http.request("GET", url)
    except httpx.TransportError as error:
        raise Transient(f"GET avatar: {error.__class__.__name__}") from error
    except PlatformError:  # refused by the SSRF guard, too large for the client, too many redirects
        return None
    if response.status_code in (404, 410):
        raise NotFound("avatar gone", status=response.status_code)
    if not response.is_success:
        return None
    data = response.content
    if not data or len(data) > max_bytes:
        return None
    kind = raster_type(data)
    return (data, kind) if kind else None
