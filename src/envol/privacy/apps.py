from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "envol.privacy"
    label = "privacy"
    verbose_name = _("Privacy: consents, audit log, erasure proofs")

    def ready(self) -> None:
        # The audited admin pages, the inventories declared for other packages' models and the
        # retention job (envol.core.periodic) register themselves on import.
        from envol.core.deferred import Deferred
        from envol.core.ids import Platform
        from envol.privacy import audited_admin, declarations, retention  # noqa: F401
        from envol.privacy.hooks import register_revoker

        # The revokers by name: the platform clients load only when a token is revoked.
        register_revoker(Platform.MASTODON, Deferred("envol.privacy.revokers.revoke_mastodon"))
        register_revoker(Platform.BLUESKY, Deferred("envol.privacy.revokers.revoke_bluesky"))
