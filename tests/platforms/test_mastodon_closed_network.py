"""Closed networks (issue #18, item 5): an instance the operator mapped (ENVOL_MASTODON_INSTANCE_URLS)
is reached at its mapped address for every URL Envol derives for it, also the absolute ones the
server writes with its public name (NodeInfo's link, the Link headers of paged lists)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from envol.platforms.mastodon import InstanceMap, discover
from envol.platforms.mastodon.follows import MastodonFollows
from fakes.mastodon.fixtures import FakeMastodonFactory
from fakes.mastodon.realworld import PublicName


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5, follow_redirects=True) as client:
        yield client


def test_nodeinfo_of_a_mapped_instance_is_read_at_the_mapped_address(
    fake_mastodon: FakeMastodonFactory, http: httpx.Client
) -> None:
    m = fake_mastodon("closed.test", software="gotosocial", version="0.17.3", modes=[PublicName()])
    index = http.get(m.url("/.well-known/nodeinfo")).json()
    assert index["links"][0]["href"] == "https://closed.test/nodeinfo/2.0"  # as a real server writes it
    info = discover("closed.test", http, instances=InstanceMap({"closed.test": m.base_url}))
    assert (info.domain, info.base_url, info.software) == ("closed.test", m.base_url, "gotosocial")


def test_an_unmapped_domain_whose_nodeinfo_names_a_mapped_host_goes_to_the_mapped_address(
    fake_mastodon: FakeMastodonFactory, http: httpx.Client
) -> None:
    m = fake_mastodon("closed.test", modes=[PublicName()])
    # The operator mapped the server's own name; the person wrote it with its scheme and a path.
    info = discover("https://closed.test/@alice", http, instances=InstanceMap({"closed.test": m.base_url}))
    assert info.base_url == m.base_url


def test_paged_follows_of_a_mapped_instance_stay_at_its_address(
    fake_mastodon: FakeMastodonFactory, http: httpx.Client
) -> None:
    m = fake_mastodon("closed.test", modes=[PublicName()])
    m.add_account("alice")
    for n in range(90):  # more than one page of 80
        m.add_account(f"u{n}")
        m.seed_follow("alice", f"u{n}@closed.test")
    token = m.issue_token("alice", "read write")
    client = MastodonFollows(m.base_url, "closed.test", token, http)
    me = client.me()
    followed = list(client.following(me.id))
    assert len(followed) == 90
    pages = m.calls("GET", f"/api/v1/accounts/{me.id}/following")
    assert len(pages) == 2


@pytest.mark.parametrize(
    ("url", "routed"),
    [
        ("https://closed.test/nodeinfo/2.0", "http://10.0.0.7:8080/nodeinfo/2.0"),
        ("https://CLOSED.test/api/v1/x?max_id=5", "http://10.0.0.7:8080/api/v1/x?max_id=5"),
        ("https://closed.test", "http://10.0.0.7:8080"),
        ("https://open.test/nodeinfo/2.0", "https://open.test/nodeinfo/2.0"),  # not mapped
        ("http://closed.test/nodeinfo/2.0", "http://closed.test/nodeinfo/2.0"),  # not its public URL
        ("https://closed.test:8443/nodeinfo/2.0", "https://closed.test:8443/nodeinfo/2.0"),  # another port
        ("https://closed.test:bad/x", "https://closed.test:bad/x"),  # not a URL: left for the caller
    ],
)
def test_route_sends_only_the_mapped_domains_public_urls_to_the_mapped_address(url: str, routed: str) -> None:
    assert InstanceMap({"closed.test": "http://10.0.0.7:8080/"}).route(url) == routed
