from django.apps import AppConfig


class GraphConfig(AppConfig):
    name = "envol.graph"
    label = "graph"
    verbose_name = "Follow graph"

    def ready(self) -> None:
        from envol.graph import partitions  # noqa: F401  (declares the periodic tidying of partitions)
