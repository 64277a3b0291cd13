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

from envol.registry.models import Person


class Purpose(models.TextChoices):
    MIGRATION = "migration", "the migration (necessary)"
    NEWSLETTER = "newsletter", "newsletter"
    RESEARCH = "research", "research use"
    PUBLIC_NAME = "public_name", "appearing by name in public figures"


class Consent(models.Model):
    """One decision of a person about one purpose. Rows are only ever added: the latest row per
    (person, purpose) is in force, the earlier ones are the history an audit asks for."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=32, choices=Purpose.choices)
    granted = models.BooleanField()
    text_version = models.CharField(max_length=16)  # the version of the text the person was shown
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["person", "purpose", "-decided_at"], name="consent_latest")]

    def __str__(self) -> str:
        return (
            f"person {self.person_id} {self.purpose}={'yes' if self.granted else 'no'} (v{self.text_version})"
        )


class AuditLogEntry(models.Model):
    """An operator looked at or changed a person's data (Django admin). The person sees these in
    their export; they go with the person at erasure."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="audit_entries")
    operator = models.CharField(max_length=150)  # the operator's user name
    action = models.CharField(max_length=16)  # list, view, change, delete, history
    target = models.CharField(max_length=120)  # "registry.Account 12": what was looked at
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["person", "at"], name="audit_person_at")]

    def __str__(self) -> str:
        return f"{self.operator} {self.action} {self.target} at {self.at:%Y-%m-%d %H:%M}"


class ErasureProof(models.Model):
    """That an erasure happened, and nothing that says whose: a random id, the day, rounded counts."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    erased_on = models.DateField()
    reason = models.CharField(max_length=16)  # "request" or "inactivity"
    rows = models.JSONField(default=dict)  # {"app.Model": rows deleted, rounded to 2 significant digits}
    tokens_revoked = models.PositiveIntegerField(default=0)
    revocations_failed = models.PositiveIntegerField(default=0)
    follows_undone = models.PositiveIntegerField(default=0)  # removed first at the person's request, rounded

    def __str__(self) -> str:
        return f"erasure {self.id} on {self.erased_on}"


class PrivacyState(models.Model):
    """Per person: an optional contact address, the last activity (retention), whether they were
    warned before erasure, when their migration was declared complete (edge retention), and when
    they asked for an erasure that waits for Envol's follows to be removed first (pending erasure)."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, primary_key=True, related_name="privacy")
    email = models.EmailField(blank=True)
    last_seen_at = models.DateTimeField(default=timezone.now)
    warned_at = models.DateTimeField(null=True, blank=True)
    migration_completed_at = models.DateTimeField(null=True, blank=True)
    edges_deleted_at = models.DateTimeField(null=True, blank=True)
    erasure_requested_at = models.DateTimeField(null=True, blank=True)  # set: erasure pending

    class Meta:
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
