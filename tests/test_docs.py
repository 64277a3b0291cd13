"""The documentation cannot drift from the code: settings, commands and packages are all described."""

from __future__ import annotations

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
