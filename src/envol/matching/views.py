"""The review page (HTML, works without JavaScript) and its JSON twin for API clients.

Both read the same service (envol.matching.review): counts per network and direction, one keyset
page of candidates with cached names and avatars, filters. Dismissing is a plain form POST.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from envol.core import rendermemo
from envol.core.ids import Platform
from envol.matching import context_processors, notify, review
from envol.matching.models import TargetProfile
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


def _filter_labels() -> list[tuple[str, str]]:
    return [
        (review.Filter.PENDING.value, _("Not followed yet")),
        (review.Filter.FOLLOWED.value, _("Already followed")),
        (review.Filter.DISMISSED.value, _("Dismissed")),
        (review.Filter.BRIDGED.value, _("Bridged")),
        (review.Filter.SUGGESTIONS.value, _("Suggestions (not verified)")),
        (review.Filter.ALL.value, _("All")),
    ]


@person_required
@require_GET
def review_page(request: HttpRequest, person: Person) -> HttpResponse:
    which, network, after = _choices(request)
    result = review.page(person.pk, which=which, network=network, after=after)
    preference = notify.preference_for(person.pk)
    new_count = notify.new_since_last_visit(person.pk, preference)
    notify.mark_visited(person.pk, preference)
    context_processors.seen_all(request)
    query = {"filter": which.value, **({"network": network.value} if network else {})}
    context: dict[str, Any] = {
        "page": "review",
        "counts": review.counts(person.pk),
        "rows": result.rows,
        "which": which.value,
        "network": network.value if network else "",
        "filters": _filter_labels(),
        "select_all": request.GET.get("select") == "all",
        "new_count": new_count,
        "preference": preference,
        "query": urlencode(query),
        "here": request.get_full_path(),
        "next_url": f"?{urlencode({**query, 'after': result.next_cursor})}" if result.next_cursor else "",
        "first_url": f"?{urlencode(query)}" if after else "",
    }
    return rendermemo.render(request, "matching/review.html", context)  # unchanged rows: no new render


@person_required
@require_POST
def dismiss(request: HttpRequest, person: Person) -> HttpResponse:
    ids = [int(v) for v in request.POST.getlist("candidate") if v.isdigit()]
    review.set_dismissed(person.pk, ids, dismissed=request.POST.get("action") != "undismiss")
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/review/") else "matching_review")


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
    return redirect("matching_review")


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
    """A cached avatar, served by Envol itself (pages make no third-party request)."""
    profile = TargetProfile.objects.filter(pk=profile_id).exclude(avatar=None).first()
    if profile is None or profile.avatar is None or not profile.avatar_type.startswith("image/"):
        raise Http404
    response = HttpResponse(bytes(profile.avatar), content_type=profile.avatar_type)
    response["Cache-Control"] = "private, max-age=86400"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response
