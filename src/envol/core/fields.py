"""Model fields shared by every package."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.expressions import Expression

from envol.core.crypto import decrypt_token, encrypt_token


class EncryptedTextField(models.TextField[str | None, str | None]):
    """A text column holding a secret (platform token), encrypted with ``core.crypto`` at rest.

    Python code only ever sees the plain text; the database only ever sees ciphertext. Because each
    encryption is randomised, the column cannot be filtered or indexed on: look rows up by another
    field. ``None`` stays ``None`` (NULL), so "no token" is distinguishable without decrypting.
    """

    def from_db_value(
        self, value: str | None, expression: Expression | None, connection: BaseDatabaseWrapper
    ) -> str | None:
        if value is None:
            return None
        return decrypt_token(value)

    def get_prep_value(self, value: Any) -> Any:
        prepared = super().get_prep_value(value)
        if prepared is None:
            return None
        return encrypt_token(str(prepared))
