from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "envol.privacy"
    label = "privacy"
    verbose_name = "Privacy: consents, audit log, erasure proofs"

    def ready(self) -> None:
        # The built-in revocation hooks (Mastodon today) and the audited admin pages register
        # themselves on import; so does the retention job (envol.core.periodic).
        from envol.privacy import audited_admin, retention, revokers  # noqa: F401
