"""The sandbox (issue #20, item 11; decision 0024): development only, and a whole journey through
the real pages, matching and engine against the simulated platforms."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from envol.core.ids import Platform
from envol.matching.lookups import due_bluesky, due_bridges, due_mastodon
from envol.matching.materialise import refresh_everyone
from envol.matching.models import BridgeLookup, Candidate, TargetProfile
from envol.matching.retention import prune_profiles
from envol.platforms.errors import AuthExpired, RateLimited
from envol.platforms.sandbox import follow_port, world
from envol.reconnect.connect import ports_for
from envol.reconnect.executor import run_account
from envol.reconnect.models import Directions, FollowTask, Mode
from envol.reconnect.plan import pick
from envol.reconnect.service import choose, request_undo
from envol.reconnect.states import TaskState
from envol.registry.models import Account, Person
from envol.registry.session import SESSION_KEY

pytestmark = pytest.mark.django_db

SANDBOX_PATHS = ["/sandbox/", "/sandbox/sample-archive.zip"]
SANDBOX_POSTS = ["/sandbox/start/", "/sandbox/link/bluesky/"]


@pytest.fixture(autouse=True)
def instant_pace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(follow_port, "PACE_SECONDS", 0.0)


def _signed_in_person(client: Client) -> Person:
    return Person.objects.get(pk=client.session[SESSION_KEY])


@pytest.mark.parametrize("setting", [{"ENVOL_SANDBOX": "off"}, {"ENVOL_ENV": "production"}])
def test_sandbox_urls_are_404_when_it_is_off_or_in_production(
    client: Client, monkeypatch: pytest.MonkeyPatch, setting: dict[str, str]
) -> None:
    for name, value in setting.items():
        monkeypatch.setenv(name, value)
    for path in SANDBOX_PATHS:
        assert client.get(path).status_code == 404, path
    for path in SANDBOX_POSTS:
        assert client.post(path).status_code == 404, path
    assert not Person.objects.exists()
    assert "sandbox" not in client.get("/sign-in/").content.decode().lower()


def test_a_simulated_account_gets_the_real_connector_when_the_sandbox_is_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    person = Person.objects.create()
    account = Account.objects.create(person=person, platform=Platform.BLUESKY,
                                     stable_id=world.bluesky_did("amani"), handle="amani")  # fmt: skip
    assert isinstance(ports_for(account), follow_port.SandboxFollowPort)
    monkeypatch.setenv("ENVOL_ENV", "production")
    with pytest.raises(AuthExpired):  # no stored grant: the real Bluesky port refuses
        ports_for(account)


def test_the_sign_in_page_offers_the_sandbox_in_development(client: Client) -> None:
    page = client.get("/sign-in/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'href="/sandbox/"' in page
    page = client.get("/sandbox/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Bac à sable" in page  # the banner, in French


def test_the_whole_journey_in_the_sandbox(client: Client, tmp_path: Path) -> None:
    # Sign in: a new simulated X account, then the real "who can find you" question.
    response = client.post("/sandbox/start/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/who-can-find-me/"
    me = _signed_in_person(client)
    x_account = me.accounts.get(platform=Platform.X)
    assert world.is_simulated(Platform.X, x_account.stable_id)
    assert "Sandbox" in client.get("/accounts/").content.decode()  # the banner on a real page
    client.post("/accounts/who-can-find-me/", {"findable_by": "everyone"})
    # Link: simulated Bluesky and Mastodon accounts, through the same proof as real ones.
    for network in ("bluesky", "mastodon"):
        assert client.post(f"/sandbox/link/{network}/").status_code == 302
    accounts = {a.platform: a for a in me.accounts.all()}
    assert set(accounts) == {Platform.X, Platform.BLUESKY, Platform.MASTODON}
    page = client.get("/accounts/", headers={"accept-language": "en"}).content.decode()
    assert "Link a simulated" not in page  # all linked
    assert page.count("follow accounts for you, and stop following them when you undo") == 2
    # The sample archive, uploaded through the real upload page.
    sample = client.get("/sandbox/sample-archive.zip")
    assert sample.status_code == 200
    archive = io.BytesIO(b"".join(sample.streaming_content))  # type: ignore[attr-defined]
    archive.name = "archive.zip"
    assert client.post("/archive/", {"files": archive}).status_code in (200, 302)
    refresh_everyone(notify=False)
    # People found: the simulated people on each network, by the real matching.
    found = Candidate.objects.filter(person=me)
    on_bluesky = {p.nick for p in world.PEOPLE if p.bluesky}
    on_mastodon = {p.nick for p in world.PEOPLE if p.mastodon}
    assert {c.handle.split(".")[0] for c in found.filter(network=Platform.BLUESKY)} == on_bluesky
    assert {c.handle.split("@")[0] for c in found.filter(network=Platform.MASTODON)} == on_mastodon
    # Follows made by the real engine against the simulated platforms; the locked account gets a request.
    for platform in (Platform.BLUESKY, Platform.MASTODON):
        source = accounts[platform]
        choose(source, Directions.BOTH, Mode.MANUAL)
        pick(source, list(FollowTask.objects.filter(source=source).values_list("pk", flat=True)))
        while run_account(source.pk).value in ("more", "budget"):
            pass
    masto = FollowTask.objects.filter(source=accounts[Platform.MASTODON])
    assert masto.filter(state=TaskState.REQUESTED).count() == 1
    assert masto.filter(state=TaskState.DONE).count() == len(on_mastodon) - 1
    followed = set(follow_port.follows_of(accounts[Platform.BLUESKY].stable_id).values())
    assert followed == {world.bluesky_did(nick) for nick in on_bluesky}
    # Undo: every follow Envol made goes, on the simulated platform too.
    request_undo(accounts[Platform.BLUESKY])
    run_account(accounts[Platform.BLUESKY].pk)
    assert follow_port.follows_of(accounts[Platform.BLUESKY].stable_id) == {}
    assert FollowTask.objects.filter(
        source=accounts[Platform.BLUESKY], state=TaskState.UNDONE
    ).count() == len(on_bluesky)


def test_the_simulated_pace_refuses_a_write_too_soon(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(follow_port, "PACE_SECONDS", 60.0)
    port = follow_port.SandboxFollowPort(Platform.MASTODON, "https://mastodon.sandbox.invalid/users/pace")
    key = port.prepare(world.mastodon_actor("jo")).key
    assert port.follow([(key, world.mastodon_actor("jo"))], datetime.now(UTC)) == ["following"]
    assert port.rate_limit is not None
    assert port.rate_limit.remaining == 0
    with pytest.raises(RateLimited):
        port.follow([(port.prepare(world.mastodon_actor("amani")).key, world.mastodon_actor("amani"))],
                    datetime.now(UTC))  # fmt: skip


def test_simulated_accounts_are_never_looked_up_and_their_names_come_back(client: Client) -> None:
    """The background lookups would ask the network about sandbox.invalid; the retention job prunes
    the names while no list names them, and the sample archive's download gives them back."""
    client.post("/sandbox/start/")
    me = _signed_in_person(client)
    profiles = TargetProfile.objects.filter(address__contains=world.DOMAIN)
    assert profiles.count() == sum(p.bluesky + p.mastodon for p in world.PEOPLE)
    prune_profiles(timezone.now())  # what the retention job runs
    assert client.get("/sandbox/sample-archive.zip").status_code == 200
    assert profiles.count() == sum(p.bluesky + p.mastodon for p in world.PEOPLE)
    # Even when every list names them and no profile is cached, nothing is due for a lookup.
    Candidate.objects.bulk_create(
        [Candidate(person=me, network=a.platform, address=a.stable_id, handle=a.handle, target_account=a,
                   target_person_id=a.person_id, kind="verified", followee=True, first_seen_at=timezone.now())
         for a in Account.objects.filter(stable_id__contains=world.DOMAIN)]
    )  # fmt: skip
    TargetProfile.objects.all().delete()
    BridgeLookup.objects.all().delete()
    assert not due_bluesky()
    assert not due_mastodon()
    assert not due_bridges()
