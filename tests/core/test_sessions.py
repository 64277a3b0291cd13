"""The session engine (envol.core.sessions) reads Django's session table as Django's own does: a
live session by its key, never an expired or unknown one, and on every database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from envol.core.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_the_site_uses_it() -> None:
    assert settings.SESSION_ENGINE == "envol.core.sessions"


def test_a_live_session_is_read_back_by_its_key() -> None:
    store = SessionStore()
    store["envol_person_id"] = 7
    store.create()
    assert SessionStore(store.session_key)["envol_person_id"] == 7


def test_an_expired_or_unknown_session_is_empty_and_gets_a_new_key_when_saved() -> None:
    store = SessionStore()
    store["envol_person_id"] = 7
    store.create()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    for key in (store.session_key, "x" * 32):
        again = SessionStore(key)
        assert again.get("envol_person_id") is None
        again["other"] = 1
        again.save()
        assert again.session_key != key
