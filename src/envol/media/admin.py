"""The moderation queue and the directory in Django's admin, with an audit trail.

Declarations cannot be edited: a moderator reads them (the declared fields as labelled, readable
values), may write a note, and approves or rejects them with the buttons of the declaration's page
or with the list's actions (both go through envol.media.service, one transaction each, and e-mail
the decision to the declarant). Every step is a ModerationEvent row (who, when, what), shown under
the declaration. Every text is translated: operators work in French or English.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from envol.core.config import CONFIG
from envol.media import labels, service
from envol.media.models import (
    DECLARED_FIELDS,
    Declaration,
    DeclarationState,
    MediaOutlet,
    ModerationEvent,
    OutletChange,
)


class ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


#: The audit trail's action codes (ModerationEvent.action), as operators read them.
ACTIONS = {
    "submitted": gettext_lazy("sent, to be confirmed by e-mail"),
    "confirmed": gettext_lazy("confirmed from the outlet's domain"),
    "note": gettext_lazy("note"),
    "approved": gettext_lazy("approved and published"),
    "rejected": gettext_lazy("rejected"),
    "emailed": gettext_lazy("decision e-mailed to the declarant"),
    "not_emailed": gettext_lazy("decision e-mail could not be sent"),
}


class EventInline(ReadOnlyInline):
    model = ModerationEvent
    fields = readonly_fields = ("at", "actor", "what", "detail")

    @admin.display(description=gettext_lazy("action"))
    def what(self, obj: ModerationEvent) -> str:
        return str(ACTIONS.get(obj.action, obj.action))


class ChangeInline(ReadOnlyInline):
    model = OutletChange
    fields = readonly_fields = ("changed_at", "what", "old", "new", "declaration")

    @admin.display(description=gettext_lazy("field"))
    def what(self, obj: OutletChange) -> str:
        return labels.label(obj.field)

    @admin.display(description=gettext_lazy("old value"))
    def old(self, obj: OutletChange) -> str:
        return labels.readable(obj.field, obj.old_value)

    @admin.display(description=gettext_lazy("new value"))
    def new(self, obj: OutletChange) -> str:
        return labels.readable(obj.field, obj.new_value)


class QueueFilter(admin.SimpleListFilter):
    """The queue opens on what waits for a moderator; the other states are one click away."""

    title = gettext_lazy("state")
    parameter_name = "queue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [*DeclarationState.choices, ("all", _("all"))]

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


def _base_url(request: HttpRequest) -> str:
    return CONFIG.public_url or request.build_absolute_uri("/")


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
    change_form_template = "admin/media/declaration/change_form.html"

    @admin.display(description=gettext_lazy("name"))
    def name(self, obj: Declaration) -> str:
        return str(obj.data.get("name", ""))

    @admin.display(description=gettext_lazy("declared position"))
    def status(self, obj: Declaration) -> str:
        return labels.readable("status", obj.data.get("status"))

    @admin.display(description=gettext_lazy("declared fields"))
    def declared(self, obj: Declaration) -> str:
        """The declaration as the outlet's page would show it: one labelled, readable value a line,
        with what the outlet shows today beside each field that would change."""
        current = obj.outlet
        rows = []
        for field in DECLARED_FIELDS:
            value = labels.readable(field, obj.data.get(field)) or "—"
            before = labels.readable(field, getattr(current, field)) if current is not None else None
            changed = before is not None and (before or "—") != value
            rows.append(
                (
                    labels.label(field),
                    value,
                    _("now: %(value)s") % {"value": before or "—"} if changed else "",
                )
            )
        body = format_html_join(
            "", '<tr><th scope="row">{}</th><td>{}</td><td class="help">{}</td></tr>', rows
        )
        return format_html('<table class="declared-fields"><tbody>{}</tbody></table>', body)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Declaration, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if "note" in form.changed_data:
            ModerationEvent.objects.create(
                declaration=obj, at=timezone.now(), actor=_actor(request), action="note",
                detail=obj.note,
            )  # fmt: skip

    def _decide_one(self, request: HttpRequest, declaration: Declaration, approve: bool) -> bool:
        """Approve or reject one declaration and e-mail the declarant; False when it was not pending."""
        decide = service.approve if approve else service.reject
        try:
            decide(declaration.pk, actor=_actor(request), note=declaration.note, notify=False)
        except service.DeclarationError:
            state = declaration.get_state_display()
            self.message_user(
                request,
                _("Declaration %(id)s was not decided: it is “%(state)s”, not waiting for moderation.")
                % {"id": declaration.pk, "state": state},
                messages.WARNING,
            )
            return False
        if not service.tell_declarant(declaration.pk, base_url=_base_url(request)):
            self.message_user(
                request,
                _("Declaration %(id)s: the e-mail to the declarant could not be sent; see the logs.")
                % {"id": declaration.pk},
                messages.WARNING,
            )
        return True

    def _decide(self, request: HttpRequest, queryset: QuerySet[Declaration], approve: bool) -> None:
        done = sum(self._decide_one(request, d, approve) for d in queryset.order_by("pk"))
        if approve:
            text = ngettext("%(count)d declaration approved and published.",
                            "%(count)d declarations approved and published.", done)  # fmt: skip
        else:
            text = ngettext("%(count)d declaration rejected.", "%(count)d declarations rejected.", done)
        self.message_user(request, text % {"count": done})

    @admin.action(description=gettext_lazy("Approve and publish the selected confirmed declarations"))
    def approve(self, request: HttpRequest, queryset: QuerySet[Declaration]) -> None:
        self._decide(request, queryset, approve=True)

    @admin.action(description=gettext_lazy("Reject the selected confirmed declarations"))
    def reject(self, request: HttpRequest, queryset: QuerySet[Declaration]) -> None:
        self._decide(request, queryset, approve=False)

    def render_change_form(
        self, request: HttpRequest, context: dict[str, Any], *args: Any, **kwargs: Any
    ) -> Any:
        obj = context.get("original")
        context["can_decide"] = obj is not None and obj.state == DeclarationState.PENDING
        return super().render_change_form(request, context, *args, **kwargs)

    def response_change(self, request: HttpRequest, obj: Declaration) -> HttpResponse:
        """The page's "Approve and publish" and "Reject" buttons: the note just saved goes with the
        decision, then back to the queue."""
        if "_approve" in request.POST or "_reject" in request.POST:
            obj.refresh_from_db()
            if self._decide_one(request, obj, approve="_approve" in request.POST):
                text = (
                    _("“%(name)s” approved and published.")
                    if "_approve" in request.POST
                    else _("“%(name)s” rejected.")
                )
                self.message_user(request, text % {"name": obj.data.get("name", obj.domain)})
            return HttpResponseRedirect(reverse("admin:media_declaration_changelist"))
        return super().response_change(request, obj)


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

    @admin.action(description=gettext_lazy("Take the selected outlets out of the directory"))
    def unpublish(self, request: HttpRequest, queryset: QuerySet[MediaOutlet]) -> None:
        for outlet in queryset:
            service.set_published(outlet.pk, False, actor=_actor(request))

    @admin.action(description=gettext_lazy("Put the selected outlets back in the directory"))
    def republish(self, request: HttpRequest, queryset: QuerySet[MediaOutlet]) -> None:
        for outlet in queryset:
            service.set_published(outlet.pk, True, actor=_actor(request))
