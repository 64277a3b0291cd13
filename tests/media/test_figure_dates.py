"""An outlet's figures carry their date in the reader's language, written as on /figures/ (issue #20,
item 10): day, month name, 24-hour time, never "12/06/2026 12:22 a.m."."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client

from envol.media.models import OutletFigure

from .conftest import published

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "written"), [("en", "6\u00a0Dec.\u00a02026, 00:22"), ("fr", "6\u00a0déc.\u00a02026, 00:22")]
)
def test_the_outlet_page_dates_its_figures_in_the_readers_language(
    client: Client, language: str, written: str
) -> None:
    outlet = published(client)
    at = datetime(2026, 12, 6, 0, 22, tzinfo=UTC)
    OutletFigure.objects.create(
        outlet=outlet, network="bluesky", followers_found=1, reconnected=0, computed_at=at
    )
    page = client.get(f"/media/{outlet.slug}/", headers={"accept-language": language}).content.decode()
    assert written in page
    assert "a.m." not in page
