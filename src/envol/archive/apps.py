from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "envol.archive"
    label = "archive"
    verbose_name = "X archive imports"
