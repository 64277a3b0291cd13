"""Files Envol writes that hold people's data are readable by the service's own user only.

The SQLite file holds pseudonyms, e-mail addresses and encrypted tokens: created 0600 before SQLite
first opens it (SQLite gives its -wal and -shm files the mode of the database file), and tightened
if an older version left it readable by others.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings

PRIVATE = 0o600


def private_database_file() -> None:
    """Make the SQLite database (and its -wal/-shm files) owner-only; nothing for other engines."""
    config = settings.DATABASES["default"]
    name = str(config.get("NAME") or "")
    if config["ENGINE"] != "django.db.backends.sqlite3" or not name or name.startswith((":", "file:")):
        return
    path = Path(name)
    if not path.exists() and path.parent.is_dir():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE))  # SQLite takes an empty file as new
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            if file.stat().st_mode & 0o077:
                file.chmod(PRIVATE)
        except FileNotFoundError:
            continue
