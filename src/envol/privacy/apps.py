from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "envol.privacy"
    label = "privacy"
    verbose_name = "Privacy: consents, audit log, erasure proofs"

    def ready(self) -> None:
        # The built-in revocation hooks (Mastodon today), the audited admin pages, the inventories
        # declared for other packages' models and the retention job (envol.core.periodic) register
        # themselves on import.
        from envol.privacy import audited_admin, declarations, retention, revokers  # noqa: F401
