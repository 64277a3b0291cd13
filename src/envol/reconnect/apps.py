from django.apps import AppConfig


class ReconnectConfig(AppConfig):
    name = "envol.reconnect"
    label = "reconnect"
    verbose_name = "Reconnection"

    def ready(self) -> None:
        # The state graph validates itself when its module is imported: importing it here makes a
        # broken graph stop the process at start-up, not at the first follow.
        # scheduling declares the engine's periodic job; metrics registers the public figure.
        from envol.matching.signals import candidates_changed
        from envol.reconnect import metrics, scheduling, states  # noqa: F401
        from envol.reconnect.hooks import on_candidates_changed

        candidates_changed.connect(on_candidates_changed, dispatch_uid="envol.reconnect.plan")

        # Erasure may ask the engine to remove a person's follows first (envol.privacy.pending).
        from envol.reconnect import erasure, retention

        erasure.register()
        # The run log is pruned by the periodic retention task (ENVOL_DRIVE_RUN_RETENTION_DAYS).
        retention.register()
