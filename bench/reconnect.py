"""Follows per second and HTTP requests per follow of the reconnection engine, against the local PDS
(rate limits off), for 1, 10 and 100 accounts; baseline in the same run: a client that creates the
same kind of follows one by one with `com.atproto.repo.createRecord`.

    uv run python -m bench.reconnect [--accounts 1,10,100] [--follows 1200] [--baseline 300] [--runs 3]

Each run starts a fresh PLC + PDS (tests/support/atproto_net.py) and a fresh SQLite database, creates
the accounts, plans --follows tasks per account, then times one worker (`run_account` in turn over
the accounts until every task is final). Requests are counted by the engine's own ports (sessions,
reads, writes). The baseline times --baseline createRecord calls spread over the same accounts on the
same network. Medians of --runs; results go to bench/out/reconnect.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent / "out"


def fake_did(seed: str) -> str:
    import base64

    return "did:plc:" + base64.b32encode(hashlib.sha256(seed.encode()).digest()).decode().lower()[:24]


def _django(data_dir: Path, pds_url: str) -> None:
    for key in [k for k in os.environ if k.startswith("ENVOL_") or k == "DATABASE_URL"]:
        del os.environ[key]
    os.environ.update(
        ENVOL_DATA_DIR=str(data_dir),
        ENVOL_ALLOW_PRIVATE_HOSTS="1",
        ENVOL_RECONNECT_LIMITS="announced",
        ENVOL_RECONNECT_PACING="off",  # the engine's throughput, not a person's reputation pace
        # The network here has no AppView: the label watch (every ENVOL_PACING_CHECK_EVERY follows)
        # finds it unreachable at once, as when it is down, instead of asking Bluesky's public one
        # over the internet (which would make the figures depend on the machine's connection).
        ENVOL_BLUESKY_APPVIEW_URL="http://127.0.0.1:9",
        ENVOL_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="envol.core.settings",
    )
    import django
    from django.conf import settings

    if settings.configured:
        return  # one Django per process: each account carries its own PDS address
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _reset_database() -> None:
    from envol.reconnect.models import AccountDrive, DriveRun, FollowTask
    from envol.registry.models import Person

    FollowTask.objects.all().delete()
    DriveRun.objects.all().delete()
    AccountDrive.objects.all().delete()
    Person.objects.all().delete()


def engine_run(net: Any, accounts: int, follows: int) -> dict[str, float]:
    from envol.core.ids import Platform
    from envol.matching.candidates import KnownAccount
    from envol.platforms.bluesky.password import PasswordCredentials
    from envol.reconnect.executor import run_account
    from envol.reconnect.models import DriveRun, FollowTask
    from envol.reconnect.plan import insert_missing
    from envol.reconnect.states import FINAL
    from envol.registry.bluesky_tokens import store_password_session
    from envol.registry.models import Account, Person, Verification

    _reset_database()
    sources = []
    for n in range(accounts):
        pds = net.create_account()
        person = Person.objects.create(findable_by="everyone")
        source = Account.objects.create(
            person=person,
            platform=Platform.BLUESKY,
            stable_id=pds.did,
            handle=pds.handle,
            verification=Verification.VERIFIED,
        )
        with httpx.Client(timeout=60) as http:  # an app-password session, as the registry keeps it
            store_password_session(
                source, PasswordCredentials.create_session(http, net.pds_url, pds.did, pds.app_password)
            )
        rows = [
            KnownAccount(0, Platform.BLUESKY, source.pk, fake_did(f"{n}-{i}"), "", True, False)
            for i in range(follows)
        ]
        insert_missing(source, rows, datetime.now(UTC))
        sources.append(source.pk)
    FollowTask.objects.update(state="ready")
    started = time.perf_counter()
    pending = list(sources)
    while pending:
        for account_id in list(pending):
            run_account(account_id)
            if not FollowTask.objects.filter(source_id=account_id).exclude(state__in=list(FINAL)).exists():
                pending.remove(account_id)
    elapsed = time.perf_counter() - started
    done = FollowTask.objects.filter(state="done").count()
    assert done == accounts * follows, done
    requests = sum(DriveRun.objects.values_list("requests", flat=True))
    return {"seconds": elapsed, "follows": done, "requests": requests}


def baseline_run(net: Any, accounts: int, count: int) -> dict[str, float]:
    """One-by-one createRecord over keep-alive HTTP, sessions opened beforehand (not timed)."""
    users = [net.create_account() for _ in range(min(accounts, 10))]
    with httpx.Client(base_url=net.pds_url, timeout=60) as client:
        started = time.perf_counter()
        for i in range(count):
            user = users[i % len(users)]
            record = {
                "$type": "app.bsky.graph.follow",
                "subject": fake_did(f"base-{i}"),
                "createdAt": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            }
            r = client.post(
                "/xrpc/com.atproto.repo.createRecord",
                headers=user.auth_headers(),
                json={"repo": user.did, "collection": "app.bsky.graph.follow", "record": record},
            )
            r.raise_for_status()
        elapsed = time.perf_counter() - started
    return {"seconds": elapsed, "follows": count, "requests": count}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", default="1,10,100")
    parser.add_argument("--follows", type=int, default=1200, help="follows per account (default %(default)s)")
    parser.add_argument("--baseline", type=int, default=300, help="createRecord calls of the baseline")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "tests"))
    from support.atproto_net import start_network

    data_dir = Path(tempfile.mkdtemp(prefix="envol-bench-reconnect-"))
    results: dict[str, Any] = {"follows_per_account": args.follows, "configs": []}
    for accounts in [int(a) for a in args.accounts.split(",")]:
        engine, base = [], []
        for run in range(args.runs):
            with start_network(("alice",)) as net:
                _django(data_dir, net.pds_url)
                base.append(baseline_run(net, accounts, args.baseline))
                engine.append(engine_run(net, accounts, args.follows))
            e, b = engine[-1], base[-1]
            rate, per, base_rate = (
                e["follows"] / e["seconds"],
                e["requests"] / e["follows"],
                b["follows"] / b["seconds"],
            )
            line = (
                f"engine {rate:.0f} follows/s, {per:.5f} requests/follow; baseline {base_rate:.0f} follows/s"
            )
            print(f"{accounts} accounts, run {run + 1}: {line}", flush=True)
        rate = statistics.median(e["follows"] / e["seconds"] for e in engine)
        base_rate = statistics.median(b["follows"] / b["seconds"] for b in base)
        per_follow = statistics.median(e["requests"] / e["follows"] for e in engine)
        config = {
            "accounts": accounts,
            "engine_follows_per_s": round(rate, 1),
            "baseline_follows_per_s": round(base_rate, 1),
            "ratio": round(rate / base_rate, 2),
            "requests_per_follow": round(per_follow, 5),
            "one_request_per": round(1 / per_follow, 1),
            "runs": {"engine": engine, "baseline": base},
        }
        results["configs"].append(config)
        print(json.dumps({k: v for k, v in config.items() if k != "runs"}), flush=True)
    OUT.mkdir(exist_ok=True)
    (OUT / "reconnect.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
