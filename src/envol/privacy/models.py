"""What the privacy package itself stores: consents, the operators' audit log, erasure proofs, and
each person's privacy state (contact address, last activity, warnings, migration completion,
a pending erasure).

Each model declares its privacy inventory in envol.privacy.declarations (the same place as the
models that came before this package), so the privacy page and docs/privacy.md list them.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from envol.registry.models import Person


class Purpose(models.TextChoices):
    MIGRATION = "migration", _("the migration (necessary)")
    NEWSLETTER = "newsletter", _("newsletter")
    RESEARCH = "research", _("research use")
    PUBLIC_NAME = "public_name", _("appearing by name in public figures")


class Consent(models.Model):
    """One decision of a person about one purpose. Rows are only ever added: the latest row per
    (person, purpose) is in force, the earlier ones are the history an audit asks for."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="consents", verbose_name=_("person")
    )
    purpose = models.CharField(max_length=32, choices=Purpose.choices, verbose_name=_("purpose"))
    granted = models.BooleanField(verbose_name=_("granted"))
    text_version = models.CharField(
        max_length=16, verbose_name=_("version of the text")
    )  # the version of the text the person was shown
    decided_at = models.DateTimeField(default=timezone.now, verbose_name=_("decided at"))

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        indexes = [models.Index(fields=["person", "purpose", "-decided_at"], name="consent_latest")]

    def __str__(self) -> str:
        return (
            f"person {self.person_id} {self.purpose}={'yes' if self.granted else 'no'} (v{self.text_version})"
        )


class AuditLogEntry(models.Model):
    """An operator looked at or changed a person's data (Django admin). The person sees these in
    their export; they go with the person at erasure."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="audit_entries", verbose_name=_("person")
    )
    operator = models.CharField(max_length=150, verbose_name=_("operator"))  # the operator's user name
    action = models.CharField(max_length=16, verbose_name=_("action"))  # list, view, change, delete, history
    target = models.CharField(
        max_length=120, verbose_name=_("target")
    )  # "registry.Account 12": what was looked at
    at = models.DateTimeField(default=timezone.now, verbose_name=_("at"))

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log entries")
        indexes = [models.Index(fields=["person", "at"], name="audit_person_at")]

    def __str__(self) -> str:
        return f"{self.operator} {self.action} {self.target} at {self.at:%Y-%m-%d %H:%M}"


class ErasureProof(models.Model):
    """That an erasure happened, and nothing that says whose: a random id, the day, rounded counts."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    erased_on = models.DateField(verbose_name=_("erased on"))
    reason = models.CharField(max_length=16, verbose_name=_("reason"))  # "request" or "inactivity"
    rows = models.JSONField(
        default=dict, verbose_name=_("rows deleted")
    )  # {"app.Model": rows deleted, rounded to 2 significant digits}
    tokens_revoked = models.PositiveIntegerField(default=0, verbose_name=_("tokens revoked"))
    revocations_failed = models.PositiveIntegerField(default=0, verbose_name=_("revocations failed"))
    follows_undone = models.PositiveIntegerField(
        default=0, verbose_name=_("follows removed")
    )  # removed first at the person's request, rounded

    class Meta:
        verbose_name = _("erasure proof")
        verbose_name_plural = _("erasure proofs")

    def __str__(self) -> str:
        return f"erasure {self.id} on {self.erased_on}"


class PrivacyState(models.Model):
    """Per person: an optional contact address, the last activity (retention), whether they were
    warned before erasure, when their migration was declared complete (edge retention), and when
    they asked for an erasure that waits for Envol's follows to be removed first (pending erasure)."""

    person = models.OneToOneField(
        Person, on_delete=models.CASCADE, primary_key=True, related_name="privacy", verbose_name=_("person")
    )
    email = models.EmailField(blank=True, verbose_name=_("e-mail address"))
    last_seen_at = models.DateTimeField(default=timezone.now, verbose_name=_("last visit"))
    warned_at = models.DateTimeField(null=True, blank=True, verbose_name=_("warned at"))
    migration_completed_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("migration completed at")
    )
    edges_deleted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("X lists deleted at"))
    erasure_requested_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("erasure requested at")
    )  # set: erasure pending

    class Meta:
        verbose_name = _("privacy state")
        verbose_name_plural = _("privacy states")
        # The retention task reads the few pending erasures among every person's row.
        indexes = [
            models.Index(
                fields=["erasure_requested_at"],
                name="privacy_erasure_pending",
                condition=models.Q(erasure_requested_at__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"privacy state of person {self.person_id}"
