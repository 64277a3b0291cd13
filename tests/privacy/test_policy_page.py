"""The privacy page: a plain summary with the real durations first, the full inventory behind a
disclosure (issue #20: it was a 13,000 px table on a phone, with rows like "registry.Person: id")."""

from __future__ import annotations

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "sentences"),
    [
        ("en", ["Your X lists are deleted 45 days after", "for 3 years", "everything 10 days later"]),
        (
            "fr",
            [
                "Vos listes X sont supprimées 45\u00a0jours après",
                "pendant 3\u00a0ans",
                "10\u00a0jours plus tard",
            ],
        ),
    ],
)
def test_the_summary_says_the_configured_durations_in_words(
    client: Client, monkeypatch: pytest.MonkeyPatch, language: str, sentences: list[str]
) -> None:
    monkeypatch.setenv("ENVOL_RETENTION_EDGES_DAYS", "45")
    monkeypatch.setenv("ENVOL_RETENTION_INACTIVE_DAYS", "1095")
    monkeypatch.setenv("ENVOL_RETENTION_GRACE_DAYS", "10")
    html = client.get("/privacy/", headers={"accept-language": language}).content.decode()
    for sentence in sentences:
        assert sentence in html, sentence


def test_the_inventory_is_behind_a_disclosure_and_technical_names_behind_another(client: Client) -> None:
    html = client.get("/privacy/", headers={"accept-language": "en"}).content.decode()
    summary_at = html.index('id="in-short"')
    inventory = re.search(r'<details class="inventory">(.*?)</details>\s*<p>', html, re.S)
    assert inventory is not None
    assert inventory.start() > summary_at
    assert "<table" not in html
    # A table's name and its columns appear only inside "Technical names".
    outside = html.replace(inventory.group(0), "")
    assert "registry.Person" not in outside
    assert '<details class="technical"><summary>Technical names</summary>' in inventory.group(1)
