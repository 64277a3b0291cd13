from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "envol.privacy"
    label = "privacy"
    verbose_name = _("Privacy: consents, audit log, erasure proofs")

    def ready(self) -> None:
        # The built-in revocation hooks (Mastodon today), the audited admin pages and the
        # inventories declared for other packages' models register themselves on import.
        from envol.core.worker import STARTUP_HOOKS
        from envol.privacy import audited_admin, declarations, revokers  # noqa: F401
        from envol.privacy.retention import schedule

        if schedule not in STARTUP_HOOKS:
            STARTUP_HOOKS.append(schedule)  # every worker makes sure the retention task is queued
