from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "envol.core"
    label = "core"
    verbose_name = "Envol core"

    def ready(self) -> None:
        from envol.core import tasks  # noqa: F401  (declares the cache purge job)
        from envol.core.cache import create_cache_table
        from envol.core.privatefiles import private_database_file
        from envol.core.requestslots import wrap_sqlite_writes

        # The database cache's table is not a model: `envol migrate` (and the test database) get it here.
        post_migrate.connect(create_cache_table, sender=self, dispatch_uid="envol.core.cache_table")
        # A SQLite write that waits long for the write lock gives its request's slot up (decision 0028).
        connection_created.connect(wrap_sqlite_writes, dispatch_uid="envol.core.lock_waits")
        private_database_file()  # before any connection creates it world-readable
