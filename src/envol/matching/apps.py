from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "envol.matching"
    label = "matching"
    verbose_name = "Matching: candidates to reconnect with"

    def ready(self) -> None:
        # Connects the registry and archive signals to the incremental refresh.
        from envol.matching import hooks  # noqa: F401
