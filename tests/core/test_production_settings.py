"""Production refuses to start without its keys; development generates them once, outside the DB."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

GOOD = {
    "ENVOL_SECRET_KEY": "s3cr3t-Key_" * 5,
    "ENVOL_TOKEN_KEYS": "0NqKz3n6yJtVv7m2bS9xQyVw8hZc3Jk1r5uT4eP6aWo=",
    "ENVOL_PSEUDONYM_KEY": "ab" * 32,
}


def _load_settings(env: dict[str, str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ENVOL_") and k != "DATABASE_URL"}
    clean.update(env, ENVOL_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="envol.core.settings")
    code = "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY[:4])"
    return subprocess.run(
        [sys.executable, "-c", code], env=clean, capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize("missing", sorted(GOOD))
def test_production_refuses_to_start_without_a_key(tmp_path: Path, missing: str) -> None:
    env = {**GOOD, "ENVOL_ENV": "production"}
    del env[missing]
    result = _load_settings(env, tmp_path)
    assert result.returncode != 0
    assert f"Refusing to start in production without {missing}" in result.stderr
    assert not (tmp_path / "dev-secrets.json").exists()


def test_production_refuses_a_default_django_key(tmp_path: Path) -> None:
    env = {**GOOD, "ENVOL_ENV": "production", "ENVOL_SECRET_KEY": "django-insecure-" + "x" * 40}
    result = _load_settings(env, tmp_path)
    assert result.returncode != 0
    assert "default secret key" in result.stderr


@pytest.mark.parametrize("key", ["short", "x" * 80, "abab" * 20, "s3cr3t-Key_" * 4])
def test_production_refuses_a_weak_secret_key(tmp_path: Path, key: str) -> None:
    result = _load_settings({**GOOD, "ENVOL_ENV": "production", "ENVOL_SECRET_KEY": key}, tmp_path)
    assert result.returncode != 0
    assert "Refusing to start in production with a weak ENVOL_SECRET_KEY" in result.stderr


@pytest.mark.parametrize("keys", ["not-a-fernet-key", GOOD["ENVOL_TOKEN_KEYS"] + ",c2hvcnQ="])
def test_production_refuses_a_malformed_token_key(tmp_path: Path, keys: str) -> None:
    result = _load_settings({**GOOD, "ENVOL_ENV": "production", "ENVOL_TOKEN_KEYS": keys}, tmp_path)
    assert result.returncode != 0
    assert "of ENVOL_TOKEN_KEYS is not a Fernet key" in result.stderr


def test_production_starts_with_all_keys(tmp_path: Path) -> None:
    result = _load_settings({**GOOD, "ENVOL_ENV": "production"}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "s3cr"


def test_production_refuses_to_start_with_the_sandbox_on(tmp_path: Path) -> None:
    result = _load_settings({**GOOD, "ENVOL_ENV": "production", "ENVOL_SANDBOX": "on"}, tmp_path)
    assert result.returncode != 0
    assert "Refusing to start in production with ENVOL_SANDBOX=on" in result.stderr
    # `auto`, the default, is simply off in production.
    assert (
        _load_settings({**GOOD, "ENVOL_ENV": "production", "ENVOL_SANDBOX": "auto"}, tmp_path).returncode == 0
    )


def test_development_generates_keys_once_with_private_permissions(tmp_path: Path) -> None:
    first = _load_settings({}, tmp_path)
    second = _load_settings({}, tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout  # the same key both times: sessions and pseudonyms stay stable
    secrets_file = tmp_path / "dev-secrets.json"
    assert secrets_file.stat().st_mode & 0o777 == 0o600
    assert len(bytes.fromhex(json.loads(secrets_file.read_text())["ENVOL_PSEUDONYM_KEY"])) == 32


def test_short_pseudonym_key_is_refused(tmp_path: Path) -> None:
    result = _load_settings({**GOOD, "ENVOL_ENV": "production", "ENVOL_PSEUDONYM_KEY": "abcd"}, tmp_path)
    assert result.returncode != 0
    assert "at least 32 hex digits" in result.stderr
