"""One declared setting, read through its parser each time it is read (see envol.core.config)."""

from __future__ import annotations

import functools
import os
from typing import Any, cast, overload

from envol.core.config_parse import Parser


class SettingError(ValueError):
    """A setting's value cannot be read; the message names the variable."""


@functools.lru_cache(maxsize=512)
def _parsed(parse: Parser[Any], raw: str) -> Any:
    return parse(raw)


class Setting[T]:
    """One environment variable: its name, its default (as text), its documentation and its parser."""

    __slots__ = ("default", "help", "name", "parse")

    def __init__(self, name: str, default: str, help: str, parse: Parser[T]) -> None:
        self.name = name
        self.default = default
        self.help = help
        self.parse = parse

    def __set_name__(self, owner: type, attribute: str) -> None:
        if attribute != self.name.removeprefix("ENVOL_").lower():
            raise TypeError(f"{self.name} must be declared as {self.name.removeprefix('ENVOL_').lower()}")

    @overload
    def __get__(self, instance: None, owner: type) -> Setting[T]: ...
    @overload
    def __get__(self, instance: object, owner: type) -> T: ...
    def __get__(self, instance: object, owner: type) -> Setting[T] | T:
        return self if instance is None else self.read()

    def raw(self) -> str:
        """The text in force: the variable's, or the default when it is unset or blank."""
        return os.environ.get(self.name, "").strip() or self.default

    def read(self) -> T:
        try:
            return cast("T", _parsed(self.parse, self.raw()))
        except ValueError as exc:
            raise SettingError(f"{self.name}: {exc} (see docs/configuration.md)") from None
