"""The Django admin of every model that holds a person's data (registry, archive and privacy),
registered here rather than in each package's ``admin.py`` because the masking and the audit log
are privacy's rules: never a token or a pseudonym on
screen (every encrypted field, and every field the inventory marks admin_visible=False, is left
out), and every page showing a person's data writes an audit-log entry per person.

graph.Edge is not registered: its rows are pseudonyms and nobody needs to read them one by one.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from envol.archive.models import ArchiveImport
from envol.core.fields import EncryptedTextField
from envol.privacy.audit import record_access
from envol.privacy.inventory import inventory_for
from envol.privacy.models import AuditLogEntry, Consent, ErasureProof, PrivacyState
from envol.registry.models import Account, MastodonApp, Person


def hidden_fields(model: type[Model]) -> list[str]:
    """Fields an operator never sees: secrets, and what the inventory keeps from the admin."""
    inventory = inventory_for(model)
    hidden = []
    for field in model._meta.concrete_fields:
        use = inventory.use_of(field.name) if inventory else None
        if isinstance(field, EncryptedTextField) or (use is not None and not use.admin_visible):
            hidden.append(field.name)
    return hidden


class MaskedAdmin(admin.ModelAdmin[Any]):
    def get_exclude(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [*(super().get_exclude(request, obj) or ()), *hidden_fields(self.model)]

    def get_list_display(self, request: HttpRequest) -> Any:
        hidden = set(hidden_fields(self.model))
        return [name for name in super().get_list_display(request) if name not in hidden]


class AuditedAdmin(MaskedAdmin):
    """Every list, view, change, deletion and history page of a person's rows is written down."""

    def _operator(self, request: HttpRequest) -> str:
        return str(getattr(request.user, "username", "") or "unknown")

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        if isinstance(response, TemplateResponse) and response.context_data and "cl" in response.context_data:
            shown = [obj.pk for obj in response.context_data["cl"].result_list]
            record_access(self._operator(request), "list", self.model, shown)
        return response

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> Any:
        if object_id is not None:
            action = "view" if request.method == "GET" else "change"
            record_access(self._operator(request), action, self.model, [object_id])
        return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> Any:
        record_access(self._operator(request), "delete", self.model, [object_id])
        return super().delete_view(request, object_id, extra_context)

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> Any:
        record_access(self._operator(request), "history", self.model, [object_id])
        return super().history_view(request, object_id, extra_context)


@admin.register(Person)
class PersonAdmin(AuditedAdmin):
    list_display = ("id", "created_at")


@admin.register(Account)
class AccountAdmin(AuditedAdmin):
    list_display = ("id", "person", "platform", "handle", "verification", "needs_reauth")
    list_filter = ("platform", "verification", "needs_reauth")
    raw_id_fields = ("person", "mastodon_app")


@admin.register(ArchiveImport)
class ArchiveImportAdmin(AuditedAdmin):
    list_display = ("id", "person", "owner_handle", "owner_verified", "followers_count", "following_count")
    raw_id_fields = ("person",)


@admin.register(MastodonApp)
class MastodonAppAdmin(MaskedAdmin):
    list_display = ("domain", "base_url", "scopes", "created_at")


@admin.register(Consent)
class ConsentAdmin(AuditedAdmin):
    list_display = ("person", "purpose", "granted", "text_version", "decided_at")
    raw_id_fields = ("person",)


@admin.register(PrivacyState)
class PrivacyStateAdmin(AuditedAdmin):
    list_display = ("person", "last_seen_at", "warned_at", "migration_completed_at")
    raw_id_fields = ("person",)


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(MaskedAdmin):
    """Read only: the log cannot be rewritten from the admin."""

    list_display = ("at", "operator", "action", "target", "person")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ErasureProof)
class ErasureProofAdmin(MaskedAdmin):
    list_display = ("id", "erased_on", "reason", "tokens_revoked", "revocations_failed")
