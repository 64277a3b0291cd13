"""The documentation cannot drift from the code: settings, commands and packages are all described."""

from __future__ import annotations

import builtins
import re
from pathlib import Path

import pytest

from envol.cli.main import _commands
from envol.core.config import SETTINGS

REPO = Path(__file__).resolve().parent.parent
SRC = REPO / "src" / "envol"
DOCS = REPO / "docs"


def _read(name: str) -> str:
    return (DOCS / name).read_text()


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_every_setting_is_documented_with_its_default(setting: object) -> None:
    configuration = _read("configuration.md")
    name = setting.name  # type: ignore[attr-defined]
    default = setting.default  # type: ignore[attr-defined]
    rows = [line for line in configuration.splitlines() if line.startswith(f"| `{name}` |")]
    assert rows, f"{name} is missing from docs/configuration.md"
    assert (f"`{default}`" if default else "(empty)") in rows[0], f"{name}: the documented default is wrong"


def test_code_reads_only_declared_settings() -> None:
    declared = {s.name for s in SETTINGS}
    used: set[str] = set()
    for path in SRC.rglob("*.py"):
        used |= set(re.findall(r"\b(ENVOL_[A-Z_]+)\b", path.read_text()))
    assert used - declared == set(), f"read but not declared in envol.core.config: {sorted(used - declared)}"


def test_every_command_is_documented() -> None:
    reference = _read("cli.md")
    for command in _commands():
        assert f"## `envol {command.name}`" in reference, command.name


def test_architecture_names_every_package() -> None:
    architecture = _read("architecture.md")
    packages = {p.name for p in SRC.iterdir() if (p / "__init__.py").exists()}
    for package in packages:
        assert f"`{package}/`" in architecture, f"docs/architecture.md does not describe {package}/"
    described = set(re.findall(r"^\| `(\w+)/` \|", architecture, flags=re.MULTILINE))
    assert described <= packages, f"described but absent from src/envol: {sorted(described - packages)}"


def test_readme_shows_the_two_commands_and_links_the_docs() -> None:
    readme = (REPO / "README.md").read_text()
    assert "make run" in readme
    assert "make test" in readme
    for link in re.findall(r"\]\((docs/[^)#]+)", readme):
        assert (REPO / link).exists(), link


def test_every_image_the_docs_show_exists_and_every_guide_picture_is_shown() -> None:
    """docs/guide.md shows the journey's screenshots, which tests/web/test_journey.py takes."""
    shown: set[Path] = set()
    for page in [*sorted(DOCS.rglob("*.md")), REPO / "README.md"]:
        for target in re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", page.read_text()):
            image = (page.parent / target).resolve()
            assert image.is_file(), f"{page.relative_to(REPO)} shows {target}, which does not exist"
            shown.add(image)
    taken = {p.resolve() for p in (DOCS / "guide").rglob("*.png")}
    assert taken, "no screenshot in docs/guide/"
    assert taken <= shown, f"screenshots no page shows: {sorted(str(p) for p in taken - shown)}"


# What the documentation names must exist: a renamed module, a removed function or a dropped setting
# fails here instead of leaving the docs describing code that is gone. Names are read from inline
# code (`…`) in docs/ and README.md; fenced blocks are diagrams and examples, not references.
PACKAGES = sorted(p.name for p in SRC.iterdir() if (p / "__init__.py").exists())
_INLINE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")


def _inline_code() -> list[tuple[str, str]]:
    found = []
    for page in [*sorted(DOCS.rglob("*.md")), REPO / "README.md"]:
        text = re.sub(r"^```.*?^```", "", page.read_text(), flags=re.MULTILINE | re.DOTALL)
        found += [(page.relative_to(REPO).as_posix(), code) for code in _INLINE.findall(text)]
    return found


def _python_files() -> list[Path]:
    return [p for folder in ("src", "tests", "scripts", "bench") for p in (REPO / folder).rglob("*.py")]


def _defined_names() -> set[str]:
    """Every module, class, function and module-level name defined in the project's Python."""
    names: set[str] = {p.name for p in SRC.rglob("*") if (p / "__init__.py").exists()}
    for path in _python_files():
        names.add(path.stem)
        text = path.read_text()
        names |= set(re.findall(r"^\s*(?:async\s+)?(?:def|class)\s+(\w+)", text, flags=re.MULTILINE))
        names |= set(re.findall(r"^(\w+)\s*(?::[^=\n]+)?=", text, flags=re.MULTILINE))
        names |= set(re.findall(r"^\s+(\w+)\s*(?::[^=\n]+)?=", text, flags=re.MULTILINE))  # fields
    return names


def test_every_setting_named_in_the_docs_is_declared() -> None:
    """Declared in envol.core.config, or an option of the test suite itself (read in tests/)."""
    declared = {s.name for s in SETTINGS}
    for path in (REPO / "tests").rglob("*.py"):
        declared |= set(re.findall(r"ENVOL_[A-Z_]+", path.read_text()))
    named = {(page, name) for page, code in _inline_code() for name in re.findall(r"\bENVOL_[A-Z_]+\b", code)}
    assert {(page, name) for page, name in named if name not in declared} == set()


def test_every_python_file_named_in_the_docs_exists() -> None:
    files = [p.relative_to(REPO).as_posix() for p in _python_files()]
    missing = {
        (page, code)
        for page, code in _inline_code()
        if re.fullmatch(r"[\w./-]+\.py", code) and not any(f == code or f.endswith("/" + code) for f in files)
    }
    assert missing == set()


# Inline code that looks like a dotted Python name but is not one of Envol's: Django's own app labels
# (the privacy inventory names their tables), a domain, a system check's id, the standard library.
NOT_ENVOL = re.compile(r"(admin|auth|contenttypes|sessions)\.\w+|x\.com|security\.W\d+|http\.server\..*")
# Calls that are not Envol's functions: SQL, Playwright, zlib's API (decision 0015), Python's builtins.
NOT_ENVOL_CALLS = {"pg_current_wal_lsn", "get_by_role", "getProfile", "decompressobj", *dir(builtins)}


def test_every_module_and_function_named_in_the_docs_exists() -> None:
    """`package.module`, `module.name`, `envol.package.module.name` and `function(…)` references."""
    defined = _defined_names()
    stems = {p.stem for p in SRC.rglob("*.py")} | set(PACKAGES)
    missing = set()
    for page, code in _inline_code():
        dotted = re.fullmatch(r"(?:envol\.)?([a-z_]\w*(?:\.[A-Za-z_]\w*)+)", code)
        a_file = re.search(r"\.(py|md|js|json|html|txt|csv)$", code)
        if dotted and not NOT_ENVOL.fullmatch(code) and not a_file:
            parts = dotted.group(1).split(".")
            if parts[0] in stems and not all(part in defined for part in parts):
                missing.add((page, code))
        call = re.fullmatch(r"([a-z_]\w*)\(.*\)", code)
        if call and call.group(1) not in NOT_ENVOL_CALLS and call.group(1) not in defined:
            missing.add((page, code))
    assert missing == set()
