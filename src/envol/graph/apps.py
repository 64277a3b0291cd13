from django.apps import AppConfig


class GraphConfig(AppConfig):
    name = "envol.graph"
    label = "graph"
    verbose_name = "Follow graph"

    def ready(self) -> None:
        from envol.core.worker import worker_tick
        from envol.graph.partitions import on_worker_tick

        worker_tick.connect(on_worker_tick, dispatch_uid="envol.graph.drop_orphans")
