"""Limits of the upload endpoints (#16 items 6, 7 and 11): a capped body size enforced before Django
reads it, ids in proportion to the bytes, a bounded number of uploads read at once, and one
person's simultaneous first uploads all answered without a half-written import."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import numpy as np
import pytest
from django.db import connection
from django.test import Client

from envol.archive import service, slots
from envol.archive.base import ArchiveOwner
from envol.archive.compact import MAGIC, encode_compact
from envol.archive.models import ArchiveImport
from envol.core.asgi import application
from envol.core.ids import Platform
from envol.graph.models import Edge
from envol.registry.models import Account, Person, Verification
from envol.registry.session import SESSION_KEY

pytestmark = pytest.mark.django_db(transaction=True)
OWNER = ArchiveOwner(4242, "me", "Me")


def _signed_in(client: Client) -> Person:
    person = Person.objects.create()
    Account.objects.create(person=person, platform=Platform.X, stable_id=str(OWNER.x_id), handle="me",
                           verification=Verification.VERIFIED)  # fmt: skip
    session = client.session
    session[SESSION_KEY] = person.pk
    session.save()
    return person


def _compact(count: int, seed: int = 1) -> bytes:
    ids = np.random.default_rng(seed).integers(1, 2**62, count, dtype=np.uint64)
    return encode_compact(OWNER, {"follower": ids, "following": ids[:10]})


def _asgi(path: str, headers: list[tuple[bytes, bytes]], chunks: list[bytes]) -> tuple[int, bytes, int]:
    """Drive the service's ASGI application; (status, body, how many body messages it asked for)."""
    asked = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal asked
        asked += 1
        if asked > len(chunks):
            await asyncio.sleep(3600)  # a client still sending
        return {"type": "http.request", "body": chunks[asked - 1], "more_body": asked < len(chunks)}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
             "root_path": "", "headers": [(b"host", b"127.0.0.1"), *headers],
             "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000)}  # fmt: skip
    asyncio.run(asyncio.wait_for(application(scope, receive, send), 30))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], body, asked


def test_a_declared_length_over_the_cap_is_refused_before_the_body_is_read(monkeypatch) -> None:
    monkeypatch.setenv("ENVOL_UPLOAD_MAX_BYTES", "10000")
    status, body, asked = _asgi("/archive/", [(b"content-length", b"5000000000"),
                                              (b"accept-language", b"fr")], [b"x" * 100])  # fmt: skip
    assert status == 413
    assert asked == 0
    page = body.decode()
    assert "Cet envoi est trop volumineux" in page
    assert 'href="/archive/"' in page  # the next step


def test_a_body_without_length_is_cut_at_the_cap(monkeypatch) -> None:
    monkeypatch.setenv("ENVOL_UPLOAD_MAX_BYTES", "10000")
    chunks = [b"x" * 4000] * 50  # 200 KB, no Content-Length: chunked
    status, body, asked = _asgi("/archive/", [(b"content-type", b"multipart/form-data; boundary=x")], chunks)
    assert status == 413
    assert asked == 3  # stopped at the message that went over 10,000 bytes
    assert b"This upload is too large" in body


def test_the_browser_endpoint_answers_its_json_when_over_the_cap(monkeypatch) -> None:
    monkeypatch.setenv("ENVOL_BROWSER_UPLOAD_MAX_BYTES", "1000")
    status, body, asked = _asgi("/archive/browser/", [(b"content-length", b"2000")], [b"x" * 2000])
    assert (status, asked) == (413, 0)
    assert b'"code": "upload_too_large"' in body


def test_a_small_post_elsewhere_is_untouched() -> None:
    status, _, _ = _asgi("/healthz", [(b"content-length", b"2")], [b"{}"])
    assert status != 413


def test_the_form_refuses_a_declared_length_over_the_cap(client: Client, monkeypatch) -> None:
    monkeypatch.setenv("ENVOL_UPLOAD_MAX_BYTES", "10000")
    # Behind a WSGI server (or Django's test client) the view checks the length itself.
    _signed_in(client)
    response = client.post("/archive/", {"files": []}, headers={"content-length": "20000"})
    assert response.status_code == 413
    assert ArchiveImport.objects.count() == 0


def test_ids_out_of_proportion_to_the_upload_are_refused(client: Client) -> None:
    """243 KB declaring 250 M zero distances cost 2.4 GB and 20 s (#16 item 7)."""
    _signed_in(client)
    import struct
    import zlib

    import orjson

    header = orjson.dumps({"owner": {"id": "4242", "handle": "me", "name": "Me"},
                           "follower": {"count": 20_000_000, "expected": None, "files": []},
                           "following": {"count": 0, "expected": None, "files": []}})  # fmt: skip
    body = zlib.compress(MAGIC + struct.pack("<I", len(header)) + header + b"\x00" * 20_000_000, wbits=31)
    assert len(body) < 30_000
    response = client.post("/archive/browser/", body, content_type="application/octet-stream")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_upload"
    assert ArchiveImport.objects.count() == 0


def test_uploads_beyond_the_concurrency_bound_are_told_to_come_back(client: Client) -> None:
    _signed_in(client)
    with slots.reading_slot("a"), slots.reading_slot("b"):  # the default bound: two at once
        response = client.post("/archive/browser/", _compact(100), content_type="application/octet-stream",
                               headers={"accept-language": "en"})  # fmt: skip
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json()["code"] == "busy"
    assert "Try again in a minute" in response.json()["message"]
    assert ArchiveImport.objects.count() == 0
    again = client.post("/archive/browser/", _compact(100), content_type="application/octet-stream")
    assert again.status_code == 200


def test_simultaneous_first_uploads_of_one_person_all_succeed(client: Client, monkeypatch) -> None:
    """#16 item 11: four of five simultaneous first uploads failed with IntegrityError."""
    monkeypatch.setenv("ENVOL_UPLOAD_CONCURRENCY", "5")
    person = _signed_in(client)
    cookie = client.cookies
    uploads = [_compact(2000, seed) for seed in range(5)]
    barrier = threading.Barrier(5)
    read = service._read_lists

    def read_then_meet(*args: Any, **kwargs: Any) -> Any:
        keys = read(*args, **kwargs)
        barrier.wait(timeout=60)  # every upload enters its transaction at the same moment
        return keys

    monkeypatch.setattr(service, "_read_lists", read_then_meet)
    answers: list[int] = []

    def post(body: bytes) -> None:
        try:
            own = Client()
            own.cookies = cookie
            answers.append(
                own.post("/archive/browser/", body, content_type="application/octet-stream").status_code
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(body,)) for body in uploads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert answers == [200] * 5
    record = ArchiveImport.objects.get(person=person)
    assert Edge.objects.count() == Edge.objects.filter(archive_import=record).count() == 2010
