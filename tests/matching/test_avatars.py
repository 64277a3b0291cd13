"""Avatars served from Envol's own origin (decision 0023): raster images only, typed by their bytes,
size-capped, erased with their account, pruned when nobody's list names them, and a policy that
forbids every third-party image."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from django.test import Client
from django.utils import timezone

from envol.core.ids import Platform
from envol.matching.models import Candidate, Kind, TargetProfile
from envol.matching.retention import prune_profiles
from envol.platforms.bluesky.appview import fetch_avatar
from envol.platforms.http import UnsafeHost
from envol.platforms.images import MAX_AVATAR_BYTES, raster_type
from envol.platforms.mastodon.accounts import fetch_image
from envol.privacy.erase import erase_person
from envol.registry.models import Account, Person, Verification
from envol.registry.session import SESSION_KEY

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 32
WEBP = b"RIFF\x24\0\0\0WEBPVP8 " + b"\0" * 32
GIF = b"GIF89a" + b"\0" * 32
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.mark.parametrize(
    ("data", "kind"),
    [(PNG, "image/png"), (JPEG, "image/jpeg"), (WEBP, "image/webp"), (GIF, "image/gif"), (SVG, None),
     (b"<html>", None), (b"", None), (b"RIFF\0\0\0\0WAVE", None), (b"\x89PNG", None)],
)  # fmt: skip
def test_the_type_is_read_from_the_bytes(data: bytes, kind: str | None) -> None:
    assert raster_type(data) == kind


class FakeHttp:
    """An HttpClient answering every GET with one response (or raising one error)."""

    def __init__(self, body: bytes = b"", status: int = 200, content_type: str = "image/png",
                 error: Exception | None = None) -> None:  # fmt: skip
        self.body, self.status, self.content_type, self.error = body, status, content_type, error
        self.asked: list[str] = []

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        self.asked.append(url)
        if self.error is not None:
            raise self.error
        request = httpx.Request(method, url)
        return httpx.Response(self.status, content=self.body, headers={"content-type": self.content_type},
                              request=request)  # fmt: skip


@pytest.mark.parametrize("fetch", [fetch_avatar, fetch_image], ids=["bluesky", "mastodon"])
def test_each_connector_keeps_raster_images_only_whatever_the_server_says(fetch: Any) -> None:
    url = "https://cdn.example/avatar"
    assert fetch(url, http=FakeHttp(PNG, content_type="text/plain")) == (PNG, "image/png")
    assert fetch(url, http=FakeHttp(JPEG, content_type="image/png")) == (JPEG, "image/jpeg")
    assert fetch(url, http=FakeHttp(SVG, content_type="image/png")) is None  # an SVG in disguise
    assert fetch(url, http=FakeHttp(SVG, content_type="image/svg+xml")) is None
    assert fetch(url, http=FakeHttp(PNG + b"\0" * MAX_AVATAR_BYTES)) is None  # too large
    assert fetch(url, http=FakeHttp(status=404)) is None
    assert fetch(url, http=FakeHttp(error=UnsafeHost("private address"))) is None  # the SSRF guard


pytestmark = pytest.mark.django_db


def _verified(person: Person, platform: Platform, stable_id: str) -> Account:
    return Account.objects.create(person=person, platform=platform, stable_id=stable_id, handle=stable_id,
                                  verification=Verification.VERIFIED)  # fmt: skip


@pytest.fixture
def bob_seen_by_alice() -> tuple[Person, Person, TargetProfile]:
    alice, bob = Person.objects.create(findable_by="everyone"), Person.objects.create(findable_by="everyone")
    _verified(alice, Platform.BLUESKY, "did:plc:alice")
    target = _verified(bob, Platform.BLUESKY, "did:plc:bob")
    Candidate.objects.create(person=alice, network="bluesky", address="did:plc:bob", kind=Kind.VERIFIED,
                             target_person=bob, target_account=target, handle="bob.test", followee=True,
                             first_seen_at=timezone.now())  # fmt: skip
    profile = TargetProfile.objects.create(
        account=target, network="bluesky", address="did:plc:bob", display_name="Bob", avatar=PNG,
        avatar_type="image/png",
    )  # fmt: skip
    return alice, bob, profile


def _sign_in(client: Client, who: Person) -> None:
    session = client.session
    session[SESSION_KEY] = who.pk
    session.save()


def test_the_page_shows_avatars_from_envol_and_the_policy_forbids_any_other(
    client: Client, bob_seen_by_alice: tuple[Person, Person, TargetProfile]
) -> None:
    alice, _bob, profile = bob_seen_by_alice
    _sign_in(client, alice)
    page = client.get("/people/")
    html = page.content.decode()
    assert f'<img src="/review/avatar/{profile.pk}/"' in html
    assert "https://" not in "".join(part.split('"')[1] for part in html.split("<img src=")[1:])
    policy = page["Content-Security-Policy"]
    assert "img-src 'self';" in policy
    image = client.get(f"/review/avatar/{profile.pk}/")
    assert (image["Content-Type"], image["X-Content-Type-Options"], image.content) == (
        "image/png",
        "nosniff",
        PNG,
    )


def test_a_stored_image_that_is_no_raster_is_never_served(
    client: Client, bob_seen_by_alice: tuple[Person, Person, TargetProfile]
) -> None:
    alice, _bob, profile = bob_seen_by_alice
    TargetProfile.objects.filter(pk=profile.pk).update(avatar=SVG, avatar_type="image/png")  # an older row
    _sign_in(client, alice)
    assert client.get(f"/review/avatar/{profile.pk}/").status_code == 404


def test_the_avatar_is_erased_with_the_person(
    bob_seen_by_alice: tuple[Person, Person, TargetProfile],
) -> None:
    _alice, bob, profile = bob_seen_by_alice
    erase_person(bob.pk)
    assert not TargetProfile.objects.filter(pk=profile.pk).exists()


def test_unlinking_the_account_takes_its_avatar(
    bob_seen_by_alice: tuple[Person, Person, TargetProfile],
) -> None:
    _alice, _bob, profile = bob_seen_by_alice
    Account.objects.filter(stable_id="did:plc:bob").delete()
    assert not TargetProfile.objects.filter(pk=profile.pk).exists()


def test_profiles_nobody_is_shown_are_pruned(bob_seen_by_alice: tuple[Person, Person, TargetProfile]) -> None:
    _alice, _bob, profile = bob_seen_by_alice
    assert prune_profiles(timezone.now()) == 0  # Alice's list names Bob
    Candidate.objects.all().delete()
    assert prune_profiles(timezone.now()) == 1
    assert not TargetProfile.objects.filter(pk=profile.pk).exists()
