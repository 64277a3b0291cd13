"""The media directory: outlets, the declarations that create and update them, and their history.

An outlet is published only through a declaration that someone confirmed from an address on the
outlet's own web domain and that a moderator approved. Every change of a published field is kept
as an `OutletChange` row (when, what, from which declaration), and every step of a declaration as a
`ModerationEvent` (who, when, what): the audit trail the admin shows.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from envol.privacy.inventory import Basis, ModelInventory, SeenBy, Use


class Kind(models.TextChoices):
    PRESS = "press", _("Press")
    RADIO = "radio", _("Radio")
    TV = "tv", _("Television")
    AGENCY = "agency", _("News agency")
    ONLINE = "online", _("Online media")
    OTHER = "other", _("Other")


class Status(models.TextChoices):
    CONSIDERING = "considering", _("Considering leaving X")
    LEAVING = "leaving", _("Leaving X on a date")
    LEFT = "left", _("Has left X")
    STAYING = "staying", _("Staying on X, supports the move")


#: The fields a declaration sets on its outlet, in the order forms, feeds and history show them.
DECLARED_FIELDS: tuple[str, ...] = (
    "name",
    "country",
    "website",
    "kind",
    "status",
    "leaving_on",
    "bluesky",
    "mastodon",
    "x_handle",
    "share_button_removed",
    "statement_url",
)


class MediaOutlet(models.Model):
    PRIVACY = ModelInventory(
        summary=_("a media outlet in the public directory (an organisation, not a person)"),
        uses=(
            Use(
                tuple(
                    [
                        "id",
                        "name",
                        "slug",
                        "country",
                        "website",
                        "domain",
                        "kind",
                        "status",
                        "leaving_on",
                        "bluesky",
                        "mastodon",
                        "x_handle",
                        "share_button_removed",
                        "statement_url",
                        "published",
                        "created_at",
                        "updated_at",
                        "status_since",
                        "share_button_removed_since",
                    ]
                ),
                what=_("the outlet's name, site, accounts and declared position, with their dates"),
                purpose=_("the public media directory: which outlets leave X, and where to follow them"),
                basis=Basis.LEGITIMATE_INTEREST,
                retention=_("as long as the outlet stays in the directory"),
                seen_by=SeenBy.EVERYONE,
            ),
        ),
    )

    name = models.CharField(max_length=200, verbose_name=_("name"))
    slug = models.SlugField(max_length=80, unique=True, verbose_name=_("address on Envol"))
    country = models.CharField(
        max_length=2, help_text=_("ISO 3166-1 alpha-2 code, upper case"), verbose_name=_("country")
    )
    website = models.URLField(max_length=300, verbose_name=_("web site"))
    # The web domain (host without `www.`): one outlet per domain, and declarations must come from
    # an address on it.
    domain = models.CharField(max_length=253, unique=True, verbose_name=_("web domain"))
    kind = models.CharField(max_length=16, choices=Kind.choices, verbose_name=_("kind of outlet"))
    status = models.CharField(max_length=16, choices=Status.choices, verbose_name=_("position"))
    leaving_on = models.DateField(null=True, blank=True, verbose_name=_("leaves X on"))
    bluesky = models.CharField(
        max_length=255, blank=True, help_text=_("handle or DID"), verbose_name=_("Bluesky account")
    )
    mastodon = models.CharField(
        max_length=255, blank=True, help_text=_("user@domain"), verbose_name=_("Mastodon account")
    )
    x_handle = models.CharField(max_length=15, blank=True, verbose_name=_("X account"))
    share_button_removed = models.BooleanField(default=False, verbose_name=_("“share on X” button removed"))
    statement_url = models.URLField(max_length=500, blank=True, verbose_name=_("public statement"))
    published = models.BooleanField(default=False, verbose_name=_("published"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    status_since = models.DateTimeField(verbose_name=_("position since"))
    share_button_removed_since = models.DateTimeField(
        null=True, blank=True, verbose_name=_("button removed since")
    )

    class Meta:
        verbose_name = _("media outlet")
        verbose_name_plural = _("media outlets")
        indexes = [
            models.Index(fields=["published", "status"], name="media_outlet_status"),
            models.Index(fields=["published", "country"], name="media_outlet_country"),
        ]

    def __str__(self) -> str:
        return self.name


class OutletChange(models.Model):
    """One field of a published outlet changed: the dates of each change the directory shows."""

    PRIVACY = ModelInventory(
        summary=_("one change of a media outlet's public entry"),
        uses=(
            Use(
                ("id", "outlet", "changed_at", "field", "old_value", "new_value", "declaration"),
                what=_("which field of the outlet changed, from what to what, and when"),
                purpose=_("the public media directory: which outlets leave X, and where to follow them"),
                basis=Basis.LEGITIMATE_INTEREST,
                retention=_("as long as the outlet stays in the directory"),
                seen_by=SeenBy.EVERYONE,
            ),
        ),
    )

    outlet = models.ForeignKey(
        MediaOutlet, on_delete=models.CASCADE, related_name="changes", verbose_name=_("outlet")
    )
    changed_at = models.DateTimeField(verbose_name=_("changed at"))
    field = models.CharField(max_length=32, verbose_name=_("field"))
    old_value = models.TextField(blank=True, verbose_name=_("old value"))
    new_value = models.TextField(blank=True, verbose_name=_("new value"))
    declaration = models.ForeignKey(
        "Declaration", null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("declaration")
    )

    class Meta:
        verbose_name = _("change of an outlet")
        verbose_name_plural = _("changes of outlets")
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.outlet}: {self.field} {self.old_value!r} → {self.new_value!r}"  # logs and shell only


class DeclarationState(models.TextChoices):
    UNCONFIRMED = "unconfirmed", _("waiting for the e-mail confirmation")
    PENDING = "pending", _("confirmed, waiting for moderation")
    APPROVED = "approved", _("approved and published")
    REJECTED = "rejected", _("rejected")


class Declaration(models.Model):
    """What someone of an outlet declared, from the form to the moderator's decision."""

    PRIVACY = ModelInventory(
        summary=_("a declaration sent for a media outlet, waiting for confirmation or moderation"),
        uses=(
            Use(
                ("email",),
                what=_("the declarant's e-mail address on the outlet's own domain"),
                purpose=_("confirming that the declaration comes from the outlet"),
                basis=Basis.LEGITIMATE_INTEREST,
                retention=_(
                    "unconfirmed declarations: 7 days; the address is erased 90 days after the decision"
                ),
                seen_by=SeenBy.OPERATOR,
            ),
            Use(
                tuple(
                    [
                        "id",
                        "outlet",
                        "data",
                        "domain",
                        "language",
                        "state",
                        "created_at",
                        "confirmed_at",
                        "decided_at",
                        "decided_by",
                        "note",
                    ]
                ),
                what=_("the declared fields, the outlet's domain, the state and the moderator's decision"),
                purpose=_("the public media directory: which outlets leave X, and where to follow them"),
                basis=Basis.LEGITIMATE_INTEREST,
                retention=_("unconfirmed declarations: 7 days; the others as long as the outlet is listed"),
                seen_by=SeenBy.OPERATOR,
            ),
        ),
    )

    # Set for an update of a known outlet, and on approval of a first declaration.
    outlet = models.ForeignKey(
        MediaOutlet,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="declarations",
        verbose_name=_("outlet"),
    )
    data = models.JSONField(
        help_text=_("the declared fields, as the form cleaned them"), verbose_name=_("declared fields")
    )
    email = models.EmailField(max_length=254, verbose_name=_("declarant's e-mail address"))
    domain = models.CharField(
        max_length=253,
        help_text=_("the outlet's web domain the address belongs to"),
        verbose_name=_("web domain"),
    )
    language = models.CharField(max_length=8, default="en", verbose_name=_("language"))
    state = models.CharField(max_length=16, choices=DeclarationState.choices, verbose_name=_("state"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("sent at"))
    confirmed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("confirmed at"))
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    decided_by = models.CharField(max_length=150, blank=True, verbose_name=_("decided by"))
    note = models.TextField(
        blank=True,
        help_text=_("the moderator's note (kept in the audit trail)"),
        verbose_name=_("moderator's note"),
    )

    class Meta:
        verbose_name = _("declaration")
        verbose_name_plural = _("declarations")
        indexes = [
            models.Index(fields=["email", "created_at"], name="media_declaration_email"),
            models.Index(fields=["domain", "created_at"], name="media_declaration_domain"),
            models.Index(fields=["state", "created_at"], name="media_declaration_state"),
        ]

    def __str__(self) -> str:
        name = self.data.get("name", self.domain)
        return _("declaration %(id)s for %(name)s (%(state)s)") % {
            "id": self.pk,
            "name": name,
            "state": self.get_state_display(),
        }


class ModerationEvent(models.Model):
    """The audit trail: who did what to a declaration, and when."""

    PRIVACY = ModelInventory(
        summary=_("one step of a declaration's moderation (the audit trail)"),
        uses=(
            Use(
                ("id", "declaration", "at", "actor", "action", "detail"),
                what=_("who (an operator's user name, or the declarant) did what, and when"),
                purpose=_("the moderation's audit trail"),
                basis=Basis.LEGITIMATE_INTEREST,
                retention=_("with its declaration"),
                seen_by=SeenBy.OPERATOR,
            ),
        ),
    )

    declaration = models.ForeignKey(
        Declaration, on_delete=models.CASCADE, related_name="events", verbose_name=_("declaration")
    )
    at = models.DateTimeField(verbose_name=_("at"))
    actor = models.CharField(
        max_length=150, help_text=_("an operator's user name, or `declarant`"), verbose_name=_("by")
    )
    action = models.CharField(max_length=32, verbose_name=_("action"))
    detail = models.TextField(blank=True, verbose_name=_("detail"))

    class Meta:
        verbose_name = _("moderation step")
        verbose_name_plural = _("moderation steps")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action}"


class OutletFigure(models.Model):
    """An outlet's migration figures, computed by the periodic task (never per request)."""

    PRIVACY = ModelInventory(
        summary=_("a media outlet's figures on one network"),
        uses=(
            Use(
                ("id", "outlet", "network", "followers_found", "reconnected", "computed_at"),
                what=_(
                    "how many of the outlet's X followers were found on the network, how many of them "
                    "follow it there through Envol, and when"
                ),
                purpose=_("the public media directory: which outlets leave X, and where to follow them"),
                basis=Basis.LEGITIMATE_INTEREST,
                retention=_("replaced at each periodic count"),
                seen_by=SeenBy.EVERYONE,
            ),
        ),
    )

    outlet = models.ForeignKey(
        MediaOutlet, on_delete=models.CASCADE, related_name="figures", verbose_name=_("outlet")
    )
    network = models.CharField(max_length=16, verbose_name=_("network"))
    followers_found = models.PositiveBigIntegerField(verbose_name=_("followers found"))
    reconnected = models.PositiveBigIntegerField(
        default=0, verbose_name=_("following it through Envol")
    )  # follows of the outlet Envol made
    computed_at = models.DateTimeField(verbose_name=_("counted at"))

    class Meta:
        verbose_name = _("figure of an outlet")
        verbose_name_plural = _("figures of outlets")
        constraints = [
            models.UniqueConstraint(fields=["outlet", "network"], name="media_figure_one_per_network")
        ]

    def __str__(self) -> str:
        return f"{self.outlet} on {self.network}: {self.followers_found} followers found"
