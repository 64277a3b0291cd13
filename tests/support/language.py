"""What a careful editor checks on a rendered page, as pure functions of its HTML.

- ``visible_text``: the text a reader sees or hears (text nodes, alt, title, aria-label), never
  the content of scripts, styles or data blocks.
- ``typography``: in French, a narrow no-break space (U+202F) before ; : ! ? and », after «, and
  no straight apostrophe.
- ``unformatted_numbers``: a number of four digits or more without its thousands separator,
  dates aside.
- ``raw_values``: an internal value (a stored enum value, a model label, a Python literal) shown
  as if it were text.
- ``untranslated``: a source (English) string shown on a French page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser

NNBSP = "\u202f"
# Code and text to copy (the share widget's snippet) are not prose.
SKIPPED_TAGS = {"script", "style", "template", "code", "pre", "textarea"}
SPOKEN_ATTRIBUTES = ("alt", "title", "aria-label")


class _Text(HTMLParser):
    """Text nodes outside skipped tags and outside elements in another language (``lang="en"`` on a
    French page: the language switch says "English" on purpose)."""

    def __init__(self, language: str) -> None:
        super().__init__(convert_charrefs=True)
        self.nodes: list[str] = []
        self.language = language
        self._skip = 0
        self._foreign: list[str] = []  # the open tags of the element in another language, and inside it

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag in SKIPPED_TAGS:
            self._skip += 1
        if (self._foreign and tag == self._foreign[0]) or (
            not self._foreign and tag != "html" and (named.get("lang") or self.language)[:2] != self.language
        ):
            self._foreign.append(tag)
        if self._foreign:
            return
        for name, value in attrs:
            if name in SPOKEN_ATTRIBUTES and value and value.strip():
                self.nodes.append(" ".join(value.split()))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in SPOKEN_ATTRIBUTES and value and value.strip():
                self.nodes.append(" ".join(value.split()))

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED_TAGS and self._skip:
            self._skip -= 1
        if self._foreign and tag == self._foreign[0]:
            self._foreign.pop()

    def handle_data(self, data: str) -> None:
        if not self._skip and not self._foreign and data.strip():
            # Whitespace collapses as the browser does, but the no-break spaces stay what they are.
            self.nodes.append(re.sub(r"[ \t\r\n]+", " ", data).strip(" \t\r\n"))


def visible_text(html: str, language: str) -> list[str]:
    """Every text node and spoken attribute of the page in ``language``, whitespace collapsed."""
    parser = _Text(language)
    parser.feed(html)
    parser.close()
    return [node for node in parser.nodes if node]


@dataclass(frozen=True, slots=True)
class Problem:
    kind: str
    text: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail} in “{self.text[:160]}”"


# Punctuation used as such: followed by a space, a closing sign or the end (not "did:plc", "https://",
# "12:30" or "?filter=").
_HIGH_PUNCTUATION = re.compile(r"(?P<before>.?)(?P<sign>[;:!?])(?=\s|$|[)»”\]])", re.DOTALL)
_CLOSING_GUILLEMET = re.compile(r"(?P<before>.?)»", re.DOTALL)
_OPENING_GUILLEMET = re.compile(r"«(?P<after>.?)", re.DOTALL)


def typography(nodes: Iterable[str]) -> list[Problem]:
    """French typography: the signs that take a narrow no-break space, and typographic apostrophes."""
    problems: list[Problem] = []
    for text in nodes:
        for found in _HIGH_PUNCTUATION.finditer(text):
            if found["before"] != NNBSP and not (found["sign"] in "?!" and found["before"] in "?!"):
                problems.append(Problem("typography", text, f"no U+202F before “{found['sign']}”"))
        for found in _CLOSING_GUILLEMET.finditer(text):
            if found["before"] != NNBSP:
                problems.append(Problem("typography", text, "no U+202F before “»”"))
        for found in _OPENING_GUILLEMET.finditer(text):
            if found["after"] != NNBSP:
                problems.append(Problem("typography", text, "no U+202F after “«”"))
        if "'" in text:
            problems.append(Problem("typography", text, "straight apostrophe (’ expected)"))
    return problems


_MONTHS = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec"
    r"|janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
    r"|janv|févr|avr|juil|déc)\.?"  # Django's French abbreviations (date format "N")
)
_DATES = re.compile(
    rf"\d{{4}}-\d{{2}}-\d{{2}}(?:[T ][\d:.]+(?:[+-]\d{{2}}:?\d{{2}}|Z)?)?"  # ISO
    rf"|\d{{1,2}}/\d{{1,2}}/\d{{4}}"  # 06/12/2026
    rf"|\d{{1,2}}(?:er)?\s{_MONTHS}\s\d{{4}}"  # 6 décembre 2026, 1er mai 2027
    rf"|{_MONTHS}\s\d{{1,2}},?\s\d{{4}}"  # Dec. 6, 2026
    rf"|{_MONTHS}\s\d{{4}}",  # December 2026
    re.IGNORECASE,
)
_LONG_NUMBER = re.compile(r"(?<![\w.,/#@:+-])\d{4,}(?![\w/@])")


def unformatted_numbers(nodes: Iterable[str]) -> list[Problem]:
    """Numbers of four digits or more written without a thousands separator, outside dates."""
    problems = []
    for text in nodes:
        for found in _LONG_NUMBER.finditer(_DATES.sub(" ", text)):
            problems.append(Problem("number", text, f"“{found.group()}” has no thousands separator"))
    return problems


_MODEL_LABEL = re.compile(r"\b[a-z]+\.[A-Z][A-Za-z]+\b")
_PYTHON_LITERALS = {"True", "False", "None"}


def raw_values(nodes: Iterable[str], values: set[str]) -> list[Problem]:
    """A stored value shown as a whole text, a value with an underscore anywhere, a model label."""
    problems = []
    snake = {v for v in values if "_" in v}
    for text in nodes:
        if text in values or text in _PYTHON_LITERALS:
            problems.append(Problem("raw value", text, f"the stored value “{text}”"))
        for word in re.findall(r"\b\w+\b", text):
            if word in snake:
                problems.append(Problem("raw value", text, f"the stored value “{word}”"))
        if found := _MODEL_LABEL.search(text):
            problems.append(Problem("raw value", text, f"the model label “{found.group()}”"))
    return problems


@dataclass(frozen=True, slots=True)
class SourceStrings:
    """English strings whose French differs: whole short ones, and long pieces of the others."""

    whole: frozenset[str]
    pieces: tuple[str, ...]


_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


def source_strings(pairs: Iterable[tuple[str, str]]) -> SourceStrings:
    """From (msgid, French msgstr) pairs: what would show that a string went untranslated."""
    whole: set[str] = set()
    pieces: set[str] = set()
    for msgid, french in pairs:
        if not french or french == msgid:
            continue
        for piece in _PLACEHOLDER.split(" ".join(msgid.split())):
            piece = piece.strip(" .,:;“”\"'()")
            if len(piece.split()) >= 3:
                pieces.add(piece)
            elif any(c.isalpha() for c in piece) and piece == " ".join(msgid.split()).strip(" .,:;"):
                # (a string without a letter, the day "1" that French writes "1er", is no language)
                whole.add(piece)
    return SourceStrings(frozenset(whole), tuple(sorted(pieces)))


def untranslated(nodes: Iterable[str], source: SourceStrings) -> list[Problem]:
    problems = []
    nodes = list(nodes)
    page = " ".join(nodes)
    for text in nodes:
        if text.strip(" .,:;") in source.whole:
            problems.append(Problem("English", text, "an English string"))
    for piece in source.pieces:
        if piece in page:
            start = page.index(piece)
            problems.append(Problem("English", page[max(0, start - 40) : start + 120], f"“{piece}”"))
    return problems


_ENGLISH_WORDS = re.compile(
    r"\b(?:the|and|your|you|with|from|this|these|which|followers?|following)\b(?!\.js)"
)


def english_words(nodes: Iterable[str]) -> list[Problem]:
    """Common English words in a French text: an English string no catalogue knows (hard-coded)."""
    return [
        Problem("English", text, f"the English word “{found.group()}”")
        for text in nodes
        if (found := _ENGLISH_WORDS.search(text))
    ]
