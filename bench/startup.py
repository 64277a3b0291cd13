"""The start-up of an Envol process: what `django.setup()` imports, and what it costs.

    uv run python -m bench.startup [--runs 5] [--src DIR]

Reports the number of modules imported by `django.setup()` and whether the heavy ones are among
them (httpx and its stack, the platform clients, the engine's executor; NumPy, which ingest needs,
for comparison), the total of `python -X importtime` for it, and the wall time of a whole
`envol ingest --json --timings` of a tiny synthetic archive (1,000 followers, into a database
migrated once beforehand) with its start-up (launch until the ingestion begins; `envol ingest
--help` answers before Django is set up, so it measures nothing here) and its CPU seconds, which a
loaded machine moves far less than the walls. Medians of --runs runs,
with the load average. --src measures another checkout's sources (its `src` directory put first
on the path), e.g. before a change: `git archive <commit> src | tar -x -C /tmp/before`, then
`--src /tmp/before/src`.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = (
    "httpx",
    "httpcore",
    "h11",
    "anyio",
    "certifi",
    "envol.platforms.http",
    "envol.platforms.mastodon",
    "envol.platforms.bluesky",
    "envol.reconnect.executor",
    "cryptography",
    "numpy",
)
PROBE = (
    "import json, sys, django; django.setup(); "
    f"print(json.dumps([len(sys.modules), [m for m in {HEAVY!r} if m in sys.modules]]))"
)


def _importtime_ms(env: dict[str, str]) -> float:
    """The sum of the top-level imports' cumulative times under `-X importtime`, in ms."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", "import django; django.setup()"],
                          env=env, capture_output=True, text=True, check=True)  # fmt: skip
    total = 0
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2 and "self [us]" not in line:
            _self, cumulative, name = line[len("import time:") :].split("|")
            if not name.startswith("  "):  # one space: a top-level import
                total += int(cumulative)
    return total / 1000


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _ingest(archive: Path, env: dict[str, str]) -> tuple[float, float, float]:
    """One `envol ingest` process: its wall time, its start-up and its CPU time, in seconds."""
    cpu = _cpu_of_children()
    launched = time.monotonic()
    done = subprocess.run(["envol", "ingest", str(archive), "--json", "--timings"],
                          env=env, cwd=ROOT, check=True, capture_output=True)  # fmt: skip
    exited = time.monotonic()
    return exited - launched, json.loads(done.stdout)["timings"]["began"] - launched, _cpu_of_children() - cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--src", type=Path, help="another checkout's src directory, measured instead")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as data_dir:
        env = dict(os.environ, DJANGO_SETTINGS_MODULE="envol.core.settings", ENVOL_DATA_DIR=data_dir)
        env.pop("DATABASE_URL", None)
        if options.src:
            env["PYTHONPATH"] = str(options.src.resolve())
        from envol.archive.synthetic import write_synthetic_archive

        archive = Path(data_dir) / "tiny.zip"
        write_synthetic_archive(archive, owner_id=1_000_000_001, handle="bench_startup",
                                followers=1_000, following=100, seed=7)  # fmt: skip
        subprocess.run(["envol", "migrate"], env=env, cwd=ROOT, check=True, capture_output=True)
        probe = subprocess.run(
            [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
        )
        modules, heavy = json.loads(probe.stdout)
        load_before = os.getloadavg()
        imports, starts, ingests, cpus = [], [], [], []
        for _ in range(options.runs):
            imports.append(_importtime_ms(env))
            wall, start, cpu = _ingest(archive, env)
            ingests.append(wall)
            starts.append(start)
            cpus.append(cpu)
        load_after = os.getloadavg()
    result = {
        "modules": modules,
        "heavy_loaded": heavy,
        "importtime_ms": round(statistics.median(imports)),
        "tiny_ingest_s": round(statistics.median(ingests), 3),
        "tiny_ingest_start_up_s": round(statistics.median(starts), 3),
        "tiny_ingest_cpu_s": round(statistics.median(cpus), 3),
        "load_average": [round(load_before[0], 2), round(load_after[0], 2)],
        "runs": options.runs,
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
