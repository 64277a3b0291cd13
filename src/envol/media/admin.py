"""The moderation queue and the directory in Django's admin, with an audit trail.

Declarations cannot be edited: a moderator reads them, may write a note, and approves or rejects
them with the list's actions (which go through envol.media.service, one transaction each). Every
step is a ModerationEvent row (who, when, what), shown under the declaration.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html

from envol.media import service
from envol.media.models import Declaration, DeclarationState, MediaOutlet, ModerationEvent, OutletChange


class ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EventInline(ReadOnlyInline):
    model = ModerationEvent
    fields = readonly_fields = ("at", "actor", "action", "detail")


class ChangeInline(ReadOnlyInline):
    model = OutletChange
    fields = readonly_fields = ("changed_at", "field", "old_value", "new_value", "declaration")


class QueueFilter(admin.SimpleListFilter):
    """The queue opens on what waits for a moderator; the other states are one click away."""

    title = "state"
    parameter_name = "queue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [*DeclarationState.choices, ("all", "all")]

    def choices(self, changelist: Any) -> Any:
        for value, label in self.lookup_choices:
            yield {
                "selected": (self.value() or DeclarationState.PENDING) == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value() or DeclarationState.PENDING
        return queryset if value == "all" else queryset.filter(state=value)


def _actor(request: HttpRequest) -> str:
    return request.user.get_username() if request.user.is_authenticated else "?"


@admin.register(Declaration)
class DeclarationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("id", "name", "domain", "status", "state", "created_at", "confirmed_at", "decided_by")
    list_filter = (QueueFilter,)
    search_fields = ("domain", "email")
    ordering = ("-created_at",)
    fields = ("state", "outlet", "declared", "email", "domain", "language", "created_at", "confirmed_at",
              "decided_at", "decided_by", "note")  # fmt: skip
    readonly_fields = tuple(f for f in fields if f != "note")
    inlines = (EventInline,)
    actions = ("approve", "reject")

    @admin.display(description="name")
    def name(self, obj: Declaration) -> str:
        return str(obj.data.get("name", ""))

    @admin.display(description="declared position")
    def status(self, obj: Declaration) -> str:
        return str(obj.data.get("status", ""))

    @admin.display(description="declared fields")
    def declared(self, obj: Declaration) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.data, indent=1, ensure_ascii=False))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Declaration, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if "note" in form.changed_data:
            ModerationEvent.objects.create(
                declaration=obj, at=timezone.now(), actor=_actor(request), action="note",
                detail=obj.note,
            )  # fmt: skip

    def _decide(self, request: HttpRequest, queryset: QuerySet[Declaration], approve: bool) -> None:
        done = 0
        for declaration in queryset.order_by("pk"):
            try:
                if approve:
                    service.approve(declaration.pk, actor=_actor(request), note=declaration.note)
                else:
                    service.reject(declaration.pk, actor=_actor(request), note=declaration.note)
                done += 1
            except service.DeclarationError as error:
                self.message_user(request, str(error), messages.WARNING)
        self.message_user(request, f"{done} declaration(s) {'approved' if approve else 'rejected'}.")

    @admin.action(description="Approve and publish the selected confirmed declarations")
    def approve(self, request: HttpRequest, queryset: QuerySet[Declaration]) -> None:
        self._decide(request, queryset, approve=True)

    @admin.action(description="Reject the selected confirmed declarations")
    def reject(self, request: HttpRequest, queryset: QuerySet[Declaration]) -> None:
        self._decide(request, queryset, approve=False)


@admin.register(MediaOutlet)
class MediaOutletAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "domain", "country", "kind", "status", "published", "status_since")
    list_filter = ("published", "status", "kind", "country")
    search_fields = ("name", "domain")
    readonly_fields = [f.name for f in MediaOutlet._meta.fields if f.name != "id"]
    inlines = (ChangeInline,)
    actions = ("unpublish", "republish")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # outlets come from confirmed, moderated declarations only

    @admin.action(description="Take the selected outlets out of the directory")
    def unpublish(self, request: HttpRequest, queryset: QuerySet[MediaOutlet]) -> None:
        for outlet in queryset:
            service.set_published(outlet.pk, False, actor=_actor(request))

    @admin.action(description="Put the selected outlets back in the directory")
    def republish(self, request: HttpRequest, queryset: QuerySet[MediaOutlet]) -> None:
        for outlet in queryset:
            service.set_published(outlet.pk, True, actor=_actor(request))
