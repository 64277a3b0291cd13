"""Unverified suggestions: addresses someone may be, from an archive owner's own profile or an
operator's list. Stored apart (kind *suggestion* once materialised) and never followed automatically.

Only the found addresses are kept, keyed by the pseudonym of the X account they belong to: the bio
itself and third parties' X ids in clear are never stored. A profile's addresses are tied to the
import they came from, so that replacing or erasing it takes them away (envol.matching.hooks).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.db.models import Exists, OuterRef

from envol.addresses.parse import find_addresses
from envol.archive.models import ArchiveImport
from envol.archive.profile import OwnerProfile
from envol.core.pseudonym import pseudonymizer
from envol.graph.models import Edge
from envol.matching.models import Candidate, Kind, Suggestion


@dataclass(frozen=True, slots=True)
class ImportReport:
    rows: int  # lines read (header excluded)
    stored: int  # new suggestions
    skipped: list[str]  # "line N: why", for lines that held no X id or no address


def addresses_in(text: str) -> list[tuple[str, str]]:
    """(network, address) pairs found in free text, Mastodon first, in order of appearance."""
    report = find_addresses(text)
    return [("mastodon", a) for a in report.mastodon] + [("bluesky", a) for a in report.bluesky]


def store(
    x_id: int,
    found: Iterable[tuple[str, str]],
    source: Suggestion.Source,
    archive_import_id: int | None = None,
) -> int:
    """Keep these addresses for the X account `x_id` (pseudonymised here); returns how many are new."""
    key = pseudonymizer().key(x_id)
    rows = [
        Suggestion(x_key=key, network=n, address=a, source=source, archive_import_id=archive_import_id)
        for n, a in found
    ]
    before = Suggestion.objects.filter(x_key=key).count()
    Suggestion.objects.bulk_create(rows, ignore_conflicts=True)  # returns every row, new or not
    return Suggestion.objects.filter(x_key=key).count() - before


def store_from_profile(owner_x_id: int, profile: OwnerProfile, archive_import_id: int) -> int:
    """Addresses the archive owner wrote in their own X bio or website, as suggestions of where they
    are (others who knew them on X will see them, marked as not verified, once the owner is
    verified), kept as long as the import ``archive_import_id`` they came from. Returns how many
    are new; none when that import is gone already (replaced or erased since it committed)."""
    found = addresses_in(profile.text)
    if not found:
        return 0
    with transaction.atomic():
        # The import's row is locked while its rows are written (see Suggestion.archive_import).
        if not list(ArchiveImport.objects.select_for_update().filter(pk=archive_import_id).values("pk")):
            return 0
        return store(owner_x_id, found, Suggestion.Source.PROFILE, archive_import_id)


def persons_listing(x_id: int, *, having_suggestions: bool = False) -> frozenset[int]:
    """Persons whose import lists the X account ``x_id`` (one probe of the edges' x_key index);
    with ``having_suggestions``, only those who have suggestion rows (where a stale one can be)."""
    imports = Edge.objects.filter(x_key=pseudonymizer().key(x_id)).values("archive_import_id")
    persons = ArchiveImport.objects.filter(pk__in=imports)
    if having_suggestions:
        rows = Candidate.objects.filter(person_id=OuterRef("person_id"), kind=Kind.SUGGESTION)
        persons = persons.filter(Exists(rows))
    return frozenset(persons.values_list("person_id", flat=True))


def import_file(path: Path) -> ImportReport:
    """An operator's CSV: ``x_id,address`` per line (a header line is allowed); any written form of
    address. All or nothing: one transaction."""
    skipped: list[str] = []
    pairs: list[tuple[int, str, str]] = []
    count = 0
    with path.open(newline="", encoding="utf-8") as handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            if not row or (number == 1 and not row[0].strip().isdigit()):
                continue
            count += 1
            x_id, text = row[0].strip(), ",".join(row[1:])
            found = addresses_in(text) if x_id.isdigit() else []
            if not x_id.isdigit():
                skipped.append(f"line {number}: no X id")
            elif not found:
                skipped.append(f"line {number}: no Bluesky or Mastodon address")
            pairs += [(int(x_id), network, address) for network, address in found]
    stored = 0
    with transaction.atomic():
        for owner, network, address in pairs:
            stored += store(owner, [(network, address)], Suggestion.Source.OPERATOR)
    return ImportReport(count, stored, skipped)
