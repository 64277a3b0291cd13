"""Erasure: revoke Envol's tokens at the platforms, delete every row about the person, keep a proof
that names nobody.

Rows are found by walking foreign keys from the person (envol.privacy.relations), so a model added
later is erased as soon as it points at a person, an account, an import... Rows of *other* persons
that name this person's accounts (their candidates, their follow tasks towards them) go too. Each
model is one DELETE with subqueries, deepest first; the edges of the person's import are one
statement. Django's admin log names rows by text (a generic relation no foreign key reaches), so its
entries about these rows are deleted explicitly, and so are the person's open sessions.
"""

from __future__ import annotations

import logging
from collections import Counter

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone

from envol.core.listparam import texts_in
from envol.privacy.hooks import revoker_for
from envol.privacy.models import ErasureProof
from envol.privacy.relations import person_graph, rows_about
from envol.registry.models import Account, Person
from envol.registry.session import SESSION_KEY

logger = logging.getLogger("envol.privacy")


def rounded(count: int) -> int:
    """Two significant digits: enough to show the scale, too coarse to match a known follower count."""
    digits = len(str(count))
    return count if digits <= 2 else round(count, 2 - digits)


def erase_person(person_id: int, *, reason: str = "request", follows_undone: int = 0) -> ErasureProof:
    """Erase everything about the person at once; returns the proof (its id is the person's receipt).

    Undoing the follows Envol made comes before, never here: it takes the engine hours and needs the
    tokens this revokes (envol.privacy.pending); ``follows_undone`` is what it removed."""
    person = Person.objects.get(pk=person_id)
    revoked, failed = revoke_tokens(person)  # before the rows go: the tokens are in them
    with transaction.atomic():
        counts = delete_rows(person_id)
        proof = ErasureProof.objects.create(
            erased_on=timezone.now().date(),
            reason=reason,
            rows={label: rounded(n) for label, n in sorted(counts.items()) if n},
            tokens_revoked=revoked,
            revocations_failed=failed,
            follows_undone=rounded(follows_undone),
        )
    logger.info(
        "erasure",
        extra={
            "reason": reason,
            "tables": len(counts),
            "tokens_revoked": revoked,
            "follows_undone": proof.follows_undone,  # rounded, as in the proof
        },
    )
    return proof


def revoke_tokens(person: Person) -> tuple[int, int]:
    """(revoked, not revoked) over the person's accounts that hold a token. Best effort: a platform
    that is down, or has no revocation hook yet, does not stop the erasure (the token is deleted)."""
    revoked = failed = 0
    for account in Account.objects.filter(person=person, access_token__isnull=False).select_related(
        "mastodon_app"
    ):
        revoke = revoker_for(account.platform)
        if revoke is not None and revoke(account):
            revoked += 1
        else:
            failed += 1
    return revoked, failed


def delete_rows(person_id: int) -> Counter[str]:
    """Delete every row about the person, children first; {"app.Model": rows deleted}."""
    queries = rows_about(person_id)
    counts: Counter[str] = Counter()
    for link in reversed(person_graph()):
        query = queries[link.label]
        _forget_admin_log(link.model, query)
        _deleted, per_model = query.delete()
        counts.update(per_model)
    _end_sessions(person_id)
    return counts


def _forget_admin_log(model: type[Model], query: QuerySet[Model]) -> None:
    if len(model._meta.pk_fields) != 1 or model is LogEntry:
        return  # composite keys (edges) are never shown in the admin
    # The admin names a row by str(pk); a newsroom has tens of thousands of rows in some models
    # (its follow tasks, its candidates), so the ids travel as one parameter.
    ids = [str(pk) for pk in query.values_list("pk", flat=True)]
    if ids:
        kind = ContentType.objects.get_for_model(model)
        LogEntry.objects.filter(texts_in("object_id", ids), content_type=kind).delete()


def _end_sessions(person_id: int) -> None:
    """Sign the person out everywhere: session rows are signed blobs, so each live one is read."""
    ended = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get(SESSION_KEY) == person_id
    ]
    Session.objects.filter(pk__in=ended).delete()
