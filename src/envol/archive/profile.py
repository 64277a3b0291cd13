"""Interpret ``data/profile.js`` (the archive owner's own profile): the bio and the website.

Pure, in the style of manifest.py: bytes (or a reader) in, typed values out. Matching reads Bluesky
and Mastodon addresses out of these two texts (an unverified suggestion of where the owner went);
nothing else of the profile is kept. The website is usually a t.co link, which says nothing without X's help.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from envol.archive.base import ByteReader
from envol.archive.errors import MalformedFileError
from envol.archive.jsfile import BOM, parse_prefix

MAX_PROFILE_BYTES = 1 << 20  # a real profile.js is well under 1 KiB
# X allows 160 characters of bio and a 100-character website; anything far longer is not X's.
MAX_TEXT_CHARS = 4096


@dataclass(frozen=True)
class OwnerProfile:
    bio: str
    website: str

    @property
    def text(self) -> str:
        """What matching searches for addresses."""
        return f"{self.bio}\n{self.website}".strip()


def read_profile(reader: ByteReader, member: str = "data/profile.js") -> OwnerProfile:
    """Parse the file ``reader`` gives, reading at most one byte past the limit."""
    return parse_profile(reader.read(MAX_PROFILE_BYTES + 1), member)


def parse_profile(data: bytes, member: str = "data/profile.js") -> OwnerProfile:
    """Bio and website of ``window.YTD.profile.part0 = [{"profile": {"description": {…}}}]``."""
    if len(data) > MAX_PROFILE_BYTES:
        raise MalformedFileError(
            member, f"{member} is larger than {MAX_PROFILE_BYTES:,} bytes, unlike a real one."
        )
    data = data.removeprefix(BOM)
    prefix = parse_prefix(data, member)
    if prefix.data_type != "profile":
        raise MalformedFileError(
            member, f"{member} should start with window.YTD.profile, not {prefix.global_name}."
        )
    try:
        doc = orjson.loads(data[prefix.end :].rstrip(b" \t\r\n\f\v;"))
    except orjson.JSONDecodeError as exc:
        raise MalformedFileError(member, f"{member} is not valid JSON after its prefix ({exc}).") from exc
    entry = doc[0] if isinstance(doc, list) and doc else None
    profile = entry.get("profile") if isinstance(entry, dict) else None
    description = profile.get("description") if isinstance(profile, dict) else None
    if not isinstance(description, dict):
        return OwnerProfile("", "")  # X omits the description of an empty profile
    bio, website = description.get("bio"), description.get("website")
    profile = OwnerProfile(bio if isinstance(bio, str) else "", website if isinstance(website, str) else "")
    if max(len(profile.bio), len(profile.website)) > MAX_TEXT_CHARS:
        raise MalformedFileError(
            member, f"{member} holds a bio or website longer than {MAX_TEXT_CHARS:,} characters."
        )
    return profile
