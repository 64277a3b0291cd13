from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "envol.matching"
    label = "matching"
    verbose_name = "Matching: candidates to reconnect with"

    def ready(self) -> None:
        # Connects the registry and archive signals to the incremental refresh; declares the
        # periodic repair (envol.core.periodic).
        from envol.matching import hooks, tasks  # noqa: F401
