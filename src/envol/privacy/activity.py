"""Activity, for retention: the day a signed-in person last used Envol, recorded once a day.

The middleware reads a date in the session, so a signed-in person costs one UPDATE a day, not one
a request. Coming back clears a pending inactivity warning, and records that the necessary purpose
was explained (the sign-in page explains it).
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _

from envol.privacy.consent import acknowledge_migration
from envol.privacy.models import PrivacyState
from envol.registry.models import Person
from envol.registry.session import SESSION_KEY, current_person

SEEN_KEY = "envol_privacy_seen"


def note_activity(person: Person) -> bool:
    """Record that the person is active today; True when this cancelled an inactivity warning."""
    now = timezone.now()
    state, created = PrivacyState.objects.get_or_create(person=person, defaults={"last_seen_at": now})
    was_warned = not created and state.warned_at is not None
    if not created:
        PrivacyState.objects.filter(pk=person.pk).update(last_seen_at=now, warned_at=None)
    acknowledge_migration(person)
    return was_warned


class ActivityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        today = timezone.now().date().isoformat()
        if request.session.get(SESSION_KEY) and request.session.get(SEEN_KEY) != today:
            person = current_person(request)
            if person is not None:
                if note_activity(person):
                    messages.info(request, _("Welcome back: your data will not be erased for inactivity."))
                request.session[SEEN_KEY] = today
        return self.get_response(request)
