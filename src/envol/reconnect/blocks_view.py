""" "Your X blocks on Bluesky and Mastodon": the page where a person may ask Envol to carry their X
blocks and mutes over (decision 0026), off unless they turn it on, with what it does and how to
undo it; plain HTML, ending with the journey's next step."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from envol.archive.models import ArchiveImport
from envol.core.ids import Platform
from envol.platforms.bluesky import block_port as bluesky
from envol.platforms.mastodon import block_port as mastodon
from envol.reconnect.block_plan import choose, enabled
from envol.reconnect.block_states import BlockState
from envol.reconnect.journey import journey_for
from envol.reconnect.models import BlockTask
from envol.reconnect.views import not_while_erasing
from envol.registry.models import BlueskyAuth, Person, Verification
from envol.registry.session import person_required


def _figures(person: Person) -> dict[str, int]:
    """What Envol did and has left to do, counted in one query."""
    done = Q(state=BlockState.DONE, undo_requested=False)
    return BlockTask.objects.filter(source__person=person).aggregate(
        blocked=Count("pk", filter=done & Q(action="block")),
        muted=Count("pk", filter=done & Q(action="mute")),
        waiting=Count("pk", filter=Q(state=BlockState.READY)),
        undoing=Count("pk", filter=Q(state=BlockState.DONE, undo_requested=True)),
        own=Count("pk", filter=Q(state=BlockState.ALREADY)),
        failed=Count("pk", filter=Q(state=BlockState.FAILED)),
    )


def _unable(person: Person) -> dict[str, list[str]]:
    """Per network, the person's accounts whose sign-in gave Envol no right to block (nor mute)."""
    unable: dict[str, list[str]] = {}
    verified = person.accounts.filter(verification=Verification.VERIFIED).order_by("pk")
    for platform, kind, scope, handle in verified.values_list(
        "platform", "auth_kind", "token_scope", "handle"
    ):
        mastodon_unable = platform == Platform.MASTODON and not mastodon.may_block(scope)
        bluesky_unable = platform == Platform.BLUESKY and not bluesky.may_block(
            kind == BlueskyAuth.OAUTH, scope
        )
        if mastodon_unable or bluesky_unable:
            unable.setdefault(platform, []).append(handle)
    return unable


@require_http_methods(["GET", "POST"])
@person_required
@not_while_erasing
def blocks_page(request: HttpRequest, person: Person) -> HttpResponse:
    if request.method == "POST":
        answer = request.POST.get("carry_blocks", "")
        if answer not in {"on", "off"}:
            messages.error(request, _("Choose yes or no, then save."))
            return redirect("people_blocks")
        choose(person, answer == "on")
        if answer == "on":
            messages.success(request, _("Saved: Envol blocks and mutes them for you."))
        else:
            messages.success(request, _("Saved: Envol removes the blocks and mutes it made."))
        return redirect("people_blocks")
    shared = ArchiveImport.objects.filter(person=person).values_list("blocked_count", "muted_count").first()
    context = {
        # Envol's sign-ins ask for the right to follow only (decision 0026): say so up front.
        "unable": _unable(person),
        "page": "people",
        "on": enabled(person.pk),
        "shared": shared is not None,
        "listed": sum(shared) if shared else 0,
        "figures": _figures(person),
        "journey": journey_for(person.pk),
    }
    return render(request, "reconnect/blocks.html", context)
