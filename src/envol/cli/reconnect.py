"""`envol reconnect status|plan|undo`: the reconnection engine from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from envol.reconnect.models import FollowTask, ReconnectChoice
from envol.reconnect.plan import plan_for_persons
from envol.reconnect.progress import progress_for
from envol.reconnect.service import request_undo
from envol.registry.models import Account, Person


def run(args: argparse.Namespace) -> int:
    if args.person is not None and not Person.objects.filter(pk=args.person).exists():
        print(f"envol reconnect: no person {args.person}", file=sys.stderr)
        return 2
    if args.action == "plan":
        persons = [args.person] if args.person is not None else list(
            ReconnectChoice.objects.values_list("account__person_id", flat=True).distinct()
        )  # fmt: skip
        print(f"{plan_for_persons(persons)} new follow tasks planned for {len(persons)} persons")
        return 0
    if args.action == "undo":
        account = Account.objects.filter(pk=args.account).first()
        if account is None:
            print(f"envol reconnect: no account {args.account}", file=sys.stderr)
            return 2
        print(f"{request_undo(account)} follows made by Envol will be removed")
        return 0
    persons = [args.person] if args.person is not None else sorted(
        set(FollowTask.objects.values_list("source__person_id", flat=True).distinct())
    )  # fmt: skip
    result = [{"person_id": p, "accounts": [a.as_dict() for a in progress_for(p)]} for p in persons]
    if args.json:
        print(json.dumps(result[0] if args.person is not None else result))
        return 0
    if not result:
        print("Nobody has chosen to reconnect yet.")
    for person in result:
        print(_plain(person))
    return 0


def _plain(person: dict[str, Any]) -> str:
    lines = [f"Person {person['person_id']}:"]
    for a in person["accounts"]:
        choice = f"{a['directions']}, {a['mode']}" if a["directions"] else "no choice yet"
        eta = f", done by {a['eta'][:16].replace('T', ' ')} UTC" if a["eta"] and a["remaining"] else ""
        lines.append(
            f"  {a['network'].title()} {a['handle']} ({choice}): {a['done']:,} done, "
            f"{a['pending']:,} requests waiting, {a['remaining']:,} remaining, {a['failed']:,} failed{eta}"
        )
        if a["starts_at"]:
            lines.append(f"    automatic follows start on {a['starts_at'][:10]}")
        if a["paused"]:
            lines.append(f"    paused: {a['paused']}")
        lines += [f"    {error}" for error in a["errors"]]
    return "\n".join(lines)
