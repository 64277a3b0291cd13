"""The server-side upload page: streamed to temporary files, ingested, errors in both languages."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from envol.archive.models import ArchiveImport, Source
from envol.archive.synthetic import write_synthetic_archive
from envol.core.ids import Platform
from envol.graph.models import Edge
from envol.registry.models import Account, Person, Verification
from envol.registry.session import SESSION_KEY

from .conftest import FIXTURES_DIR

pytestmark = pytest.mark.django_db(transaction=True)


def _signed_in(client: Client, *, x_id: int | None = None) -> Person:
    person = Person.objects.create(findable_by="everyone")
    if x_id is not None:
        Account.objects.create(person=person, platform=Platform.X, stable_id=str(x_id), handle="me",
                               verification=Verification.VERIFIED)  # fmt: skip
    session = client.session
    session[SESSION_KEY] = person.pk
    session.save()
    return person


def _upload(path: Path, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes())


def _leftover_uploads() -> list[Path]:
    return list(Path(settings.FILE_UPLOAD_TEMP_DIR).iterdir())


def test_anonymous_visitors_are_sent_to_sign_in(client: Client) -> None:
    response = client.get("/archive/")
    assert response.status_code == 302
    assert response["Location"] == "/sign-in/?next=/archive/"


def test_upload_of_an_archive_zip(client: Client, tmp_path: Path) -> None:
    person = _signed_in(client, x_id=4242)
    archive = write_synthetic_archive(
        tmp_path / "twitter-2026.zip", owner_id=4242, handle="me", followers=1500, following=12
    )
    before = _leftover_uploads()
    response = client.post("/archive/", {"files": [_upload(archive.path)]}, headers={"accept-language": "en"})
    assert response.status_code == 200
    assert "Done: 1,500 followers and 12 accounts you follow were shared." in response.content.decode()
    record = ArchiveImport.objects.get(person=person)
    assert (record.source, record.owner_verified, record.followers_count) == (Source.UPLOAD, True, 1500)
    assert Edge.objects.count() == 1512
    assert _leftover_uploads() == before  # the temporary file did not outlive the request


def test_upload_of_loose_js_files_with_any_names(client: Client, tmp_path: Path) -> None:
    fixture = FIXTURES_DIR / "larsbrinkhoff-twitter-data" / "data"
    _signed_in(client)
    files = [_upload(fixture / "follower.js", "follower (1).js"), _upload(fixture / "following.js"),
             _upload(fixture / "account.js")]  # fmt: skip
    response = client.post("/archive/", {"files": files})
    assert response.status_code == 200
    record = ArchiveImport.objects.get()
    assert (record.followers_count, record.following_count, record.owner_verified) == (764, 79, False)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "is not a zip archive nor an X data file"),
        ("fr", "n’est ni une archive zip ni un fichier de données X"),
    ],
)
def test_not_a_zip_is_explained_in_both_languages(client: Client, language: str, text: str) -> None:
    _signed_in(client)
    response = client.post("/archive/", {"files": [SimpleUploadedFile("photo.zip", b"\x89PNG not a zip")]},
                           headers={"accept-language": language})  # fmt: skip
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert text in html
    assert "photo.zip" in html
    assert not ArchiveImport.objects.exists()


def test_archive_of_someone_else_is_refused(client: Client, tmp_path: Path) -> None:
    _signed_in(client, x_id=1)
    archive = write_synthetic_archive(tmp_path / "a.zip", owner_id=2, handle="other", followers=5)
    response = client.post("/archive/", {"files": [_upload(archive.path)]}, headers={"accept-language": "fr"})
    assert response.status_code == 400
    assert "appartient à un autre compte X" in response.content.decode()
    assert not Edge.objects.exists()


def test_posting_nothing_asks_for_a_file(client: Client) -> None:
    _signed_in(client)
    response = client.post("/archive/", {}, headers={"accept-language": "en"})
    assert response.status_code == 400
    assert "Choose your archive zip" in response.content.decode()
