from django.apps import AppConfig


class ReconnectConfig(AppConfig):
    name = "envol.reconnect"
    label = "reconnect"
    verbose_name = "Reconnection"

    def ready(self) -> None:
        # The state graph validates itself when its module is imported: importing it here makes a
        # broken graph stop the process at start-up, not at the first follow.
        from envol.core.worker import worker_tick
        from envol.reconnect import states  # noqa: F401
        from envol.reconnect.scheduling import on_worker_tick

        worker_tick.connect(on_worker_tick, dispatch_uid="envol.reconnect.recover")

        from envol.matching import notify
        from envol.matching.signals import candidates_changed
        from envol.reconnect.hooks import on_candidates_changed, persons_reconnecting_automatically

        candidates_changed.connect(on_candidates_changed, dispatch_uid="envol.reconnect.plan")
        if persons_reconnecting_automatically not in notify.QUIET:
            notify.QUIET.append(persons_reconnecting_automatically)

        # Erasure may ask the engine to remove a person's follows first (envol.privacy.pending).
        from envol.reconnect import erasure, retention

        erasure.register()
        # The run log is pruned by the periodic retention task (ENVOL_DRIVE_RUN_RETENTION_DAYS).
        retention.register()
