from django.apps import AppConfig


class ReconnectConfig(AppConfig):
    name = "envol.reconnect"
    label = "reconnect"
    verbose_name = "Reconnection"

    def ready(self) -> None:
        # The task graph and the drive states validate themselves when their modules are imported:
        # importing them here makes a broken graph stop the process at start-up, not at the first
        # follow. The engine's own code (scheduling, the executor, the platform clients) is named
        # here, not imported (envol.core.deferred): it loads in the processes that run it.
        from envol.core import prefetch
        from envol.core.deferred import Deferred
        from envol.core.healing import workers_lost
        from envol.core.periodic import each_beat, every
        from envol.matching import notify, review
        from envol.matching.signals import candidates_changed
        from envol.privacy.hooks import FollowUndo, register_follow_undo
        from envol.reconnect import drive_states, retention, states  # noqa: F401
        from envol.reconnect.hooks import on_candidates_changed, persons_reconnecting_automatically

        candidates_changed.connect(on_candidates_changed, dispatch_uid="envol.reconnect.plan")
        if persons_reconnecting_automatically not in notify.QUIET:
            notify.QUIET.append(persons_reconnecting_automatically)
        # Matching's review shows as "followed" what the graph's "followed" group says.
        review.followed_states = tuple(sorted(s.value for s in states.FOLLOWED))
        # A dead worker's drives are released and its runs recorded as crashed (envol.core.healing).
        on_workers_lost = Deferred("envol.reconnect.scheduling.on_workers_lost")
        workers_lost.connect(on_workers_lost, weak=False, dispatch_uid="envol.reconnect.workers_lost")
        # The engine's heartbeat job: promotions, wake-ups, lost wake-ups made up.
        keep_schedule = Deferred("envol.reconnect.scheduling.keep_schedule")
        every("reconnect.schedule", interval=each_beat, queued=False)(keep_schedule)
        # The periodic repair of carried-over X blocks (decision 0026).
        blocks = "envol.reconnect.block_plan"
        repair = Deferred(f"{blocks}.plan_everyones_blocks")
        every("reconnect.blocks", interval=Deferred(f"{blocks}.repair_interval"), at_start=False)(repair)
        # Erasure may ask the engine to remove a person's follows first (envol.privacy.pending).
        erasure = "envol.reconnect.erasure"
        register_follow_undo(
            FollowUndo(
                undoable=Deferred(f"{erasure}.undoable"),
                start=Deferred(f"{erasure}.start"),
                progress=Deferred(f"{erasure}.progress"),
            )
        )
        # The run log is pruned by the periodic retention job (ENVOL_DRIVE_RUN_RETENTION_DAYS).
        retention.register()
        # "Your people" reads with the session on PostgreSQL (envol.core.prefetch, decision 0034).
        prefetch.register("people", Deferred("envol.reconnect.people.page_reads"))
