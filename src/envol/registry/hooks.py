"""Where packages above the registry plug into its trust rules (envol.registry.linking).

- ``register_holding(Holding(move, held_by))``: something a package keeps for a person that goes
  with a claimed X account when proving it moves the account to another person (archive: the import
  of that account's archive). ``move(source, target)`` runs in the proof's transaction;
  ``held_by(person)`` says whether the person still holds any, since a person left with no account
  and nothing held is deleted. The registry never imports those packages: archive registers its
  holding when its app is ready.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from envol.registry.models import Person


@dataclass(frozen=True, slots=True)
class Holding:
    move: Callable[[Person, Person], None]
    held_by: Callable[[Person], bool]


_holdings: list[Holding] = []


def register_holding(holding: Holding) -> None:
    if holding not in _holdings:
        _holdings.append(holding)


def holdings() -> tuple[Holding, ...]:
    return tuple(_holdings)
