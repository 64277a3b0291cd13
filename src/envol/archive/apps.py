from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "envol.archive"
    label = "archive"
    verbose_name = "X archive imports"

    def ready(self) -> None:
        from envol.archive.uploads import delete_leftovers

        # Every process, at start-up: a killed one may have left someone's archive on disk.
        delete_leftovers()
