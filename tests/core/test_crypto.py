"""Token encryption at rest: round trips, randomisation, key rotation, refusal of unknown keys."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from envol.core.crypto import TokenKeyError, decrypt_token, encrypt_token, rotate
from envol.core.fields import EncryptedTextField

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()
OTHER = Fernet.generate_key().decode()


def keys(*token_keys: str) -> override_settings:
    return override_settings(KEYS=dataclasses.replace(settings.KEYS, token_keys=token_keys))


@pytest.fixture(autouse=True)
def _new_key_only() -> Iterator[None]:
    with keys(NEW):
        yield


def test_round_trip_keeps_the_text_including_non_ascii() -> None:
    plain = "tok-Ünïcode-🔑-" + "x" * 500
    assert decrypt_token(encrypt_token(plain)) == plain
    assert decrypt_token(encrypt_token("")) == ""


def test_ciphertext_hides_the_plain_text_and_is_randomised() -> None:
    first, second = encrypt_token("secret-token"), encrypt_token("secret-token")
    assert "secret-token" not in first
    assert first != second
    assert first.isascii()


def test_ciphertext_is_made_with_the_first_key() -> None:
    stored = encrypt_token("abc")
    assert Fernet(NEW.encode()).decrypt(stored.encode()) == b"abc"


def test_old_key_second_still_decrypts_and_rotate_moves_to_the_new_key() -> None:
    with keys(OLD):
        old_stored = encrypt_token("legacy")
    with keys(NEW, OLD):
        assert decrypt_token(old_stored) == "legacy"
        rotated = rotate(old_stored)
        assert decrypt_token(rotated) == "legacy"
    # Once the old key is dropped, only the rotated value survives.
    with keys(NEW):
        assert decrypt_token(rotated) == "legacy"
        with pytest.raises(TokenKeyError):
            decrypt_token(old_stored)


def test_unknown_key_is_a_token_key_error() -> None:
    with keys(OTHER):
        stored = encrypt_token("abc")
    with pytest.raises(TokenKeyError):
        decrypt_token(stored)
    with pytest.raises(TokenKeyError):
        rotate(stored)


def test_tampered_or_garbage_values_are_token_key_errors() -> None:
    stored = encrypt_token("abc")
    tampered = stored[:-4] + ("AAAA" if stored[-4:] != "AAAA" else "BBBB")
    for bad in (tampered, "not a token", "é"):
        with pytest.raises(TokenKeyError):
            decrypt_token(bad)


def test_malformed_configured_key_is_a_configuration_error() -> None:
    with keys("too-short"), pytest.raises(ImproperlyConfigured) as excinfo:
        encrypt_token("abc")
    assert "too-short" not in str(excinfo.value)


def test_field_encrypts_on_the_way_in_and_decrypts_on_the_way_out() -> None:
    field = EncryptedTextField(null=True)
    stored = field.get_prep_value("access-token")
    assert isinstance(stored, str)
    assert "access-token" not in stored
    assert decrypt_token(stored) == "access-token"
    assert field.from_db_value(stored, None, None) == "access-token"  # type: ignore[arg-type]


def test_field_keeps_none_as_none() -> None:
    field = EncryptedTextField(null=True)
    assert field.get_prep_value(None) is None
    assert field.from_db_value(None, None, None) is None  # type: ignore[arg-type]


def test_field_refuses_values_under_an_unknown_key() -> None:
    with keys(OTHER):
        stored = encrypt_token("abc")
    with pytest.raises(TokenKeyError):
        EncryptedTextField().from_db_value(stored, None, None)  # type: ignore[arg-type]
