from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "envol.stats"
    label = "stats"
    verbose_name = "Public figures"
