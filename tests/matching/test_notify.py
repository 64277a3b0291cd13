"""E-mail about newcomers: only to persons who gave an address and opted in, once per new candidate,
at most once a day, in the language they chose; a bad address is refused and nothing is stored."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from envol.matching.materialise import refresh_everyone
from envol.matching.models import Candidate, NotificationPreference
from envol.matching.notify import send_new_candidate_emails
from envol.privacy.models import PrivacyState
from envol.registry.session import SESSION_KEY
from matching.world import V, person, upload

pytestmark = pytest.mark.django_db


def test_opt_in_e_mail_once(tmp_path: Path, client: Client, django_capture_on_commit_callbacks: Any) -> None:
    alice = person(1)
    quiet = person(5)
    for x_id in (2, 3):
        person(x_id, bsky=V)
    upload(tmp_path, 1, followers=[], following=[2, 3])
    upload(tmp_path, 5, followers=[], following=[2])
    session = client.session
    session[SESSION_KEY] = alice.pk
    session.save()
    assert (
        client.post("/review/notifications/", {"email": "not an address", "opt_in": "on"}).status_code == 302
    )
    assert not NotificationPreference.objects.filter(person=alice).exists()
    client.post("/review/notifications/", {"email": "alice@example.test", "opt_in": "on"},
                headers={"accept-language": "fr"})  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        refresh_everyone()
    queued = DBTaskResult.objects.filter(task_path="envol.matching.tasks.notify_persons")
    assert [r.args_kwargs["args"] for r in queued] == [[[alice.pk]]]  # not the person who did not opt in
    assert send_new_candidate_emails([alice.pk, quiet.pk]) == 1
    (message,) = mail.outbox
    assert message.to == ["alice@example.test"]
    assert "(2)" in message.subject
    assert "Envol\u202f:" in message.subject  # the language of the page where she opted in
    assert Candidate.objects.filter(person=alice, notified_at=None).count() == 0
    assert send_new_candidate_emails([alice.pk]) == 0  # nothing new
    # A newcomer the same day waits for the next day's e-mail.
    person(4, bsky=V)
    upload(tmp_path, 1, followers=[], following=[2, 3, 4])
    refresh_everyone(notify=False)
    assert send_new_candidate_emails([alice.pk]) == 0
    NotificationPreference.objects.filter(person=alice).update(
        last_emailed_at=timezone.now() - timedelta(days=1)
    )
    # Had she asked to be erased once Envol's follows are removed, nothing would be sent meanwhile.
    with transaction.atomic():
        PrivacyState.objects.update_or_create(person=alice, defaults={"erasure_requested_at": timezone.now()})
        assert send_new_candidate_emails([alice.pk]) == 0
        transaction.set_rollback(True)
    assert send_new_candidate_emails([alice.pk]) == 1
    assert "(1)" in mail.outbox[-1].subject


def test_a_refresh_of_everyone_is_notified_whatever_its_size(
    tmp_path: Path, sqlite_default_limit: int
) -> None:
    """The persons of one refresh can outnumber what SQLite binds in one statement: those who opted in
    hear, those waiting for their erasure do not, whoever else the list names."""
    alice, leaving = person(1), person(5)
    person(2, bsky=V)
    upload(tmp_path, 1, followers=[], following=[2])
    upload(tmp_path, 5, followers=[], following=[2])
    refresh_everyone(notify=False)
    for who, email in ((alice, "alice@example.test"), (leaving, "leaving@example.test")):
        NotificationPreference.objects.create(person=who, email=email, email_opt_in=True)
    PrivacyState.objects.create(person=leaving, erasure_requested_at=timezone.now())
    nobody = range(leaving.pk + 100, leaving.pk + 100 + sqlite_default_limit)

    assert send_new_candidate_emails([*nobody, alice.pk, leaving.pk]) == 1
    assert [m.to for m in mail.outbox] == [["alice@example.test"]]
