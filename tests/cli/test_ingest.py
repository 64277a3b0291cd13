"""`envol ingest`: JSON on success, exit 2 with one line naming the file on bad input, nothing stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from envol.archive.models import ArchiveImport
from envol.archive.synthetic import write_synthetic_archive
from envol.cli.main import main
from envol.graph.models import Edge

pytestmark = pytest.mark.django_db(transaction=True)


def test_json_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    archive = write_synthetic_archive(
        tmp_path / "a.zip", owner_id=1234, handle="someone", followers=40, following=3
    )
    assert main(["ingest", str(archive.path), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary == {
        "owner_x_id": "1234",
        "owner_handle": "someone",
        "followers": 40,
        "following": 3,
        "import_id": ArchiveImport.objects.get().pk,
    }


def test_timings_say_where_the_time_went(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    archive = write_synthetic_archive(tmp_path / "a.zip", owner_id=1234, handle="someone", followers=5000)
    assert main(["ingest", str(archive.path), "--json", "--timings"]) == 0
    timings = json.loads(capsys.readouterr().out)["timings"]
    stages = ("inflate", "scan", "pseudonymise", "sort", "store", "index")
    assert set(stages) <= set(timings)
    assert all(timings[stage] >= 0 for stage in stages)
    assert timings["scan"] > 0
    assert timings["store"] > 0
    assert timings["ended"] - timings["began"] >= sum(timings[stage] for stage in stages) - 0.01
    # and the process's CPU time while each stage ran, which the load of a shared machine moves less
    assert all(timings[f"{stage}_cpu"] >= 0 for stage in stages)
    assert timings["scan_cpu"] > 0


def test_plain_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    archive = write_synthetic_archive(tmp_path / "a.zip", owner_id=1234, handle="someone", followers=1200)
    assert main(["ingest", str(archive.path)]) == 0
    assert "@someone (1234): 1,200 followers" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"PK\x03\x04 this is not really a zip", "broken.zip"),
        (b"hello", "broken.zip"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, expected: str
) -> None:
    path = tmp_path / "broken.zip"
    path.write_bytes(content)
    assert main(["ingest", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("envol ingest: ")
    assert expected in lines[0]
    assert not ArchiveImport.objects.exists()
    assert not Edge.objects.exists()


def test_missing_path_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", str(tmp_path / "nowhere.zip")]) == 2
    assert "nowhere.zip" in capsys.readouterr().err


class _Terminal:
    def __init__(self) -> None:
        self.written: list[str] = []

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.written.append(text)
        return len(text)

    def flush(self) -> None:
        return None


def test_progress_line_on_a_terminal() -> None:
    from envol.cli.progress import ProgressLine

    terminal = _Terminal()
    line = ProgressLine(terminal, interval=0)  # type: ignore[arg-type]
    line("follower", 500, 1000)
    line("storing", 0, None)
    line.finish()
    assert "reading followers: 500 / 1,000 (50%)" in terminal.written[0]
    assert "storing" in terminal.written[1]


@pytest.mark.django_db
def test_honour_blocks_reads_block_and_mute_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    archive = write_synthetic_archive(tmp_path / "a.zip", owner_id=7, handle="seven", followers=[1],
                                      blocking=[2, 3], muting=[4])  # fmt: skip
    assert main(["ingest", str(archive.path), "--json", "--honour-blocks"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (summary["followers"], summary["blocked"], summary["muted"]) == (1, 2, 1)
