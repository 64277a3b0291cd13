"""The fake's modes (tests/fakes/mastodon/modes.py, hostile.py): each lie is there when asked for,
and only then; modes run in order around the strict application."""

from __future__ import annotations

import json

import httpx

from fakes.mastodon import (
    FORMULA_HANDLE,
    AsyncAccept,
    EndpointMode,
    FakeClock,
    FlakyLookups,
    Hostile,
    WellKnownRedirect,
)
from fakes.mastodon.fixtures import FakeMastodonFactory
from fakes.mastodon.server import Response


def test_the_hostile_mode_lies_only_where_asked(fake_mastodon: FakeMastodonFactory) -> None:
    honest = fake_mastodon("honest.test")
    evil = fake_mastodon(
        "evil.test",
        modes=[Hostile(uri="https://honest.test/users/al", acct=FORMULA_HANDLE, domain="honest.test",
                       webfinger="https://honest.test/users/al", nodeinfo=honest.url("/nodeinfo/2.0"),
                       token_status=401)],
    )  # fmt: skip
    evil.add_account("mallory")
    token = evil.issue_token("mallory", "read:accounts")
    me = httpx.get(
        evil.url("/api/v1/accounts/verify_credentials"), headers={"Authorization": f"Bearer {token}"}
    )
    assert (me.json()["uri"], me.json()["acct"], me.json()["username"]) == (
        "https://honest.test/users/al",
        FORMULA_HANDLE,
        "mallory",
    )
    assert httpx.get(evil.url("/api/v2/instance")).json()["domain"] == "honest.test"
    assert httpx.get(evil.url("/api/v1/instance")).json()["uri"] == "honest.test"
    finger = httpx.get(
        evil.url("/.well-known/webfinger"), params={"resource": "acct:al@anywhere.test"}
    ).json()
    assert finger["subject"] == "acct:al@anywhere.test"
    assert finger["links"][0]["href"] == "https://honest.test/users/al"
    assert httpx.get(evil.url("/.well-known/nodeinfo")).json()["links"][0]["href"] == honest.url(
        "/nodeinfo/2.0"
    )
    assert httpx.post(evil.url("/oauth/token"), data={"grant_type": "client_credentials"}).status_code == 401
    # The honest instance beside it is untouched.
    assert httpx.get(honest.url("/api/v2/instance")).json()["domain"] == "honest.test"


def test_modes_run_in_order_and_can_be_added_later(fake_mastodon: FakeMastodonFactory) -> None:
    m = fake_mastodon("order.test")
    first, second = EndpointMode(), EndpointMode()
    first.on_after("GET /api/v2/instance", lambda ctx, req, r: Response.json({"seen": ["first"]}))
    second.on_after(
        "GET /api/v2/instance",
        lambda ctx, req, r: Response.json({"seen": [*json.loads(r.body)["seen"], "second"]}),
    )
    m.add_mode(first)
    m.add_mode(second)
    assert httpx.get(m.url("/api/v2/instance")).json() == {"seen": ["first", "second"]}
    m.add_mode(EndpointMode())  # a mode without hooks changes nothing
    assert httpx.get(m.url("/api/v1/instance")).json()["uri"] == "order.test"


def test_a_well_known_redirect_hands_discovery_to_another_server(fake_mastodon: FakeMastodonFactory) -> None:
    server = fake_mastodon("example.test", web_domain="social.example.test")
    door = fake_mastodon("door.test", modes=[WellKnownRedirect(server.base_url)])
    answer = httpx.get(door.url("/.well-known/nodeinfo"), follow_redirects=True)
    assert answer.url == httpx.URL(server.url("/.well-known/nodeinfo"))
    assert httpx.get(door.url("/api/v2/instance")).json()["domain"] == "door.test"  # the rest is its own


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_async_accept_answers_requested_then_accepts_on_the_fake_clock(
    fake_mastodon: FakeMastodonFactory, mastodon_clock: FakeClock
) -> None:
    m = fake_mastodon("takahe.test", modes=[AsyncAccept(delay=30)])
    m.add_account("alice")
    bob = m.add_account("bob")
    token = m.issue_token("alice", "read write")
    answer = httpx.post(m.url(f"/api/v1/accounts/{bob}/follow"), headers=_bearer(token)).json()
    assert (answer["following"], answer["requested"]) == (False, True)

    def relationship() -> tuple[bool, bool]:
        found = httpx.get(
            m.url("/api/v1/accounts/relationships"), params={"id[]": bob}, headers=_bearer(token)
        ).json()[0]
        return found["following"], found["requested"]

    mastodon_clock.advance(29)
    assert relationship() == (False, True)
    mastodon_clock.advance(1)
    assert relationship() == (True, False)
    assert m.following_of("alice") == ["bob@takahe.test"]
    # Following again creates nothing and is not delayed: the follow exists.
    again = httpx.post(m.url(f"/api/v1/accounts/{bob}/follow"), headers=_bearer(token)).json()
    assert again["following"] is True


def test_flaky_lookups_find_nothing_for_a_while_then_succeed(
    fake_mastodon: FakeMastodonFactory, mastodon_clock: FakeClock
) -> None:
    home = fake_mastodon("home.test", modes=[FlakyLookups(for_seconds=600)])
    far = fake_mastodon("far.test")
    home.add_account("alice")
    far.add_account("erin")
    token = home.issue_token("alice", "read write")

    def search(resolve: str) -> list[str]:
        params = {"q": "erin@far.test", "resolve": resolve, "type": "accounts"}
        body = httpx.get(home.url("/api/v2/search"), params=params, headers=_bearer(token)).json()
        return [a["acct"] for a in body["accounts"]]

    assert search("true") == []
    mastodon_clock.advance(599)
    assert search("true") == []
    mastodon_clock.advance(1)
    assert search("true") == ["erin@far.test"]
    assert search("false") == ["erin@far.test"]  # known now: the usual answer
