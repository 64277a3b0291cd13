"""The forms of the "Your people" page (envol.reconnect.people) that act on one linked account:
the standing choice, undo with its confirmation page, retry, the Bluesky list; the exports; and
redirects from the old reconnection pages. Plain HTML forms: everything works without JavaScript."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate

from django.contrib import messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from envol.core.ids import Platform
from envol.privacy.pending import is_pending
from envol.reconnect.exports import candidates_json, mastodon_csv, request_bluesky_list
from envol.reconnect.models import Directions, FollowTask, Mode, Pace, ReconnectChoice
from envol.reconnect.service import choose, created_by_envol, request_undo, resume, retry_failed, set_pace
from envol.reconnect.states import TaskState
from envol.registry.models import Account, Person, Verification
from envol.registry.session import person_required

NETWORK_NAMES = {Platform.BLUESKY.value: "Bluesky", Platform.MASTODON.value: "Mastodon"}
REVIEW_LIMIT = 500


def _own(person: Person, account_id: int) -> Account:
    account = person.accounts.filter(
        pk=account_id, verification=Verification.VERIFIED, platform__in=list(NETWORK_NAMES)
    ).first()
    if account is None:
        raise Http404
    return account


def not_while_erasing[**P](
    view: Callable[Concatenate[HttpRequest, Person, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, Person, P], HttpResponse]:
    """A person whose erasure waits for Envol's follows to be undone is shown that progress instead:
    no choice, pick or retry may start new follows meanwhile."""

    @wraps(view)
    def wrapper(request: HttpRequest, person: Person, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        if is_pending(person.pk):
            return while_erasing(request)
        return view(request, person, *args, **kwargs)

    return wrapper  # type: ignore[return-value]  # functools.wraps' type drops the ParamSpec


def while_erasing(request: HttpRequest) -> HttpResponse:
    """Where a person whose erasure is pending is sent instead (`not_while_erasing`)."""
    messages.info(request, _("Your erasure is under way: Envol only removes its follows now."))
    return redirect("privacy_erase")


def page(request: HttpRequest) -> HttpResponse:
    """The old reconnection page: its progress and choices are on "Your people" now."""
    return redirect(reverse("people") + "#progress", permanent=True)


@require_POST
@person_required
@not_while_erasing
def choose_view(request: HttpRequest, person: Person, account_id: int) -> HttpResponse:
    account = _own(person, account_id)
    directions, mode = request.POST.get("directions", ""), request.POST.get("mode", "")
    if directions not in Directions.values or mode not in Mode.values:
        messages.error(request, _("Choose whom to follow and how, then save."))
        return redirect("people")
    choose(account, directions, mode)
    messages.success(request, _("Saved. Envol follows your choice from now on."))
    return redirect("people")


@require_POST
@person_required
@not_while_erasing
def pace_view(request: HttpRequest, person: Person, account_id: int) -> HttpResponse:
    account = _own(person, account_id)
    pace = request.POST.get("pace", "")
    if pace not in Pace.values or not set_pace(account, pace):
        messages.error(request, _("Choose whom to follow first, then the pace."))
        return redirect(reverse("people") + "#progress")
    if pace == Pace.FAST:
        messages.success(request, _("Saved. Envol follows as fast as the network allows, at your risk."))
    else:
        messages.success(request, _("Saved. Envol follows gently, to protect your account's reputation."))
    return redirect(reverse("people") + "#progress")


@require_POST
@person_required
@not_while_erasing
def resume_view(request: HttpRequest, person: Person, account_id: int) -> HttpResponse:
    if resume(_own(person, account_id)):
        messages.success(request, _("Envol follows for this account again. It keeps watching its labels."))
    return redirect(reverse("people") + "#progress")


def review(request: HttpRequest, account_id: int) -> HttpResponse:
    """The old page of picks by hand: "Your people" has a Follow button on each row now."""
    return redirect(reverse("people"), permanent=True)


def undoable(account_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per account: the follows (and follow requests) Envol made and could remove, not yet asked to."""
    rows = (
        FollowTask.objects.filter(created_by_envol(), source_id__in=account_ids, undo_requested=False)
        .values_list("source_id", "state")
        .annotate(n=Count("pk"))
    )
    found: dict[int, dict[str, int]] = {pk: {"total": 0} for pk in account_ids}
    for source_id, state, n in rows:
        found[source_id][state] = n
        found[source_id]["total"] += n
    return found


@person_required
@not_while_erasing
def undo(request: HttpRequest, person: Person, account_id: int) -> HttpResponse:
    """GET: what the undo will remove, and a button; POST: the undo itself."""
    account = _own(person, account_id)
    if request.method == "POST":
        count = request_undo(account)
        messages.success(
            request,
            _("Envol will remove the %(count)s follows it made, and only those.")
            % {"count": intcomma(count)},
        )
        return redirect("people")
    counts = undoable([account.pk])[account.pk]
    context = {
        "page": "people",
        "account": account,
        "network_name": NETWORK_NAMES[account.platform],
        "total": counts["total"],
        "follows": counts.get(TaskState.DONE, 0),
        "requests": counts.get(TaskState.REQUESTED, 0),
        "automatic": ReconnectChoice.objects.filter(account=account, mode=Mode.AUTOMATIC).exists(),
    }
    return render(request, "reconnect/undo.html", context)


@require_POST
@person_required
@not_while_erasing
def retry(request: HttpRequest, person: Person, account_id: int) -> HttpResponse:
    retried = retry_failed(_own(person, account_id))
    if retried.tried or not retried.rechecked:
        text = ngettext(
            "%(count)s follow will be tried again.", "%(count)s follows will be tried again.", retried.tried
        )
        messages.success(request, text % {"count": intcomma(retried.tried)})
    if retried.rechecked:
        text = ngettext(
            "%(count)s unanswered request will be looked at again.",
            "%(count)s unanswered requests will be looked at again.",
            retried.rechecked,
        )
        messages.success(request, text % {"count": intcomma(retried.rechecked)})
    return redirect("people")


@require_POST
@person_required
@not_while_erasing
def bluesky_list(request: HttpRequest, person: Person, account_id: int) -> HttpResponse:
    account = _own(person, account_id)
    if account.platform != Platform.BLUESKY:
        raise Http404
    name = request.POST.get("name", "").strip()[:64] or _("My community from X")
    request_bluesky_list(account, name, _("The people I knew on X, found again by Envol."))
    messages.success(request, _("Your list is being made on Bluesky; it appears in your profile's lists."))
    return redirect("people")


@person_required
def export_mastodon(request: HttpRequest, person: Person) -> HttpResponse:
    response = HttpResponse(mastodon_csv(person.pk), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="following_accounts.csv"'
    return response


@person_required
def export_json(request: HttpRequest, person: Person) -> HttpResponse:
    response = HttpResponse(candidates_json(person.pk), content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="envol-candidates.json"'
    return response
