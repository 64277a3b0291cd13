"""Bluesky refinements of the canonical errors, for the cases where a caller acts differently.

Each one subclasses a canonical error of ``platforms/errors.py``, so code that only knows the
canonical errors still does the right thing; callers that care catch the refinement.
"""

from __future__ import annotations

from collections.abc import Iterable

from envol.platforms.errors import AuthExpired, NotFound, Rejected


class WrongPassword(AuthExpired):
    """``createSession`` refused the identifier or (app) password. The PDS answers the same 401
    ``AuthenticationRequired`` for an unknown identifier, so the two cannot be told apart."""


class RecordExists(Rejected):
    """A create carried a record key that the repository already holds.

    The PDS refuses the whole ``applyWrites`` (it answers 500 ``InternalServerError``: the MST
    reports "There is already a value at key"), so nothing of the batch was written by this call.
    ``rkeys`` are the batch's keys found in the repository afterwards. When the caller re-sent a
    batch that an earlier, interrupted attempt had committed, all of them are there: the earlier
    attempt did the work and this one must not be repeated with new keys.
    """

    def __init__(self, message: str, *, rkeys: Iterable[str], status: int | None = None) -> None:
        super().__init__(message, status=status)
        self.rkeys = frozenset(rkeys)


class RecordsMissing(NotFound):
    """A delete named record keys the repository does not hold (already deleted, or never there).

    The PDS refuses the whole ``applyWrites`` (500: "Could not find a record with key"), so nothing
    was deleted by this call; ``rkeys`` are the missing keys. Deleting the others again completes
    the work.
    """

    def __init__(self, message: str, *, rkeys: Iterable[str], status: int | None = None) -> None:
        super().__init__(message, status=status)
        self.rkeys = frozenset(rkeys)
