from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediaConfig(AppConfig):
    name = "envol.media"
    label = "media"
    verbose_name = _("Media directory")

    def ready(self) -> None:
        from envol.core import pagecache
        from envol.media.directory import version

        pagecache.register("media_directory", version)
