"""Declarations from the form to the directory: submit, confirm by e-mail, approve or reject.

Each step is one transaction and leaves a ModerationEvent; approving applies the declared fields
to the outlet and records an OutletChange for each field that changed.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from django.core import signing
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from envol.core import mail
from envol.core.config import CONFIG
from envol.media.models import (
    DECLARED_FIELDS,
    Declaration,
    DeclarationState,
    MediaOutlet,
    ModerationEvent,
    OutletChange,
)
from envol.media.rules import site_domain

CONFIRM_SALT = "envol.media.confirm"
CONFIRM_MAX_AGE = timedelta(days=2)
#: Retention: unconfirmed declarations are deleted after this; decided ones lose the declarant's
#: e-mail address after DECIDED_KEEP_EMAIL (the rest stays as the outlet's public history).
UNCONFIRMED_KEEP = timedelta(days=7)
DECIDED_KEEP_EMAIL = timedelta(days=90)
DECLARANT = "declarant"

logger = logging.getLogger(__name__)


class DeclarationError(Exception):
    """A declaration step that cannot happen (stale link, already decided)."""


def _event(declaration: Declaration, actor: str, action: str, detail: str = "") -> None:
    ModerationEvent.objects.create(
        declaration=declaration, at=timezone.now(), actor=actor, action=action, detail=detail
    )


def submit(
    declared: dict[str, Any], *, email: str, language: str, base_url: str, outlet: MediaOutlet | None = None
) -> Declaration:
    """Store an unconfirmed declaration and e-mail its confirmation link to `email`."""
    domain = outlet.domain if outlet is not None else site_domain(str(declared["website"]))
    if domain is None:
        raise DeclarationError("no web domain")
    if outlet is None:  # a new declaration for a known domain updates that outlet
        outlet = MediaOutlet.objects.filter(domain=domain).first()
    with transaction.atomic():
        declaration = Declaration.objects.create(
            outlet=outlet, data=declared, email=email.strip(), domain=domain, language=language,
            state=DeclarationState.UNCONFIRMED,
        )  # fmt: skip
        _event(declaration, DECLARANT, "submitted")  # the address is on the declaration, erased with it
    token = signing.dumps(declaration.pk, salt=CONFIRM_SALT)
    link = f"{base_url.rstrip('/')}/media/confirm/{token}/"
    # Nothing the sender typed goes into the e-mail: only the recipient's own web domain and the
    # link. The confirmation page shows what was declared. A form that anyone can fill in must
    # not let anyone write to anyone.
    with translation.override(language):
        subject = _("Confirm a declaration in Envol's media directory")
        body = render_to_string("media/confirm_email.txt", {"link": link, "domain": domain})
    mail.send(subject, body, [declaration.email])
    return declaration


def declaration_for_token(token: str) -> Declaration:
    """The unconfirmed declaration a confirmation link names; DeclarationError when it is stale."""
    try:
        pk = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.BadSignature as error:  # includes SignatureExpired
        raise DeclarationError("bad or expired link") from error
    declaration = Declaration.objects.filter(pk=pk, state=DeclarationState.UNCONFIRMED).first()
    if declaration is None:
        raise DeclarationError("already confirmed or removed")
    return declaration


def confirm(token: str) -> Declaration:
    """The declarant clicked the link: the declaration joins the moderation queue (single use)."""
    with transaction.atomic():
        declaration = declaration_for_token(token)
        updated = Declaration.objects.filter(pk=declaration.pk, state=DeclarationState.UNCONFIRMED).update(
            state=DeclarationState.PENDING, confirmed_at=timezone.now()
        )
        if not updated:
            raise DeclarationError("already confirmed")
        _event(declaration, DECLARANT, "confirmed")
    declaration.refresh_from_db()
    return declaration


def _pending(declaration_id: int) -> Declaration:
    declaration = Declaration.objects.select_for_update().get(pk=declaration_id)
    if declaration.state != DeclarationState.PENDING:
        raise DeclarationError(f"declaration {declaration_id} is {declaration.state}, not pending")
    return declaration


def _typed(field: str, value: Any) -> Any:
    if field == "leaving_on":
        return date.fromisoformat(value) if value else None
    return value


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


#: Paths under /media/ that are pages, not outlets.
RESERVED_SLUGS = frozenset({"declare", "confirm", "widget", "directory", "share"})


def _unique_slug(name: str, domain: str) -> str:
    base = (slugify(name) or slugify(domain.replace(".", "-")) or "outlet")[:70]
    slug, number = base, 2
    while slug in RESERVED_SLUGS or MediaOutlet.objects.filter(slug=slug).exists():
        slug, number = f"{base}-{number}", number + 1
    return slug


def approve(
    declaration_id: int, *, actor: str, note: str = "", base_url: str = "", notify: bool = True
) -> MediaOutlet:
    """Publish a confirmed declaration: create or update its outlet, with the history of changes.

    The declarant is told by e-mail unless `notify` is False (the admin tells them itself, to show
    the moderator whether the e-mail left)."""
    with transaction.atomic():
        declaration = _pending(declaration_id)
        now = timezone.now()
        values = {f: _typed(f, declaration.data.get(f)) for f in DECLARED_FIELDS}
        values["domain"] = declaration.domain
        outlet = declaration.outlet or MediaOutlet.objects.filter(domain=declaration.domain).first()
        if outlet is None:
            outlet = MediaOutlet(slug=_unique_slug(values["name"], declaration.domain), status_since=now)
            before: dict[str, Any] = {}
        else:
            outlet = MediaOutlet.objects.select_for_update().get(pk=outlet.pk)
            before = {f: getattr(outlet, f) for f in DECLARED_FIELDS}
        changes = [f for f in DECLARED_FIELDS if before.get(f) != values[f] and (before or values[f])]
        for field, value in values.items():
            setattr(outlet, field, value)
        if "status" in changes:
            outlet.status_since = now
        if "share_button_removed" in changes:
            outlet.share_button_removed_since = now if values["share_button_removed"] else None
        outlet.published = True
        outlet.save()
        OutletChange.objects.bulk_create(
            OutletChange(outlet=outlet, changed_at=now, field=f, old_value=_shown(before.get(f)),
                         new_value=_shown(values[f]), declaration=declaration)
            for f in changes
        )  # fmt: skip
        declaration.outlet = outlet
        _decide(declaration, DeclarationState.APPROVED, actor, note, now)
        _event(declaration, actor, "approved", _summary(changes, note))
    if notify:
        tell_declarant(declaration_id, base_url=base_url)
    return outlet


def reject(
    declaration_id: int, *, actor: str, note: str = "", base_url: str = "", notify: bool = True
) -> None:
    with transaction.atomic():
        declaration = _pending(declaration_id)
        _decide(declaration, DeclarationState.REJECTED, actor, note, timezone.now())
        _event(declaration, actor, "rejected", note)
    if notify:
        tell_declarant(declaration_id, base_url=base_url)


def tell_declarant(declaration_id: int, *, base_url: str = "") -> bool:
    """E-mail the moderator's decision to whoever confirmed the declaration, in their language.

    Returns whether the e-mail left; a failure is logged and recorded in the audit trail, and
    never undoes the decision."""
    declaration = Declaration.objects.select_related("outlet").get(pk=declaration_id)
    approved = declaration.state == DeclarationState.APPROVED
    if not declaration.email or declaration.state not in {
        DeclarationState.APPROVED,
        DeclarationState.REJECTED,
    }:
        return False
    base = (base_url or CONFIG.public_url).rstrip("/")
    outlet = declaration.outlet
    path = f"/media/{outlet.slug}/" if approved and outlet is not None else "/media/declare/"
    context = {"approved": approved, "domain": declaration.domain, "link": base + path,
               "contact": CONFIG.contact_email}  # fmt: skip
    with translation.override(declaration.language):
        if approved:
            subject = _("Your declaration is published in Envol's media directory")
        else:
            subject = _("Your declaration was not published in Envol's media directory")
        body = render_to_string("media/decided_email.txt", context)
    try:
        mail.send(subject, body, [declaration.email])
    except Exception:  # the SMTP relay is down or refuses: the decision stands, the trail says so
        logger.exception("could not e-mail the decision on declaration %s", declaration_id)
        _event(declaration, "envol", "not_emailed", "the decision e-mail could not be sent")
        return False
    _event(declaration, "envol", "emailed", "decision e-mailed to the declarant")
    return True


def _decide(declaration: Declaration, state: str, actor: str, note: str, now: datetime) -> None:
    declaration.state = state
    declaration.decided_at = now
    declaration.decided_by = actor
    declaration.note = note
    declaration.save(update_fields=["outlet", "state", "decided_at", "decided_by", "note"])


def _summary(changes: list[str], note: str) -> str:
    text = "changed: " + (", ".join(changes) or "nothing")
    return f"{text}; note: {note}" if note else text


def set_published(outlet_id: int, published: bool, *, actor: str) -> None:
    """An operator takes an outlet out of the directory (or puts it back); kept in its history."""
    with transaction.atomic():
        outlet = MediaOutlet.objects.select_for_update().get(pk=outlet_id)
        if outlet.published == published:
            return
        OutletChange.objects.create(
            outlet=outlet, changed_at=timezone.now(), field="published",
            old_value=_shown(outlet.published), new_value=f"{_shown(published)} (by {actor})",
        )  # fmt: skip
        outlet.published = published
        outlet.save(update_fields=["published", "updated_at"])


def purge(now: datetime | None = None) -> tuple[int, int]:
    """Retention: delete stale unconfirmed declarations, blank old declarants' addresses.

    Returns (declarations deleted, addresses erased).
    """
    now = now or timezone.now()
    _total, per_model = Declaration.objects.filter(
        state=DeclarationState.UNCONFIRMED, created_at__lt=now - UNCONFIRMED_KEEP
    ).delete()
    to_erase = Declaration.objects.filter(decided_at__lt=now - DECIDED_KEEP_EMAIL).exclude(email="")
    # Trails written before addresses were kept out of them named the address in these two steps.
    ModerationEvent.objects.filter(declaration__in=to_erase, action__in=("submitted", "confirmed")).update(
        detail=""
    )
    erased = to_erase.update(email="")
    return per_model.get(Declaration._meta.label, 0), erased
