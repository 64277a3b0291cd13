from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "envol.matching"
    label = "matching"
    verbose_name = "Matching: candidates to reconnect with"

    def ready(self) -> None:
        # Connects the registry and archive signals to the incremental refresh; declares the
        # periodic repair (envol.core.periodic).
        from envol.matching import hooks, tasks  # noqa: F401
        from envol.matching.candidates import exported
        from envol.privacy.hooks import register_exporter

        register_exporter("candidates", exported)  # a person's export lists who of their X people is where
        from envol.matching import retention

        retention.register()  # cached names and avatars go once nobody's list names them
