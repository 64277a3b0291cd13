"""`envol privacy`: check the stored data as an auditor would, print the inventory, export or erase
one person, run the retention rules now, regenerate the inventory in docs/privacy.md."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from envol.privacy import pending
from envol.privacy.check import run_check
from envol.privacy.document import block, markdown, rewrite
from envol.privacy.erase import erase_person
from envol.privacy.export import export_person
from envol.privacy.retention import run_retention
from envol.registry.models import Person

DOCS = Path(__file__).resolve().parents[3] / "docs" / "privacy.md"


def run(args: argparse.Namespace) -> int:
    handler = {"check": _check, "export": _export, "erase": _erase, "retention": _retention, "docs": _docs}
    return handler[args.action](args)


def _check(args: argparse.Namespace) -> int:
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
    person = Person.objects.filter(pk=args.person).first()
    if person is None:
        print(f"envol privacy export: no person has the id {args.person}", file=sys.stderr)
        return 2
    print(json.dumps(export_person(person), indent=2, ensure_ascii=False))
    return 0


def _erase(args: argparse.Namespace) -> int:
    if not Person.objects.filter(pk=args.person).exists():
        print(f"envol privacy erase: no person has the id {args.person}", file=sys.stderr)
        return 2
    if not args.yes:
        print("envol privacy erase: add --yes to confirm; nothing was erased", file=sys.stderr)
        return 2
    if args.undo_follows:
        asked = pending.request(Person.objects.get(pk=args.person))
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
    for name, count in asdict(run_retention()).items():
        print(f"{name.replace('_', ' ')}: {count:,}")
    return 0


def _docs(args: argparse.Namespace) -> int:
    if args.write:
        print(f"{DOCS}: {'rewritten' if rewrite(DOCS) else 'already up to date'}")
    else:
        print(block("en") + "\n\n" + block("fr"))
    return 0
