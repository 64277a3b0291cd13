"""Signals the archive package sends, so that other packages act on imports without this package
knowing them (matching stores the suggestions of the owner's profile; archive never imports matching).

``archive_imported`` is sent (``send_robust``: a failing receiver is logged, the import stays) once
the transaction that stored an import has committed, with:

- ``import_id``, ``person_id``: the new ``ArchiveImport`` and its person;
- ``owner_x_id`` (int) and ``owner_verified``: whose archive it is, and whether the person proved it;
- ``profile``: the owner's bio and website (``archive.profile.OwnerProfile``) or None when the upload
  had no readable profile.js. It lives only in memory: the archive package stores none of it.
"""

from __future__ import annotations

from django.dispatch import Signal

archive_imported = Signal()
