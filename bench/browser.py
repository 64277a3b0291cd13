"""An archive read in headless Chromium and stored by a running Envol, against `envol ingest`.

    uv run python -m bench.browser [--followers N] [--runs 3]

Each run starts `envol run` on a fresh SQLite database, signs a person in, opens the upload page
in Debian's Chromium, chooses the zip and waits until the page says the lists are stored: the
time from the choice to that answer, the peak resident memory of the renderer (the page and its
worker: a dedicated worker runs in its page's process), and the bytes uploaded per id. Resident
memory counts the renderer's share of Chromium's code too, hence the idle figure (the page open,
nothing chosen) and the peak within each phase the page shows (reading, checking, sending,
storing). Baseline, in the same run: `envol ingest` of the same zip in its own fresh SQLite
database. Medians of --runs runs; results go to bench/out/browser.json.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright import sync_api

from bench.ingest import OUT, _env, archive_path, ingest_sqlite

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from support.chromium import RendererPeak, launch, renderer_pids, rss_bytes

OWNER_ID = 1_000_000_001  # the owner bench.ingest writes into its archives
_SIGN_IN = """
import django; django.setup()
from django.contrib.sessions.backends.db import SessionStore
from envol.core.ids import Platform
from envol.registry.models import Account, Person, Verification
from envol.registry.session import SESSION_KEY
person = Person.objects.create(findable_by="everyone")
Account.objects.create(person=person, platform=Platform.X, stable_id="%d", handle="bench_newsroom",
                       verification=Verification.VERIFIED)
session = SessionStore(); session[SESSION_KEY] = person.pk; session.create(); print(session.session_key)
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


PHASES = ("reading", "checking", "sending", "storing")
_FINISHED = "#browser-done:not([hidden]), #browser-error:not([hidden])"


def _follow(page: sync_api.Page, memory: RendererPeak, timeout: float) -> None:
    """Wait for the page's answer, telling the memory sampler which phase the page shows."""
    deadline = time.monotonic() + timeout
    while not page.locator(_FINISHED).count():
        if time.monotonic() > deadline:
            raise TimeoutError("the page did not answer")
        memory.phase = page.locator("#progress-bar").get_attribute("data-phase") or "reading"
        time.sleep(0.1)


def browser_run(path: Path, followers: int) -> dict[str, float]:
    """Seconds from choosing the zip to "stored", renderer MiB (idle, peak, peak per phase),
    uploaded bytes per id."""
    with tempfile.TemporaryDirectory(dir=OUT) as data_dir:
        env = _env(ENVOL_DATA_DIR=data_dir, DJANGO_SETTINGS_MODULE="envol.core.settings")
        subprocess.run(["envol", "migrate"], env=env, check=True, capture_output=True)
        session_key = subprocess.run([sys.executable, "-c", _SIGN_IN % OWNER_ID], env=env, check=True,
                                     capture_output=True, text=True).stdout.strip()  # fmt: skip
        port = _free_port()
        server = subprocess.Popen(["envol", "run", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_healthy(f"{base}/")
            with sync_api.sync_playwright() as p:
                browser = launch(p)
                context = browser.new_context()
                context.add_cookies([{"name": "sessionid", "value": session_key, "url": base}])
                page = context.new_page()
                page.goto(f"{base}/archive/")
                idle = max(rss_bytes(pid) for pid in renderer_pids())
                with RendererPeak() as memory:
                    memory.phase = "reading"
                    started = time.perf_counter()
                    page.set_input_files("#browser-files", str(path))
                    _follow(page, memory, timeout=600)
                    elapsed = time.perf_counter() - started
                if page.locator("#browser-error").is_visible():
                    raise RuntimeError(page.locator("#browser-error").inner_text())
                timings = json.loads(page.locator("#browser-upload").get_attribute("data-timings") or "{}")
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    mib = {f"renderer_{phase}_mib": memory.by_phase.get(phase, 0) / 2**20 for phase in PHASES}
    return {"browser": elapsed, "renderer_mib": memory.peak / 2**20, "renderer_idle_mib": idle / 2**20,
            **mib, "bytes_per_id": timings["bytes"] / followers}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=10_000_000)
    parser.add_argument("--following", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    path = archive_path(args.followers, args.following)
    ids = args.followers + args.following
    runs: dict[str, list[float]] = {}
    for run in range(args.runs):
        figures = {**browser_run(path, ids), "server_ingest": ingest_sqlite(path)[0]}
        for key, value in figures.items():
            runs.setdefault(key, []).append(value)
        print(f"run {run + 1}: " + ", ".join(f"{k}={v:.2f}" for k, v in figures.items()), flush=True)
    median = {k: statistics.median(v) for k, v in runs.items()}
    result = {
        "followers": args.followers,
        "following": args.following,
        "archive_bytes": path.stat().st_size,
        "load_average": os.getloadavg(),
        "runs": runs,
        "median": median,
        "ratio_to_server_ingest": median["browser"] / median["server_ingest"],
    }
    (OUT / "browser.json").write_text(json.dumps(result, indent=2))
    print(f"\n{args.followers:,} followers + {args.following:,} following, medians of {args.runs} runs")
    print(f"  envol ingest (SQLite), baseline      {median['server_ingest']:6.2f} s")
    print(f"  browser: choice to stored            {median['browser']:6.2f} s  "
          f"{result['ratio_to_server_ingest']:.2f}x baseline")  # fmt: skip
    print(
        f"  renderer peak memory                 {median['renderer_mib']:6.0f} MiB "
        f"({median['renderer_mib'] * 2**20 / 1e6:.0f} MB; idle {median['renderer_idle_mib']:.0f} MiB)"
    )
    print("    peak by phase                      "
          + ", ".join(f"{p} {median[f'renderer_{p}_mib']:.0f}" for p in PHASES) + " MiB")  # fmt: skip
    print(f"  uploaded                             {median['bytes_per_id']:6.2f} bytes per id")
    return 0


if __name__ == "__main__":
    sys.exit(main())
