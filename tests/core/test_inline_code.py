"""No page carries inline code, so the Content-Security-Policy needs no 'unsafe-inline' (decision
0011). Two nets: every template file under src/envol, read as it is written, and every page the
URL configuration serves without arguments, rendered for a visitor and for a signed-in person."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from envol.core import ratelimit
from envol.core.ids import Platform
from envol.core.security import policy_for_own_inline_code
from envol.registry.models import Account, Person, Verification
from envol.registry.session import SESSION_KEY

SRC = Path(__file__).resolve().parents[2] / "src" / "envol"
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}  # data blocks: never executed
# Templates that are not Envol pages: text that outlets paste into their own sites (inline by
# design: no request to Envol). Envol shows them escaped, or on the preview page whose policy allows
# exactly their blocks by hash (checked below).
PASTED_ELSEWHERE = {"media/templates/media/widget/snippet.html"}
SKIPPED_PREFIXES = (
    "admin/",  # Django's own templates: its constant <style> blocks are allowed by hash (test_admin_csp.py)
    "i18n/",  # the language switch answers POSTs with a redirect
)

FIXES = {
    "inline script": (
        "script-src 'self' blocks it. Move the code into a .js file under your package's "
        "static/ folder and load it with <script src=\"{% static '...' %}\" defer></script>; "
        'pass data through data-* attributes or a <script type="application/json"> block.'
    ),
    "style block": (
        "style-src 'self' blocks it. Move the rules into a .css file under your package's static/ "
        'folder and load it with <link rel="stylesheet" href="{% static \'...\' %}">.'
    ),
    "inline style attribute": (
        "style-src 'self' blocks it. Give the element a class and put the rule in a stylesheet "
        "(src/envol/web/static/envol/site.css or your package's own .css)."
    ),
    "inline event handler": (
        "script-src 'self' blocks it. Remove the attribute and attach the handler from a static .js "
        "file with addEventListener (or use a plain link or form, which work without JavaScript)."
    ),
    "javascript: URL": (
        "script-src 'self' blocks it. Use a real URL, or a <button> whose handler a static .js file attaches."
    ),
}


@dataclass(frozen=True, slots=True)
class Finding:
    line: int
    kind: str
    snippet: str
    body: str = ""  # the text of an inline <script> or <style> block

    def explain(self, where: str) -> str:
        return f"{where}:{self.line}: {self.kind} `{self.snippet}`: {FIXES[self.kind]}"


class _InlineCode(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.findings: list[Finding] = []
        self._block: Finding | None = None

    def handle_data(self, data: str) -> None:
        if self._block is not None:
            self._block = Finding(
                self._block.line, self._block.kind, self._block.snippet, self._block.body + data
            )

    def handle_endtag(self, tag: str) -> None:
        if self._block is not None and tag in ("script", "style"):
            self.findings[-1], self._block = self._block, None

    def _found(self, kind: str) -> None:
        self.findings.append(Finding(self.getpos()[0], kind, (self.get_starttag_text() or "")[:120]))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = {name.lower(): (value or "") for name, value in attrs}
        if tag == "script" and "src" not in named and named.get("type", "").lower() not in DATA_SCRIPT_TYPES:
            self._found("inline script")
            self._block = self.findings[-1]
        if tag == "style":
            self._found("style block")
            self._block = self.findings[-1]
        if "style" in named:
            self._found("inline style attribute")
        if any(name.startswith("on") and len(name) > 2 for name in named):
            self._found("inline event handler")
        if any(value.strip().lower().startswith("javascript:") for value in named.values()):
            self._found("javascript: URL")

    handle_startendtag = handle_starttag


def inline_code(html: str) -> list[Finding]:
    parser = _InlineCode()
    parser.feed(html)
    parser.close()
    return parser.findings


def test_the_checker_finds_each_kind_of_inline_code() -> None:
    bad = (
        "<p>ok</p>\n<script>alert(1)</script>\n<style>p{}</style>\n"
        '<p style="color:red">x</p>\n<button onclick="go()">b</button>\n<a href="javascript:go()">a</a>\n'
        '<img src="/x.png" onerror="go()" />\n'
    )
    kinds = [(f.line, f.kind) for f in inline_code(bad)]
    assert kinds == [
        (2, "inline script"),
        (3, "style block"),
        (4, "inline style attribute"),
        (5, "inline event handler"),
        (6, "javascript: URL"),
        (7, "inline event handler"),
    ]
    fine = (
        '<script src="/static/a.js" defer></script><script type="application/json" id="d">{}</script>'
        '<link rel="stylesheet" href="/s.css"><p class="one" data-onclick="x">on="text"</p>'
    )
    assert inline_code(fine) == []


def _templates() -> list[Path]:
    return sorted(p for p in SRC.rglob("templates/**/*.html") if ".venv" not in p.parts)


def test_there_are_templates_to_check() -> None:
    assert len(_templates()) >= 15


def test_no_template_carries_inline_code() -> None:
    problems = [
        finding.explain(str(path.relative_to(SRC.parent.parent)))
        for path in _templates()
        if str(path.relative_to(SRC)) not in PASTED_ELSEWHERE
        for finding in inline_code(path.read_text())
    ]
    assert problems == [], "inline code in templates:\n" + "\n".join(problems)


def _allowed_by_hash(finding: Finding, policy: str) -> bool:
    """A block the page's own policy names by its SHA-256 hash (core.security.policy_for_own_inline_code)."""
    if finding.kind not in ("inline script", "style block"):
        return False
    digest = base64.b64encode(hashlib.sha256(finding.body.encode()).digest()).decode()
    directive = "script-src" if finding.kind == "inline script" else "style-src"
    sources = next((d.split()[1:] for d in policy.split(";") if d.split()[:1] == [directive]), [])
    return f"'sha256-{digest}'" in sources and "'unsafe-inline'" not in sources


def test_a_block_is_allowed_only_by_its_own_hash() -> None:
    html = "<style>p{color:red}</style><script>go()</script>"
    found = inline_code(html)
    assert [f.body for f in found] == ["p{color:red}", "go()"]
    policy = "; ".join(f"{k} {' '.join(v)}" for k, v in policy_for_own_inline_code(html).items())
    assert all(_allowed_by_hash(f, policy) for f in found)
    other = "; ".join(
        f"{k} {' '.join(v)}" for k, v in policy_for_own_inline_code("<script>x()</script>").items()
    )
    assert not any(_allowed_by_hash(f, other) for f in found)


def _plain_paths() -> list[str]:
    """Every URL the configuration serves without arguments (new pages are checked as they land)."""
    found: list[str] = []

    def walk(patterns: list[URLPattern | URLResolver], prefix: str) -> None:
        for entry in patterns:
            route = str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + route)
            elif "<" not in route and "(" not in route:
                found.append(prefix + route.lstrip("^").rstrip("$"))

    walk(get_resolver().url_patterns, "")
    return sorted({"/" + path for path in found if not path.startswith(SKIPPED_PREFIXES)})


def _signed_in(client: Client) -> Person:
    person = Person.objects.create(findable_by="everyone")
    for platform, stable_id, handle in (
        (Platform.X, "1234567890123456789", "alice_x"),
        (Platform.MASTODON, "https://mastodon.test/users/alice", "alice@mastodon.test"),
    ):
        Account.objects.create(person=person, platform=platform, stable_id=stable_id, handle=handle,
                               verification=Verification.VERIFIED)  # fmt: skip
    session = client.session
    session[SESSION_KEY] = person.pk
    session.save()
    return person


def _check_html(client: Client, path: str, problems: list[str], method: str = "get") -> int:
    response = getattr(client, method)(path, follow=False)
    assert "Content-Security-Policy" in response, f"{method.upper()} {path} has no Content-Security-Policy"
    if response.get("Content-Type", "").startswith("text/html") and response.status_code != 302:
        html, policy = response.content.decode(), response["Content-Security-Policy"]
        problems += [
            f.explain(f"{method.upper()} {path} ({response.status_code})")
            for f in inline_code(html)
            if not _allowed_by_hash(f, policy)
        ]
    status: int = response.status_code
    return status


@pytest.mark.django_db
def test_every_page_is_free_of_inline_code(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = _plain_paths()
    assert {"/", "/faq/", "/sign-in/", "/accounts/", "/archive/", "/your-data/"} <= set(paths)
    problems: list[str] = []
    for path in [*paths, "/no-such-page/"]:  # the 404 page too
        _check_html(client, path, problems)
    _signed_in(client)
    statuses = {path: _check_html(client, path, problems) for path in [*paths, "/no-such-page/"]}
    assert statuses["/accounts/"] == statuses["/your-data/"] == 200  # really signed in
    assert _check_html(client, "/archive/", problems, method="post") == 400  # the upload page with its error
    monkeypatch.setenv("ENVOL_RATE_LIMIT_SIGN_IN", "1/3600")
    monkeypatch.setattr(ratelimit, "clock", lambda: 7_200_000.0)  # both requests in one window
    statuses = {_check_html(client, "/sign-in/x/", problems, method="post") for _ in range(2)}
    assert 429 in statuses  # the "too many attempts" page
    assert problems == [], "inline code in rendered pages:\n" + "\n".join(problems)
