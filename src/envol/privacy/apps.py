from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "envol.privacy"
    label = "privacy"
    verbose_name = _("Privacy: consents, audit log, erasure proofs")

    def ready(self) -> None:
        # The built-in revocation hooks (Mastodon today), the audited admin pages, the inventories
        # declared for other packages' models and the retention job (envol.core.periodic) register
        # themselves on import.
        from envol.privacy import audited_admin, declarations, retention, revokers  # noqa: F401
