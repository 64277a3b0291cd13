from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "envol.web"
    label = "web"
    verbose_name = "Envol web pages"

    def ready(self) -> None:
        from envol.core import pagecache

        # Templates and settings only: they change with a new release, which restarts the processes.
        for name in ("home", "how", "faq", "privacy", "legal"):
            pagecache.register(name)
