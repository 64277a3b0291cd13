"""Edges of the X follow graph, one row per (import, direction, pseudonymised X id).

An edge never names a third party in clear: `x_key` is the keyed pseudonym of their X id
(envol.core.pseudonym). The owner side of every edge is the import's owner.
"""

from __future__ import annotations

from django.db import models


class Direction(models.IntegerChoices):
    FOLLOWER = 1, "follows the owner"  # from follower.js
    FOLLOWING = 2, "followed by the owner"  # from following.js
    # Only when the owner asked Envol to honour them (the upload's opt-in): never follows, they
    # keep people apart (envol.matching.candidates).
    BLOCKED = 3, "blocked by the owner"  # from block.js
    MUTED = 4, "muted by the owner"  # from mute.js


#: The directions that are follows (what reconnection is made of), as opposed to blocks and mutes.
FOLLOWS = (Direction.FOLLOWER, Direction.FOLLOWING)


class Edge(models.Model):
    # On SQLite the primary key is the table (WITHOUT ROWID), in the order bulk loads write; on
    # PostgreSQL the table has no primary-key index but a BRIN index on the import. No foreign-key
    # constraint: Django cascades deletes itself, and per-row checks dominated bulk loads. The
    # migration creates this storage by hand (decision 0003).
    pk = models.CompositePrimaryKey("archive_import", "direction", "x_key")
    archive_import = models.ForeignKey(
        "archive.ArchiveImport",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    direction = models.SmallIntegerField(choices=Direction.choices)
    x_key = models.BigIntegerField()

    class Meta:
        # Matching starts from X keys: "whose lists am I in?", answered from this index alone. It
        # carries the import: on SQLite every secondary index of the table ends with its key, and
        # on PostgreSQL migration 0002 rebuilt it with INCLUDE (archive_import_id), which Django
        # can state for PostgreSQL only (SQLite would warn on every check).
        indexes = [models.Index(fields=["x_key", "direction"], name="edge_x_key")]

    def __str__(self) -> str:
        return f"import {self.archive_import_id} {self.get_direction_display()} {self.x_key}"
