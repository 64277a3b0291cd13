"""Suggestions from an archive owner's own profile.js: the pure reader on real files, the stored
addresses (only those), and the rows others see, never mixed with verified ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from envol.archive.errors import MalformedFileError
from envol.archive.models import ArchiveImport
from envol.archive.profile import OwnerProfile, parse_profile
from envol.matching.materialise import refresh_everyone
from envol.matching.models import Candidate, Kind, Suggestion
from envol.matching.suggestions import addresses_in, store_from_profile
from matching.world import V, person, upload

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "x-archive"


@pytest.mark.parametrize("name", ["smwhr-old-twitter", "keithfrankish-twitter-data"])
def test_real_profiles_are_read(name: str) -> None:
    profile = parse_profile((FIXTURES / name / "data" / "profile.js").read_bytes())
    assert profile.bio
    assert profile.website.startswith(("https://t.co/", "http://t.co/"))
    assert addresses_in(profile.text) == []  # their bios name no Bluesky or Mastodon account


def test_odd_profiles() -> None:
    empty = b'window.YTD.profile.part0 = [ { "profile" : { } } ]'
    assert parse_profile(empty) == OwnerProfile("", "")
    with pytest.raises(MalformedFileError):
        parse_profile(b"window.YTD.account.part0 = [ ]")
    with pytest.raises(MalformedFileError):
        parse_profile(b"window.YTD.profile.part0 = [ {")


@pytest.mark.django_db
def test_profile_addresses_become_suggestions_for_those_who_knew_the_owner(tmp_path: Path) -> None:
    alice = person(1)
    bob = person(2, bsky=V)  # verified on Bluesky, says in his bio where he is on Mastodon
    bio = (
        b'window.YTD.profile.part0 = [{"profile": {"description": {"bio": "Journalist. '
        b'Mastodon: @bob@piaille.test \\ud83e\\udd8b bob.bsky.social", "website": "https://t.co/x"}}}]'
    )
    upload(tmp_path, 2, followers=[], following=[])
    bobs = ArchiveImport.objects.get(person=bob).pk
    assert store_from_profile(2, parse_profile(bio), bobs) == 2
    assert store_from_profile(2, parse_profile(bio), bobs) == 0  # stored once
    assert set(Suggestion.objects.values_list("network", "address", "source", "archive_import")) == {
        ("mastodon", "bob@piaille.test", "profile", bobs),
        ("bluesky", "bob.bsky.social", "profile", bobs),
    }
    upload(tmp_path, 1, followers=[], following=[2])
    refresh_everyone(notify=False)
    rows = set(Candidate.objects.filter(person=alice).values_list("network", "kind", "address"))
    # Bob's Bluesky is verified: the verified row, no Bluesky suggestion; Mastodon only as a suggestion.
    bob = Candidate.objects.get(network="bluesky").target_person_id
    assert rows == {
        ("bluesky", Kind.VERIFIED, f"did:plc:p{bob}"),
        ("mastodon", Kind.SUGGESTION, "bob@piaille.test"),
    }
