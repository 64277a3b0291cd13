"""The progress block's pace sentences: "as fast as the network allows, it would be done by …" only
when the fastest pace would end sooner than the one chosen (the same moment twice says nothing)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string
from django.utils import translation

pytestmark = pytest.mark.django_db

GENTLE_END = datetime(2026, 12, 9, 18, 6, tzinfo=UTC)
FAST_END = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)


def _block(eta: datetime, eta_budget: datetime) -> str:
    row = SimpleNamespace(account_id=7, resumable=False, remaining=120, pace="gentle", daily_ceiling=400,
                          reachable=None, eta=eta, eta_budget=eta_budget)  # fmt: skip
    with translation.override("en"):
        html = render_to_string("reconnect/_pace.html", {"row": row, "phase": "running"})
    return re.sub(r"[ \t\n]+", " ", html)  # the template's line breaks; no-break spaces kept


def test_the_fastest_pace_is_mentioned_when_it_would_end_sooner() -> None:
    html = _block(GENTLE_END, FAST_END)
    assert "Envol follows at most 400 accounts a day" in html
    fast = "As fast as the network allows, it would be done by 7\u00a0December\u00a02026, 09:30 (UTC)."
    assert fast in html


def test_not_when_it_would_end_at_the_same_moment() -> None:
    html = _block(GENTLE_END, GENTLE_END)
    assert "Envol follows at most 400 accounts a day" in html
    assert "it would be done by" not in html
