"""The person's own privacy page: choices, export, migration complete, erasure (at once, or pending
while Envol first removes the follows it made)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from envol.archive.models import ArchiveImport
from envol.privacy import consent, pending, readable
from envol.privacy.erase import erase_person
from envol.privacy.export import export_person
from envol.privacy.models import ErasureProof, Purpose
from envol.privacy.retention import Policy, mark_migration_complete, state_of
from envol.registry.models import Person
from envol.registry.session import person_required, sign_out


@dataclass(frozen=True, slots=True)
class Choice:
    purpose: str
    title: str | Promise
    text: str | Promise
    granted: bool
    decided_at: Any


@require_GET
@person_required
def your_data(request: HttpRequest, person: Person) -> HttpResponse:
    decided = consent.current(person)
    choices = [
        Choice(
            p.value, consent.TEXTS[p].title, consent.TEXTS[p].text, bool(c and c.granted), c and c.decided_at
        )
        for p in consent.OPTIONAL
        for c in [decided[p]]
    ]
    context = {
        "page": "your_data",
        "necessary": consent.TEXTS[Purpose.MIGRATION],
        "choices": choices,
        "state": state_of(person),
        "pending": pending.status(person),
        "edges_days": Policy.from_settings().edges_days,
    }
    return render(request, "privacy/your_data.html", context)


@require_POST
@person_required
def choices(request: HttpRequest, person: Person) -> HttpResponse:
    email = request.POST.get("email", "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            messages.error(
                request,
                _("“%(email)s” is not an e-mail address. Nothing was changed.") % {"email": email[:100]},
            )
            return redirect("your_data")
    wanted = {p: request.POST.get(p.value) == "yes" for p in consent.OPTIONAL}
    if wanted[Purpose.NEWSLETTER] and not email:
        messages.error(request, _("The newsletter needs an e-mail address. Nothing was changed."))
        return redirect("your_data")
    state = state_of(person)
    state.email = email
    state.save(update_fields=["email"])
    for purpose, granted in wanted.items():
        consent.decide(person, purpose, granted)
    messages.success(request, _("Your choices are saved. They apply from now on."))
    return redirect("your_data")


@person_required
def migration_complete(request: HttpRequest, person: Person) -> HttpResponse:
    """GET: what declaring the migration complete changes, and a button; POST: the declaration."""
    state = state_of(person)
    if request.method == "POST":
        mark_migration_complete(person)
        messages.success(request, _("Noted: your migration is complete."))
        return redirect("your_data")
    if state.migration_completed_at is not None:
        return redirect("your_data")
    lists = ArchiveImport.objects.filter(person=person).first()
    context = {
        "page": "your_data",
        "days": Policy.from_settings().edges_days,
        "lists": lists,
    }
    return render(request, "privacy/migration_complete.html", context)


@require_GET
@person_required
def export_json(request: HttpRequest, person: Person) -> HttpResponse:
    body = json.dumps(export_person(person), indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    stamp = timezone.now().strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="envol-export-{stamp}.json"'
    return response


@require_GET
@person_required
def export_page(request: HttpRequest, person: Person) -> HttpResponse:
    data = export_person(person)
    context = {
        "page": "your_data",
        "generated_at": datetime.fromisoformat(data["generated_at"]),
        "sections": readable.sections(data["data"]),
        "candidates": [{**c, "network": c["network"].title()} for c in data["candidates"]],
    }
    return render(request, "privacy/export.html", context)


@require_http_methods(["GET", "POST"])
@person_required
def erase(request: HttpRequest, person: Person) -> HttpResponse:
    waiting = pending.status(person)
    if waiting is not None:
        return _pending(request, person, waiting)
    context: dict[str, Any] = {"page": "your_data", "undoable": pending.undoable(person.pk)}
    if request.method == "GET":
        return render(request, "privacy/erase.html", context)
    if request.POST.get("confirm") != "yes":
        context["error"] = _("Tick the box to confirm: nothing was erased.")
        return render(request, "privacy/erase.html", context, status=400)
    if request.POST.get("undo") == "yes" and pending.request(person):
        return redirect("privacy_erase")  # the pending page: progress, and "erase now"
    return _erased(request, erase_person(person.pk))


def _pending(request: HttpRequest, person: Person, waiting: pending.Pending) -> HttpResponse:
    """The erasure waits for Envol's follows to be removed; the person may stop waiting."""
    if request.method == "POST" and request.POST.get("now") == "yes":
        return _erased(request, pending.erase_now(person))
    if request.method == "POST":
        return redirect("privacy_erase")  # the first form sent again: already under way
    # No banner asking to choose who can find them: everything about them is being erased.
    context = {"page": "your_data", "pending": waiting, "erasing": True}
    return render(request, "privacy/erase_pending.html", context)


def _erased(request: HttpRequest, proof: ErasureProof) -> HttpResponse:
    sign_out(request)
    return render(request, "privacy/erased.html", {"page": "erased", "proof": proof})
