"""Who can find a person (registry.models.Findable). Persons who existed before the choice keep
today's behaviour, everyone whose archive lists them, and are told once (findable_notice); persons
created afterwards start unchosen and are asked."""

from django.db import migrations, models


def keep_existing_behaviour(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("registry", "Person").objects.update(findable_by="everyone", findable_notice=True)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0003_bluesky_tokens"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="findable_by",
            field=models.CharField(
                blank=True,
                choices=[
                    ("everyone", "everyone whose archive lists me"),
                    ("confirmed", "only people my own archive confirms"),
                    ("nobody", "nobody"),
                    ("", "not chosen yet"),
                ],
                db_default="",
                default="",
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="person",
            name="findable_chosen_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="person",
            name="findable_notice",
            field=models.BooleanField(db_default=False, default=False),
        ),
        migrations.RunPython(keep_existing_behaviour, migrations.RunPython.noop),
    ]
