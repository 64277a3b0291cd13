"""`envol rotate-keys`: every stored secret ends up under the first key, and the old key can go."""

from __future__ import annotations

from dataclasses import replace

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.db import connection
from django.test import override_settings

from envol.cli.main import main
from envol.core.crypto import TokenKeyError, decrypt_token
from envol.core.ids import Platform
from envol.registry.models import Account, MastodonApp, Person, Verification

pytestmark = pytest.mark.django_db

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def _raw(sql: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [row[0] for row in cursor.fetchall()]


def _keys(*keys: str) -> override_settings:
    """Settings whose ENVOL_TOKEN_KEYS are `keys` (the first encrypts, all decrypt)."""
    return override_settings(KEYS=replace(settings.KEYS, token_keys=keys))


def test_rotate_keys_re_encrypts_every_token_and_secret(capsys: pytest.CaptureFixture[str]) -> None:
    with _keys(OLD):
        app = MastodonApp.objects.create(
            domain="m.test",
            base_url="https://m.test",
            client_id="c",
            client_secret="app-secret",
            scopes="read",
            redirect_uri="https://e/cb",
        )
        person = Person.objects.create(findable_by="everyone")
        for n in range(3):
            Account.objects.create(
                person=person,
                platform=Platform.MASTODON,
                stable_id=f"https://m.test/users/{n}",
                verification=Verification.VERIFIED,
                access_token=f"token-{n}",
                mastodon_app=app,
            )
        Account.objects.create(person=person, platform=Platform.X, stable_id="42", verification="verified")
    with _keys(NEW, OLD):
        assert main(["rotate-keys"]) == 0
    out = capsys.readouterr().out
    assert "registry.Account: 3 re-encrypted" in out
    assert "registry.MastodonApp: 1 re-encrypted" in out
    assert "Total: 4 values" in out
    with _keys(NEW):  # the old key is gone: everything still opens
        tokens = _raw("SELECT access_token FROM registry_account WHERE access_token IS NOT NULL ORDER BY id")
        assert [decrypt_token(t) for t in tokens] == ["token-0", "token-1", "token-2"]
        assert MastodonApp.objects.get().client_secret == "app-secret"
    with _keys(OLD), pytest.raises(TokenKeyError):
        decrypt_token(tokens[0])


def test_a_value_no_key_opens_changes_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    with _keys(OLD):
        person = Person.objects.create(findable_by="everyone")
        Account.objects.create(
            person=person,
            platform=Platform.MASTODON,
            stable_id="https://m.test/users/1",
            verification=Verification.VERIFIED,
            access_token="token-1",
        )
    before = _raw("SELECT access_token FROM registry_account")
    with _keys(NEW):  # OLD was dropped too early
        assert main(["rotate-keys"]) == 1
    assert "nothing was changed" in capsys.readouterr().err
    assert _raw("SELECT access_token FROM registry_account") == before
