"""End-to-end `envol ingest` of a 10-million-follower archive, against the cost of reading it at all.

    uv run python -m bench.ingest [--followers N] [--runs 3]

Baseline, measured in the same run: inflate data/follower.js and count its ids with one regex pass.
Then `envol ingest` in a fresh SQLite database and in a fresh PostgreSQL database, each in its own
process (wall time and peak RSS of that process), and the pseudonymisation of 10 million ids alone.
Figures are medians of --runs runs; results go to bench/out/ingest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from envol.archive.synthetic import write_synthetic_archive

OUT = Path(__file__).resolve().parent / "out"
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
PG_DB = "envol_bench"
ID_PATTERN = re.compile(rb'"accountId"\s*:\s*"(\d+)"')


def archive_path(followers: int, following: int) -> Path:
    OUT.mkdir(exist_ok=True)
    path = OUT / f"archive-{followers}-{following}.zip"
    if not path.exists():
        started = time.perf_counter()
        write_synthetic_archive(path.with_suffix(".tmp"), owner_id=1_000_000_001, handle="bench_newsroom",
                                followers=followers, following=following, seed=7)  # fmt: skip
        path.with_suffix(".tmp").rename(path)
        size, elapsed = path.stat().st_size / 1e6, time.perf_counter() - started
        print(f"generated {path.name} ({size:.0f} MB) in {elapsed:.0f} s")
    return path


def baseline(path: Path) -> float:
    """Inflate the follower member and count ids with one regex pass: the cost of reading the data."""
    started = time.perf_counter()
    count, tail = 0, b""
    with zipfile.ZipFile(path) as archive, archive.open("data/follower.js") as member:
        while block := member.read(8 << 20):
            block = tail + block
            cut = block.rfind(b"}") + 1
            count += len(ID_PATTERN.findall(block, 0, cut))
            tail = block[cut:]
    elapsed = time.perf_counter() - started
    assert count > 0
    return elapsed


def _timed_process(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    started = time.perf_counter()
    process = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    out = process.stdout.read().decode() if process.stdout else ""
    err = process.stderr.read().decode() if process.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {err}")
    return elapsed, usage.ru_maxrss / 1024, out


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENVOL_") and k != "DATABASE_URL"}
    env.update(extra)
    return env


def ingest_sqlite(path: Path) -> tuple[float, float]:
    with tempfile.TemporaryDirectory(dir=OUT) as data_dir:
        env = _env(ENVOL_DATA_DIR=data_dir)
        subprocess.run(["envol", "migrate"], env=env, check=True, capture_output=True)
        elapsed, rss, out = _timed_process(["envol", "ingest", str(path), "--json"], env)
    assert json.loads(out)["followers"] > 0
    return elapsed, rss


def _reset_pg() -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
        connection.execute(f"CREATE DATABASE {PG_DB}")
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_DB}"


def ingest_postgres(path: Path) -> tuple[float, float]:
    with tempfile.TemporaryDirectory(dir=OUT) as data_dir:
        env = _env(ENVOL_DATA_DIR=data_dir, DATABASE_URL=_reset_pg())
        subprocess.run(["envol", "migrate"], env=env, check=True, capture_output=True)
        elapsed, rss, out = _timed_process(["envol", "ingest", str(path), "--json"], env)
    assert json.loads(out)["followers"] > 0
    return elapsed, rss


def pseudonymise(count: int) -> float:
    """Timed in a child process: on Linux a child's peak-RSS figure starts from its parent's peak at
    fork time, so the parent must stay small for the ingest processes' figures to mean anything."""
    code = (
        "import os, time, numpy as np; from envol.core.pseudonym import Pseudonymizer\n"
        f"ids = np.random.default_rng(3).integers(0, 2**63, {count}, dtype=np.uint64)\n"
        "p = Pseudonymizer(os.urandom(32)); t = time.perf_counter(); p.keys(ids)\n"
        "print(time.perf_counter() - t)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(result.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=10_000_000)
    parser.add_argument("--following", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    path = archive_path(args.followers, args.following)
    runs: dict[str, list[float]] = {k: [] for k in ("baseline", "sqlite", "sqlite_rss", "postgres",
                                                    "postgres_rss", "pseudonymise")}  # fmt: skip
    for run in range(args.runs):
        runs["baseline"].append(baseline(path))
        elapsed, rss = ingest_sqlite(path)
        runs["sqlite"].append(elapsed)
        runs["sqlite_rss"].append(rss)
        elapsed, rss = ingest_postgres(path)
        runs["postgres"].append(elapsed)
        runs["postgres_rss"].append(rss)
        runs["pseudonymise"].append(pseudonymise(args.followers))
        print(f"run {run + 1}: " + ", ".join(f"{k}={v[-1]:.2f}" for k, v in runs.items()), flush=True)
    median = {k: statistics.median(v) for k, v in runs.items()}
    result = {
        "followers": args.followers,
        "following": args.following,
        "archive_bytes": path.stat().st_size,
        "runs": runs,
        "median": median,
        "ratio_sqlite": median["sqlite"] / median["baseline"],
        "ratio_postgres": median["postgres"] / median["baseline"],
    }
    (OUT / "ingest.json").write_text(json.dumps(result, indent=2))
    print(f"\n{args.followers:,} followers + {args.following:,} following, medians of {args.runs} runs")
    print(f"  baseline (inflate + regex count) {median['baseline']:6.2f} s")
    for engine, label in (("sqlite", "SQLite    "), ("postgres", "PostgreSQL")):
        ratio, rss = result["ratio_" + engine], median[engine + "_rss"]
        print(
            f"  envol ingest, {label}         {median[engine]:6.2f} s  {ratio:.2f}x baseline",
            f" peak RSS {rss:.0f} MB",
        )
    print(f"  pseudonymise {args.followers:,} ids       {median['pseudonymise']:6.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
