"""One row per shared X archive: whose it is, whether that is proven, and how many ids it held.

The archive itself is never stored; its ids become `graph.Edge` rows keyed by pseudonyms.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from envol.registry.models import Person


class Source(models.TextChoices):
    COMMAND_LINE = "cli", _("command line")
    UPLOAD = "upload", _("server-side upload")
    BROWSER = "browser", _("read in the browser")


class ArchiveImport(models.Model):
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="archive_imports", verbose_name=_("person")
    )
    # The owner's own X id, in clear: it is the person's own account (they consented). Text,
    # because X ids are unsigned 64-bit and do not fit a signed BIGINT in general.
    owner_x_id = models.CharField(max_length=20, verbose_name=_("owner's X id"))
    owner_handle = models.CharField(max_length=255, blank=True, verbose_name=_("owner's handle"))
    owner_verified = models.BooleanField(
        help_text=_("the person proved this X account by signing in with X"), verbose_name=_("owner verified")
    )
    followers_count = models.PositiveBigIntegerField(default=0, verbose_name=_("followers"))
    following_count = models.PositiveBigIntegerField(default=0, verbose_name=_("following"))
    # The blocks and mutes honoured (block.js, mute.js): zero unless the person asked for it. A
    # database default too: rows written by raw SQL (bulk tools, benchmarks) need no value.
    blocked_count = models.PositiveBigIntegerField(default=0, db_default=0, verbose_name=_("blocked"))
    muted_count = models.PositiveBigIntegerField(default=0, db_default=0, verbose_name=_("muted"))
    source = models.CharField(max_length=16, choices=Source.choices, verbose_name=_("source"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("imported at"))

    class Meta:
        verbose_name = _("archive import")
        verbose_name_plural = _("archive imports")
        # One current import per person: a new one replaces the previous in one transaction.
        constraints = [models.UniqueConstraint(fields=["person"], name="archive_import_one_per_person")]

    def __str__(self) -> str:
        return f"archive of @{self.owner_handle or self.owner_x_id} ({self.followers_count} followers)"
