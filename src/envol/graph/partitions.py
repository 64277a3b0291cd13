"""PostgreSQL storage of big imports: each gets a partition of its own, indexed after it is loaded.

`graph_edge` is partitioned by range of import id (migration 0003). Imports below
``ENVOL_EDGE_PARTITION_MIN_EDGES`` edges share one partition (`graph_edge_shared`, every id below
``PARTITION_BASE``), where rows go into an index that is already there. A bigger import takes its id
from a sequence that starts at ``PARTITION_BASE``, and its rows go into a new bare table in the
import's transaction: `COPY … FREEZE` (no index to maintain, no hint bits to set later), then one
`CREATE INDEX` (a sorted bulk build: 2.7 s for 10 M rows, against 10–11 s of row-by-row insertions
into an existing index), then `ATTACH PARTITION`, which needs no scan because a CHECK constraint
already says the table holds that import only, and no other partition can hold its id.

The trade-off: a lookup by `x_key` probes one index per big import besides the shared one, so the
threshold keeps such partitions for the imports where the bulk build pays (decision 0003).

Deleting an import still deletes its rows with Django's cascade (a `DELETE` takes no lock that
blocks readers); the empty partition left behind is dropped later by `drop_orphans`, which waits
only briefly for the lock a `DROP` needs on the parent table and otherwise tries again next time.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection, transaction

from envol.core.config import CONFIG
from envol.core.periodic import each_beat, every
from envol.core.stages import stage
from envol.graph.models import Edge

#: Import ids from here on have a partition of their own; below, they share `graph_edge_shared`.
PARTITION_BASE = 1 << 40
SHARED = "graph_edge_shared"
PREFIX = "graph_edge_i"  # then the import id: a big import's own partition
SEQUENCE = "graph_edge_partition_import_id"
#: The server's sort memory for building a big import's index (SET LOCAL, that transaction only).
INDEX_BUILD_MEMORY = "256MB"
#: A big import's index leaves filled up (percent): its rows are never added to.
INDEX_FILLFACTOR = 100
#: How long dropping an orphaned partition may wait for its lock before trying again later.
DROP_LOCK_TIMEOUT = "500ms"

logger = logging.getLogger("envol.graph")


def partitioned() -> bool:
    return connection.vendor == "postgresql"


def own_partition(import_id: int) -> bool:
    return import_id >= PARTITION_BASE


def partition_name(import_id: int) -> str:
    return f"{PREFIX}{int(import_id)}"


def reserve_import_id(edges: int) -> int | None:
    """An import id from the big imports' range when ``edges`` earns a partition of its own;
    None: let the import table number it (its rows go to the shared partition)."""
    if not partitioned() or edges < CONFIG.edge_partition_min_edges:
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [SEQUENCE])
        (value,) = cursor.fetchone()
    return int(value)


def create_partition(import_id: int) -> str:
    """The bare table that will hold one big import, created in the caller's transaction."""
    table, parent = partition_name(import_id), Edge._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'CREATE TABLE "{table}" (LIKE "{parent}" INCLUDING DEFAULTS, '
            f'CONSTRAINT "{table}_import" CHECK (archive_import_id >= {int(import_id)} '
            f"AND archive_import_id < {int(import_id) + 1}))"
        )
    return table


def index_partition(import_id: int) -> None:
    """Index the loaded table like the parent, so that ATTACH adopts this index instead of building
    another (one sorted bulk build instead of an insertion per row)."""
    table = partition_name(import_id)
    with stage("index"), connection.cursor() as cursor:
        # The build sorts every row once: with the server's default 64 MB, 10 M rows (about 240 MB
        # to sort) spill to disk in runs and merge. For this transaction only; the server may also
        # split the sort among its parallel maintenance workers, which this budget is shared by.
        cursor.execute(f"SET LOCAL maintenance_work_mem = '{INDEX_BUILD_MEMORY}'")
        # Full leaves: an import's rows are written once and never added to (a new archive is a new
        # import), so the room B-trees leave for later insertions (10 % by default) would stay empty:
        # 4 M rows' index 162 → 146 MB, built 2 % faster (median of 3 alternated builds, 2026-12-06).
        cursor.execute(
            f'CREATE INDEX "{table}_x_key" ON "{table}" (x_key, direction) INCLUDE (archive_import_id) '
            f"WITH (fillfactor = {INDEX_FILLFACTOR})"
        )


def attach_partition(import_id: int) -> None:
    """Make the indexed table part of the edge table (inside the import's transaction)."""
    table, parent = partition_name(import_id), Edge._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'ALTER TABLE "{parent}" ATTACH PARTITION "{table}" '
            f"FOR VALUES FROM ({int(import_id)}) TO ({int(import_id) + 1})"
        )


def partition_names() -> frozenset[str]:
    """Every partition of the edge table, the shared one included (none on SQLite)."""
    if not partitioned():
        return frozenset()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass",
            [Edge._meta.db_table],
        )
        return frozenset(name for (name,) in cursor.fetchall())


def orphans() -> list[str]:
    """Partitions of big imports whose import no longer exists (deleted, replaced or erased)."""
    owned = {int(name.removeprefix(PREFIX)): name for name in partition_names() if name.startswith(PREFIX)}
    imports = Edge._meta.get_field("archive_import").related_model._default_manager
    alive = set(imports.filter(pk__in=owned).values_list("pk", flat=True))
    return sorted(name for import_id, name in owned.items() if import_id not in alive)


def drop_orphans() -> int:
    """Drop the partitions that `orphans` finds; returns how many went. A DROP needs the parent's
    strongest lock for an instant: if readers hold it up, give up quickly and try on a later run."""
    dropped = 0
    for table in orphans():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL lock_timeout = '{DROP_LOCK_TIMEOUT}'")
                cursor.execute(f'DROP TABLE IF EXISTS "{table}"')
            dropped += 1
        except DatabaseError:
            logger.info("orphaned edge partition busy; will retry", extra={"partition": table})
    return dropped


#: The partitions there were when this process last analysed the edge table (None: never).
_analysed_with: frozenset[str] | None = None


def analyse_if_changed() -> bool:
    """Refresh the statistics of the edge table as a whole once its partitions changed.

    Autovacuum analyses each partition but never a partitioned table itself, and the planner reads
    the whole table's statistics (how many rows share an x_key) to plan matching's joins. SKIP_LOCKED:
    another worker analysing it already is as good. True when analysed.
    """
    global _analysed_with
    current = partition_names()
    if not current or current == _analysed_with:
        return False
    if _analysed_with is None and _has_whole_table_statistics():
        # A worker starting: whoever changed the partitions last had them analysed (every worker
        # does after a change); start from here rather than analyse on every start.
        _analysed_with = current
        return False
    with connection.cursor() as cursor:
        cursor.execute(f'ANALYZE (SKIP_LOCKED) "{Edge._meta.db_table}"')
    _analysed_with = current
    return True


def _has_whole_table_statistics() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_statistic WHERE starelid = %s::regclass AND stainherit)",
            [Edge._meta.db_table],
        )
        return bool(cursor.fetchone()[0])


@every("graph.partitions", interval=each_beat, queued=False)
def tidy_partitions() -> None:
    """Once a heartbeat: a dropped partition frees its disk soon after its import went (its deleted
    rows stay on disk until then); the catalog queries are cheap, ANALYZE runs only after a change."""
    dropped = drop_orphans()
    analysed = analyse_if_changed()
    if dropped or analysed:
        logger.info("edge partitions", extra={"dropped": dropped, "analysed": analysed})
