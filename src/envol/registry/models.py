"""A person owns accounts; an account is a stable id on one platform, verified or only claimed.

Only verified accounts ever cause an automatic follow (the design's trust rules). Keys are stable
ids (X numeric id, Bluesky DID, Mastodon actor URI), never handles: handles change.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from envol.core.fields import EncryptedTextField
from envol.core.ids import Platform


class Findable(models.TextChoices):
    """Who sees the person's Bluesky and Mastodon accounts through Envol (matching applies it).

    An archive is not signed, so "everyone whose archive lists me" includes anyone who writes the
    person's X id into a file; "confirmed" asks the person's own upload to agree (they followed, or
    were followed by, whoever is shown them); "nobody" keeps them out of everyone's lists while they
    still follow others. UNCHOSEN is a new person who has not answered yet: shown to nobody, never a
    silent default (docs/decisions/0019-who-can-find-me.md).
    """

    EVERYONE = "everyone", "everyone whose archive lists me"
    CONFIRMED = "confirmed", "only people my own archive confirms"
    NOBODY = "nobody", "nobody"
    UNCHOSEN = "", "not chosen yet"


class Person(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    # db_default as well: rows written by raw SQL (bulk tools, benchmarks) are unchosen too.
    findable_by = models.CharField(
        max_length=16,
        choices=Findable.choices,
        blank=True,
        default=Findable.UNCHOSEN,
        db_default="",
        verbose_name=_("who can find them"),
    )
    findable_chosen_at = models.DateTimeField(null=True, blank=True, verbose_name=_("chosen at"))
    # Persons who existed before the choice keep today's behaviour (everyone) and are told once.
    findable_notice = models.BooleanField(default=False, db_default=False, verbose_name=_("told once"))

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")

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

    domain = models.CharField(
        max_length=255, verbose_name=_("domain")
    )  # the handle domain: `domain` of `user@domain`
    base_url = models.CharField(
        max_length=512, verbose_name=_("server address")
    )  # where the API answers (may differ from the domain)
    client_id = models.CharField(max_length=255, verbose_name=_("client id"))
    client_secret = EncryptedTextField()
    # The narrowest scopes this server honours, as learned: the narrow ones first; `read write` once
    # the server granted the narrow ones and then refused them (Takahē; decision 0020).
    scopes = models.CharField(max_length=255, verbose_name=_("scopes"))
    # When the server last refused the narrow scopes after granting them; null while they work.
    narrow_refused_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("narrow scopes refused at")
    )
    redirect_uri = models.CharField(max_length=512, verbose_name=_("callback address"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("Mastodon app")
        verbose_name_plural = _("Mastodon apps")
        constraints = [
            models.UniqueConstraint(
                fields=["domain", "base_url", "redirect_uri"], name="mastodon_app_unique_address"
            ),
        ]

    def __str__(self) -> str:
        return f"Envol app on {self.domain}"


class BlueskyAuth(models.TextChoices):
    OAUTH = "oauth", _("AT Protocol OAuth (DPoP-bound tokens)")
    APP_PASSWORD = "app_password", _("app password session")


class Verification(models.TextChoices):
    VERIFIED = "verified", _("verified (signed in)")
    CLAIMED = "claimed", _("claimed (not proven)")


class Account(models.Model):
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="accounts", verbose_name=_("person")
    )
    platform = models.CharField(
        max_length=16, choices=[(p.value, p.name.title()) for p in Platform], verbose_name=_("network")
    )
    stable_id = models.CharField(max_length=512, verbose_name=_("stable id"))
    handle = models.CharField(max_length=255, blank=True, verbose_name=_("handle"))
    display_name = models.CharField(max_length=255, blank=True, verbose_name=_("display name"))
    verification = models.CharField(
        max_length=16, choices=Verification.choices, verbose_name=_("verification")
    )
    # X accounts only: the keyed pseudonym of the X id, the value graph edges carry, so that
    # matching can join edges to accounts without ever storing third parties' ids in clear.
    x_key = models.BigIntegerField(null=True, blank=True, verbose_name=_("X pseudonym"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    verified_at = models.DateTimeField(null=True, blank=True, verbose_name=_("verified at"))
    # Mastodon (later Bluesky): the person's token, encrypted at rest, and the scope it was granted.
    # X accounts never hold one: X's token is revoked as soon as it told us who signed in.
    access_token = EncryptedTextField(null=True, blank=True)
    token_scope = models.CharField(max_length=255, blank=True, verbose_name=_("token scope"))
    mastodon_app = models.ForeignKey(
        MastodonApp, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("Mastodon app")
    )
    # Set when the platform said the stored token no longer works (AuthExpired): nothing is done
    # with the account until the person signs in with it again, which clears it.
    needs_reauth = models.BooleanField(default=False, verbose_name=_("needs signing in again"))
    reauth_reason = models.CharField(max_length=255, blank=True, verbose_name=_("why"))
    # Bluesky: how Envol acts for the account (registry/bluesky_tokens.py). The refresh token and
    # the DPoP private key are encrypted like the access token; the PDS and the issuer are the ones
    # re-verified at sign-in, where the tokens are used and refreshed.
    auth_kind = models.CharField(
        max_length=16, choices=BlueskyAuth.choices, blank=True, verbose_name=_("kind of authorisation")
    )
    refresh_token = EncryptedTextField(null=True, blank=True)
    dpop_key = EncryptedTextField(null=True, blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True, verbose_name=_("token expires at"))
    pds_url = models.CharField(max_length=512, blank=True, verbose_name=_("PDS address"))
    auth_issuer = models.CharField(max_length=512, blank=True, verbose_name=_("authorisation server"))
    # The OAuth client the grant was made to: refreshing and revoking must present the same one.
    auth_client_id = models.CharField(max_length=1024, blank=True, verbose_name=_("OAuth client id"))

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.UniqueConstraint(fields=["platform", "stable_id"], name="account_unique_stable_id"),
        ]
        indexes = [models.Index(fields=["x_key"], name="account_x_key")]

    def __str__(self) -> str:
        return f"{self.platform}:{self.handle or self.stable_id} ({self.verification})"

    @property
    def is_verified(self) -> bool:
        return self.verification == Verification.VERIFIED
