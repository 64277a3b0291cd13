"""Retention: nothing is kept longer than its purpose needs, enforced by one periodic job.

- The edges of a person whose migration is complete are deleted ENVOL_RETENTION_EDGES_DAYS after
  it was declared complete (by the person, or by the reconnection engine through
  :func:`mark_migration_complete`). The import row and its counts stay, for the person's history.
- A person inactive for ENVOL_RETENTION_INACTIVE_DAYS is warned (an e-mail when they gave an
  address and e-mail is configured; otherwise the notice they see if they come back), then erased
  ENVOL_RETENTION_GRACE_DAYS later if they did not come back.
- A pending erasure (the person asked Envol to remove its follows first) is finished once that
  undo is over or cannot progress, or ENVOL_ERASURE_UNDO_DEADLINE_DAYS after it was asked
  (envol.privacy.pending).
- Temporary upload files older than ENVOL_UPLOAD_STALE_MINUTES are deleted: a request deletes its
  own files when it ends, so only a process killed mid-upload can leave one behind.
- Other packages' rows with a period of their own (the reconnection engine's run log,
  ENVOL_DRIVE_RUN_RETENTION_DAYS) are deleted by the pruners they register (envol.privacy.hooks).

The job logs what it did as counts, never identities; envol.core.periodic starts it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from envol.archive.models import ArchiveImport
from envol.core import mail
from envol.core.config import CONFIG
from envol.core.periodic import every
from envol.graph.models import Edge
from envol.privacy.erase import erase_person
from envol.privacy.hooks import pruners
from envol.privacy.models import PrivacyState
from envol.privacy.pending import finish_pending
from envol.registry.models import Person

logger = logging.getLogger("envol.privacy")


@dataclass(frozen=True, slots=True)
class Policy:
    edges_days: int
    inactive_days: int
    grace_days: int
    upload_stale_minutes: int
    undo_deadline_days: int

    @classmethod
    def from_settings(cls) -> Policy:
        return cls(
            edges_days=CONFIG.retention_edges_days,
            inactive_days=CONFIG.retention_inactive_days,
            grace_days=CONFIG.retention_grace_days,
            upload_stale_minutes=CONFIG.upload_stale_minutes,
            undo_deadline_days=CONFIG.erasure_undo_deadline_days,
        )


@dataclass(frozen=True, slots=True)
class RetentionReport:
    edge_sets_deleted: int = 0
    edges_deleted: int = 0
    persons_warned: int = 0
    warnings_emailed: int = 0
    persons_erased: int = 0
    pending_erasures_finished: int = 0
    upload_files_deleted: int = 0
    expired_rows_deleted: int = 0  # by the other packages' pruners, all models together


def mark_migration_complete(person: Person) -> None:
    """The person's migration is done: their edges are deleted after the configured period."""
    state = state_of(person)
    if state.migration_completed_at is None:
        state.migration_completed_at = timezone.now()
        state.save(update_fields=["migration_completed_at"])


def state_of(person: Person) -> PrivacyState:
    state, _created = PrivacyState.objects.get_or_create(
        person=person, defaults={"last_seen_at": person.created_at}
    )
    return state


def delete_completed_edges(now: datetime, policy: Policy) -> tuple[int, int]:
    """(imports whose edges went, edges deleted): one DELETE per import."""
    due = PrivacyState.objects.filter(
        migration_completed_at__lte=now - timedelta(days=policy.edges_days), edges_deleted_at__isnull=True
    )
    imports = ArchiveImport.objects.filter(person__in=due.values("person")).values_list("pk", flat=True)
    total = done = 0
    for import_id in list(imports):
        with transaction.atomic():
            deleted, _per_model = Edge.objects.filter(archive_import_id=import_id).delete()
            total += deleted
            done += 1
    due.update(edges_deleted_at=now)
    return done, total


def _inactive(now: datetime, days: int) -> Q:
    """Persons last seen before the cut-off; those never seen count from their creation."""
    cutoff = now - timedelta(days=days)
    return Q(privacy__last_seen_at__lt=cutoff) | Q(privacy__isnull=True, created_at__lt=cutoff)


def warn_inactive(now: datetime, policy: Policy) -> tuple[int, int]:
    """(persons warned, e-mails sent). Each person is warned once per inactivity."""
    unwarned = Q(privacy__warned_at__isnull=True) | Q(privacy__isnull=True)
    persons = list(Person.objects.filter(_inactive(now, policy.inactive_days) & unwarned))
    emailed = 0
    erase_on = now + timedelta(days=policy.grace_days)
    for person in persons:
        state = state_of(person)
        state.warned_at = now
        state.save(update_fields=["warned_at"])
        if state.email:
            emailed += _send_warning(state.email, erase_on)
    return len(persons), emailed


def _send_warning(address: str, erase_on: datetime) -> int:
    public = CONFIG.public_url
    parts = []
    for language in ("en", "fr"):  # we do not know the person's language: both, English first
        with override(language):
            parts.append(
                _(
                    "You have not used Envol for a long time. Unless you sign in again before "
                    "%(date)s, Envol will erase everything it holds about you and revoke its access "
                    "to your accounts. %(url)s"
                )
                % {"date": erase_on.date().isoformat(), "url": public}
            )
    subject = "Envol: your data will be erased / vos données seront effacées"
    return mail.send(subject, "\n\n".join(parts), [address])


def erase_warned(now: datetime, policy: Policy) -> int:
    """Erase the persons warned at least the grace period ago and still inactive since."""
    due = Person.objects.filter(
        privacy__warned_at__lte=now - timedelta(days=policy.grace_days),
        privacy__last_seen_at__lt=now - timedelta(days=policy.inactive_days),
    ).values_list("pk", flat=True)
    erased = 0
    for person_id in list(due):
        erase_person(person_id, reason="inactivity")
        erased += 1
    return erased


def sweep_uploads(policy: Policy, *, folder: Path | None = None) -> int:
    """Delete temporary upload files a killed process left behind."""
    root = Path(folder or settings.FILE_UPLOAD_TEMP_DIR)
    cutoff = time.time() - policy.upload_stale_minutes * 60
    deleted = 0
    for path in root.iterdir() if root.is_dir() else ():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            deleted += 1
    return deleted


def run_retention(now: datetime | None = None, policy: Policy | None = None) -> RetentionReport:
    now, policy = now or timezone.now(), policy or Policy.from_settings()
    finished = finish_pending(now, policy.undo_deadline_days)
    edge_sets, edges = delete_completed_edges(now, policy)
    erased = erase_warned(now, policy)  # before warning: a person is never warned and erased at once
    warned, emailed = warn_inactive(now, policy)
    expired = sum(prune(now) for prune in pruners().values())
    report = RetentionReport(
        edge_sets, edges, warned, emailed, erased, finished, sweep_uploads(policy), expired
    )
    logger.info("retention", extra=asdict(report))
    return report


def interval() -> timedelta:
    return timedelta(hours=CONFIG.retention_interval_hours)


@every("privacy.retention", interval=interval)
def retention_job() -> dict[str, int]:
    """The periodic job: run the rules."""
    return asdict(run_retention())
