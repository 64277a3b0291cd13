"""The share page the widget's buttons lead to when no script runs on the outlet's page.

It works out the page to share (the `url` parameter, else the Referer the button's
`referrerpolicy` asks the browser to send, else the reader pastes it), then sends the reader to
Bluesky's compose window, or asks for their Mastodon instance. The instance is remembered by this
site's own script in the reader's browser (localStorage), so it is asked once for every outlet
that uses these buttons. Nothing is stored on the server, the address is not logged (the request
log has no query string and no Referer), and the page sets no cookie: it does not extend the
site's layout, whose forms carry a CSRF cookie.

Mastodon is never a server-side redirect: an instance named in the query string only gives a link
the reader reads before following, so this page cannot be used to send people anywhere unseen.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_GET

from envol.media.widget import LANGUAGES, instance_host, shared_url

NETWORKS = ("bluesky", "mastodon")


def _page_to_share(request: HttpRequest) -> str | None:
    given = shared_url(request.GET.get("url", ""))
    if given:
        return given
    referer = shared_url(request.headers.get("referer", ""))
    if referer is None or urlsplit(referer).hostname == request.get_host().split(":")[0]:
        return None  # no address, or Envol's own page (the reader came back to it)
    return referer


def _compose(network: str, instance: str, text: str) -> str:
    if network == "bluesky":
        return f"https://bsky.app/intent/compose?text={quote(text, safe='')}"
    return f"https://{instance}/share?text={quote(text, safe='')}"


@require_GET
def share(request: HttpRequest) -> HttpResponse:
    network = request.GET.get("to", "")
    network = network if network in NETWORKS else "bluesky"
    language = request.GET.get("lang", "")
    language = language if language in LANGUAGES else (translation.get_language() or "en")[:2]
    page = _page_to_share(request)
    if network == "bluesky" and page:
        return HttpResponseRedirect(_compose("bluesky", "", page), status=303)
    typed = request.GET.get("instance", "")
    instance = instance_host(typed) if typed else None
    context = {
        "network": network,
        "language": language,
        "page_url": page or "",
        "instance": instance or "",
        "instance_typed": typed,
        "instance_invalid": bool(typed) and instance is None,
        "go": _compose("mastodon", instance, page) if page and instance else "",
    }
    with translation.override(language):
        response = render(request, "media/share.html", context)
    response["Cache-Control"] = "no-store"
    return response
