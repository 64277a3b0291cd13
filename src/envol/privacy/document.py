"""The inventory as people read it: rows for the privacy page, and the generated part of
docs/privacy.md (English and French), which a test compares with what this module produces."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from envol.privacy.inventory import inventoried
from envol.privacy.relations import person_graph

START, END = "<!-- inventory:{lang}:start -->", "<!-- inventory:{lang}:end -->"


@dataclass(frozen=True, slots=True)
class Row:
    label: str
    summary: str
    fields: tuple[str, ...]
    what: str
    purpose: str
    basis: str
    retention: str
    seen_by: str


@dataclass(frozen=True, slots=True)
class Right:
    name: str | Promise
    how: str | Promise


RIGHTS: tuple[Right, ...] = (
    Right(
        _("See your data, and take it with you (access, portability)"),
        _("“Your data” → download it as a JSON file, or read it on a page. One click, at any time."),
    ),
    Right(
        _("Correct it (rectification)"),
        _(
            "Your handles and names are refreshed each time you sign in; "
            "for anything else, write to the operator."
        ),
    ),
    Right(
        _("Erase it (erasure)"),
        _(
            "“Your data” → “Erase everything”: Envol revokes its access at the networks "
            "and deletes every row about you at once. If you ask, it first removes the follows it "
            "made for you, and your erasure waits for that (a few days at most)."
        ),
    ),
    Right(
        _("Withdraw a consent, object (withdrawal, objection)"),
        _("“Your data” → your choices: a withdrawal applies at once. Unlinking an account stops its use."),
    ),
    Right(
        _("Complain"),
        _(
            "Write to the operator (legal notice), "
            "or to your data-protection authority (in France, the CNIL)."
        ),
    ),
)


def rows() -> list[Row]:
    """One row per (model, use), in the current language: tables about a person first."""
    first = {link.model: n for n, link in enumerate(person_graph())}
    listed = sorted(inventoried(), key=lambda item: first.get(item[0], len(first)))
    return [
        Row(
            model._meta.label,
            str(inventory.summary),
            use.fields,
            str(use.what),
            str(use.purpose),
            str(use.basis.value),
            str(use.retention),
            str(use.seen_by.value),
        )
        for model, inventory in listed
        for use in inventory.uses
    ]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(language: str) -> str:
    with override(language):
        header = [
            "| "
            + " | ".join(
                str(h)
                for h in (
                    _("table"),
                    _("fields"),
                    _("what it holds"),
                    _("why"),
                    _("legal basis"),
                    _("kept for"),
                    _("who sees it"),
                )
            )
            + " |",
            "|---|---|---|---|---|---|---|",
        ]
        lines = [
            f"| `{r.label}` ({_cell(r.summary)}) | {', '.join(f'`{f}`' for f in r.fields)} | {_cell(r.what)} "
            f"| {_cell(r.purpose)} | {_cell(r.basis)} | {_cell(r.retention)} | {_cell(r.seen_by)} |"
            for r in rows()
        ]
        rights = [f"- **{right.name}**: {right.how}" for right in RIGHTS]
    return "\n".join([*header, *lines, "", *rights])


def block(language: str) -> str:
    return "\n".join([START.format(lang=language), markdown(language), END.format(lang=language)])


def rewrite(path: Path) -> bool:
    """Replace the generated blocks of ``path``; True when the file changed."""
    text = original = path.read_text()
    for language in ("en", "fr"):
        start, end = START.format(lang=language), END.format(lang=language)
        head, _sep, rest = text.partition(start)
        _old, _sep2, tail = rest.partition(end)
        text = head + block(language) + tail
    if text != original:
        path.write_text(text)
    return text != original
