"""Profile suggestions belong to the import they were read from (deleted with it).

No production path stored profile suggestions before this migration; any such row (from a shell)
has no import to be tied to, so its retention could not be honoured: it is deleted.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def _drop_untied_profile_rows(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("matching", "Suggestion").objects.filter(source="profile").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0001_initial"),
        ("matching", "0003_drop_candidate_review_index"),
    ]

    operations = [
        migrations.RunPython(_drop_untied_profile_rows, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="suggestion",
            name="suggestion_unique",
        ),
        migrations.AddField(
            model_name="suggestion",
            name="archive_import",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="archive.archiveimport",
            ),
        ),
        migrations.AddConstraint(
            model_name="suggestion",
            constraint=models.UniqueConstraint(
                condition=models.Q(("archive_import__isnull", True)),
                fields=("x_key", "network", "address"),
                name="suggestion_unique",
            ),
        ),
        migrations.AddConstraint(
            model_name="suggestion",
            constraint=models.UniqueConstraint(
                condition=models.Q(("archive_import__isnull", False)),
                fields=("archive_import", "network", "address"),
                name="suggestion_unique_per_import",
            ),
        ),
        migrations.AddConstraint(
            model_name="suggestion",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("archive_import__isnull", False), ("source", "profile")),
                    models.Q(("archive_import__isnull", True), ("source", "operator")),
                    _connector="OR",
                ),
                name="suggestion_profile_has_import",
            ),
        ),
    ]
