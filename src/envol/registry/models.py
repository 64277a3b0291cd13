"""A person owns accounts; an account is a stable id on one platform, verified or only claimed.

Only verified accounts ever cause an automatic follow (the design's trust rules). Keys are stable
ids (X numeric id, Bluesky DID, Mastodon actor URI), never handles: handles change.
"""

from __future__ import annotations

from django.db import models

from envol.core.fields import EncryptedTextField
from envol.core.ids import Platform


class Person(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"person {self.pk}"


class MastodonApp(models.Model):
    """Envol's app registration on one Mastodon instance, reused by every person of that instance.

    Keyed by (handle domain, address, redirect URI). The address (`base_url`) is where the app was
    registered and the only place its secret and the tokens it issued are ever sent: it never changes
    after registration, whatever a server later claims (docs/threat-model.md). The domain is the one
    proven at that address (platforms/mastodon/authority.py). The redirect URI is part of the
    registration, so a change of Envol's public address needs a new app. Deleted and registered again
    when the instance at that address no longer knows the client (Mastodon once vacuumed unused apps).
    """

    domain = models.CharField(max_length=255)  # the handle domain: `domain` of `user@domain`
    base_url = models.CharField(max_length=512)  # where the API answers (may differ from the domain)
    client_id = models.CharField(max_length=255)
    client_secret = EncryptedTextField()
    scopes = models.CharField(max_length=255)
    redirect_uri = models.CharField(max_length=512)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["domain", "base_url", "redirect_uri"], name="mastodon_app_unique_address"
            ),
        ]

    def __str__(self) -> str:
        return f"Envol app on {self.domain}"


class BlueskyAuth(models.TextChoices):
    OAUTH = "oauth", "AT Protocol OAuth (DPoP-bound tokens)"
    APP_PASSWORD = "app_password", "app password session"


class Verification(models.TextChoices):
    VERIFIED = "verified", "verified (signed in)"
    CLAIMED = "claimed", "claimed (not proven)"


class Account(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="accounts")
    platform = models.CharField(max_length=16, choices=[(p.value, p.name.title()) for p in Platform])
    stable_id = models.CharField(max_length=512)
    handle = models.CharField(max_length=255, blank=True)
    display_name = models.CharField(max_length=255, blank=True)
    verification = models.CharField(max_length=16, choices=Verification.choices)
    # X accounts only: the keyed pseudonym of the X id, the value graph edges carry, so that
    # matching can join edges to accounts without ever storing third parties' ids in clear.
    x_key = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    # Mastodon (later Bluesky): the person's token, encrypted at rest, and the scope it was granted.
    # X accounts never hold one: X's token is revoked as soon as it told us who signed in.
    access_token = EncryptedTextField(null=True, blank=True)
    token_scope = models.CharField(max_length=255, blank=True)
    mastodon_app = models.ForeignKey(MastodonApp, null=True, blank=True, on_delete=models.SET_NULL)
    # Set when the platform said the stored token no longer works (AuthExpired): nothing is done
    # with the account until the person signs in with it again, which clears it.
    needs_reauth = models.BooleanField(default=False)
    reauth_reason = models.CharField(max_length=255, blank=True)
    # Bluesky: how Envol acts for the account (registry/bluesky_tokens.py). The refresh token and
    # the DPoP private key are encrypted like the access token; the PDS and the issuer are the ones
    # re-verified at sign-in, where the tokens are used and refreshed.
    auth_kind = models.CharField(max_length=16, choices=BlueskyAuth.choices, blank=True)
    refresh_token = EncryptedTextField(null=True, blank=True)
    dpop_key = EncryptedTextField(null=True, blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    pds_url = models.CharField(max_length=512, blank=True)
    auth_issuer = models.CharField(max_length=512, blank=True)
    # The OAuth client the grant was made to: refreshing and revoking must present the same one.
    auth_client_id = models.CharField(max_length=1024, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["platform", "stable_id"], name="account_unique_stable_id"),
        ]
        indexes = [models.Index(fields=["x_key"], name="account_x_key")]

    def __str__(self) -> str:
        return f"{self.platform}:{self.handle or self.stable_id} ({self.verification})"

    @property
    def is_verified(self) -> bool:
        return self.verification == Verification.VERIFIED
