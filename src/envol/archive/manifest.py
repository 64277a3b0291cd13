"""Interpret ``account.js`` and ``manifest.js`` (already parsed as JSON) into typed values.

Only the fields we use are checked; X adds and renames data types over time and we should not
refuse an archive because of a field we ignore. Numbers are JSON strings in every real manifest.
"""

from __future__ import annotations

from dataclasses import dataclass

from envol.archive.base import LISTS, U64_MAX, ArchiveOwner, Direction
from envol.archive.errors import BadIdError, MalformedFileError
from envol.archive.jsfile import JsPrefix


@dataclass(frozen=True)
class ManifestFile:
    file_name: str  # "data/follower-part1.js"
    global_name: str | None  # "YTD.follower.part1"
    count: int


@dataclass(frozen=True)
class Manifest:
    owner: ArchiveOwner | None
    lists: dict[Direction, tuple[ManifestFile, ...]]  # a direction absent here is not in the manifest


def parse_account(prefix: JsPrefix, doc: object, member: str) -> ArchiveOwner:
    if prefix.data_type != "account":
        raise MalformedFileError(
            member, f"{member} should start with window.YTD.account, not {prefix.global_name}."
        )
    entry = doc[0] if isinstance(doc, list) and doc else None
    account = entry.get("account") if isinstance(entry, dict) else None
    if not isinstance(account, dict):
        raise MalformedFileError(member, f'{member} should be a list holding one {{"account": …}} object.')
    return ArchiveOwner(
        x_id=_account_id(account.get("accountId"), member),
        handle=_text(account.get("username"), "username", member),
        display_name=_text(account.get("accountDisplayName", ""), "accountDisplayName", member),
    )


def parse_manifest(prefix: JsPrefix, doc: object, member: str) -> Manifest:
    if prefix.global_name != "__THAR_CONFIG" or not isinstance(doc, dict):
        raise MalformedFileError(member, f"{member} should be window.__THAR_CONFIG = {{…}}.")
    user = doc.get("userInfo")
    owner = None
    if isinstance(user, dict) and "accountId" in user:
        owner = ArchiveOwner(
            x_id=_account_id(user.get("accountId"), member),
            handle=_text(user.get("userName", ""), "userName", member),
            display_name=_text(user.get("displayName", ""), "displayName", member),
        )
    data_types = doc.get("dataTypes", {})
    if not isinstance(data_types, dict):
        raise MalformedFileError(member, f"{member} has a dataTypes entry that is not an object.")
    lists: dict[Direction, tuple[ManifestFile, ...]] = {}
    for direction in LISTS:
        if direction in data_types:
            lists[direction] = _files(data_types[direction], direction, member)
    return Manifest(owner=owner, lists=lists)


def _files(entry: object, direction: Direction, member: str) -> tuple[ManifestFile, ...]:
    files = entry.get("files") if isinstance(entry, dict) else None
    if not isinstance(files, list):
        raise MalformedFileError(member, f"{member} lists the {direction} data type without its files.")
    result = []
    for item in files:
        if not isinstance(item, dict) or not isinstance(item.get("fileName"), str):
            raise MalformedFileError(member, f"{member} lists a {direction} file without a fileName.")
        global_name = item.get("globalName")
        result.append(
            ManifestFile(
                file_name=item["fileName"],
                global_name=global_name if isinstance(global_name, str) else None,
                count=_count(item.get("count"), member),
            )
        )
    return tuple(result)


def _count(value: object, member: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 20:
        return int(value)
    raise MalformedFileError(member, f"{member} has a count that is not a whole number: {value!r}.")


def _account_id(value: object, member: str) -> int:
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 20:
        number = int(value)
        if number <= U64_MAX:
            return number
    raise BadIdError(member, f"{member} gives the owner an account id that is not a number: {value!r}.")


def _text(value: object, field: str, member: str) -> str:
    if not isinstance(value, str):
        raise MalformedFileError(member, f"{member} has a {field} that is not text: {value!r}.")
    return value
