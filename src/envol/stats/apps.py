from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "envol.stats"
    label = "stats"
    verbose_name = "Public figures"

    def ready(self) -> None:
        from envol.core import pagecache
        from envol.stats import tasks  # noqa: F401  (declares the periodic job)
        from envol.stats.service import version

        pagecache.register("stats_figures", version)
