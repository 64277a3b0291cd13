"""`envol reconnect status|plan|undo`: the reconnection engine from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from envol.cli.main import Command, setup_django


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    status = sub.add_parser(
        "status", help="progress per linked account (done, remaining, failed, ETA, errors)"
    )
    status.add_argument(
        "--person", type=int, metavar="ID", help="only this person (default: everyone with tasks)"
    )
    status.add_argument("--json", action="store_true", help="print JSON")
    plan = sub.add_parser("plan", help="plan (again) the follows of a person, or of everyone who chose")
    plan.add_argument("--person", type=int, metavar="ID")
    undo = sub.add_parser("undo", help="remove the follows Envol created for one account")
    undo.add_argument("--account", type=int, metavar="ID", required=True)


def run(args: argparse.Namespace) -> int:
    setup_django()
    from envol.reconnect.models import FollowTask, ReconnectChoice
    from envol.reconnect.plan import plan_for_persons
    from envol.reconnect.progress import progress_for
    from envol.reconnect.service import request_undo
    from envol.registry.models import Account, Person

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
            f"{a['remaining']:,} remaining, {a['failed']:,} failed{eta}"
        )
        if a["starts_at"]:
            lines.append(f"    automatic follows start on {a['starts_at'][:10]}")
        if a["paused"]:
            lines.append(f"    paused: {a['paused']}")
        lines += [f"    {error}" for error in a["errors"]]
    return "\n".join(lines)


COMMANDS = [Command("reconnect", "follow tasks: status, plan, undo", configure, run)]
