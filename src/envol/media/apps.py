from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "envol.media"
    label = "media"
    verbose_name = "Media directory"
