"""Suggestions from the archive owner's own profile.js, end to end: a real archive ingested (zip,
upload form, browser upload) stores the addresses of its bio, tied to the import; a real worker
shows them to those who knew the owner; re-imports replace them, erasure removes them everywhere,
a claimed owner's bio speaks for nobody, and no profile.js ever makes an import fail.

The real archives with a profile.js (shared/fixtures/x-archive: smwhr-old-twitter, and
keithfrankish-twitter-data, which lacks its follower list) name no Bluesky or Mastodon account in
their bio: the tests that need one use smwhr's real archive with only that bio rewritten.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import orjson
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from archive.conftest import fixture_files, make_zip
from envol.archive.base import ArchiveOwner
from envol.archive.compact import encode_compact
from envol.archive.models import ArchiveImport
from envol.archive.parse import check_archive
from envol.archive.profile import OwnerProfile, parse_profile
from envol.archive.service import ingest
from envol.core.ids import Platform
from envol.core.pseudonym import pseudonymizer
from envol.core.worker import EmbeddedWorker
from envol.matching.materialise import refresh_everyone
from envol.matching.models import Candidate, Kind, Suggestion
from envol.privacy.erase import erase_person
from envol.registry.linking import ProvenIdentity, prove_account
from envol.registry.models import Person
from envol.registry.session import SESSION_KEY
from matching.world import C, person, upload

pytestmark = pytest.mark.django_db(transaction=True)

SMWHR = fixture_files("smwhr-old-twitter")
SMWHR_ID = 15823763  # the owner, as account.js and manifest.js say
REAL_BIO = parse_profile(SMWHR["profile.js"]).bio


def _smwhr(tmp_path: Path, bio: str | None, *, name: str = "smwhr.zip") -> Path:
    """smwhr's real archive; its profile.js with another bio (None: without profile.js)."""
    files = dict(SMWHR)
    if bio is None:
        del files["profile.js"]
    else:
        files["profile.js"] = files["profile.js"].replace(orjson.dumps(REAL_BIO), orjson.dumps(bio))
        assert parse_profile(files["profile.js"]).bio == bio
    return make_zip(tmp_path / name, files)


def _stored() -> set[tuple[str, str, int | None]]:
    return set(Suggestion.objects.values_list("network", "address", "archive_import_id"))


def _suggested_to(who: Person) -> set[str]:
    return set(Candidate.objects.filter(person=who, kind=Kind.SUGGESTION).values_list("address", flat=True))


def _wait_for(condition: Callable[[], bool], seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.fixture
def worker(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A real background worker; the lookups that follow a refresh meet closed loopback ports."""
    monkeypatch.setenv("ENVOL_ALLOW_PRIVATE_HOSTS", "1")
    monkeypatch.setenv("ENVOL_BRIDGY_URLS", "bsky.brid.gy=http://127.0.0.1:9,ap.brid.gy=http://127.0.0.1:9")
    monkeypatch.setenv("ENVOL_MASTODON_INSTANCE_URLS", "piaille.test=http://127.0.0.1:9")
    monkeypatch.setenv("ENVOL_BLUESKY_APPVIEW_URL", "http://127.0.0.1:9")
    running = EmbeddedWorker(interval=0.05)
    running.start()
    yield
    running.stop(timeout=10)


def test_a_verified_owners_bio_reaches_those_who_knew_them(tmp_path: Path, worker: None) -> None:
    alice = person(1)  # her archive says she follows smwhr
    upload(tmp_path, 1, followers=[], following=[SMWHR_ID])
    owner = person(SMWHR_ID)  # signed in with X: the archive is proven theirs
    result = ingest(_smwhr(tmp_path, "Parti. Mastodon : @smwhr@piaille.test — Bluesky : smwhr.bsky.social"))
    assert (result.person_id, result.owner_verified) == (owner.pk, True)
    assert _stored() == {("mastodon", "smwhr@piaille.test", result.import_id),
                         ("bluesky", "smwhr.bsky.social", result.import_id)}  # fmt: skip
    assert set(Suggestion.objects.values_list("x_key", flat=True)) == {pseudonymizer().key(SMWHR_ID)}
    # No repair needed: the import's own refresh brings them to Alice within seconds.
    assert _wait_for(lambda: _suggested_to(alice) == {"smwhr@piaille.test", "smwhr.bsky.social"})
    assert _suggested_to(owner) == set()  # nobody is suggested to themselves


LOGGED = "profile ignored: data/profile.js (malformed)"


@pytest.mark.parametrize("profile_js", ["real", "malformed", "absent"])
def test_the_import_succeeds_whatever_its_profile_js(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, profile_js: str
) -> None:
    files = dict(SMWHR)
    if profile_js == "malformed":
        files["profile.js"] = files["profile.js"][:-40]  # cut short: not JSON any more
    elif profile_js == "absent":
        del files["profile.js"]
    zipped = make_zip(tmp_path / "smwhr.zip", files)
    with caplog.at_level(logging.WARNING, logger="envol.archive"):
        result = ingest(zipped)
    record = ArchiveImport.objects.get()
    counts = check_archive(zipped).expected_counts  # the manifest's, which the lists match
    assert (record.pk, record.followers_count, record.following_count) == (
        result.import_id,
        counts["follower"],
        counts["following"],
    )
    assert not Suggestion.objects.exists()  # its real bio names no account elsewhere (an X @handle)
    assert (LOGGED in caplog.messages) == (profile_js == "malformed")


def test_a_new_import_replaces_the_suggestions_of_the_previous_one(tmp_path: Path, worker: None) -> None:
    alice = person(1)
    upload(tmp_path, 1, followers=[SMWHR_ID], following=[])
    person(SMWHR_ID)
    first = ingest(_smwhr(tmp_path, "@smwhr@piaille.test smwhr.bsky.social", name="1.zip"))
    assert _wait_for(lambda: _suggested_to(alice) == {"smwhr@piaille.test", "smwhr.bsky.social"})
    second = ingest(_smwhr(tmp_path, "Now only at @smwhr@mastodon.test", name="2.zip"))
    assert _stored() == {("mastodon", "smwhr@mastodon.test", second.import_id)}
    assert not ArchiveImport.objects.filter(pk=first.import_id).exists()
    assert _wait_for(lambda: _suggested_to(alice) == {"smwhr@mastodon.test"})
    ingest(_smwhr(tmp_path, None, name="3.zip"))  # an archive without profile.js
    assert _stored() == set()
    assert _wait_for(lambda: _suggested_to(alice) == set())  # the deleted import's refresh


def test_erasure_removes_them_from_the_owner_and_from_others(tmp_path: Path, worker: None) -> None:
    alice = person(1)
    upload(tmp_path, 1, followers=[], following=[SMWHR_ID])
    owner = person(SMWHR_ID)
    ingest(_smwhr(tmp_path, "@smwhr@piaille.test smwhr.bsky.social"))
    assert _wait_for(lambda: len(_suggested_to(alice)) == 2)
    proof = erase_person(owner.pk)
    assert proof.rows["matching.Suggestion"] == 2
    assert not Suggestion.objects.exists()
    assert _wait_for(lambda: _suggested_to(alice) == set())


def test_a_claimed_owners_bio_is_shown_to_nobody_until_they_prove_their_x_account(tmp_path: Path) -> None:
    alice = person(1)
    upload(tmp_path, 1, followers=[], following=[SMWHR_ID])
    owner = person(SMWHR_ID, C)  # anyone could have uploaded this archive with any bio in it
    result = ingest(_smwhr(tmp_path, "@smwhr@piaille.test"))
    assert (result.person_id, result.owner_verified) == (owner.pk, False)
    assert _stored() == {("mastodon", "smwhr@piaille.test", result.import_id)}  # kept, with its import
    refresh_everyone(notify=False)
    assert _suggested_to(alice) == set()
    prove_account(ProvenIdentity(Platform.X, str(SMWHR_ID), "smwhr"), signed_in=None)
    assert ArchiveImport.objects.get(pk=result.import_id).owner_verified
    refresh_everyone(notify=False)  # the periodic repair (the verification refreshes only the owner)
    assert _suggested_to(alice) == {"smwhr@piaille.test"}


def _signed_in(client: Client, x_id: int) -> Person:
    who = person(x_id)
    session = client.session
    session[SESSION_KEY] = who.pk
    session.save()
    return who


def test_the_upload_form_and_the_browser_upload_store_them_too(client: Client, tmp_path: Path) -> None:
    owner = _signed_in(client, SMWHR_ID)
    zipped = _smwhr(tmp_path, "toot: @smwhr@piaille.test")
    response = client.post("/archive/", {"files": [SimpleUploadedFile("smwhr.zip", zipped.read_bytes())]})
    assert response.status_code == 200
    form = ArchiveImport.objects.get(person=owner).pk
    assert _stored() == {("mastodon", "smwhr@piaille.test", form)}
    # The browser sends the bio and website in its compact upload (tests/browser: from the page).
    body = encode_compact(
        ArchiveOwner(SMWHR_ID, "smwhr", "smwhr"),
        {"follower": np.array([3, 4], dtype=np.uint64)},
        profile=OwnerProfile("Bluesky only now", "https://bsky.app/profile/smwhr.bsky.social"),
    )
    response = client.post("/archive/browser/", body, content_type="application/octet-stream")
    assert response.status_code == 200, response.content
    browser = ArchiveImport.objects.get(person=owner)
    assert browser.pk != form
    assert _stored() == {("bluesky", "smwhr.bsky.social", browser.pk)}
