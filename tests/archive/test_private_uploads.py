"""Privacy of server-side uploads and of the SQLite file (#16 item 13): owner-only, and no plaintext
archive left behind by a killed process once the service starts again."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

from django.conf import settings

KILLED_MID_UPLOAD = """
import os, signal
from envol.cli.commands import setup_django
setup_django()
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
upload = SimpleUploadedFile("twitter.zip", b"PLAINTEXT ARCHIVE")
request = RequestFactory().post("/archive/", {"files": [upload]})
assert request.FILES["files"].temporary_file_path()  # streamed to uploads/ by the configured handler
os.kill(os.getpid(), signal.SIGKILL)  # killed before the request ends and deletes it
"""
START = "from envol.cli.commands import setup_django; setup_django()"


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENVOL_") and k != "DATABASE_URL"}
    return env | {"ENVOL_DATA_DIR": str(data_dir)}


def _python(code: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], env=_env(data_dir), capture_output=True, text=True)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_upload_folder_is_owner_only() -> None:
    assert _mode(Path(settings.FILE_UPLOAD_TEMP_DIR)) == 0o700


def test_a_killed_upload_leaves_no_copy_once_the_service_starts_again(tmp_path: Path) -> None:
    killed = _python(KILLED_MID_UPLOAD, tmp_path)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    uploads = tmp_path / "uploads"
    left = list(uploads.iterdir())
    assert len(left) == 1
    assert left[0].read_bytes() == b"PLAINTEXT ARCHIVE"  # the leak, as it happens
    assert _mode(left[0]) == 0o600
    assert _mode(uploads) == 0o700
    started = _python(START, tmp_path)
    assert started.returncode == 0, started.stderr
    assert list(uploads.iterdir()) == []


def test_a_live_neighbours_upload_is_left_alone(tmp_path: Path) -> None:
    from envol.archive.uploads import PREFIX, SUFFIX, boot_id

    uploads = tmp_path / "uploads"
    uploads.mkdir(mode=0o700)
    # This test's own process is alive: to the starting process it is a neighbour serving an upload.
    in_flight = uploads / f"{PREFIX}{os.getpid()}-{boot_id()}-abc{SUFFIX}.zip"
    in_flight.write_bytes(b"still being read")
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    leftover = uploads / f"{PREFIX}{gone.pid}-{boot_id()}-def{SUFFIX}.zip"
    leftover.write_bytes(b"left by a dead process")
    started = _python(START, tmp_path)
    assert started.returncode == 0, started.stderr
    assert sorted(uploads.iterdir()) == [in_flight]


def test_the_sqlite_file_is_created_owner_only(tmp_path: Path) -> None:
    migrated = subprocess.run(
        [sys.executable, "-m", "envol.cli.main", "migrate"],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
    )
    assert migrated.returncode == 0, migrated.stderr
    database = tmp_path / "envol.sqlite3"
    assert database.stat().st_size > 0
    assert _mode(database) == 0o600


def test_an_existing_world_readable_sqlite_file_is_tightened(tmp_path: Path) -> None:
    database = tmp_path / "envol.sqlite3"
    database.touch(mode=0o644)
    database.chmod(0o644)
    started = _python(START, tmp_path)
    assert started.returncode == 0, started.stderr
    assert _mode(database) == 0o600
