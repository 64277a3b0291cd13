# The x_key index carries the import on PostgreSQL too, so that "whose lists hold these keys?" is
# answered from the index alone (an index-only scan) instead of one random heap read per edge.
# SQLite's secondary indexes on a WITHOUT ROWID table already end with the primary key, so there the
# index is covering as it is. Decision 0006.

from django.db import migrations


def covering(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('DROP INDEX "edge_x_key"')
        schema_editor.execute(
            'CREATE INDEX "edge_x_key" ON "graph_edge" ("x_key", "direction") INCLUDE ("archive_import_id")'
        )


def plain(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('DROP INDEX "edge_x_key"')
        schema_editor.execute('CREATE INDEX "edge_x_key" ON "graph_edge" ("x_key", "direction")')


class Migration(migrations.Migration):
    dependencies = [
        ("graph", "0001_initial"),
    ]

    # The model's state is unchanged (its index is still named edge_x_key on the same fields): the
    # INCLUDE column is storage only, like the rest of this table's hand-made storage (0001).
    operations = [migrations.RunPython(covering, plain)]
