"""`envol` leaves without Python's object-by-object teardown (envol.cli.main.leave), yet does what an
exit must: exit handlers, flushed output, the exit code, and waiting for threads still running."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60, check=False
    )


def test_exit_handlers_run_output_is_flushed_and_the_code_kept() -> None:
    done = _python("""
        import atexit, sys
        from envol.cli.main import leave
        atexit.register(lambda: print("handler ran"))
        sys.stdout.write("buffered, no newline")
        leave(3)
        print("never")
    """)
    assert done.returncode == 3
    assert done.stdout == "buffered, no newlinehandler ran\n"


def test_teardown_is_skipped() -> None:
    done = _python("""
        from envol.cli.main import leave
        class Noisy:
            def __del__(self):
                print("torn down")
        kept = Noisy()
        leave(0)
    """)
    assert done.returncode == 0
    assert "torn down" not in done.stdout  # the object-by-object teardown did not run


def test_a_thread_still_running_is_waited_for() -> None:
    done = _python("""
        import threading, time
        from envol.cli.main import leave
        def late():
            time.sleep(0.3)
            print("thread finished")
        threading.Thread(target=late).start()
        leave(5)
    """)
    assert done.returncode == 5
    assert "thread finished" in done.stdout


def test_the_envol_program_exits_with_the_command_s_code() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from envol.cli.main import run; run()", "ingest", "/nonexistent/archive.zip"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "envol ingest" in done.stderr
