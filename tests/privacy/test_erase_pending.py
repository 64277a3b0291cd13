"""Deferred erasure, without a network: the page offers to remove Envol's follows first only when
there are some; choosing it makes the erasure pending (nothing deleted, no token revoked, no new
follow planned); the retention task finishes it when the undo cannot progress or after the
deadline; the person can stop waiting and erase at once."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from envol.cli.main import main
from envol.core.ids import Platform
from envol.matching.candidates import KnownAccount
from envol.privacy import pending
from envol.privacy.erase import erase_person
from envol.privacy.models import ErasureProof, PrivacyState
from envol.privacy.pending import persons_pending, status
from envol.privacy.relations import person_graph, rows_about
from envol.privacy.retention import Policy, run_retention
from envol.reconnect import transitions
from envol.reconnect.models import FollowTask, Mode, ReconnectChoice
from envol.reconnect.plan import plan_for_persons
from envol.reconnect.promote import promote_due
from envol.reconnect.states import CREATED_BY_ENVOL, TaskState
from envol.registry.models import Account, Person
from envol.registry.session import SESSION_KEY
from reconnect.conftest import plan_targets

from .conftest import Someone, make_person

pytestmark = pytest.mark.django_db
POLICY = Policy(
    edges_days=30, inactive_days=700, grace_days=30, upload_stale_minutes=60, undo_deadline_days=7
)
S = TaskState


def _signed_in(client: Client, someone: Someone) -> None:
    session = client.session
    session[SESSION_KEY] = someone.person.pk
    session.save()


def _accounts(someone: Someone) -> tuple[Account, Account]:
    person = someone.person
    return person.accounts.get(platform=Platform.BLUESKY), person.accounts.get(platform=Platform.MASTODON)


def made_follows(someone: Someone) -> dict[str, list[FollowTask]]:
    """Two Bluesky follows and one Mastodon follow Envol made (with their proof), one Bluesky follow
    ready but not sent, one target the person already followed, and one done without proof."""
    bluesky, mastodon = _accounts(someone)
    sky = plan_targets(bluesky, [(f"did:plc:t{i}", f"t{i}.test") for i in range(5)])
    for i, task in enumerate(sky[:2]):
        FollowTask.objects.filter(pk=task.pk).update(state=S.DONE, record_key=f"3kaaaaaaaaa{i}2")
    FollowTask.objects.filter(pk=sky[3].pk).update(state=S.ALREADY_FOLLOWING)
    FollowTask.objects.filter(pk=sky[4].pk).update(state=S.DONE)  # no record key: not provably Envol's
    [masto] = plan_targets(mastodon, [("https://m.test/users/bob", "bob@m.test")])
    FollowTask.objects.filter(pk=masto.pk).update(state=S.DONE, record_key="109")
    ReconnectChoice.objects.create(account=bluesky, directions="both", mode=Mode.AUTOMATIC)
    return {"bluesky": sky, "mastodon": [masto]}


def _row_counts(person_id: int) -> Counter[str]:
    queries = rows_about(person_id)
    return Counter({link.label: queries[link.label].count() for link in person_graph()})


def _ask(client: Client) -> Any:
    return client.post("/your-data/erase/", {"confirm": "yes", "undo": "yes"})


def test_the_page_offers_the_removal_only_when_envol_made_follows(client: Client, app: Any) -> None:
    alice = make_person("alice", 424242424242, app=app)
    _signed_in(client, alice)
    bluesky, _mastodon = _accounts(alice)
    tasks = plan_targets(bluesky, [("did:plc:a", "a.test"), ("did:plc:b", "b.test")])
    FollowTask.objects.filter(pk=tasks[0].pk).update(state=S.ALREADY_FOLLOWING)
    FollowTask.objects.filter(pk=tasks[1].pk).update(state=S.DONE)  # without its record key
    assert 'name="undo"' not in client.get("/your-data/erase/").content.decode()

    FollowTask.objects.filter(pk=tasks[1].pk).update(record_key="3kaaaaaaaaaa2")

    page = client.get("/your-data/erase/", headers={"accept-language": "en"}).content.decode()
    assert 'name="undo"' in page
    assert "First remove the follows Envol made for me" in page
    assert "Follows Envol made for you: 1." in page
    french = client.get("/your-data/erase/", headers={"accept-language": "fr"}).content.decode()
    assert "Retirer d’abord les abonnements qu’Envol a faits pour moi" in french


def test_choosing_it_makes_the_erasure_pending_and_deletes_nothing(client: Client, app: Any) -> None:
    alice = make_person("alice", 424242424242, app=app)
    _signed_in(client, alice)
    made = made_follows(alice)
    before = _row_counts(alice.person.pk)

    answer = _ask(client)

    assert answer.status_code == 302
    assert answer["Location"] == "/your-data/erase/"
    assert before - _row_counts(alice.person.pk) == Counter()  # nothing deleted (the engine adds rows)
    assert not ErasureProof.objects.exists()
    assert Account.objects.get(person=alice.person, platform=Platform.MASTODON).access_token == alice.token
    asked = set(FollowTask.objects.filter(undo_requested=True).values_list("pk", flat=True))
    assert asked == {made["bluesky"][0].pk, made["bluesky"][1].pk, made["mastodon"][0].pk}
    assert FollowTask.objects.get(pk=made["bluesky"][2].pk).state == S.PLANNED  # no longer sent
    assert ReconnectChoice.objects.get().mode == Mode.MANUAL
    assert PrivacyState.objects.get(person=alice.person).erasure_requested_at is not None
    assert client.session[SESSION_KEY] == alice.person.pk  # still signed in: the page shows progress
    page = client.get("/your-data/erase/", headers={"accept-language": "en"}).content.decode()
    assert "Your erasure is under way" in page
    assert "Follows still to remove: <strong>3</strong>. Already removed: 0." in page
    french = client.get("/your-data/erase/", headers={"accept-language": "fr"}).content.decode()
    assert "Abonnements encore à retirer\u202f: <strong>3</strong>" in french
    your_data = client.get("/your-data/", headers={"accept-language": "fr"}).content.decode()
    assert "Votre effacement est en cours" in your_data
    # The first form sent again changes nothing (it does not erase at once).
    assert _ask(client).status_code == 302
    assert Person.objects.filter(pk=alice.person.pk).exists()


def test_no_new_follow_is_planned_or_chosen_while_pending(
    client: Client, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = make_person("alice", 424242424242, app=app)
    _signed_in(client, alice)
    made_follows(alice)
    _ask(client)
    bluesky, _mastodon = _accounts(alice)
    newcomer = KnownAccount(0, Platform.BLUESKY, bluesky.pk, "did:plc:newcomer", "new.test", True, True)
    monkeypatch.setattr("envol.reconnect.plan.candidates_rows", lambda person_id: [newcomer])
    tasks_before = FollowTask.objects.count()

    assert plan_for_persons([alice.person.pk]) == 0  # matching found someone: nothing planned
    assert FollowTask.objects.count() == tasks_before
    assert promote_due() == 0
    answer = client.post(f"/reconnect/{bluesky.pk}/choose/", {"directions": "both", "mode": "auto"})
    assert answer["Location"] == "/your-data/erase/"
    assert ReconnectChoice.objects.get().mode == Mode.MANUAL
    assert client.get("/people/")["Location"] == "/your-data/erase/"
    assert not FollowTask.objects.filter(state=S.READY).exists()
    # Only her: another person is planned as usual.
    bob = make_person("bob", 515151515151)
    assert persons_pending([alice.person.pk, bob.person.pk]) == {alice.person.pk}


def test_the_retention_task_waits_for_the_undo_then_erases_at_the_deadline(client: Client, app: Any) -> None:
    alice = make_person("alice", 424242424242, app=app)
    _signed_in(client, alice)
    made = made_follows(alice)
    _ask(client)
    asked_at = timezone.now()
    # The engine removed one follow so far.
    transitions.move_ids([made["bluesky"][0].pk], CREATED_BY_ENVOL, S.UNDONE, undo_requested=False)

    report = run_retention(asked_at + timedelta(days=6), POLICY)

    assert report.pending_erasures_finished == 0
    assert Person.objects.filter(pk=alice.person.pk).exists()
    waiting = status(alice.person)
    assert waiting is not None
    assert (waiting.progress.remaining, waiting.progress.undone) == (2, 1)

    report = run_retention(asked_at + timedelta(days=7, minutes=1), POLICY)

    assert report.pending_erasures_finished == 1
    assert not Person.objects.filter(pk=alice.person.pk).exists()
    proof = ErasureProof.objects.get()
    assert (proof.reason, proof.follows_undone) == ("request", 1)
    assert proof.tokens_revoked + proof.revocations_failed == 1  # the Mastodon token, only now


def test_an_undo_that_cannot_progress_does_not_hold_the_erasure(client: Client, app: Any) -> None:
    alice = make_person("alice", 424242424242, app=app)
    _signed_in(client, alice)
    made = made_follows(alice)
    _ask(client)
    transitions.move_ids([made["mastodon"][0].pk], CREATED_BY_ENVOL, S.UNDONE, undo_requested=False)
    bluesky, _mastodon = _accounts(alice)
    Account.objects.filter(pk=bluesky.pk).update(needs_reauth=True)  # Bluesky refused Envol's access
    page = client.get("/your-data/erase/", headers={"accept-language": "en"}).content.decode()
    assert "Envol lost its access to one of your accounts" in page

    assert run_retention(timezone.now(), POLICY).pending_erasures_finished == 1

    assert not Person.objects.filter(pk=alice.person.pk).exists()
    assert ErasureProof.objects.get().follows_undone == 1


def test_the_erasure_finishes_as_soon_as_nothing_remains_to_undo(client: Client, app: Any) -> None:
    alice = make_person("alice", 424242424242, app=app)
    bob = make_person("bob", 515151515151)
    _signed_in(client, alice)
    made = made_follows(alice)
    _ask(client)
    assert run_retention(timezone.now(), POLICY).pending_erasures_finished == 0
    done = [made["bluesky"][0].pk, made["bluesky"][1].pk, made["mastodon"][0].pk]
    transitions.move_ids(done, CREATED_BY_ENVOL, S.UNDONE, undo_requested=False)

    assert run_retention(timezone.now(), POLICY).pending_erasures_finished == 1

    assert not Person.objects.filter(pk=alice.person.pk).exists()
    assert Person.objects.filter(pk=bob.person.pk).exists()
    assert ErasureProof.objects.get().follows_undone == 3


def test_the_person_can_stop_waiting_and_erase_at_once(client: Client, app: Any) -> None:
    alice = make_person("alice", 424242424242, app=app)
    _signed_in(client, alice)
    made = made_follows(alice)
    _ask(client)
    transitions.move_ids([made["mastodon"][0].pk], CREATED_BY_ENVOL, S.UNDONE, undo_requested=False)
    page = client.get("/your-data/erase/", headers={"accept-language": "fr"}).content.decode()
    assert "Tout effacer maintenant" in page

    answer = client.post("/your-data/erase/", {"now": "yes"}, headers={"accept-language": "en"})

    assert answer.status_code == 200
    text = answer.content.decode()
    assert "Your data is erased" in text
    assert "Before that, Envol removed the follows it had made for you (about 1)." in text
    assert not Person.objects.filter(pk=alice.person.pk).exists()
    assert ErasureProof.objects.get().follows_undone == 1
    assert SESSION_KEY not in client.session


def test_asking_for_the_removal_with_nothing_to_remove_erases_at_once(client: Client) -> None:
    alice = make_person("alice", 424242424242)
    _signed_in(client, alice)

    answer = _ask(client)

    assert answer.status_code == 200
    assert "Your data is erased" in answer.content.decode()
    assert not Person.objects.filter(pk=alice.person.pk).exists()
    assert ErasureProof.objects.get().follows_undone == 0


def test_a_person_who_erased_at_once_meanwhile_does_not_stop_the_task(
    client: Client, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The person clicks "erase now" while the retention task is finishing their erasure: the task
    goes on with the others (it must never die: it schedules its own next run)."""
    alice, bob = make_person("alice", 424242424242, app=app), make_person("bob", 515151515151)
    for someone in (alice, bob):
        _signed_in(client, someone)
        made_follows(someone)
        _ask(client)
    original = pending.progress_of

    def erased_meanwhile(person_id: int, since: Any) -> Any:
        progress = original(person_id, since)
        if person_id == alice.person.pk:
            erase_person(person_id)  # the pending page's "erase now", at that very moment
        return progress

    monkeypatch.setattr(pending, "progress_of", erased_meanwhile)

    report = run_retention(timezone.now() + timedelta(days=8), POLICY)

    assert report.pending_erasures_finished == 1
    assert not Person.objects.exists()
    assert ErasureProof.objects.count() == 2


def test_pending_persons_among_everyone_refreshed(sqlite_default_limit: int) -> None:
    """A refresh of everyone asks about more persons than SQLite binds in one statement."""
    waiting, staying = (
        Person.objects.create(findable_by="everyone"),
        Person.objects.create(findable_by="everyone"),
    )
    PrivacyState.objects.create(person=waiting, erasure_requested_at=timezone.now())
    PrivacyState.objects.create(person=staying)
    everyone = [waiting.pk, staying.pk, *range(staying.pk + 1, staying.pk + 1 + sqlite_default_limit)]
    assert persons_pending(everyone) == {waiting.pk}


def test_the_command_line_can_ask_for_the_removal_first(app: Any, capsys: pytest.CaptureFixture[str]) -> None:
    alice = make_person("alice", 424242424242, app=app)
    made = made_follows(alice)
    bob = make_person("bob", 434343434343, app=app)  # Envol made no follow for bob

    assert main(["privacy", "erase", "--person", str(alice.person.pk), "--yes", "--undo-follows"]) == 0
    assert "removing 3 follow(s)" in capsys.readouterr().out
    assert Person.objects.filter(pk=alice.person.pk).exists()
    assert persons_pending([alice.person.pk]) == {alice.person.pk}
    asked = set(FollowTask.objects.filter(undo_requested=True).values_list("pk", flat=True))
    assert asked == {made["bluesky"][0].pk, made["bluesky"][1].pk, made["mastodon"][0].pk}
    assert not ErasureProof.objects.exists()

    assert main(["privacy", "erase", "--person", str(bob.person.pk), "--yes", "--undo-follows"]) == 0
    assert "erasing at once" in capsys.readouterr().out
    assert not Person.objects.filter(pk=bob.person.pk).exists()
    assert ErasureProof.objects.count() == 1


def test_the_pending_page_does_not_ask_to_choose_who_can_find_you(client: Client, app: Any) -> None:
    # Everything about the person is being erased: asking them to choose who finds them is no next step.
    alice = make_person("alice", 424242424242, app=app)
    Person.objects.filter(pk=alice.person.pk).update(findable_by="")
    _signed_in(client, alice)
    made_follows(alice)
    assert _ask(client).status_code == 302
    banner = "Choose who can find your Bluesky and Mastodon accounts"
    assert banner in client.get("/your-data/", headers={"accept-language": "en"}).content.decode()
    page = client.get("/your-data/erase/", headers={"accept-language": "en"}).content.decode()
    assert "Your erasure is under way" in page
    assert banner not in page
