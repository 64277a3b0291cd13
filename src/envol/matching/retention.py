"""Cached profiles (names and avatars, decision 0023) are kept only while someone may be shown them.

A `TargetProfile` goes with its account (a foreign key: unlinked, or the person erased); the pruner
registered here, run by the privacy package's periodic retention task, deletes in one statement
the rows that no candidate names any more, and those of accounts already gone.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, OuterRef, Q

from envol.matching.models import Candidate, TargetProfile
from envol.privacy.hooks import register_pruner


def prune_profiles(now: datetime) -> int:
    """Delete the cached profiles nobody's list names; how many went."""
    named = Candidate.objects.filter(network=OuterRef("network"), address=OuterRef("address"))
    _total, per_model = TargetProfile.objects.filter(Q(account__isnull=True) | ~Exists(named)).delete()
    return per_model.get(TargetProfile._meta.label, 0)


def register() -> None:
    register_pruner(TargetProfile._meta.label, prune_profiles)
