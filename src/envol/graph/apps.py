from django.apps import AppConfig


class GraphConfig(AppConfig):
    name = "envol.graph"
    label = "graph"
    verbose_name = "Follow graph"
