from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "envol.registry"
    label = "registry"
    verbose_name = "Persons and accounts"
