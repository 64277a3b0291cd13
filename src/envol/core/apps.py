from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "envol.core"
    label = "core"
    verbose_name = "Envol core"
