"""`core.rows.instance` builds from a written-out statement's row the instance the ORM would give:
the same values and types on each database (SQLite's dates, booleans and JSON come back as text
and integers until converted), and an instance that saves as usual."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.db import connection, models
from django.utils import timezone

from envol.core import rows
from envol.core.ids import Platform
from envol.matching.models import NotificationPreference
from envol.reconnect.models import AccountDrive
from envol.registry.models import Account, Person, Verification

pytestmark = pytest.mark.django_db


def _read(model: type[models.Model], pk: object, extra: str = "") -> tuple[object, ...]:
    q = connection.ops.quote_name
    table, pk_column = q(model._meta.db_table), q(model._meta.pk.column)
    sql = f"SELECT {rows.columns(model)}{extra} FROM {table} WHERE {pk_column} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])
        row = cursor.fetchone()
    assert row is not None
    return tuple(row)


def _values(instance: models.Model) -> dict[str, object]:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_an_instance_has_the_values_and_types_the_orm_gives() -> None:
    person = Person.objects.create(findable_chosen_at=timezone.now(), findable_notice=True)
    preference = NotificationPreference.objects.create(
        person=person, email="a@example.org", email_opt_in=True, last_review_at=timezone.now()
    )
    account = Account.objects.create(person=person, platform=Platform.BLUESKY, handle="a.test",
                                     verification=Verification.VERIFIED, stable_id="did:plc:a")  # fmt: skip
    drive = AccountDrive.objects.create(account=account, budget={"follow": {"left": 3}})
    for model, pk in ((Person, person.pk), (NotificationPreference, preference.pk), (AccountDrive, drive.pk)):
        built, fetched = rows.instance(model, _read(model, pk)), model.objects.get(pk=pk)
        assert _values(built) == _values(fetched)
        assert {k: type(v) for k, v in _values(built).items()} == {
            k: type(v) for k, v in _values(fetched).items()
        }
    built = rows.instance(Person, _read(Person, person.pk))
    assert isinstance(built.created_at, datetime)
    assert built.created_at.tzinfo is not None
    assert built.findable_notice is True
    assert rows.instance(AccountDrive, _read(AccountDrive, drive.pk)).budget == {"follow": {"left": 3}}


def test_values_after_the_model_columns_are_left_to_the_caller_and_the_instance_saves() -> None:
    person = Person.objects.create()
    row = _read(Person, person.pk, extra=", 42")
    built = rows.instance(Person, row)
    assert row[-1] == 42
    assert not hasattr(built, "envol_extra")
    assert built._state.adding is False  # an instance read from the database: save() updates it
    built.findable_notice = True
    built.save(update_fields=["findable_notice"])
    assert Person.objects.get(pk=person.pk).findable_notice is True
    assert Person.objects.count() == 1
