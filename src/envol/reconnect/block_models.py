"""What the engine stores to carry a person's X blocks and mutes over (decision 0026): the
person's opt-in (BlockChoice) and one BlockTask per (source account, target). Re-exported by
envol.reconnect.models, where Django finds them.

A BlockTask's `record_key` is committed with `sent_at` before the write that uses it, as a
FollowTask's is, so that after a crash the platform tells whether the block was written."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from envol.core.ids import Platform
from envol.platforms.blocks import BlockAction
from envol.privacy.inventory import MIGRATION, UNTIL_ERASURE, Basis, ModelInventory, SeenBy, Use
from envol.reconnect.block_states import BlockState
from envol.registry.models import Account, Person


class BlockChoice(models.Model):
    """Whether the person asked Envol to block (and mute) on Bluesky and Mastodon the people they
    blocked (and muted) on X. No row, or off: nothing is blocked; turned off: Envol's blocks are undone."""

    PRIVACY = ModelInventory(
        summary=_("whether Envol carries your X blocks and mutes over to Bluesky and Mastodon"),
        uses=(
            Use(
                ("id", "person", "enabled", "updated_at"),
                what=_("your answer, on or off, and when you gave it"),
                purpose=MIGRATION,
                basis=Basis.CONTRACT,
                retention=UNTIL_ERASURE,
                seen_by=SeenBy.YOU_AND_OPERATOR,
            ),
        ),
    )

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="block_choice")
    enabled = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"blocks of person {self.person_id}: {'on' if self.enabled else 'off'}"


FIELDS = (
    "id", "source", "network", "target_account", "target_id", "target_handle", "action", "state",
    "reason", "record_key", "sent_at", "undo_requested", "last_error", "created_at", "updated_at",
    "finished_at",
)  # fmt: skip


class BlockTask(models.Model):
    PRIVACY = ModelInventory(
        summary=_("one block or mute Envol makes (or made) for one of your accounts"),
        uses=(
            Use(
                FIELDS,
                what=_(
                    "whom your account blocks or mutes because you blocked or muted them on X (their "
                    "network id and handle), the state of the block and the record Envol created, so "
                    "that it can be undone"
                ),
                purpose=MIGRATION,
                basis=Basis.CONTRACT,
                retention=UNTIL_ERASURE,
                seen_by=SeenBy.YOU_AND_OPERATOR,
            ),
        ),
        owner_field="source",
    )

    source = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="block_tasks")
    network = models.CharField(max_length=16, choices=[(p.value, p.name.title()) for p in Platform])
    target_account = models.ForeignKey(Account, null=True, on_delete=models.SET_NULL, related_name="+")
    target_id = models.CharField(max_length=512)  # DID or actor URI: never a handle
    target_handle = models.CharField(max_length=255, blank=True)
    action = models.CharField(max_length=8, choices=[(a.value, a.value) for a in BlockAction])
    state = models.CharField(max_length=16, choices=[(s.value, s.value) for s in BlockState])
    reason = models.CharField(max_length=64, blank=True)  # why skipped or failed: a code
    # Bluesky: the block record's TID; Mastodon: the target's id on the person's instance.
    record_key = models.CharField(max_length=64, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)  # a write of unknown outcome may be on its way
    undo_requested = models.BooleanField(default=False)
    last_error = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "target_id"], name="block_task_unique_target"),
        ]
        indexes = [models.Index(fields=["source", "state"], name="block_task_source_state")]

    def __str__(self) -> str:
        return f"{self.source_id} {self.action}s {self.target_handle or self.target_id} ({self.state})"
