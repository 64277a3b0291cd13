"""`envol privacy check`: what an auditor would verify, read from the database's own schema.

Every table and column comes from introspection, not from a list of known columns, so a column a
later change adds is checked too:

- no clear X id of a person who is not registered: every integer value, and every run of digits in
  every text value, is pseudonymised with the service's key; a value whose pseudonym is one of the
  stored pseudonyms (any `x_key` column) *is* the X id of someone in an archive. It is a finding
  unless an X account of the registry has that id (registered people's own ids are kept in clear);
- every secret column (an encrypted field, or a column named like `…token` / `…secret`) holds only
  ciphertext that the configured keys open;
- no key (pseudonym key, token keys, the key derived from the pseudonym key) appears in any text;
- every model has a complete privacy inventory.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import connection
from numpy.typing import NDArray

from envol.core.crypto import TokenKeyError, decrypt_token
from envol.core.fields import EncryptedTextField
from envol.core.ids import Platform
from envol.core.pseudonym import pseudonymizer
from envol.privacy.inventory import all_models, problems
from envol.registry.models import Account

INTEGER_TYPES = {
    "AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField", "SmallIntegerField",
    "PositiveIntegerField", "PositiveBigIntegerField", "PositiveSmallIntegerField",
}  # fmt: skip
TEXT_TYPES = {"CharField", "TextField", "JSONField", "SlugField", "EmailField", "URLField"}
SECRET_NAME = re.compile(r"(token|secret)$")
DIGITS = re.compile(rb"(?<![0-9])[0-9]{1,20}(?![0-9])")
PSEUDONYM_COLUMN = "x_key"
FETCH = 10_000


@dataclass(frozen=True, slots=True)
class Column:
    table: str
    name: str
    kind: str  # Django's name for the column type


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str  # clear_x_id, secret_not_encrypted, key_in_database, inventory
    where: str
    detail: str

    def __str__(self) -> str:
        return f"[{self.kind}] {self.where}: {self.detail}"


@dataclass(frozen=True, slots=True)
class Report:
    findings: list[Finding]
    tables: int
    columns: int
    pseudonyms: int


def schema() -> list[Column]:
    """Every column of every table, as the database describes it."""
    columns = []
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            for row in connection.introspection.get_table_description(cursor, table):
                try:
                    kind = connection.introspection.get_field_type(row.type_code, row)
                except KeyError:
                    kind = "unknown"
                columns.append(Column(table, row.name, kind))
    return columns


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _values(column: Column) -> Iterator[object]:
    sql = f"SELECT DISTINCT {_q(column.name)} FROM {_q(column.table)} WHERE {_q(column.name)} IS NOT NULL"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        while rows := cursor.fetchmany(FETCH):
            for (value,) in rows:
                yield value


def _as_text(value: object) -> bytes:
    if isinstance(value, bytes | memoryview):
        return bytes(value)
    return value.encode() if isinstance(value, str) else str(value).encode()  # JSON on PostgreSQL: dicts


def _pseudonyms(columns: list[Column]) -> NDArray[np.int64]:
    found = [
        np.fromiter((int(v) for v in _values(c)), dtype=np.int64)  # type: ignore[call-overload]
        for c in columns
        if c.name == PSEUDONYM_COLUMN and c.kind in INTEGER_TYPES
    ]
    return np.unique(np.concatenate(found)) if found else np.empty(0, dtype=np.int64)


def _known_ids(candidates: set[int], pseudonyms: NDArray[np.int64]) -> set[int]:
    """The candidates whose pseudonym is stored: X ids of people in somebody's archive."""
    ids = np.array(sorted(i for i in candidates if 0 <= i < 1 << 64), dtype=np.uint64)
    if not len(ids) or not len(pseudonyms):
        return set()
    hits = np.isin(pseudonymizer().keys(ids), pseudonyms, assume_unique=False)
    return {int(i) for i in ids[hits]}


def _secret_columns(columns: list[Column]) -> set[tuple[str, str]]:
    encrypted = {
        (model._meta.db_table, field.column)
        for model in all_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField) and field.column
    }
    named = {(c.table, c.name) for c in columns if SECRET_NAME.search(c.name) and c.kind in TEXT_TYPES}
    return encrypted | named


def _keys_as_text() -> list[bytes]:
    keys = settings.KEYS
    derived = hmac.new(keys.pseudonym_key, b"envol x-key v1", hashlib.sha256).digest()[:16]
    texts = [keys.pseudonym_key.hex(), derived.hex(), *keys.token_keys]
    return [t.lower().encode() for t in texts if t]


def run_check() -> Report:
    columns = schema()
    pseudonyms = _pseudonyms(columns)
    registered = {
        int(x)
        for x in Account.objects.filter(platform=Platform.X).values_list("stable_id", flat=True)
        if x.isdigit()
    }
    secrets = _secret_columns(columns)
    keys = _keys_as_text()
    findings: list[Finding] = []
    for column in columns:
        where = f"{column.table}.{column.name}"
        if (column.table, column.name) in secrets:
            findings += _check_secrets(column, where)
        if column.kind in INTEGER_TYPES:
            candidates = {int(v) for v in _values(column) if isinstance(v, int)}
        elif column.kind in TEXT_TYPES:
            candidates = set()
            for value in _values(column):
                text = _as_text(value)
                lowered = text.lower()
                findings += [
                    Finding("key_in_database", where, "holds one of the service's keys")
                    for k in keys
                    if k in lowered
                ]
                candidates |= {int(d) for d in DIGITS.findall(text)}
        else:
            continue
        for x_id in sorted(_known_ids(candidates, pseudonyms) - registered):
            findings.append(
                Finding("clear_x_id", where, f"holds the clear X id {x_id} of someone who is not registered")
            )
    findings += [Finding("inventory", "models", problem.splitlines()[0]) for problem in problems()]
    findings = list(dict.fromkeys(findings))  # one line per place, however many values
    tables = len({c.table for c in columns})
    return Report(findings, tables, len(columns), len(pseudonyms))


def _check_secrets(column: Column, where: str) -> list[Finding]:
    found = []
    for value in _values(column):
        if value == "":
            continue
        try:
            decrypt_token(str(value))
        except TokenKeyError:
            found.append(
                Finding(
                    "secret_not_encrypted", where, "holds a value the token keys do not open (clear text?)"
                )
            )
            break
    return found
