from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "envol.media"
    label = "media"
    verbose_name = "Media directory"

    def ready(self) -> None:
        from envol.core import pagecache
        from envol.media.directory import version

        pagecache.register("media_directory", version)
