# PostgreSQL: the edge table becomes partitioned by range of import id, so that a big import can be
# loaded into a bare table of its own, indexed once, then attached (graph.partitions, decision 0003).
# The existing table becomes the shared partition of every id below 2^40, keeping its rows and its
# indexes: the parent's x_key index adopts the shared table's (same definition), and the BRIN index on
# the import stays the shared partition's own (a big import's partition holds one import only).
# SQLite is unchanged. The model's state is unchanged too: partitioning is storage only.

from django.db import migrations

BASE = 1 << 40  # envol.graph.partitions.PARTITION_BASE, written out: migrations must not move
COLUMNS = '"archive_import_id" bigint NOT NULL, "direction" smallint NOT NULL, "x_key" bigint NOT NULL'
X_KEY_INDEX = '("x_key", "direction") INCLUDE ("archive_import_id")'


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    run('ALTER TABLE "graph_edge" RENAME TO "graph_edge_shared"')
    run('ALTER INDEX "edge_x_key" RENAME TO "graph_edge_shared_x_key"')
    run('ALTER INDEX "edge_import" RENAME TO "graph_edge_shared_import"')
    run(f'CREATE TABLE "graph_edge" ({COLUMNS}) PARTITION BY RANGE ("archive_import_id")')
    # One scan of the existing rows checks that they all belong below BASE.
    run(
        f'ALTER TABLE "graph_edge" ATTACH PARTITION "graph_edge_shared" FOR VALUES FROM (MINVALUE) TO ({BASE})'
    )
    run(f'CREATE INDEX "edge_x_key" ON "graph_edge" {X_KEY_INDEX}')
    run(f'CREATE SEQUENCE "graph_edge_partition_import_id" START {BASE} MINVALUE {BASE}')
    # The parent's own statistics (used to plan joins over all partitions) exist only once analysed.
    run('ANALYZE "graph_edge"')


def merge(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    run(f'CREATE TABLE "graph_edge_merged" ({COLUMNS})')
    run('INSERT INTO "graph_edge_merged" SELECT "archive_import_id", "direction", "x_key" FROM "graph_edge"')
    run('DROP TABLE "graph_edge" CASCADE')
    run('DROP SEQUENCE "graph_edge_partition_import_id"')
    run('ALTER TABLE "graph_edge_merged" RENAME TO "graph_edge"')
    run('CREATE INDEX "edge_import" ON "graph_edge" USING brin ("archive_import_id")')
    run(f'CREATE INDEX "edge_x_key" ON "graph_edge" {X_KEY_INDEX}')


class Migration(migrations.Migration):
    dependencies = [
        ("graph", "0002_covering_x_key_index"),
        ("archive", "0001_initial"),
    ]

    operations = [migrations.RunPython(partition, merge)]
