"""Background checks against real HTTP: the strict fake Mastodon (moved, suspended, deleted) and a
loopback Bridgy Fed (WebFinger and atproto-did), with their results reaching the candidate rows."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from envol.core.ids import Platform
from envol.matching import lookups
from envol.matching.materialise import refresh_around, refresh_everyone
from envol.matching.models import BridgeLookup, Candidate, Kind, TargetProfile, Unavailable
from envol.platforms.http import SafeHttp
from envol.registry.models import Person
from matching.world import V, account, person, upload

pytestmark = pytest.mark.django_db


def _mastodon_target(x_id: int, username: str) -> Person:
    who = person(x_id)
    account(
        who,
        Platform.MASTODON,
        f"https://mastodon.test/users/{username}",
        V,
        handle=f"{username}@mastodon.test",
    )
    return who


def test_moved_suspended_and_deleted_mastodon_targets(
    tmp_path: Path, fake_mastodon: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    m = fake_mastodon("mastodon.test", software="mastodon", version="4.3.0")
    m.add_account("bob", display_name="Bob Example")
    m.add_account("newbob")
    m.add_account("mover", moved_to="newbob@mastodon.test")
    m.add_account("banned", suspended=True)  # "gone" is never added: 404
    monkeypatch.setenv("ENVOL_ALLOW_PRIVATE_HOSTS", "1")
    monkeypatch.setenv("ENVOL_MASTODON_INSTANCE_URLS", f"mastodon.test={m.base_url}")
    alice = person(1)
    targets = {name: _mastodon_target(x_id, name) for x_id, name in [(2, "bob"), (3, "mover"), (4, "banned"),
                                                                     (5, "gone")]}  # fmt: skip
    upload(tmp_path, 1, followers=[], following=[2, 3, 4, 5])
    refresh_everyone(notify=False)
    now = timezone.now()
    with SafeHttp() as http:
        changed = lookups.check_mastodon(http, now=now)
    assert changed == {targets[n].pk for n in ("mover", "banned", "gone")}
    refresh_around(changed, notify=False)
    rows = {c.handle.partition("@")[0]: c for c in Candidate.objects.filter(person=alice)}
    assert (rows["bob"].unavailable, rows["bob"].moved_to) == ("", "")
    assert (rows["mover"].unavailable, rows["mover"].moved_to) == (Unavailable.MOVED, "newbob@mastodon.test")
    assert rows["banned"].unavailable == Unavailable.SUSPENDED
    assert rows["gone"].unavailable == Unavailable.DELETED
    assert rows["gone"].unavailable_since is not None
    bob = TargetProfile.objects.get(address="https://mastodon.test/users/bob")
    assert bob.display_name == "Bob Example"
    # Back-off: nothing is due the next minute; the deleted target comes back after a day, then two.
    with SafeHttp() as http:
        assert lookups.check_mastodon(http, now=now + timedelta(minutes=1)) == set()
        assert len(m.calls("GET", "/api/v1/accounts/lookup")) == 4
        lookups.check_mastodon(http, now=now + timedelta(days=1, minutes=1))
    gone = TargetProfile.objects.get(address="https://mastodon.test/users/gone")
    assert gone.failures == 2
    assert gone.next_check_at == now + timedelta(days=1, minutes=1) + timedelta(days=2)
    assert lookups.backoff(lookups.MAX_FAILURES + 1) == timedelta(days=365)  # not retried forever


class _Bridge(BaseHTTPRequestHandler):
    """Bridgy Fed as Envol asks it: WebFinger for Bluesky accounts, atproto-did for fediverse ones."""

    bluesky: set[str] = set()  # handles bridged to the fediverse
    fediverse: set[str] = set()  # user.instance handles bridged to Bluesky

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/.well-known/webfinger":
            resource = parse_qs(url.query).get("resource", [""])[0]
            handle = resource.removeprefix("acct:").rpartition("@")[0]
            if handle in self.bluesky:
                return self._send(200, json.dumps({"subject": resource}), "application/jrd+json")
            return self._send(404, "{}", "application/json")
        handle = url.path.removesuffix("/.well-known/atproto-did").strip("/")
        if handle.removesuffix(".ap.brid.test") in self.fediverse:
            return self._send(200, f"did:plc:bridged{len(handle)}", "text/plain")
        return self._send(404, "not found", "text/plain")

    def _send(self, status: int, body: str, kind: str) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def bridge(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[_Bridge]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Bridge)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("ENVOL_ALLOW_PRIVATE_HOSTS", "1")
    monkeypatch.setenv("ENVOL_BRIDGY_BLUESKY_DOMAIN", "bsky.brid.test")
    monkeypatch.setenv("ENVOL_BRIDGY_FEDIVERSE_DOMAIN", "ap.brid.test")
    monkeypatch.setenv("ENVOL_BRIDGY_URLS", f"bsky.brid.test={base},ap.brid.test={base}")
    _Bridge.bluesky, _Bridge.fediverse = set(), set()
    try:
        yield _Bridge
    finally:
        server.shutdown()
        server.server_close()


def test_bridged_copies_both_ways(tmp_path: Path, bridge: type[_Bridge]) -> None:
    alice = person(1, bsky=V, masto=V)
    bob = person(2, bsky=V)  # Bluesky only, bridged to the fediverse
    dave = person(4, bsky=V)  # Bluesky only, not bridged
    carol = person(3)
    account(carol, Platform.MASTODON, "https://m.test/users/carol_x", V, handle="carol_x@m.test")
    upload(tmp_path, 1, followers=[3], following=[2, 3, 4])
    bridge.bluesky = {f"p{bob.pk}.bsky.test"}
    bridge.fediverse = {"carol-x.m.test"}
    refresh_everyone(notify=False)
    with SafeHttp() as http:
        changed = lookups.check_bridges(http)
    assert changed == {bob.pk, carol.pk}
    assert BridgeLookup.objects.filter(found=False).count() == 1  # Dave: asked, not bridged
    refresh_around(changed, notify=False)
    bridged = {(c.network, c.address, c.target_person_id, c.mutual)
               for c in Candidate.objects.filter(person=alice, kind=Kind.BRIDGED)}  # fmt: skip
    assert bridged == {
        ("mastodon", f"p{bob.pk}.bsky.test@bsky.brid.test", bob.pk, False),
        ("bluesky", "carol-x.m.test.ap.brid.test", carol.pk, True),
    }
    assert not Candidate.objects.filter(person=alice, target_person=dave, network="mastodon").exists()
    # Cached: nothing is asked again before expiry; a later verified account replaces the bridge.
    with SafeHttp() as http:
        assert lookups.due_bridges() == []
        assert lookups.check_bridges(http) == set()
    account(bob, Platform.MASTODON, "https://m.test/users/bob", V)
    refresh_around({bob.pk}, notify=False)
    assert set(Candidate.objects.filter(person=alice, target_person=bob).values_list("network", "kind")) == {
        ("bluesky", "verified"), ("mastodon", "verified")}  # fmt: skip


class _Profile:
    """The shape of the AppView connector's Profile (platforms/bluesky/appview.py on its branch)."""

    def __init__(self, did: str, name: str, labels: set[str]) -> None:
        self.did, self.display_name, self.avatar_url, self.labels = did, name, None, labels

    def has_label(self, value: str, *, now: object = None) -> bool:
        return value in self.labels


def test_impersonation_labels_and_vanished_bluesky_accounts(tmp_path: Path) -> None:
    alice = person(1)
    fake = person(2, bsky=V)
    real = person(3, bsky=V)
    left = person(4, bsky=V)
    upload(tmp_path, 1, followers=[], following=[2, 3, 4])
    refresh_everyone(notify=False)
    asked = lookups.due_bluesky()
    assert {a.person_id for a in asked} == {fake.pk, real.pk, left.pk}
    answers = [
        _Profile(f"did:plc:p{fake.pk}", "Not Bob", {"impersonation"}),
        _Profile(f"did:plc:p{real.pk}", "Real", set()),
    ]
    with SafeHttp() as http:
        changed = lookups.record_bluesky_profiles(answers, asked, http)  # type: ignore[arg-type]
    assert changed == {fake.pk, left.pk}
    refresh_around(changed, notify=False)
    states = {c.target_person_id: c.unavailable for c in Candidate.objects.filter(person=alice)}
    assert states == {fake.pk: "impersonation", real.pk: "", left.pk: "deactivated"}
    assert lookups.due_bluesky() == []
