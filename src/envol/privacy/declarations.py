"""The privacy inventory of the models this package cannot annotate itself: Django's own tables,
third-party apps, and the models that predate it. New models should carry a ``PRIVACY`` attribute
instead (see envol.privacy.inventory); either way a test fails when something is not declared.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from envol.privacy.inventory import (
    DECLARED_ELSEWHERE,
    MIGRATION,
    OPERATING,
    PROOF,
    UNTIL_ERASURE,
    UNTIL_UNLINK,
    Basis,
    Export,
    ModelInventory,
    SeenBy,
    Use,
)

OPERATORS = _("the operators' own sign-in to the administration pages")
ACCOUNTABILITY = _("showing you, and an audit, who looked at your data and what you agreed to")
ROW_ID = _("row number")
FOREVER_ANONYMOUS = _("kept: it names nobody")
EDGE_RETENTION = _(
    "as long as the archive import it belongs to; "
    "deleted a set time after you declare your migration complete"
)
WHILE_OPERATOR = _("while the operator account exists")


def _operator_table(summary: Promise, fields: tuple[str, ...]) -> ModelInventory:
    use = Use(fields, what=summary, purpose=OPERATORS, basis=Basis.LEGITIMATE_INTEREST,
              retention=WHILE_OPERATOR, seen_by=SeenBy.OPERATOR)  # fmt: skip
    return ModelInventory(summary=summary, uses=(use,))


DECLARATIONS: dict[str, ModelInventory] = {
    "registry.Person": ModelInventory(
        summary=_("you, as a person who owns accounts"),
        uses=(
            Use(
                ("id",),
                what=ROW_ID,
                purpose=MIGRATION,
                basis=Basis.CONTRACT,
                retention=UNTIL_ERASURE,
                seen_by=SeenBy.YOU_AND_OPERATOR,
            ),
            Use(
                ("created_at",),
                what=_("when you first came"),
                purpose=MIGRATION,
                basis=Basis.CONTRACT,
                retention=UNTIL_ERASURE,
                seen_by=SeenBy.YOU_AND_OPERATOR,
            ),
            Use(
                ("findable_by", "findable_chosen_at", "findable_notice"),
                what=_(
                    "who may see your Bluesky and Mastodon accounts through Envol (everyone whose "
                    "archive lists you, only people your own archive confirms, or nobody), when you "
                    "chose it, and whether Envol still has to tell you about this choice"
                ),
                purpose=_("showing your new accounts only to the people you allow"),
                basis=Basis.CONTRACT,
                retention=UNTIL_ERASURE,
                seen_by=SeenBy.YOU_AND_OPERATOR,
            ),
        ),
    ),
    "registry.Account": ModelInventory(
        summary=_("an account of yours on X, Bluesky or Mastodon"),
        uses=(
            Use(
                ("id", "person", "platform", "stable_id", "verification", "created_at", "verified_at"),
                what=_(
                    "the network, the account's stable id (X id, Bluesky DID, Mastodon address), "
                    "whether you proved it, and when"
                ),
                purpose=PROOF,
                basis=Basis.CONTRACT,
                retention=UNTIL_UNLINK,
                seen_by=SeenBy.YOUR_PEOPLE,
            ),
            Use(
                ("handle", "display_name"),
                what=_("handle and display name, refreshed at each sign-in"),
                purpose=MIGRATION,
                basis=Basis.CONTRACT,
                retention=UNTIL_UNLINK,
                seen_by=SeenBy.YOUR_PEOPLE,
            ),
            Use(
                ("x_key",),
                what=_("the keyed pseudonym of your X id, to find you in others' lists"),
                purpose=MIGRATION,
                basis=Basis.CONTRACT,
                retention=UNTIL_UNLINK,
                seen_by=SeenBy.SERVICE,
                export=Export.OMIT,
                admin_visible=False,
            ),
            Use(
                ("access_token",),
                what=_("the key the network gave Envol to act for you, encrypted"),
                purpose=MIGRATION,
                basis=Basis.CONTRACT,
                retention=_(
                    "until you unlink the account or erase your data: it is then revoked at the network"
                ),
                seen_by=SeenBy.SERVICE,
                export=Export.PRESENCE,
                admin_visible=False,
            ),
            Use(
                ("refresh_token", "dpop_key"),
                what=_(
                    "for Bluesky: the key that renews Envol's access, and the private key that access "
                    "is bound to, both encrypted"
                ),
                purpose=MIGRATION,
                basis=Basis.CONTRACT,
                retention=_(
                    "until you unlink the account or erase your data: it is then revoked at the network"
                ),
                seen_by=SeenBy.SERVICE,
                export=Export.PRESENCE,
                admin_visible=False,
            ),
            Use(
                ("auth_kind", "token_expires_at", "pds_url", "auth_issuer", "auth_client_id"),
                what=_(
                    "for Bluesky: how you signed in (OAuth or app password), when the access expires, "
                    "your server and the server that granted the access"
                ),
                purpose=MIGRATION,
                basis=Basis.CONTRACT,
                retention=UNTIL_UNLINK,
                seen_by=SeenBy.YOU_AND_OPERATOR,
            ),
            Use(
                ("token_scope", "mastodon_app", "needs_reauth", "reauth_reason"),
                what=_("what that key allows, which Envol app issued it, and whether it stopped working"),
                purpose=MIGRATION,
                basis=Basis.CONTRACT,
                retention=UNTIL_UNLINK,
                seen_by=SeenBy.YOU_AND_OPERATOR,
            ),
        ),
    ),
    "registry.MastodonApp": ModelInventory(
        summary=_("Envol's registration on a Mastodon instance, shared by everyone on it"),
        uses=(
            Use(
                (
                    "id",
                    "domain",
                    "base_url",
                    "client_id",
                    "scopes",
                    "narrow_refused_at",
                    "redirect_uri",
                    "created_at",
                ),
                what=_("the instance and Envol's app on it (no personal data)"),
                purpose=OPERATING,
                basis=Basis.LEGITIMATE_INTEREST,
                retention=_("as long as the instance accepts it"),
                seen_by=SeenBy.OPERATOR,
            ),
            Use(
                ("client_secret",),
                what=_("the app's secret, encrypted"),
                purpose=OPERATING,
                basis=Basis.LEGITIMATE_INTEREST,
                retention=_("as long as the instance accepts it"),
                seen_by=SeenBy.SERVICE,
                export=Export.PRESENCE,
                admin_visible=False,
            ),
        ),
    ),
    "archive.ArchiveImport": ModelInventory(
        summary=_("the X archive lists you shared (the archive itself is never kept)"),
        uses=(
            Use(
                (
                    "id",
                    "person",
                    "owner_x_id",
                    "owner_handle",
                    "owner_verified",
                    "followers_count",
                    "following_count",
                    "blocked_count",
                    "muted_count",
                    "source",
                    "created_at",
                ),
                what=_(
                    "your X id and handle as the archive names them, whether you proved that X "
                    "account, how many followers and followed accounts it listed (and blocked and "
                    "muted accounts, if you asked Envol to honour them), how and when it was sent"
                ),
                purpose=MIGRATION,
                basis=Basis.CONTRACT,
                retention=_("until you send a new archive (it replaces this one), or erase your data"),
                seen_by=SeenBy.YOU_AND_OPERATOR,
            ),
        ),
    ),
    "graph.Edge": ModelInventory(
        summary=_(
            "one link of your X lists: someone who follows you, whom you follow, or, if you asked "
            "Envol to honour them, whom you blocked or muted"
        ),
        uses=(
            Use(
                ("archive_import", "direction"),
                what=_("which list: followers, following, blocked or muted"),
                purpose=MIGRATION,
                basis=Basis.CONTRACT,
                retention=EDGE_RETENTION,
                seen_by=SeenBy.SERVICE,
            ),
            Use(
                ("x_key",),
                what=_("a keyed pseudonym of the other account's X id, never the id itself"),
                purpose=MIGRATION,
                basis=Basis.CONTRACT,
                retention=EDGE_RETENTION,
                seen_by=SeenBy.SERVICE,
                export=Export.OMIT,
                admin_visible=False,
            ),
        ),
        count_by="direction",
    ),
    "privacy.Consent": ModelInventory(
        summary=_("a choice you made about one use of your data"),
        uses=(
            Use(
                ("id", "person", "purpose", "granted", "text_version", "decided_at"),
                what=_("the use, your answer, the version of the text you read, and when"),
                purpose=ACCOUNTABILITY,
                basis=Basis.LEGAL_OBLIGATION,
                retention=UNTIL_ERASURE,
                seen_by=SeenBy.YOU_AND_OPERATOR,
            ),
        ),
    ),
    "privacy.AuditLogEntry": ModelInventory(
        summary=_("an operator looked at or changed your data"),
        uses=(
            Use(
                ("id", "person", "operator", "action", "target", "at"),
                what=_("which operator, what they did, on which row, and when"),
                purpose=ACCOUNTABILITY,
                basis=Basis.LEGAL_OBLIGATION,
                retention=UNTIL_ERASURE,
                seen_by=SeenBy.YOU_AND_OPERATOR,
            ),
        ),
    ),
    "privacy.ErasureProof": ModelInventory(
        summary=_("proof that an erasure happened, naming nobody"),
        uses=(
            Use(
                (
                    "id",
                    "erased_on",
                    "reason",
                    "rows",
                    "tokens_revoked",
                    "revocations_failed",
                    "follows_undone",
                ),
                what=_(
                    "a random number, the day, why, and rounded counts of what was deleted "
                    "and of the follows Envol removed first"
                ),
                purpose=ACCOUNTABILITY,
                basis=Basis.LEGAL_OBLIGATION,
                retention=FOREVER_ANONYMOUS,
                seen_by=SeenBy.OPERATOR,
            ),
        ),
    ),
    "privacy.PrivacyState": ModelInventory(
        summary=_("your privacy settings and activity"),
        uses=(
            Use(
                ("person", "last_seen_at", "warned_at"),
                what=_("the last day you used Envol, and when you were warned of an erasure for inactivity"),
                purpose=_("erasing the data of people who stopped using Envol"),
                basis=Basis.LEGITIMATE_INTEREST,
                retention=UNTIL_ERASURE,
                seen_by=SeenBy.YOU_AND_OPERATOR,
            ),
            Use(
                ("email",),
                what=_("your e-mail address, if you gave one"),
                purpose=_(
                    "the newsletter if you asked for it, and the warning before an erasure for inactivity"
                ),
                basis=Basis.CONSENT,
                retention=_("until you remove it, or erase your data"),
                seen_by=SeenBy.YOU_AND_OPERATOR,
            ),
            Use(
                ("migration_completed_at", "edges_deleted_at"),
                what=_("when you declared your migration complete, and when your lists were then deleted"),
                purpose=MIGRATION,
                basis=Basis.CONTRACT,
                retention=UNTIL_ERASURE,
                seen_by=SeenBy.YOU_AND_OPERATOR,
            ),
            Use(
                ("erasure_requested_at",),
                what=_(
                    "when you asked to be erased after Envol removes the follows it made for you "
                    "(your erasure waits for that)"
                ),
                purpose=_("erasing your data as you asked, once Envol's follows are removed"),
                basis=Basis.LEGAL_OBLIGATION,
                retention=_("until the erasure, which happens at the latest a set number of days later"),
                seen_by=SeenBy.YOU_AND_OPERATOR,
            ),
        ),
    ),
    "core.WorkerHeartbeat": ModelInventory(
        summary=_("a background worker says it is alive"),
        uses=(
            Use(
                ("worker_id", "hostname", "pid", "started_at", "seen_at"),
                what=_("worker id, machine name, process number, times (no personal data)"),
                purpose=OPERATING,
                basis=Basis.LEGITIMATE_INTEREST,
                retention=_("until the worker stops cleanly"),
                seen_by=SeenBy.OPERATOR,
            ),
        ),
    ),
    "core.PeriodicJob": ModelInventory(
        summary=_("the schedule of a periodic background job"),
        uses=(
            Use(
                ("name", "next_run_at", "running_on", "started_at", "finished_at"),
                what=_("the job's name, when it runs next, which worker runs it, times (no personal data)"),
                purpose=OPERATING,
                basis=Basis.LEGITIMATE_INTEREST,
                retention=_("as long as the service runs"),
                seen_by=SeenBy.OPERATOR,
            ),
        ),
    ),
    "sessions.Session": ModelInventory(
        summary=_("a signed-in browser"),
        uses=(
            Use(
                ("session_key", "session_data", "expire_date"),
                what=_(
                    "a random key, the signed session (which person is signed in, a sign-in in progress), "
                    "its expiry"
                ),
                purpose=OPERATING,
                basis=Basis.CONTRACT,
                retention=_("until you sign out, or two weeks"),
                seen_by=SeenBy.SERVICE,
                export=Export.OMIT,
                admin_visible=False,
            ),
        ),
    ),
    "django_tasks_database.DBTaskResult": ModelInventory(
        summary=_("a piece of background work"),
        uses=(
            Use(
                (
                    "id",
                    "status",
                    "enqueued_at",
                    "started_at",
                    "finished_at",
                    "args_kwargs",
                    "priority",
                    "task_path",
                    "worker_ids",
                    "queue_name",
                    "backend_name",
                    "run_after",
                    "return_value",
                    "exception_class_path",
                    "traceback",
                ),
                what=_("what to do (row numbers, never tokens), when, and how it went"),
                purpose=OPERATING,
                basis=Basis.LEGITIMATE_INTEREST,
                retention=_("until the work is done and cleaned up"),
                seen_by=SeenBy.OPERATOR,
                export=Export.OMIT,
            ),
        ),
    ),
    "admin.LogEntry": ModelInventory(
        summary=_("a change an operator made in the administration pages"),
        uses=(
            Use(
                (
                    "id",
                    "action_time",
                    "user",
                    "content_type",
                    "object_id",
                    "object_repr",
                    "action_flag",
                    "change_message",
                ),
                what=_("which operator changed which row, how, and when"),
                purpose=ACCOUNTABILITY,
                basis=Basis.LEGAL_OBLIGATION,
                retention=_("deleted with the row it is about at erasure"),
                seen_by=SeenBy.OPERATOR,
                export=Export.OMIT,
            ),
        ),
    ),
    "auth.User": _operator_table(
        _("an operator (not a person using Envol)"),
        (
            "id",
            "password",
            "last_login",
            "is_superuser",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_staff",
            "is_active",
            "date_joined",
        ),
    ),
    "auth.Group": _operator_table(_("a group of operators"), ("id", "name")),
    "auth.Permission": _operator_table(
        _("an operator permission"), ("id", "name", "content_type", "codename")
    ),
    "auth.Group_permissions": _operator_table(_("an operator permission"), ("id", "group", "permission")),
    "auth.User_groups": _operator_table(_("a group of operators"), ("id", "user", "group")),
    "auth.User_user_permissions": _operator_table(_("an operator permission"), ("id", "user", "permission")),
    "contenttypes.ContentType": _operator_table(_("the name of a table"), ("id", "app_label", "model")),
}

DECLARED_ELSEWHERE.update(DECLARATIONS)
