"""The inventory covers every model and field; docs/privacy.md and the privacy page come from it."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import models
from django.test import Client
from django.test.utils import isolate_apps

from envol.privacy.document import block, rows
from envol.privacy.inventory import all_models, declared_fields, inventory_for, problems

REPO = Path(__file__).resolve().parents[2]


def test_every_model_and_field_has_a_privacy_inventory() -> None:
    assert problems() == [], "\n\n".join(problems())


@isolate_apps("privacy")
def test_a_new_model_without_inventory_fails_with_the_exact_fix() -> None:
    class Candidate(models.Model):
        handle = models.CharField(max_length=20)

        class Meta:
            app_label = "privacy"

        def __str__(self) -> str:
            return self.handle

    [message] = problems([Candidate])
    assert "privacy.Candidate (table privacy_candidate) has no privacy inventory" in message
    assert "PRIVACY = ModelInventory(" in message
    assert '("id", "handle",)' in message
    assert "envol privacy docs --write" in message


def test_docs_privacy_md_is_generated_from_the_inventory() -> None:
    text = (REPO / "docs" / "privacy.md").read_text()
    for language in ("en", "fr"):
        assert block(language) in text, "docs/privacy.md is stale: run `envol privacy docs --write`"


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "marker"), [("en", "legal basis"), ("fr", "base légale")])
def test_the_privacy_page_lists_every_field_in_both_languages(
    client: Client, language: str, marker: str
) -> None:
    html = client.get("/privacy/", headers={"accept-language": language}).content.decode()
    assert marker in html
    for model in all_models():
        assert inventory_for(model) is not None
        for name in declared_fields(model):
            assert f"<code>{name}</code>" in html, f"{model._meta.label}.{name} missing from the privacy page"
    assert len(rows()) >= len(all_models())
