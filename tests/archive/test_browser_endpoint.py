"""The endpoint the in-browser reader posts to: same storage as the other uploads, nothing trusted."""

from __future__ import annotations

import os
from unittest import mock

import numpy as np
import pytest
from django.test import Client

from envol.archive.base import ArchiveOwner
from envol.archive.compact import encode_compact
from envol.archive.models import ArchiveImport, Source
from envol.archive.parse import open_archive
from envol.archive.service import ingest
from envol.archive.synthetic import write_synthetic_archive
from envol.core.ids import Platform
from envol.graph.models import Direction, Edge
from envol.registry.models import Account, Person, Verification
from envol.registry.session import SESSION_KEY

pytestmark = pytest.mark.django_db(transaction=True)
URL = "/archive/browser/"


def _signed_in(client: Client, *, x_id: int | None = None) -> Person:
    person = Person.objects.create(findable_by="everyone")
    if x_id is not None:
        Account.objects.create(person=person, platform=Platform.X, stable_id=str(x_id), handle="me",
                               verification=Verification.VERIFIED)  # fmt: skip
    session = client.session
    session[SESSION_KEY] = person.pk
    session.save()
    return person


def _post(client: Client, body: bytes, language: str = "en") -> tuple[int, dict[str, object]]:
    response = client.post(URL, body, content_type="application/octet-stream",
                           headers={"accept-language": language})  # fmt: skip
    return response.status_code, response.json()


def _ids(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.uint64)


def test_stores_the_same_rows_as_the_server_path(client: Client, tmp_path) -> None:
    archive = write_synthetic_archive(tmp_path / "a.zip", owner_id=4242, handle="me", followers=900,
                                      following=40, seed=5)  # fmt: skip
    server = ingest(archive.path)
    server_edges = set(
        Edge.objects.filter(archive_import_id=server.import_id).values_list("direction", "x_key")
    )
    Person.objects.all().delete()  # the claimed owner and their import

    person = _signed_in(client, x_id=4242)
    with open_archive(archive.path) as opened:
        lists = {d: np.concatenate(list(opened.iter_ids(d))) for d in ("follower", "following")}
    status, answer = _post(client, encode_compact(ArchiveOwner(4242, "me", "Me"), lists))
    assert status == 200
    assert answer["ok"] is True
    assert (answer["followers"], answer["following"], answer["owner_verified"]) == (900, 40, True)
    assert answer["message"] == "Done: 900 followers and 40 accounts you follow were shared."
    record = ArchiveImport.objects.get(person=person)
    assert (record.source, record.owner_x_id, record.owner_verified) == (Source.BROWSER, "4242", True)
    assert set(Edge.objects.filter(archive_import=record).values_list("direction", "x_key")) == server_edges


def test_repeated_ids_are_stored_once(client: Client) -> None:
    _signed_in(client, x_id=7)
    status, answer = _post(client, encode_compact(ArchiveOwner(7, "me", ""), {"follower": _ids(3, 3, 9)}))
    assert (status, answer["followers"]) == (200, 2)
    assert Edge.objects.filter(direction=Direction.FOLLOWER).count() == 2


def test_an_archive_of_someone_else_is_refused_in_french(client: Client) -> None:
    _signed_in(client, x_id=1)
    status, answer = _post(client, encode_compact(ArchiveOwner(2, "other", ""), {"follower": _ids(5)}), "fr")
    assert status == 400
    assert answer["code"] == "not_your_archive"
    assert "appartient à un autre compte X" in str(answer["message"])
    assert not ArchiveImport.objects.exists()


def test_loose_lists_without_owner_are_the_claim_of_a_verified_person(client: Client) -> None:
    _signed_in(client, x_id=11)
    status, answer = _post(client, encode_compact(None, {"following": _ids(1, 2)}))
    assert status == 200
    assert answer["owner_verified"] is False
    assert "Sign in with X to confirm" in str(answer["message"])
    assert ArchiveImport.objects.get().owner_x_id == "11"


def test_damage_leaves_nothing_stored(client: Client) -> None:
    person = _signed_in(client, x_id=4242)
    ArchiveImport.objects.create(person=person, owner_x_id="4242", owner_verified=True, source=Source.UPLOAD)
    body = encode_compact(ArchiveOwner(4242, "me", ""), {"follower": _ids(*range(1000))})
    status, answer = _post(client, body[:-20], "fr")
    assert status == 400
    assert answer["code"] == "bad_upload"
    assert "abîmés" in str(answer["message"])
    assert ArchiveImport.objects.get().source == Source.UPLOAD  # the previous import is untouched


@mock.patch.dict(os.environ, {"ENVOL_BROWSER_UPLOAD_MAX_BYTES": "100"})
def test_an_upload_over_the_size_limit_is_refused(client: Client) -> None:
    _signed_in(client, x_id=4242)
    body = encode_compact(ArchiveOwner(4242, "me", ""), {"follower": _ids(*range(0, 10**9, 10**4))})
    status, answer = _post(client, body)
    assert (status, answer["code"]) == (413, "upload_too_large")


@mock.patch.dict(os.environ, {"ENVOL_BROWSER_UPLOAD_MAX_IDS": "10"})
def test_an_upload_over_the_id_limit_is_refused(client: Client) -> None:
    _signed_in(client, x_id=4242)
    status, answer = _post(
        client, encode_compact(ArchiveOwner(4242, "me", ""), {"follower": _ids(*range(11))})
    )
    assert (status, answer["code"]) == (413, "upload_too_large")


def test_signed_out_visitors_and_other_content_types_are_refused(client: Client) -> None:
    status, answer = _post(client, b"")
    assert (status, answer["code"]) == (403, "signed_out")
    _signed_in(client)
    response = client.post(URL, {"files": []})
    assert response.status_code == 400
    assert client.get(URL).status_code == 405


def test_the_upload_page_hands_the_reader_its_strings_and_the_proven_x_id(client: Client) -> None:
    _signed_in(client, x_id=4242)
    html = client.get("/archive/", headers={"accept-language": "fr"}).content.decode()
    assert 'data-verified-x-id="4242"' in html
    assert 'id="archive-strings"' in html
    assert "Lecture de votre archive sur cet appareil" in html
    assert "archive/extract-worker.js" in html
    assert 'id="server-upload"' in html  # the form still works without JavaScript
