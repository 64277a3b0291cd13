"""An app registration is tied to the address it was registered at (docs/threat-model.md): the unique
key gains `base_url`. The old key (domain, redirect URI) implies the new one, so no row conflicts."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0006_findable_labels"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="mastodonapp",
            name="mastodon_app_unique_domain",
        ),
        migrations.AddConstraint(
            model_name="mastodonapp",
            constraint=models.UniqueConstraint(
                fields=("domain", "base_url", "redirect_uri"), name="mastodon_app_unique_address"
            ),
        ),
    ]
