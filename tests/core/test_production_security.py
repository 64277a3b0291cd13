"""Production settings, loaded for real in a child process (settings are read once per process):
Django's deploy checks pass with one justified silence, plain HTTP is redirected except /healthz,
HTTPS answers carry HSTS, and cookies are Secure, HttpOnly and SameSite=Lax."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.core.management import call_command
call_command("migrate", verbosity=0)  # a fresh SQLite file in the temporary data folder
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
client = Client(HTTP_HOST="envol.example")
plain = client.get("/faq/")
healthz = client.get("/healthz")
secure = client.get("/faq/", headers={"x-forwarded-proto": "https"})
https = {"x-forwarded-proto": "https"}
sandbox = [client.get(p, headers=https).status_code for p in ("/sandbox/", "/sandbox/sample-archive.zip")]
sandbox += [client.post(p, headers=https).status_code for p in ("/sandbox/start/", "/sandbox/link/bluesky/")]
sandbox_offered = b"/sandbox/" in client.get("/sign-in/", headers=https).content
cookies = {
    name: {key: str(value) for key, value in morsel.items() if value}
    for name, morsel in secure.cookies.items()
}
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location")],
    "healthz": healthz.status_code,
    "secure": [secure.status_code, secure.get("Strict-Transport-Security")],
    "cookies": cookies,
    "sandbox": [sandbox, sandbox_offered],
    "session": [
        settings.SESSION_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY, settings.SESSION_COOKIE_SAMESITE
    ],
}))
"""


def _production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("ENVOL_", "DJANGO_")) and k != "DATABASE_URL"
    }
    return clean | {
        "DJANGO_SETTINGS_MODULE": "envol.core.settings",
        "ENVOL_ENV": "production",
        "ENVOL_DATA_DIR": str(tmp_path),
        "ENVOL_ALLOWED_HOSTS": "envol.example",
        "ENVOL_SECRET_KEY": secrets.token_urlsafe(50),
        "ENVOL_TOKEN_KEYS": Fernet.generate_key().decode(),
        "ENVOL_PSEUDONYM_KEY": secrets.token_hex(32),
        "ENVOL_EMAIL_URL": "smtp://mail.envol.example:587",  # the console mailer fails the deploy checks
        **extra,
    }


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, check=False, timeout=120
    )


def test_django_deploy_checks_pass_in_production(tmp_path: Path) -> None:
    result = _run(["-m", "django", "check", "--deploy", "--fail-level", "WARNING"], _production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    # The one silenced check: HSTS preload, which only the owner of the whole domain may decide.
    assert "System check identified no issues (1 silenced)." in result.stdout


def test_deploy_checks_would_catch_a_missing_hsts(tmp_path: Path) -> None:
    """The check above is not vacuous: with HSTS off, Django's deploy checks object."""
    env = _production_env(tmp_path, ENVOL_HSTS_SECONDS="0")
    result = _run(["-m", "django", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode != 0
    assert "security.W004" in result.stdout + result.stderr


def test_production_redirects_plain_http_sends_hsts_and_secures_cookies(tmp_path: Path) -> None:
    result = _run(["-c", PROBE], _production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["plain"] == [301, "https://envol.example/faq/"]
    assert seen["healthz"] != 301  # load balancers call it on the private side, over plain HTTP
    assert seen["secure"] == [200, "max-age=31536000; includeSubDomains"]
    csrf = seen["cookies"]["csrftoken"]  # the language form on every page sets it
    assert csrf["secure"]
    assert csrf["httponly"]
    assert csrf["samesite"] == "Lax"
    assert seen["session"] == [True, True, "Lax"]
    # The sandbox (decision 0024) does not exist in production: its pages are 404 and nothing
    # points to it, with the default ENVOL_SANDBOX=auto.
    assert seen["sandbox"] == [[404, 404, 404, 404], False]
