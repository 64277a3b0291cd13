from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "envol.stats"
    label = "stats"
    verbose_name = "Public figures"

    def ready(self) -> None:
        from envol.stats import tasks  # noqa: F401  (declares the periodic job)
