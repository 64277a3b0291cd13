"""Typed errors for everything that can be wrong with an uploaded X archive.

Each error carries a stable ``code`` (for the web/CLI layers to translate), the ``file`` it is
about (a zip member, a path, or the archive itself) and a plain-English ``message`` that names
that file. ``str(error)`` is the message.
"""

from __future__ import annotations

from typing import ClassVar


class ArchiveError(Exception):
    """Base class: the upload cannot be used as an X archive."""

    code: ClassVar[str] = "archive_error"

    def __init__(self, file: str, message: str) -> None:
        super().__init__(message)
        self.file = file
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, file={self.file!r}, message={self.message!r})"


class NotAZipError(ArchiveError):
    """The file is neither a zip archive nor an X data (.js) file."""

    code = "not_a_zip"


class UnsupportedInputError(ArchiveError):
    """The combination of inputs is not one we accept (e.g. a folder among loose files)."""

    code = "unsupported_input"


class NoListsError(ArchiveError):
    """Neither a follower nor a following list is present."""

    code = "no_lists"


class MissingListError(ArchiveError):
    """The manifest announces a non-empty list whose file is absent."""

    code = "missing_list"


class TruncatedZipError(ArchiveError):
    """The zip is cut short or damaged (no central directory, CRC failure, bad deflate data)."""

    code = "truncated"


class ZipBombError(ArchiveError):
    """Sizes beyond the configured limits, declared or actually inflated."""

    code = "zip_bomb"


class UnsupportedZipError(ArchiveError):
    """Encrypted member, or a compression method X and common re-zippers never use."""

    code = "unsupported_zip"


class MalformedFileError(ArchiveError):
    """A .js file is not the JavaScript/JSON shape X writes."""

    code = "malformed"


class BadIdError(ArchiveError):
    """An ``accountId`` that is not a decimal string of an unsigned 64-bit integer."""

    code = "bad_id"


class CountMismatchError(ArchiveError):
    """A list holds a different number of ids than the manifest says."""

    code = "count_mismatch"


class OwnerMismatchError(ArchiveError):
    """account.js and manifest.js name different accounts."""

    code = "owner_mismatch"


class DuplicateMemberError(ArchiveError):
    """The same data file appears twice (or files of two archives are mixed)."""

    code = "duplicate_member"
