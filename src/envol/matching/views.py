"""The candidates' JSON for API clients, dismissal, the newcomer e-mail preference and the cached
avatars. The list itself is shown on "Your people" (envol.reconnect.people), which reads the same
service (envol.matching.review); /review/ redirects there.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from envol.core.ids import Platform
from envol.matching import notify, review
from envol.matching.models import TargetProfile
from envol.platforms.images import raster_type
from envol.registry.models import Person
from envol.registry.session import person_required


def _choices(request: HttpRequest) -> tuple[review.Filter, Platform | None, str | None]:
    raw_filter = request.GET.get("filter", review.Filter.PENDING.value)
    which = (
        review.Filter(raw_filter) if raw_filter in review.Filter._value2member_map_ else review.Filter.PENDING
    )
    raw_network = request.GET.get("network", "")
    network = Platform(raw_network) if raw_network in (Platform.BLUESKY, Platform.MASTODON) else None
    return which, network, request.GET.get("after") or None


def review_page(request: HttpRequest) -> HttpResponse:
    """The old address of the list: "Your people" (envol.reconnect.people) shows it, with following."""
    query = request.META.get("QUERY_STRING", "")
    return redirect(reverse("people") + (f"?{query}" if query else ""), permanent=True)


@person_required
@require_POST
def dismiss(request: HttpRequest, person: Person) -> HttpResponse:
    ids = [int(v) for v in request.POST.getlist("candidate") if v.isdigit()]
    review.set_dismissed(person.pk, ids, dismissed=request.POST.get("action") != "undismiss")
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/people/") else "people")


@person_required
@require_POST
def notifications(request: HttpRequest, person: Person) -> HttpResponse:
    email = request.POST.get("email", "").strip()
    opted_in = request.POST.get("opt_in") == "on"
    if not notify.save_preference(person.pk, email=email, opted_in=opted_in):
        messages.error(request, _("This e-mail address does not look right. Nothing was changed."))
    elif opted_in and email:
        messages.success(request, _("Envol will write to you when people you knew on X join."))
    else:
        messages.success(request, _("Envol will not send you e-mail."))
    return redirect("people")


@person_required
@require_GET
def review_json(request: HttpRequest, person: Person) -> HttpResponse:
    """GET /api/candidates/?filter=&network=&after=&limit= (session-authenticated)."""
    which, network, after = _choices(request)
    raw_limit = request.GET.get("limit", "")
    limit = int(raw_limit) if raw_limit.isdigit() else review.PAGE_SIZE
    result = review.page(person.pk, which=which, network=network, after=after, limit=limit)
    return JsonResponse({
        "person_id": person.pk, "counts": review.counts(person.pk), "filter": which.value,
        "candidates": [row.as_json() for row in result.rows], "next": result.next_cursor,
        "generated_at": timezone.now().isoformat(),
    })  # fmt: skip


@person_required
@require_GET
def avatar(request: HttpRequest, person: Person, profile_id: int) -> HttpResponse:
    """A cached avatar, served by Envol itself (pages make no third-party request, decision 0023).
    Its type is read again from its bytes: only a PNG, JPEG, WebP or GIF image is ever served."""
    data = (
        TargetProfile.objects.filter(pk=profile_id)
        .exclude(avatar=None)
        .values_list("avatar", flat=True)
        .first()
    )
    kind = raster_type(bytes(data)) if data is not None else None
    if data is None or kind is None:
        raise Http404
    response = HttpResponse(bytes(data), content_type=kind)
    response["Cache-Control"] = "private, max-age=86400"
    response["Content-Security-Policy"] = "default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    return response
