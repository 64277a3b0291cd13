"""The local AT Protocol network harness against the real reference PDS (plain httpx XRPC).

These tests pin the PDS behaviour the Bluesky side of Envol relies on (handle resolution, password
and app-password sessions, batched follows, pagination, limits), so that a PDS upgrade that changes
any of it shows up here first.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from support.atproto_net import (
    AtprotoNetwork,
    HarnessNotInstalledError,
    TestAccount,
    start_network,
)

FOLLOW = "app.bsky.graph.follow"
RATELIMIT_HEADERS = ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "ratelimit-policy")


# --- helpers -------------------------------------------------------------------------------------


@pytest.fixture
def pds(atproto_network: AtprotoNetwork) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=atproto_network.pds_url, timeout=30) as client:
        yield client


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")


def fake_did(i: int) -> str:
    # Syntactically valid did:plc (24 base32 chars) that exists nowhere: the PDS accepts follows of
    # unknown DIDs, which is what following X contacts' not-yet-resolved accounts looks like.
    digest = hashlib.sha256(f"envol-{i}".encode()).digest()
    return "did:plc:" + base64.b32encode(digest).decode().lower()[:24]


def follow_create(subject: str) -> dict[str, Any]:
    return {
        "$type": "com.atproto.repo.applyWrites#create",
        "collection": FOLLOW,
        "value": {"$type": FOLLOW, "subject": subject, "createdAt": now_iso()},
    }


def apply_writes(client: httpx.Client, account: TestAccount, writes: list[dict[str, Any]]) -> httpx.Response:
    return client.post(
        "/xrpc/com.atproto.repo.applyWrites",
        json={"repo": account.did, "writes": writes, "validate": True},
        headers=account.auth_headers(),
    )


def list_all_follows(
    client: httpx.Client, did: str, page_size: int = 100
) -> tuple[list[dict[str, Any]], int]:
    """Every follow record of a repo, following the cursor; returns (records, number of pages)."""
    records: list[dict[str, Any]] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, str | int] = {"repo": did, "collection": FOLLOW, "limit": page_size}
        if cursor:
            params["cursor"] = cursor
        r = client.get("/xrpc/com.atproto.repo.listRecords", params=params)
        assert r.status_code == 200, r.text
        body = r.json()
        pages += 1
        records += body["records"]
        cursor = body.get("cursor")
        if not cursor or not body["records"]:
            return records, pages


def jwt_payload(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def create_session(client: httpx.Client, identifier: str, password: str) -> httpx.Response:
    return client.post(
        "/xrpc/com.atproto.server.createSession", json={"identifier": identifier, "password": password}
    )


def listening_sockets(pid: int) -> set[tuple[str, int]]:
    """(address, port) of every TCP socket in LISTEN state owned by `pid`, read from /proc."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found: set[tuple[str, int]] = set()
    for table, family in (("tcp", 4), ("tcp6", 6)):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            cols = line.split()
            local, state, inode = cols[1], cols[3], cols[9]
            if state != "0A" or inode not in inodes:  # 0A = TCP_LISTEN
                continue
            addr_hex, port_hex = local.split(":")
            if family == 4:
                addr = ".".join(str(b) for b in reversed(bytes.fromhex(addr_hex)))
            else:
                addr = "ipv6:" + addr_hex
            found.add((addr, int(port_hex, 16)))
    return found


# --- the harness itself --------------------------------------------------------------------------


def test_network_is_up_on_loopback_only(atproto_network: AtprotoNetwork, pds: httpx.Client) -> None:
    r = pds.get("/xrpc/_health")
    assert r.status_code == 200
    assert r.json()["version"] == "0.5.35"  # the pinned @atproto/pds; a lock-file bump shows here
    described = pds.get("/xrpc/com.atproto.server.describeServer").json()
    assert described["did"] == atproto_network.pds_did
    assert ".test" in described["availableUserDomains"]
    assert httpx.get(f"{atproto_network.plc_url}/_health", timeout=10).status_code == 200

    sockets = listening_sockets(atproto_network.pid)
    ports = {port for _, port in sockets}
    assert httpx.URL(atproto_network.pds_url).port in ports
    assert httpx.URL(atproto_network.plc_url).port in ports
    # Nothing may listen on a wildcard or external address: every socket is 127.0.0.1.
    assert {addr for addr, _ in sockets} == {"127.0.0.1"}, sockets


def test_default_accounts(atproto_network: AtprotoNetwork) -> None:
    assert {"alice.test", "bob.test", "carol.test", "dave.test"} <= set(atproto_network.accounts)
    alice = atproto_network.account("alice")
    assert alice is atproto_network.account("alice.test")
    assert alice.did.startswith("did:plc:")
    assert alice.app_password.count("-") == 3  # xxxx-xxxx-xxxx-xxxx


def test_create_account_on_the_fly(atproto_network: AtprotoNetwork, pds: httpx.Client) -> None:
    account = atproto_network.create_account()
    assert atproto_network.accounts[account.handle] is account
    r = pds.get("/xrpc/com.atproto.identity.resolveHandle", params={"handle": account.handle})
    assert r.json() == {"did": account.did}
    named = atproto_network.create_account("erin-fly")
    assert named.handle == "erin-fly.test"


def test_short_names_are_refused(atproto_network: AtprotoNetwork, pds: httpx.Client) -> None:
    with pytest.raises(ValueError, match="at least 3 characters"):
        atproto_network.create_account("ab")
    # ...because the PDS refuses them too.
    r = pds.post(
        "/xrpc/com.atproto.server.createAccount",
        json={"handle": "ab.test", "email": "ab@example.com", "password": "password"},
    )
    assert r.status_code == 400
    assert r.json() == {"error": "InvalidHandle", "message": "Handle too short"}


def test_missing_install_fails_with_instructions(tmp_path: Path) -> None:
    with (
        pytest.raises(HarnessNotInstalledError, match="make bsky-local-install"),
        start_network(harness_dir=tmp_path),
    ):
        pass


def test_fixture_fails_rather_than_skips_without_install(tmp_path: Path) -> None:
    # Run a tiny suite in a subprocess with the harness pointed at an empty directory: the
    # fixture must turn that into a failure (an error at setup), never a skip.
    (tmp_path / "test_needs_network.py").write_text(
        textwrap.dedent(
            """
            def test_it(atproto_network):
                pass
            """
        )
    )
    tests_dir = Path(__file__).resolve().parents[1]
    env = {**os.environ, "BSKY_LOCAL_DIR": str(tmp_path / "nowhere"), "PYTHONPATH": str(tests_dir)}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:django",
            "-p",
            "support.atproto_plugin",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            "-c",
            os.devnull,
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "1 error" in out, out
    assert "skipped" not in out, out
    assert "make bsky-local-install" in out, out


# --- identity and sessions -----------------------------------------------------------------------


def test_resolve_handle(atproto_network: AtprotoNetwork, pds: httpx.Client) -> None:
    for account in atproto_network.accounts.values():
        r = pds.get("/xrpc/com.atproto.identity.resolveHandle", params={"handle": account.handle})
        assert r.status_code == 200
        assert r.json() == {"did": account.did}
    r = pds.get("/xrpc/com.atproto.identity.resolveHandle", params={"handle": "nobody.test"})
    assert r.status_code == 400
    assert r.json()["error"] == "HandleNotFound"


def test_create_session_with_password(atproto_network: AtprotoNetwork, pds: httpx.Client) -> None:
    alice = atproto_network.account("alice")
    r = create_session(pds, alice.handle, alice.password)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["did"], body["handle"]) == (alice.did, alice.handle)
    assert jwt_payload(body["accessJwt"])["scope"] == "com.atproto.access"
    # The DID works as identifier too (what the engine stores).
    assert create_session(pds, alice.did, alice.password).status_code == 200


def test_create_session_with_app_password(atproto_network: AtprotoNetwork, pds: httpx.Client) -> None:
    bob = atproto_network.account("bob")
    r = create_session(pds, bob.handle, bob.app_password)
    assert r.status_code == 200, r.text
    token = r.json()["accessJwt"]
    # An app-password session has the restricted scope, and is enough to read its own session.
    assert jwt_payload(token)["scope"] == "com.atproto.appPass"
    me = pds.get("/xrpc/com.atproto.server.getSession", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["did"] == bob.did


@pytest.mark.parametrize("password", ["wrong-password", "aaaa-bbbb-cccc-dddd"])
def test_wrong_password_is_401(atproto_network: AtprotoNetwork, pds: httpx.Client, password: str) -> None:
    r = create_session(pds, "carol.test", password)
    assert r.status_code == 401
    assert r.json() == {"error": "AuthenticationRequired", "message": "Invalid identifier or password"}


# --- follows: batching, pagination, limits -------------------------------------------------------


def test_apply_writes_200_follows_and_list_them_back(
    atproto_network: AtprotoNetwork, pds: httpx.Client
) -> None:
    follower = atproto_network.create_account()
    subjects = [a.did for a in atproto_network.accounts.values() if a.did != follower.did][:4]
    subjects += [fake_did(i) for i in range(200 - len(subjects))]
    r = apply_writes(pds, follower, [follow_create(s) for s in subjects])
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert len(results) == 200
    assert all(res["uri"].startswith(f"at://{follower.did}/{FOLLOW}/") for res in results)

    records, pages = list_all_follows(pds, follower.did, page_size=100)
    assert pages >= 2  # the cursor was followed
    assert len(records) == 200
    assert sorted(rec["value"]["subject"] for rec in records) == sorted(subjects)
    assert len({rec["uri"] for rec in records}) == 200

    # The server enforces listRecords' 1..100 limit itself.
    r = pds.get(
        "/xrpc/com.atproto.repo.listRecords",
        params={"repo": follower.did, "collection": FOLLOW, "limit": 101},
    )
    assert r.status_code == 400
    assert r.json()["error"] == "InvalidRequest"


def test_apply_writes_over_200_is_refused_whole(atproto_network: AtprotoNetwork, pds: httpx.Client) -> None:
    follower = atproto_network.create_account()
    r = apply_writes(pds, follower, [follow_create(fake_did(i)) for i in range(201)])
    assert r.status_code == 400
    assert r.json()["error"] == "InvalidRequest"
    assert "Too many writes" in r.json()["message"]  # "Too many writes. Max: 200"
    records, _ = list_all_follows(pds, follower.did)
    assert records == []  # nothing of the batch was written


def test_duplicate_follows_in_apply_writes_are_accepted(
    atproto_network: AtprotoNetwork, pds: httpx.Client
) -> None:
    # applyWrites does not dedupe follows: the same subject in one batch, or again in a later
    # batch, gives one more record each time. The sync engine must therefore read the existing
    # follows first (listRecords) and send each subject once.
    follower = atproto_network.create_account()
    subject = atproto_network.account("dave").did
    assert apply_writes(pds, follower, [follow_create(subject), follow_create(subject)]).status_code == 200
    assert apply_writes(pds, follower, [follow_create(subject)]).status_code == 200
    records, _ = list_all_follows(pds, follower.did)
    assert [rec["value"]["subject"] for rec in records] == [subject] * 3


def test_create_record_replaces_an_existing_follow(
    atproto_network: AtprotoNetwork, pds: httpx.Client
) -> None:
    # createRecord (validated, the default) is accepted for an already-followed subject too, but the
    # PDS deletes the older follow records of that subject in the same commit ("backlink
    # conflicts"): a stored follow URI can go stale, so the engine must not treat it as permanent.
    follower = atproto_network.create_account()
    subject = atproto_network.account("dave").did

    def create_follow() -> str:
        r = pds.post(
            "/xrpc/com.atproto.repo.createRecord",
            json={
                "repo": follower.did,
                "collection": FOLLOW,
                "record": {"$type": FOLLOW, "subject": subject, "createdAt": now_iso()},
            },
            headers=follower.auth_headers(),
        )
        assert r.status_code == 200, r.text
        return str(r.json()["uri"])

    first, second = create_follow(), create_follow()
    assert first != second
    records, _ = list_all_follows(pds, follower.did)
    assert [rec["uri"] for rec in records] == [second]
    rkey = first.rsplit("/", 1)[1]
    r = pds.get(
        "/xrpc/com.atproto.repo.getRecord", params={"repo": follower.did, "collection": FOLLOW, "rkey": rkey}
    )
    assert r.status_code == 400
    assert r.json()["error"] == "RecordNotFound"


def test_malformed_did_is_refused(atproto_network: AtprotoNetwork, pds: httpx.Client) -> None:
    follower = atproto_network.account("carol")
    r = apply_writes(pds, follower, [follow_create("not-a-did")])
    assert r.status_code == 400
    assert r.json()["error"] == "InvalidRequest"


# --- rate limits ---------------------------------------------------------------------------------


def test_no_rate_limit_headers_by_default(atproto_network: AtprotoNetwork, pds: httpx.Client) -> None:
    alice = atproto_network.account("alice")
    r = create_session(pds, alice.handle, alice.password)
    assert not any(h in r.headers for h in RATELIMIT_HEADERS)


def test_rate_limit_headers_when_on(atproto_network_rate_limited: AtprotoNetwork) -> None:
    net = atproto_network_rate_limited
    assert net.rate_limits
    alice = net.account("alice")
    with httpx.Client(base_url=net.pds_url, timeout=30) as client:
        r = create_session(client, alice.handle, alice.password)
        assert r.status_code == 200
        for header in RATELIMIT_HEADERS:
            assert header in r.headers, header
        # createSession's own bucket: 30 per 5 minutes per identifier (+ IP).
        assert r.headers["ratelimit-policy"] == "30;w=300"
        assert r.headers["ratelimit-limit"] == "30"
        assert int(r.headers["ratelimit-remaining"]) < 30
        assert int(r.headers["ratelimit-reset"]) > time.time()  # unix seconds

        # Other calls carry the global bucket (3000 per 5 minutes per IP).
        r = client.get("/xrpc/com.atproto.identity.resolveHandle", params={"handle": alice.handle})
        assert r.headers["ratelimit-policy"] == "3000;w=300"


def test_31st_create_session_is_429(atproto_network_rate_limited: AtprotoNetwork) -> None:
    net = atproto_network_rate_limited
    account = net.create_account()  # its own createSession bucket (per identifier + IP)

    def login(_: int) -> httpx.Response:
        with httpx.Client(base_url=net.pds_url, timeout=60) as client:
            return create_session(client, account.handle, account.password)

    # Each createSession takes about 0.35 s on the PDS; in parallel the 31 take about one.
    with ThreadPoolExecutor(max_workers=16) as pool:
        responses = list(pool.map(login, range(31)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 30 + [429]
    r = next(r for r in responses if r.status_code == 429)
    assert r.json()["error"] == "RateLimitExceeded"
    assert 0 < int(r.headers["retry-after"]) <= 300
    assert r.headers["ratelimit-remaining"] == "0"


def test_write_points_limit_stops_the_9th_batch(atproto_network_rate_limited: AtprotoNetwork) -> None:
    # 5000 points/hour per DID, a create costs 3: 8 batches of 200 follows (4800 points) pass and
    # the 9th (5400) is refused whole. This is the production ceiling of about 1666 follows/hour.
    net = atproto_network_rate_limited
    follower = net.create_account()
    with httpx.Client(base_url=net.pds_url, timeout=60) as client:
        for batch in range(8):
            writes = [follow_create(fake_did(batch * 200 + i)) for i in range(200)]
            r = apply_writes(client, follower, writes)
            assert r.status_code == 200, (batch, r.text)
        r = apply_writes(client, follower, [follow_create(fake_did(10_000 + i)) for i in range(200)])
        assert r.status_code == 429, r.text
        assert r.json()["error"] == "RateLimitExceeded"
        assert "retry-after" in r.headers
        records, _ = list_all_follows(client, follower.did)
    assert len(records) == 1600


# --- AppView -------------------------------------------------------------------------------------


def test_appview_profiles_and_follows(atproto_network_appview: AtprotoNetwork) -> None:
    net = atproto_network_appview
    assert net.appview_url
    follower = net.create_account()
    bob = net.account("bob")
    with httpx.Client(base_url=net.pds_url, timeout=30) as client:
        auth = follower.auth_headers()
        # app.bsky.* reads through the PDS are proxied to the AppView (502 without one).
        r = client.get("/xrpc/app.bsky.actor.getProfile", params={"actor": "alice.test"}, headers=auth)
        assert r.status_code == 200, r.text
        assert r.json()["did"] == net.account("alice").did

        r = apply_writes(client, follower, [follow_create(bob.did)])
        assert r.status_code == 200, r.text
        # The AppView indexes from the PDS firehose asynchronously: poll. Until it has seen the new
        # account itself, it answers 400 "Actor not found".
        deadline = time.monotonic() + 15
        follows: list[str] = []
        while time.monotonic() < deadline:
            r = client.get("/xrpc/app.bsky.graph.getFollows", params={"actor": follower.did}, headers=auth)
            if r.status_code == 400 and "Actor not found" in r.text:
                time.sleep(0.1)
                continue
            assert r.status_code == 200, r.text
            follows = [f["did"] for f in r.json()["follows"]]
            if follows:
                break
            time.sleep(0.1)
        assert follows == [bob.did]

    # The AppView answers directly too (public, unauthenticated reads).
    r = httpx.get(f"{net.appview_url}/xrpc/app.bsky.actor.getProfile", params={"actor": bob.did}, timeout=30)
    assert r.status_code == 200, r.text
    assert r.json()["handle"] == "bob.test"
