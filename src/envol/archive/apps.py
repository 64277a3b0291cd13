from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArchiveConfig(AppConfig):
    name = "envol.archive"
    label = "archive"
    verbose_name = _("X archive imports")

    def ready(self) -> None:
        # Proving a claimed X account moves its archive import with it (envol.registry.linking).
        from envol.archive.ownership import holds_import, move_import
        from envol.archive.uploads import delete_leftovers
        from envol.registry.hooks import Holding, register_holding

        register_holding(Holding(move=move_import, held_by=holds_import))
        # Every process, at start-up: a killed one may have left someone's archive on disk.
        delete_leftovers()
