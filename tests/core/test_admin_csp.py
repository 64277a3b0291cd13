"""Django's admin under the strict policy: a change list without action bars carries one constant
inline <style> block (Django's template), which the admin's responses allow by its hash and nothing
else; Envol's own pages keep the base policy."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import Client

from envol.privacy.models import ErasureProof

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client: Client) -> Client:
    User.objects.create_superuser("op", "op@example.test", "a-long-password-1")
    client.login(username="op", password="a-long-password-1")
    return client


@pytest.fixture
def no_action_bars(monkeypatch: pytest.MonkeyPatch) -> str:
    """A change list whose ModelAdmin shows no action bar: Django's template then adds its <style>."""
    model_admin = admin.site.get_model_admin(ErasureProof)
    monkeypatch.setattr(model_admin, "actions_on_top", False)
    monkeypatch.setattr(model_admin, "actions_on_bottom", False)
    return "/admin/privacy/erasureproof/"


def _style_src(response: object) -> list[str]:
    policy = response["Content-Security-Policy"]  # type: ignore[index]
    (directive,) = [d.strip() for d in policy.split(";") if d.strip().startswith("style-src ")]
    return directive.split()[1:]


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_the_change_list_style_block_is_allowed_by_its_hash_only(
    operator: Client, no_action_bars: str
) -> None:
    response = operator.get(no_action_bars)
    assert response.status_code == 200
    blocks = re.findall(r"<style\b[^>]*>(.*?)</style>", response.content.decode(), re.S)
    assert blocks, "Django's change list without action bars carries its inline <style>"
    allowed = _style_src(response)
    assert allowed[0] == "'self'"
    assert all(_sha256(body) in allowed for body in blocks)
    assert all(source.startswith("'sha256-") for source in allowed[1:])
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "nonce" not in response["Content-Security-Policy"]


def test_envol_s_own_pages_keep_the_base_policy(operator: Client) -> None:
    for path in ("/", "/privacy/", "/sign-in/"):
        assert _style_src(operator.get(path)) == ["'self'"]
