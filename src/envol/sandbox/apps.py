from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SandboxConfig(AppConfig):
    name = "envol.sandbox"
    verbose_name = _("Sandbox")
