"""Server-side upload files: private while they exist, and never left behind by a killed process.

Django writes an uploaded archive to a temporary file under ``ENVOL_DATA_DIR/uploads`` and deletes it
when the request ends. A process killed in between (out of memory, a deploy, a crash) leaves that
plaintext copy of someone's archive behind. So:

- the folder is owner-only (0700) and each file owner-only (0600, as ``tempfile`` creates it);
- each file's name says which process wrote it (``envol-<pid>-<boot>-….upload``);
- at start-up, every process deletes the files of processes that no longer run (and its own: a new
  process has no upload in flight), leaving those of live neighbours alone (several web processes
  share the folder). The retention task's age-based sweep stays as the last resort, for names this
  rule cannot place.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, TemporaryFileUploadHandler

logger = logging.getLogger("envol.archive")

PREFIX = "envol-"
SUFFIX = ".upload"
_NAME = re.compile(rf"^{PREFIX}(?P<pid>\d{{1,10}})-(?P<boot>[0-9a-f]{{8}})-")


def boot_id() -> str:
    """Eight hex digits naming this boot of the machine: a process id is only unique within one."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().replace("-", "")[:8]
    except OSError:  # not Linux: a process id alone (a reboot then leaves files to the sweep)
        return "00000000"


def private_folder() -> Path:
    """The upload folder, created or tightened to 0700."""
    folder = Path(settings.FILE_UPLOAD_TEMP_DIR)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if folder.stat().st_mode & 0o077:
        folder.chmod(0o700)
    return folder


class PrivateUploadedFile(TemporaryUploadedFile):
    """Django's temporary uploaded file, named after the process that writes it."""

    def __init__(
        self, name: str, content_type: str, size: int, charset: str | None, extra: dict[str, bytes] | None
    ) -> None:
        _, ext = os.path.splitext(name)
        file = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed, hence deleted, by close())
            prefix=f"{PREFIX}{os.getpid()}-{boot_id()}-", suffix=SUFFIX + ext[:16], dir=private_folder()
        )
        UploadedFile.__init__(self, file, name, content_type, size, charset, extra)


class PrivateUploadHandler(TemporaryFileUploadHandler):
    """``FILE_UPLOAD_HANDLERS``: every uploaded file goes to a ``PrivateUploadedFile``."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        FileUploadHandler.new_file(self, *args, **kwargs)
        self.file = PrivateUploadedFile(
            self.file_name or "", self.content_type or "", 0, self.charset, self.content_type_extra
        )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def delete_leftovers() -> int:
    """At start-up: delete the upload files of processes that are gone, and this process's own."""
    folder = private_folder()
    this_boot, this_pid = boot_id(), os.getpid()
    deleted = 0
    for path in folder.iterdir():
        match = _NAME.match(path.name)
        if match is None or not path.is_file():
            continue
        pid = int(match["pid"])
        if match["boot"] == this_boot and pid != this_pid and _alive(pid):
            continue  # a neighbour's upload in flight
        path.unlink(missing_ok=True)
        deleted += 1
    if deleted:
        logger.info("upload leftovers deleted", extra={"files": deleted})
    return deleted
