""" "Who can find me": the page where a person chooses who sees their Bluesky and Mastodon accounts
through Envol (registry.models.Findable), asked right after the first sign-in and reachable from the
accounts page; and the banner every page shows until a new person has answered, or once to a person
who predates the choice (envol.signin.context_processors)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from envol.registry.findable import choose
from envol.registry.models import Findable, Person
from envol.registry.session import person_required

#: The options in the order shown, with what each means; the first is pre-selected for a person who
#: has not chosen, its risk said beside it (decision 0019).
OPTIONS = (
    (
        Findable.EVERYONE,
        gettext_lazy("Everyone whose archive lists me"),
        gettext_lazy(
            "The most reconnection: anyone whose X archive names your X account finds you. An archive "
            "can be forged, so someone you never followed could find you by writing your X id into one."
        ),
    ),
    (
        Findable.CONFIRMED,
        gettext_lazy("Only people my own archive confirms"),
        gettext_lazy(
            "Only people you followed on X, or who followed you, according to the archive you share "
            "yourself. Until you share it, nobody finds you."
        ),
    ),
    (
        Findable.NOBODY,
        gettext_lazy("Nobody"),
        gettext_lazy(
            "Nobody finds you through Envol; you can still find and follow the people you knew on X."
        ),
    ),
)


@require_http_methods(["GET", "POST"])
@person_required
def findable(request: HttpRequest, person: Person) -> HttpResponse:
    if request.method == "POST":
        value = request.POST.get("findable_by", "")
        if value in {option.value for option, _label, _help in OPTIONS}:
            first_time = person.findable_by == Findable.UNCHOSEN
            choose(person, Findable(value))
            messages.success(request, _("Saved: %(choice)s.") % {"choice": _label_of(value)})
            # After the first sign-in the journey shows where the person is and what comes next.
            return redirect("home" if first_time else "accounts")
        messages.error(request, _("Choose one of the three options."))
        return render(request, "signin/findable.html", _context(person), status=400)
    return render(request, "signin/findable.html", _context(person))


def _label_of(value: str) -> str:
    return next(str(label) for option, label, _help in OPTIONS if option.value == value)


def _context(person: Person) -> dict[str, object]:
    current = person.findable_by or Findable.EVERYONE.value  # pre-selected, never saved unasked
    return {
        "page": "findable",
        "options": [(option.value, label, help_text) for option, label, help_text in OPTIONS],
        "current": current,
        "unchosen": person.findable_by == Findable.UNCHOSEN,
    }
