# One record key per follow, whatever the platform (envol.platforms.follows): Bluesky's rkey and
# Mastodon's remote_id become `record_key`; the never-read `attempts` goes.

from django.db import migrations, models


def mastodon_keys(apps, schema_editor):
    task = apps.get_model("reconnect", "FollowTask")
    task.objects.filter(network="mastodon").update(record_key=models.F("remote_id"))


def mastodon_ids(apps, schema_editor):
    task = apps.get_model("reconnect", "FollowTask")
    task.objects.filter(network="mastodon").update(remote_id=models.F("record_key"), record_key="")


class Migration(migrations.Migration):
    dependencies = [
        ("reconnect", "0003_drive_schedule"),
    ]

    operations = [
        migrations.RenameField(model_name="followtask", old_name="rkey", new_name="record_key"),
        migrations.AlterField(
            model_name="followtask", name="record_key", field=models.CharField(blank=True, max_length=64)
        ),
        migrations.RunPython(mastodon_keys, mastodon_ids),
        migrations.RemoveField(model_name="followtask", name="remote_id"),
        migrations.RemoveField(model_name="followtask", name="attempts"),
    ]
