"""`envol privacy`: check the stored data as an auditor would, print the inventory, export or erase
one person, run the retention rules now, regenerate the inventory in docs/privacy.md."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from envol.cli.main import Command, setup_django

DOCS = Path(__file__).resolve().parents[3] / "docs" / "privacy.md"


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = sub.add_parser("check", help="scan every table and column; non-zero exit on a finding")
    check.add_argument("--quiet", action="store_true", help="print findings only, not the inventory")
    export = sub.add_parser("export", help="print everything held about one person, as JSON")
    export.add_argument("--person", type=int, required=True, metavar="ID")
    erase = sub.add_parser("erase", help="erase one person (revokes their tokens), print the receipt")
    erase.add_argument("--person", type=int, required=True, metavar="ID")
    erase.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")
    erase.add_argument(
        "--undo-follows",
        action="store_true",
        help="first remove the follows Envol made for the person (erasure pending until done)",
    )
    sub.add_parser("retention", help="apply the retention rules now and print what was done (counts)")
    docs = sub.add_parser("docs", help="print the generated inventory of docs/privacy.md")
    docs.add_argument("--write", action="store_true", help=f"rewrite the generated blocks of {DOCS.name}")


def run(args: argparse.Namespace) -> int:
    setup_django()
    handler = {"check": _check, "export": _export, "erase": _erase, "retention": _retention, "docs": _docs}
    return handler[args.action](args)


def _check(args: argparse.Namespace) -> int:
    from envol.privacy.check import run_check
    from envol.privacy.document import markdown

    report = run_check()
    if not args.quiet:
        print("Data inventory\n\n" + markdown("en") + "\n")
    print(
        f"Scanned {report.tables} tables, {report.columns} columns; {report.pseudonyms:,} stored pseudonyms."
    )
    for finding in report.findings:
        print(finding)
    if report.findings:
        print(f"{len(report.findings)} finding(s).", file=sys.stderr)
        return 1
    print("No finding: no clear X id of an unregistered person, every secret encrypted, no key stored.")
    return 0


def _export(args: argparse.Namespace) -> int:
    from envol.privacy.export import export_person
    from envol.registry.models import Person

    person = Person.objects.filter(pk=args.person).first()
    if person is None:
        print(f"envol privacy export: no person has the id {args.person}", file=sys.stderr)
        return 2
    print(json.dumps(export_person(person), indent=2, ensure_ascii=False))
    return 0


def _erase(args: argparse.Namespace) -> int:
    from envol.privacy.erase import erase_person
    from envol.registry.models import Person

    if not Person.objects.filter(pk=args.person).exists():
        print(f"envol privacy erase: no person has the id {args.person}", file=sys.stderr)
        return 2
    if not args.yes:
        print("envol privacy erase: add --yes to confirm; nothing was erased", file=sys.stderr)
        return 2
    if args.undo_follows:
        from envol.privacy.pending import request

        asked = request(Person.objects.get(pk=args.person))
        if asked:
            print(
                f"Erasure pending: removing {asked} follow(s) Envol made first; the retention task "
                "erases everything once they are gone (or at the deadline). Nothing erased yet."
            )
            return 0
        print("No follow of Envol's to remove: erasing at once.")
    proof = erase_person(args.person)
    print(
        f"Erased. Receipt {proof.id}; tokens revoked: {proof.tokens_revoked}, "
        f"not revoked: {proof.revocations_failed}"
    )
    return 0


def _retention(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from envol.privacy.retention import run_retention

    for name, count in asdict(run_retention()).items():
        print(f"{name.replace('_', ' ')}: {count:,}")
    return 0


def _docs(args: argparse.Namespace) -> int:
    from envol.privacy.document import block, rewrite

    if args.write:
        print(f"{DOCS}: {'rewritten' if rewrite(DOCS) else 'already up to date'}")
    else:
        print(block("en") + "\n\n" + block("fr"))
    return 0


COMMANDS = [Command("privacy", "privacy: check, export, erase, retention, docs", configure, run)]
