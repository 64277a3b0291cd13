from django.apps import AppConfig


class ReconnectConfig(AppConfig):
    name = "envol.reconnect"
    label = "reconnect"
    verbose_name = "Reconnection"

    def ready(self) -> None:
        # The task graph and the drive states validate themselves when their modules are imported:
        # importing them here makes a broken graph stop the process at start-up, not at the first
        # follow. scheduling declares the engine's periodic job.
        from envol.core.healing import workers_lost
        from envol.matching import notify, review
        from envol.matching.signals import candidates_changed
        from envol.reconnect import drive_states, erasure, retention, scheduling, states  # noqa: F401
        from envol.reconnect.hooks import on_candidates_changed, persons_reconnecting_automatically
        from envol.reconnect.scheduling import on_workers_lost

        candidates_changed.connect(on_candidates_changed, dispatch_uid="envol.reconnect.plan")
        if persons_reconnecting_automatically not in notify.QUIET:
            notify.QUIET.append(persons_reconnecting_automatically)
        # Matching's review shows as "followed" what the graph's "followed" group says.
        review.followed_states = tuple(sorted(s.value for s in states.FOLLOWED))
        # A dead worker's drives are released and its runs recorded as crashed (envol.core.healing).
        workers_lost.connect(on_workers_lost, dispatch_uid="envol.reconnect.workers_lost")
        # Erasure may ask the engine to remove a person's follows first (envol.privacy.pending).
        erasure.register()
        # The run log is pruned by the periodic retention job (ENVOL_DRIVE_RUN_RETENTION_DAYS).
        retention.register()
