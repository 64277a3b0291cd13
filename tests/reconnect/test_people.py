"""The journey and "Your people" (issue #20, items 1 to 3): the count before any upload, the steps
and the next action, following one person or all of a network and direction, each row's state, and
progress sentences that are true in every state, in both languages."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from envol.archive.service import ingest
from envol.archive.synthetic import write_synthetic_archive
from envol.core.ids import Platform
from envol.core.pseudonym import pseudonymizer
from envol.matching import review
from envol.matching.models import Candidate, Kind
from envol.matching.reach import already_there
from envol.reconnect import picks
from envol.reconnect.journey import Facts, Step, step_of
from envol.reconnect.models import AccountDrive, FollowTask, ReconnectChoice
from envol.reconnect.plan import plan_for_persons
from envol.reconnect.states import TaskState
from envol.registry.models import Account, Findable, Person, Verification
from envol.registry.session import SESSION_KEY
from matching.world import person as world_person

from .conftest import account

pytestmark = pytest.mark.django_db
S = TaskState


def share(tmp_path: Path, owner: int, *, followers: tuple[int, ...] = (), following: tuple[int, ...] = (),
          blocking: list[int] | None = None) -> None:  # fmt: skip
    archive = write_synthetic_archive(
        tmp_path / f"{owner}.zip", owner_id=owner, handle=f"u{owner}",
        followers=followers, following=following, blocking=blocking,
    )  # fmt: skip
    ingest(archive.path, honour_blocks=True)


# ------------------------------------------------------------------ before any upload (item 1)


def test_people_already_there_come_from_others_proven_archives_in_one_query(tmp_path: Path) -> None:
    me = world_person(100)  # proven X account, no archive, nothing else yet
    world_person(1, bsky=Verification.VERIFIED)  # follows me on X: counted on Bluesky
    share(tmp_path, 1, following=(100,))
    both = world_person(2, bsky=Verification.VERIFIED, masto=Verification.VERIFIED)  # on both networks
    Person.objects.filter(pk=both.pk).update(findable_by=Findable.CONFIRMED)  # its archive confirms me
    share(tmp_path, 2, followers=(100,))
    hidden = world_person(3, masto=Verification.VERIFIED)  # "nobody": never counted
    Person.objects.filter(pk=hidden.pk).update(findable_by=Findable.NOBODY)
    share(tmp_path, 3, following=(100,))
    world_person(4, bsky=Verification.VERIFIED)  # follows me, but blocked me: never counted
    share(tmp_path, 4, following=(100,), blocking=[100])
    world_person(
        5, Verification.CLAIMED, bsky=Verification.VERIFIED
    )  # an archive not proven: speaks for nobody
    share(tmp_path, 5, following=(100,))
    world_person(6, bsky=Verification.VERIFIED)  # does not know me
    share(tmp_path, 6, following=(1,))
    with CaptureQueriesContext(connection) as queries:
        found = already_there(me.pk)
    assert found == {"bluesky": 2, "mastodon": 1}
    assert len(queries) == 1


def test_nobody_is_counted_for_a_person_without_a_proven_x_account() -> None:
    me = Person.objects.create(findable_by="everyone")
    account(me, Platform.BLUESKY, "did:plc:me")
    assert already_there(me.pk) == {"bluesky": 0, "mastodon": 0}


# ------------------------------------------------------------------ the steps (item 1)


@pytest.mark.parametrize(
    ("facts", "step"),
    [
        (Facts(False, frozenset(), False, False), Step.ACCOUNTS),
        (Facts(True, frozenset(), True, True), Step.ACCOUNTS),  # nowhere to follow from yet
        (Facts(False, frozenset({"bluesky"}), False, False), Step.ACCOUNTS),
        (Facts(True, frozenset({"bluesky"}), False, False), Step.ARCHIVE),
        (Facts(True, frozenset({"mastodon"}), True, False), Step.CHOOSE),
        (Facts(True, frozenset({"mastodon"}), True, True, ("running",)), Step.RECONNECTING),  # type: ignore[arg-type]
        (Facts(True, frozenset({"mastodon"}), True, True, ("scheduled", "done")), Step.RECONNECTING),  # type: ignore[arg-type]
        (Facts(True, frozenset({"mastodon"}), True, True, ("done", "idle")), Step.DONE),  # type: ignore[arg-type]
        # Planned by hand but never picked: nothing is done, the person still has to choose.
        (Facts(True, frozenset({"mastodon"}), True, True, ("idle",)), Step.CHOOSE),  # type: ignore[arg-type]
    ],
)
def test_the_step_follows_the_facts(facts: Facts, step: Step) -> None:
    assert step_of(facts) == step


def sign_in(client: Client, who: Person) -> None:
    session = client.session
    session[SESSION_KEY] = who.pk
    session.save()


HOME = {
    "en": ["Step 1", "Sign in with X", "Share your X archive", "On Bluesky: 1 person who knew you on X."],
    "fr": [
        "Étape",
        "Se connecter avec X",
        "Partager votre archive X",
        "Sur Bluesky\u202f: 1 personne qui vous connaissait sur X.",
    ],
}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_home_is_the_journey_with_one_next_action(client: Client, tmp_path: Path, language: str) -> None:
    lang = {"accept-language": language}
    me = Person.objects.create(findable_by="everyone")
    account(me, Platform.BLUESKY, "did:plc:me")
    sign_in(client, me)
    page = client.get("/", headers=lang).content.decode()
    assert HOME[language][1] in page  # step 1: X is not proven yet
    assert 'aria-current="step"' in page
    account(
        me,
        Platform.X,
        "100",
        "me",
        x_key=pseudonymizer().key(100),
    )
    world_person(1, bsky=Verification.VERIFIED)
    share(tmp_path, 1, following=(100,))
    page = client.get("/", headers=lang).content.decode()
    assert HOME[language][2] in page, re.findall(r'class="button" href="[^"]*">([^<]*)<', page)
    assert HOME[language][3] in page
    assert page.count('class="button"') == 1  # one obvious next action


def test_the_upload_result_and_the_accounts_page_lead_on(client: Client) -> None:
    me = Person.objects.create(findable_by="everyone")
    account(me, Platform.X, "100", "me")
    sign_in(client, me)
    accounts = client.get("/accounts/", headers={"accept-language": "en"}).content.decode()
    assert "Step 1 of 5: Prove your accounts" in accounts
    assert 'href="/accounts/#link"' in accounts
    upload = client.get("/archive/", headers={"accept-language": "en"}).content.decode()
    assert 'href="/people/"' in upload  # the browser's result box links to the people found


# ------------------------------------------------------------------ following (item 2)


@pytest.fixture
def alice() -> Person:
    """Alice, linked on both networks, with five people found: 3 on Bluesky, 2 on Mastodon."""
    me = Person.objects.create(findable_by="everyone")
    account(me, Platform.BLUESKY, "did:plc:alice", "alice.test")
    account(me, Platform.MASTODON, "https://m.test/users/alice", "alice@m.test")
    now = timezone.now()
    people = [
        (Platform.BLUESKY, "did:plc:bob", "bob.test", True, False),
        (Platform.BLUESKY, "did:plc:carol", "carol.test", False, True),
        (Platform.BLUESKY, "did:plc:dave", "dave.test", True, True),
        (Platform.MASTODON, "https://m.test/users/erin", "erin@m.test", True, False),
        (Platform.MASTODON, "https://m.test/users/fay", "fay@m.test", False, True),
    ]
    for network, stable_id, handle, followee, follower in people:
        target = account(Person.objects.create(findable_by="everyone"), network, stable_id, handle)
        Candidate.objects.create(person=me, network=network, address=stable_id, kind=Kind.VERIFIED,
                                 target_person_id=target.person_id, target_account=target, handle=handle,
                                 followee=followee, follower=follower, first_seen_at=now)  # fmt: skip
    return me


def _task(who: Person, target: str) -> FollowTask:
    return FollowTask.objects.get(source__person=who, target_id=target)


def test_follow_one_person_queues_that_follow_and_planning_keeps_it(client: Client, alice: Person) -> None:
    sign_in(client, alice)
    carol = Candidate.objects.get(address="did:plc:carol")
    page = client.get("/people/", headers={"accept-language": "en"}).content.decode()
    assert f'form="follow-one" name="candidate" value="{carol.pk}"' in page
    assert 'Follow<span class="visually-hidden"> carol.test (Bluesky)</span>' in page
    answer = client.post("/people/follow/", {"candidate": [str(carol.pk)], "next": "/people/?filter=all"})
    assert answer["Location"] == "/people/?filter=all"
    task = _task(alice, "did:plc:carol")
    assert (task.state, task.reason) == (S.READY, "picked")
    assert AccountDrive.objects.get(account_id=task.source_id).next_run_at is not None
    # A standing choice that leaves Carol out (she only followed Alice) does not withdraw the pick.
    ReconnectChoice.objects.create(account=task.source, directions="followees", mode="manual")
    plan_for_persons([alice.pk])
    assert _task(alice, "did:plc:carol").state == S.READY
    page = client.get("/people/?filter=all", headers={"accept-language": "en"}).content.decode()
    assert "Queued: Envol follows this person soon" in page
    assert f'value="{carol.pk}">Follow' not in page  # no second Follow button


def test_a_follow_undone_can_be_followed_again(client: Client, alice: Person) -> None:
    sign_in(client, alice)
    carol = Candidate.objects.get(address="did:plc:carol")
    client.post("/people/follow/", {"candidate": [str(carol.pk)]})
    FollowTask.objects.filter(target_id="did:plc:carol").update(state=S.UNDONE, record_key="3kold")
    page = client.get("/people/?filter=all", headers={"accept-language": "en"}).content.decode()
    assert "Follow removed at your request" in page
    assert f'name="candidate" value="{carol.pk}">Follow' in page
    client.post("/people/follow/", {"candidate": [str(carol.pk)]})
    task = _task(alice, "did:plc:carol")
    assert (task.state, task.record_key, task.reason) == (S.READY, "", "picked")  # a new follow, made once


def test_someone_elses_candidates_are_ignored(client: Client, alice: Person) -> None:
    mallory = Person.objects.create(findable_by="everyone")
    account(mallory, Platform.BLUESKY, "did:plc:mallory")
    sign_in(client, mallory)
    carol = Candidate.objects.get(address="did:plc:carol")
    client.post("/people/follow/", {"candidate": [str(carol.pk)]})
    assert not FollowTask.objects.exists()


def test_follow_all_per_network_and_direction(client: Client, alice: Person) -> None:
    sign_in(client, alice)
    page = client.get("/people/", headers={"accept-language": "en"}).content.decode()
    assert "Follow all 2 people you followed on X" in page  # Bluesky: Bob and Dave
    assert "the people I followed on X (2)" in page
    assert "Follow the 1 person you followed on X" in page  # Mastodon: Erin
    client.post("/people/follow-all/", {"network": "bluesky", "direction": "followees"})
    ready = set(FollowTask.objects.filter(state=S.READY).values_list("target_id", flat=True))
    assert ready == {"did:plc:bob", "did:plc:dave"}
    assert picks.counts(alice.pk)["bluesky"]["followees_left"] == 0
    assert picks.counts(alice.pk)["bluesky"]["followers_left"] == 1  # Carol; Dave is queued already
    client.post("/people/follow-all/", {"network": "bluesky", "direction": "everyone"})  # refused
    assert FollowTask.objects.count() == 2


def test_the_page_reads_both_sets_of_counts_in_one_statement_that_agrees_with_each(
    client: Client, alice: Person
) -> None:
    # `picks.page_counts` computes `review.counts` inside the statement of the "follow all" counts:
    # the same figures as each statement alone, through follows, a dismissal and a queued task.
    sign_in(client, alice)
    client.post("/people/follow-all/", {"network": "bluesky", "direction": "followees"})
    Candidate.objects.filter(address="did:plc:carol").update(dismissed_at=timezone.now())
    counts = picks.page_counts(alice.pk)
    followed, follow = counts.review, counts.follow
    assert counts.erasing is False
    assert followed == review.counts(alice.pk)
    assert followed["bluesky"]["total"] > 0
    assert followed["bluesky"]["dismissed"] == 1
    assert follow["bluesky"]["followees"] == 2
    assert follow["bluesky"]["followees_left"] == 0  # both queued
    with CaptureQueriesContext(connection) as page:
        client.get("/people/", headers={"accept-language": "en"})
    assert sum("GROUP BY c.network" in q["sql"] for q in page.captured_queries) == 1


def test_each_row_says_its_state_and_pending_requests_are_pending(client: Client, alice: Person) -> None:
    sign_in(client, alice)
    client.post("/people/follow-all/", {"network": "mastodon", "direction": "all"})
    FollowTask.objects.filter(target_id__endswith="erin").update(state=S.REQUESTED)
    FollowTask.objects.filter(target_id__endswith="fay").update(state=S.DONE)
    en = client.get(
        "/people/?filter=all&network=mastodon", headers={"accept-language": "en"}
    ).content.decode()
    assert "Follow request sent: waiting for this person’s answer" in en
    assert "You follow this person" in en
    fr = client.get(
        "/people/?filter=all&network=mastodon", headers={"accept-language": "fr"}
    ).content.decode()
    assert "Demande d’abonnement envoyée\u202f: en attente de la réponse de cette personne" in fr
    assert "Vous suivez cette personne" in fr
    # Gender-neutral: nobody is "elle" or "il" (issue #20: every match was feminine, or masculine).
    listed = fr[fr.index('<ul class="candidates"') :]
    listed = listed[: listed.index("</ul>")]
    assert not re.search(r"\b(elle|il|la suivez|le suivez)\b", listed, re.IGNORECASE)
    # Counts of one agree too: a plural verb after "1" read "1 qui vous suivaient".
    assert not re.search(r"\b1 (qui|que) vous suiv", fr)
    assert "vous suivaient\u202f: " in fr
    # The filters said "Pas encore suivis", "Déjà suivis", "Écartés": the masculine, for people of any gender.
    for masculine in ("Pas encore suivis", "Déjà suivis", "Écartés"):
        assert masculine not in fr


def test_the_page_costs_the_same_queries_for_5_or_55_people(client: Client, alice: Person) -> None:
    sign_in(client, alice)
    client.get("/people/")  # the first visit records itself

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/people/?filter=all").status_code == 200
        return len(captured)

    few = queries()
    now = timezone.now()
    Candidate.objects.bulk_create(
        Candidate(person=alice, network=Platform.BLUESKY, address=f"did:plc:x{n}", kind=Kind.VERIFIED,
                  handle=f"x{n}.test", followee=True, first_seen_at=now - timedelta(days=1))
        for n in range(50)
    )  # fmt: skip
    client.get("/people/")  # the visit that records the newcomers (a few writes, once)
    assert queries() == few
    # A handful per linked account (progress: recent problems, what a retry takes up), none per row.
    assert few <= 24


# ------------------------------------------------------------------ progress (item 3)


def _state(alice: Person, state: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Put Alice's Bluesky account in one of the five states the progress sentence names."""
    bluesky = Account.objects.get(person=alice, platform=Platform.BLUESKY)
    if state == "idle":
        return
    mode = "auto" if state.startswith("scheduled") else "manual"
    ReconnectChoice.objects.create(account=bluesky, directions="both", mode=mode)
    if state == "scheduled":
        monkeypatch.setenv("ENVOL_RECONNECT_FROM", "2099-01-20")
    if state.startswith("scheduled"):
        plan_for_persons([alice.pk])
        return
    picks.follow_all(alice.pk, Platform.BLUESKY, picks.Direction.ALL)
    if state == "paused":
        AccountDrive.objects.filter(account=bluesky).update(paused_reason="ratelimited")
    if state == "done":
        FollowTask.objects.filter(source=bluesky).update(state=S.DONE)
        FollowTask.objects.filter(source=bluesky, target_id="did:plc:bob").update(state=S.UNDONE)


STATES = {
    "idle": ("Nothing is queued yet: choose below whom to follow.",
             "Rien n’est encore prévu\u202f: choisissez ci-dessous qui suivre."),
    "scheduled": ("3 follows are scheduled: Envol starts on 20\u00a0January\u00a02099.",
                  "3 abonnements sont programmés\u202f: Envol commence le 20\u00a0janvier\u00a02099."),
    "scheduled-undated": ("3 follows wait for the start date, which has not been announced yet.",
                          "3 abonnements attendent la date de lancement, qui n’a pas encore été annoncée."),
    "running": ("Under way: 0 done, 3 to go. At the pace Bluesky allows, the last one should be sent around",
                "En cours\u202f: encore 3 abonnements à envoyer (déjà faits\u202f: 0). "
                "Au rythme que permet Bluesky, le dernier devrait partir vers le"),
    "paused": ("Paused with 3 follows to go (0 done). The server asked Envol to slow down",
               "En pause, encore 3 abonnements à envoyer (déjà faits\u202f: 0)."),
    "done": ("Done: 2 follows made. 1 follow removed at your request.",
             "Terminé\u202f: 2 abonnements faits. 1 abonnement retiré à votre demande."),
}  # fmt: skip


@pytest.mark.parametrize("state", list(STATES))
def test_the_progress_sentence_is_true_in_every_state_in_both_languages(
    client: Client, alice: Person, state: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ENVOL_RECONNECT_FROM", raising=False)
    _state(alice, state, monkeypatch)
    sign_in(client, alice)
    for language, sentence in zip(("en", "fr"), STATES[state], strict=True):
        page = client.get("/people/", headers={"accept-language": language}).content.decode()
        assert sentence in page, (language, state, re.findall(r'data-field="statement"[^>]*>([^<]*)<', page))
        data = client.get("/people/progress.json", headers={"accept-language": language}).json()
        [bluesky] = [a for a in data["accounts"] if a["account_id"] == Account.objects.get(
            person=alice, platform=Platform.BLUESKY).pk]  # fmt: skip
        assert sentence in bluesky["statement"]
        phase = state.split("-")[0]
        assert bluesky["phase"] == phase
    assert ("UTC" in page) is (state == "running")  # an ETA only while follows are being sent
    with translation.override("en"):
        assert "everything should be done by" not in page
