"""The export as a person reads it on a page: the same content as the JSON file, with each column
named by its field's label, dates in the reader's format, yes and no, choices by their label, and
no internal keys (row ids, the person's own id). The JSON file keeps every value as stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.apps import apps
from django.db.models import BooleanField, DateField, DateTimeField, Field, ForeignKey, Model
from django.utils import formats
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from envol.core import moments
from envol.privacy.export_words import IDENTIFIERS, VALUE_WORDS
from envol.privacy.inventory import inventory_for
from envol.privacy.relations import person_graph

#: Rows shown per table on the page; the rest is counted and is in the JSON file.
SHOWN_ROWS = 50

#: What an operator did, as the audit log records it (privacy.audit.record_access).
AUDIT_ACTIONS = {
    "list": gettext_lazy("saw it in a list"),
    "view": gettext_lazy("opened it"),
    "change": gettext_lazy("changed it"),
    "delete": gettext_lazy("deleted it"),
    "history": gettext_lazy("read its history"),
}


@dataclass(frozen=True, slots=True)
class Value:
    label: str
    text: str
    identifier: bool = False  # shown as written, as code (an id is no number to group)


@dataclass(frozen=True, slots=True)
class Record:
    values: list[Value]  # in the model's field order


@dataclass(frozen=True, slots=True)
class Section:
    summary: str | Promise
    records: list[Record]
    more: int  # rows not shown on the page


#: Labels of the fields whose models name none (other packages' tables; the encrypted columns).
#: The model's own verbose name is used for every other field.
FIELD_LABELS: dict[str, dict[str, Any]] = {
    "registry.Account": {
        "access_token": gettext_lazy("access key"),
        "refresh_token": gettext_lazy("renewal key"),
        "dpop_key": gettext_lazy("proof-of-possession key"),
    },
    "graph.Edge": {"direction": gettext_lazy("direction")},
    "reconnect.ReconnectChoice": {
        "account": gettext_lazy("account"),
        "directions": gettext_lazy("whom to follow"),
        "mode": gettext_lazy("how"),
        "pace": gettext_lazy("pace"),
        "updated_at": gettext_lazy("changed on"),
    },
    "reconnect.FollowTask": {
        "network": gettext_lazy("network"),
        "target_id": gettext_lazy("account followed (stable id)"),
        "target_handle": gettext_lazy("account followed"),
        "followee": gettext_lazy("you followed them on X"),
        "follower": gettext_lazy("they followed you on X"),
        "state": gettext_lazy("state"),
        "reason": gettext_lazy("reason"),
        "rkey": gettext_lazy("record key on Bluesky"),
        "sent_at": gettext_lazy("sent on"),
        "remote_id": gettext_lazy("id on the network"),
        "followed_acct": gettext_lazy("address followed"),
        "undo_requested": gettext_lazy("removal asked"),
        "attempts": gettext_lazy("attempts"),
        "last_error": gettext_lazy("last error"),
        "created_at": gettext_lazy("planned on"),
        "updated_at": gettext_lazy("changed on"),
        "finished_at": gettext_lazy("finished on"),
        "check_at": gettext_lazy("next look on"),
        "checks": gettext_lazy("looks at the request so far"),
        "misses": gettext_lazy("lookups that found nothing, in a row"),
        "missed_since": gettext_lazy("not found since"),
    },
    "reconnect.BlockChoice": {
        "enabled": gettext_lazy("block and mute them on Bluesky and Mastodon"),
        "updated_at": gettext_lazy("changed on"),
    },
    "reconnect.BlockTask": {
        "network": gettext_lazy("network"),
        "target_id": gettext_lazy("account blocked or muted (stable id)"),
        "target_handle": gettext_lazy("account blocked or muted"),
        "action": gettext_lazy("block or mute"),
        "state": gettext_lazy("state"),
        "reason": gettext_lazy("reason"),
        "sent_at": gettext_lazy("sent on"),
        "undo_requested": gettext_lazy("removal asked"),
        "last_error": gettext_lazy("last error"),
        "created_at": gettext_lazy("planned on"),
        "updated_at": gettext_lazy("changed on"),
        "finished_at": gettext_lazy("finished on"),
    },
    "reconnect.AccountDrive": {
        "lease_holder": gettext_lazy("worker"),
        "lease_until": gettext_lazy("held until"),
        "next_run_at": gettext_lazy("next run"),
        "task_id": gettext_lazy("task"),
        "budget": gettext_lazy("rate-limit budget"),
        "follows_listed_at": gettext_lazy("follows read on"),
        "paused_reason": gettext_lazy("paused because"),
        "error_streak": gettext_lazy("errors in a row"),
        "last_error": gettext_lazy("last error"),
        "last_error_at": gettext_lazy("last error on"),
    },
    "reconnect.DriveRun": {
        "holder": gettext_lazy("worker"),
        "started_at": gettext_lazy("started on"),
        "ended_at": gettext_lazy("ended on"),
        "followed": gettext_lazy("follows made"),
        "requests": gettext_lazy("requests"),
        "outcome": gettext_lazy("outcome"),
    },
    "matching.Candidate": {
        "network": gettext_lazy("network"),
        "address": gettext_lazy("address"),
        "kind": gettext_lazy("kind"),
        "handle": gettext_lazy("handle"),
        "followee": gettext_lazy("you followed them on X"),
        "follower": gettext_lazy("they followed you on X"),
        "unavailable": gettext_lazy("unavailable"),
        "moved_to": gettext_lazy("moved to"),
        "unavailable_since": gettext_lazy("unavailable since"),
        "dismissed_at": gettext_lazy("set aside on"),
        "first_seen_at": gettext_lazy("found on"),
        "notified_at": gettext_lazy("told on"),
    },
    "matching.Suggestion": {
        "network": gettext_lazy("network"),
        "address": gettext_lazy("address"),
        "source": gettext_lazy("found in"),
        "created_at": gettext_lazy("found on"),
    },
    "matching.NotificationPreference": {
        "email": gettext_lazy("e-mail address"),
        "email_opt_in": gettext_lazy("e-mails wanted"),
        "language": gettext_lazy("language"),
        "last_review_at": gettext_lazy("last review"),
        "last_emailed_at": gettext_lazy("last e-mail"),
    },
}


def _field(model: type[Model], column: str) -> Field[Any, Any] | None:
    for field in model._meta.concrete_fields:
        if column in {field.name, field.attname}:
            return field
    return None


def _hidden(model: type[Model], field: Field[Any, Any] | None) -> bool:
    """Keys that mean nothing to a person: the row's id and links to other rows (the JSON file
    keeps them)."""
    if field is None:
        return False
    return bool(field.primary_key) or isinstance(field, ForeignKey)


def readable_value(field: Field[Any, Any] | None, value: Any, words: dict[object, Any] | None = None) -> str:
    if value is None or value == "":
        return "—"
    if words is not None and value in words:
        return str(words[value])
    if isinstance(value, dict) and "held" in value:
        return _("held, encrypted") if value["held"] else _("none")
    if isinstance(value, bool) or isinstance(field, BooleanField):
        return _("yes") if value else _("no")
    if isinstance(field, DateTimeField) and isinstance(value, str):
        moment = datetime.fromisoformat(value)
        return moments.moment(moment, moments.LONG_MOMENT) + " (UTC)"  # as pages say a moment's zone
    if isinstance(field, DateField) and isinstance(value, str):
        return moments.day(date.fromisoformat(value))
    choices = dict(getattr(field, "choices", None) or [])
    if isinstance(value, str | int) and value in choices:
        return str(choices[value])
    if isinstance(value, int):
        return formats.number_format(value, force_grouping=True)
    return str(value)


def _audit_value(column: str, value: Any) -> str | None:
    """The audit log's target ("registry.Account 12") and action ("view") in words."""
    if column == "action":
        return str(AUDIT_ACTIONS.get(str(value), value))
    if column == "target" and isinstance(value, str):
        label, _sep, pk = value.partition(" ")
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            return value
        return f"{capfirst(str(model._meta.verbose_name))} {pk}".strip()
    return None


def _label(model: type[Model] | None, field: Field[Any, Any] | None, column: str) -> str:
    if column == "rows":
        return _("number")
    if model is not None and field is not None:
        named = FIELD_LABELS.get(model._meta.label, {}).get(field.name)
        if named is not None:
            return capfirst(str(named))
    return capfirst(str(field.verbose_name)) if field is not None else column


def sections(data: dict[str, Any]) -> list[Section]:
    models: dict[str, type[Model]] = {link.label: link.model for link in person_graph()}
    result = []
    for label, content in data.items():
        model = models.get(label)
        inventory = inventory_for(model) if model is not None else None
        records: list[dict[str, Any]] = content.get("rows") or content.get("counts") or []
        shown = []
        for row in records[:SHOWN_ROWS]:
            values = []
            for column, value in row.items():
                field = _field(model, column) if model is not None else None
                if model is not None and _hidden(model, field):
                    continue
                audited = _audit_value(column, value) if label == "privacy.AuditLogEntry" else None
                name = field.name if field is not None else column
                text = audited or readable_value(field, value, VALUE_WORDS.get((label, name)))
                identifier = name in IDENTIFIERS or (isinstance(value, str) and value.isdigit())
                values.append(Value(_label(model, field, column), text, identifier))
            shown.append(Record(values))
        summary = capfirst(str(inventory.summary)) if inventory is not None else label
        result.append(Section(summary, shown, max(0, len(records) - SHOWN_ROWS)))
    return result
