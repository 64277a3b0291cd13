"""Materialised candidates, and the caches and preferences around them.

`Candidate` is the table the review page, the JSON API and the reconnection engine read: one row per
(person, network, target address). It is rebuilt by set-based SQL (envol.matching.materialise), so
nothing here is written row by row in bulk paths. Rows of kind *verified* come from the graph and the
verified registry; *bridged* rows are verified contacts reachable through Bridgy Fed; *suggestion*
rows are addresses nobody proved (a bio, an operator's list) and are never followed automatically.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from envol.archive.models import ArchiveImport
from envol.privacy.inventory import MIGRATION, UNTIL_ERASURE, Basis, Export, ModelInventory, SeenBy, Use
from envol.registry.models import Account, Person


class Kind(models.TextChoices):
    VERIFIED = "verified", "verified"
    BRIDGED = "bridged", "bridged (Bridgy Fed)"
    SUGGESTION = "suggestion", "suggestion (not verified)"


class Unavailable(models.TextChoices):
    """Why a target cannot be followed (empty: it can). Moved targets are followed at `moved_to`."""

    NONE = "", "available"
    MOVED = "moved", "moved"
    DEACTIVATED = "deactivated", "deactivated"
    DELETED = "deleted", "deleted"
    SUSPENDED = "suspended", "suspended"
    IMPERSONATION = "impersonation", "labelled as impersonation"


class Candidate(models.Model):
    PRIVACY = ModelInventory(
        summary=_("someone you knew on X whom Envol found on Bluesky or Mastodon"),
        uses=(
            Use(
                (
                    "id",
                    "person",
                    "network",
                    "address",
                    "kind",
                    "target_person",
                    "target_account",
                    "handle",
                    "followee",
                    "follower",
                ),
                what=_("who it is on the network, how Envol found them, and how you were linked on X"),
                purpose=MIGRATION,
                basis=Basis.CONTRACT,
                retention=_("recomputed from your lists and the registry; gone with either"),
                seen_by=SeenBy.YOU_AND_OPERATOR,
            ),
            Use(
                (
                    "unavailable",
                    "moved_to",
                    "unavailable_since",
                    "dismissed_at",
                    "first_seen_at",
                    "notified_at",
                ),
                what=_(
                    "whether the account moved or is gone, whether you set it aside, when it appeared "
                    "and when you were told"
                ),
                purpose=MIGRATION,
                basis=Basis.CONTRACT,
                retention=UNTIL_ERASURE,
                seen_by=SeenBy.YOU_AND_OPERATOR,
            ),
        ),
        owner_field="person",
    )

    # No foreign-key constraints (Django still cascades deletes): refreshes write millions of rows,
    # and PostgreSQL would check each one at commit (decision 0006, as decision 0003 for edges).
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    network = models.CharField(max_length=16)  # Platform.BLUESKY or Platform.MASTODON
    # The stable id to follow: a DID or an actor URI for verified rows, `handle@bsky.brid.gy` or
    # `user.instance.ap.brid.gy` for bridged rows, the address as found for suggestions.
    address = models.CharField(max_length=512)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # The proven person and account behind the address (verified and bridged rows); null for suggestions.
    target_person = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    # DO_NOTHING: an unlinked account's rows are removed by the refresh its unlinking triggers, which
    # also tells the reconnection engine (a cascade here would delete them unseen).
    target_account = models.ForeignKey(
        Account,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    handle = models.CharField(max_length=512, blank=True)  # informative only: handles change
    followee = models.BooleanField(default=False)  # the person follows the target on X
    follower = models.BooleanField(default=False)  # the target follows the person on X
    unavailable = models.CharField(max_length=16, choices=Unavailable.choices, blank=True, default="")
    moved_to = models.CharField(max_length=512, blank=True)  # `user@domain` of the new account
    unavailable_since = models.DateTimeField(null=True, blank=True)
    dismissed_at = models.DateTimeField(null=True, blank=True)
    first_seen_at = models.DateTimeField()
    # Notification bookkeeping: when the person was told about this row (page notice or e-mail).
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "network", "address"], name="candidate_unique"),
        ]
        # Every index costs each of the millions of rows a refresh may write: only what is read.
        # The unique constraint also serves "the rows of person P" and the review's keyset pages
        # (network, address order); no index on the account.
        indexes = [
            models.Index(fields=["target_person"], name="candidate_target"),  # incremental refresh
        ]

    def __str__(self) -> str:
        return f"{self.person_id} → {self.network}:{self.handle or self.address} ({self.kind})"

    @property
    def mutual(self) -> bool:
        return self.followee and self.follower


class Disclosure(models.Model):
    """A target shown to a person on that person's own word alone: their archive lists the target,
    and no archive of the target's says they were linked (uncorroborated).

    An archive is not signed, so such rows are what a forged list of ids could reveal. Each person
    gets at most ``ENVOL_MATCHING_UNCORROBORATED_LIMIT`` of them in a lifetime, first come first served:
    replacing the archive with another list does not give a fresh allowance (decision 0019). Written
    by the set-based refresh (envol.matching.materialise), never row by row.
    """

    PRIVACY = ModelInventory(
        summary=_("someone Envol showed you on your own archive's word alone"),
        uses=(
            Use(
                ("id", "person", "target_person", "first_at"),
                what=_(
                    "who was shown to you because only your archive listed them, and when: it bounds "
                    "how many such people one archive can reveal"
                ),
                purpose=_("keeping a forged archive from revealing who is on Envol"),
                basis=Basis.LEGITIMATE_INTEREST,
                retention=_("until you or they leave Envol"),
                seen_by=SeenBy.SERVICE,
            ),
        ),
        owner_field="person",
    )

    # No foreign-key constraints, as for Candidate: refreshes write them in bulk (decision 0006).
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    target_person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    first_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "target_person"], name="disclosure_unique"),
        ]
        indexes = [models.Index(fields=["target_person"], name="disclosure_target")]  # erasure

    def __str__(self) -> str:
        return f"{self.person_id} was shown {self.target_person_id}"


class TargetProfile(models.Model):
    """What a platform says about one target address: display name, avatar, availability.

    Shared by every person who has the target as a candidate; fetched by a background task and
    never while a page is served. `next_check_at` spaces re-checks out (a back-off for targets that
    are gone), so a deleted account is not asked about forever.
    """

    PRIVACY = ModelInventory(
        summary=_("the public profile of an account someone may follow (a cache)"),
        uses=(
            Use(
                (
                    "id",
                    "account",
                    "network",
                    "address",
                    "display_name",
                    "avatar_url",
                    "avatar",
                    "avatar_type",
                    "state",
                    "moved_to",
                    "state_since",
                    "checked_at",
                    "next_check_at",
                    "failures",
                ),
                what=_("its public name and picture, and whether it moved or is gone"),
                purpose=MIGRATION,
                basis=Basis.LEGITIMATE_INTEREST,
                retention=_(
                    "refreshed every few days; deleted with the account (unlinked or erased), and as "
                    "soon as no list of people found names it"
                ),
                seen_by=SeenBy.YOUR_PEOPLE,
            ),
        ),
    )

    # The verified account this describes: deleting the account (unlinked, or its person erased)
    # deletes its cached name and picture with it (decision 0023).
    account = models.ForeignKey(
        "registry.Account", null=True, blank=True, on_delete=models.CASCADE, related_name="target_profiles"
    )
    network = models.CharField(max_length=16)
    address = models.CharField(max_length=512)
    display_name = models.CharField(max_length=255, blank=True)
    avatar_url = models.URLField(max_length=1024, blank=True)  # where the platform serves it
    # The image itself, served by Envol: pages never make the browser call a third party.
    avatar = models.BinaryField(null=True, blank=True)
    avatar_type = models.CharField(max_length=32, blank=True)
    state = models.CharField(max_length=16, choices=Unavailable.choices, blank=True, default="")
    moved_to = models.CharField(max_length=512, blank=True)
    state_since = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveSmallIntegerField(default=0)  # consecutive checks that found it gone

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["network", "address"], name="target_profile_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.network}:{self.address}"


class BridgeLookup(models.Model):
    """A cached WebFinger answer from a Bridgy Fed domain: is this verified account bridged?

    One row per verified account seen from the other network: a Bluesky DID looked up as
    ``handle@bsky.brid.gy``, a Mastodon actor looked up as ``user.instance.ap.brid.gy``. Expires, so
    an account that opts in (or out) later is seen again.
    """

    PRIVACY = ModelInventory(
        summary=_("whether an account is reachable through the Bridgy Fed bridge (a cache)"),
        uses=(
            Use(
                ("id", "network", "stable_id", "bridged_address", "found", "checked_at", "expires_at"),
                what=_("the account, its bridged address if any, and when the bridge was asked"),
                purpose=MIGRATION,
                basis=Basis.LEGITIMATE_INTEREST,
                retention=_("until the answer expires"),
                seen_by=SeenBy.SERVICE,
            ),
        ),
    )

    network = models.CharField(max_length=16)  # the account's own network
    stable_id = models.CharField(max_length=512)  # its DID or actor URI
    bridged_address = models.CharField(max_length=512)  # how the other network reaches it
    found = models.BooleanField()  # the bridge knows the account (it opted in)
    checked_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["network", "stable_id"], name="bridge_lookup_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.bridged_address}: {'bridged' if self.found else 'not bridged'}"


class Suggestion(models.Model):
    """An unverified address someone may be: found in an archive owner's own profile, or imported.

    `x_key` ties it to the graph (the pseudonym of the X account the address belongs to), so a
    person whose X lists hold that key sees the address as a suggestion. A profile's suggestions
    belong to the import they were read from (`archive_import`): replacing or erasing that import
    deletes them, and others see them only while its owner is verified (as with the owner's lists).
    Two imports may say the same of one X account (a claimed copy and the verified owner's), so
    profile rows are unique per import, operator rows per X account.
    """

    PRIVACY = ModelInventory(
        summary=_("an address found for an X account, not proved by its owner"),
        uses=(
            Use(
                ("x_key",),
                what=_("the keyed pseudonym of the X account it was found for"),
                purpose=MIGRATION,
                basis=Basis.LEGITIMATE_INTEREST,
                retention=_("until the archive it came from is replaced or erased"),
                seen_by=SeenBy.SERVICE,
                export=Export.OMIT,
                admin_visible=False,
            ),
            Use(
                ("id", "network", "address", "source", "archive_import", "created_at"),
                what=_("the address and where it was found (a bio, an operator's list)"),
                purpose=MIGRATION,
                basis=Basis.LEGITIMATE_INTEREST,
                retention=_("until the archive it came from is replaced or erased"),
                # The address in your bio is shown, as a suggestion, to those who knew you on X.
                seen_by=SeenBy.YOUR_PEOPLE,
            ),
        ),
    )

    class Source(models.TextChoices):
        PROFILE = "profile", "the archive owner's own profile"
        OPERATOR = "operator", "an operator-imported list"

    x_key = models.BigIntegerField()
    network = models.CharField(max_length=16)
    address = models.CharField(max_length=512)
    source = models.CharField(max_length=16, choices=Source.choices)
    # The import whose profile.js said it (profile rows only), deleted with it. The rows are written
    # after the import commits, under a lock on its row, which the ingestion service also takes
    # before deleting a previous import: a row written meanwhile is never left pointing at nothing.
    archive_import = models.ForeignKey(
        ArchiveImport, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["x_key", "network", "address"],
                condition=models.Q(archive_import__isnull=True),
                name="suggestion_unique",
            ),
            models.UniqueConstraint(
                fields=["archive_import", "network", "address"],
                condition=models.Q(archive_import__isnull=False),
                name="suggestion_unique_per_import",
            ),
            # A profile's row always has its import (so that it goes with it); a list's never.
            models.CheckConstraint(
                condition=models.Q(source="profile", archive_import__isnull=False)
                | models.Q(source="operator", archive_import__isnull=True),
                name="suggestion_profile_has_import",
            ),
        ]
        indexes = [models.Index(fields=["x_key"], name="suggestion_x_key")]

    def __str__(self) -> str:
        return f"{self.network}:{self.address} ({self.source})"


class NotificationPreference(models.Model):
    """Whether and where a person wants to hear about new candidates, and when they last looked."""

    PRIVACY = ModelInventory(
        summary=_("how you want to hear about new people found"),
        uses=(
            Use(
                ("id", "person", "email", "email_opt_in", "language", "last_review_at", "last_emailed_at"),
                what=_(
                    "your e-mail address and whether you want e-mail, your language, and when you "
                    "last looked or were written to"
                ),
                purpose=_("telling you when people you knew join"),
                basis=Basis.CONSENT,
                retention=UNTIL_ERASURE,
                seen_by=SeenBy.YOU_AND_OPERATOR,
            ),
        ),
    )

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField(blank=True)
    email_opt_in = models.BooleanField(default=False)
    language = models.CharField(max_length=8, default="en")  # of the page where they opted in
    last_review_at = models.DateTimeField(null=True, blank=True)  # last visit of the review page
    last_emailed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"notifications of person {self.person_id}"
