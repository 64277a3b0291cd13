"""End-to-end `envol ingest` of big archives, against the cost of merely reading them.

    uv run python -m bench.ingest [--followers 4000000 10000000] [--runs 3] [--engines sqlite postgres]

For each archive size, in every run and in this order:

- two read baselines: inflate data/follower.js and count its ids with one regex pass, once with
  Python's zlib (the reference) and once with ISA-L (`isal`, the fastest inflater on PyPI);
- `envol ingest --json --timings` in a fresh SQLite database and in a fresh PostgreSQL database,
  each in its own process: wall time from just before the process is started until it has exited
  (start-up and exit included), peak RSS, and the stages the process reports (inflate, scan,
  pseudonymise, sort, store, index), plus start-up (launch until the ingestion begins) and exit,
  and its CPU seconds (every thread) per stage and in all, which a loaded machine moves far less;
- the browser path's server side: the same ids as the compact upload the browser sends
  (`archive.compact`), read and stored by a process that runs what the upload view runs
  (`bench.compact_ingest`), measured the same way.

Figures are medians of --runs runs; ratios are of medians, to the zlib and to the isal baseline.
Results go to bench/out/ingest.json. PostgreSQL: a database of its own (BENCH_PG_DB, default
envol_bench) is dropped and created on the server of BENCH_PG_ADMIN for every run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from pathlib import Path
from types import ModuleType
from typing import Any

OUT = Path(__file__).resolve().parent / "out"
ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_DB = os.environ.get("BENCH_PG_DB", "envol_bench")
ID_PATTERN = re.compile(rb'"accountId"\s*:\s*"(\d+)"')
STAGES = ("start-up", "inflate", "scan", "pseudonymise", "sort", "store", "index", "exit")
#: Reported too, but overlapped with the stages above: the inflating thread's own CPU time.
OVERLAPPED = ("inflate_thread",)
PATHS = ("sqlite", "postgres", "compact_sqlite", "compact_postgres")
LABELS = {
    "sqlite": "envol ingest, SQLite",
    "postgres": "envol ingest, PostgreSQL",
    "compact_sqlite": "compact upload, SQLite",
    "compact_postgres": "compact upload, PostgreSQL",
}


def archive_path(followers: int, following: int) -> Path:
    OUT.mkdir(exist_ok=True)
    path = OUT / f"archive-{followers}-{following}.zip"
    if not path.exists():
        from envol.archive.synthetic import write_synthetic_archive

        started = time.perf_counter()
        write_synthetic_archive(path.with_suffix(".tmp"), owner_id=1_000_000_001, handle="bench_newsroom",
                                followers=followers, following=following, seed=7)  # fmt: skip
        path.with_suffix(".tmp").rename(path)
        size, elapsed = path.stat().st_size / 1e6, time.perf_counter() - started
        print(f"generated {path.name} ({size:.0f} MB) in {elapsed:.0f} s")
    return path


def compact_path(archive: Path) -> Path:
    """The compact upload of the archive's lists, written once by a child process (the bench's own
    peak memory would otherwise show in every later child's peak-RSS figure)."""
    path = archive.with_suffix(".envolids")
    if not path.exists():
        subprocess.run([sys.executable, "-m", "bench.compact_ingest", "--write", str(archive), str(path)],
                       cwd=ROOT, check=True)  # fmt: skip
    return path


def _inflater(name: str) -> ModuleType:
    if name == "isal":
        from isal import isal_zlib

        return isal_zlib
    return zlib


def baseline(path: Path, inflater: str) -> float:
    """Inflate the follower member and count its ids with one regex pass: the cost of reading it."""
    module = _inflater(inflater)
    started = time.perf_counter()
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("data/follower.js")
    count, tail = 0, b""
    with path.open("rb") as file:
        file.seek(info.header_offset + 26)
        name_length, extra_length = struct.unpack("<HH", file.read(4))
        file.seek(name_length + extra_length, os.SEEK_CUR)
        left, inflate = info.compress_size, module.decompressobj(-15)
        while left:
            data = file.read(min(left, 1 << 20))
            left -= len(data)
            block = tail + inflate.decompress(data)
            cut = block.rfind(b"}") + 1
            count += len(ID_PATTERN.findall(block, 0, cut))
            tail = block[cut:]
    elapsed = time.perf_counter() - started
    assert count > 0
    return elapsed


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENVOL_") and k != "DATABASE_URL"}
    env.update(extra)
    return env


def _reset_pg() -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
        connection.execute(f"CREATE DATABASE {PG_DB}")
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_DB}"


def measure(path_kind: str, archive: Path, compact: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(dir=OUT) as data_dir:
        env = _env(ENVOL_DATA_DIR=data_dir)
        if path_kind.endswith("postgres"):
            env["DATABASE_URL"] = _reset_pg()
        subprocess.run(["envol", "migrate"], env=env, check=True, capture_output=True)
        if path_kind.startswith("compact"):
            args = [sys.executable, "-m", "bench.compact_ingest", str(compact)]
        else:
            args = ["envol", "ingest", str(archive), "--json", "--timings"]
        return _timed_process(args, env)


def _timed_process(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    """One process: wall time (launch to exit), its own peak RSS (`wait4`) and the stages it reports."""
    with tempfile.TemporaryFile() as errors:
        launched = time.monotonic()
        process = subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=errors)
        assert process.stdout is not None
        out = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
        exited = time.monotonic()
        if os.waitstatus_to_exitcode(status) != 0:
            errors.seek(0)
            raise RuntimeError(f"{' '.join(args)} failed: {errors.read().decode()}")
    summary = json.loads(out)
    assert summary["followers"] > 0
    timings = summary["timings"]
    stages = {name: float(timings.get(name, 0.0)) for name in STAGES + OVERLAPPED}
    stages["start-up"] = timings["began"] - launched
    stages["exit"] = exited - timings["ended"]
    # CPU seconds of the whole process (every thread) while each stage ran, and in all: steadier than
    # the walls on a loaded machine.
    cpu = {name: float(timings.get(f"{name}_cpu", 0.0)) for name in STAGES}
    cpu["process"] = usage.ru_utime + usage.ru_stime
    return {"wall": exited - launched, "rss": usage.ru_maxrss / 1024, "stages": stages, "cpu": cpu}


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


def bench_size(followers: int, following: int, runs: int, paths: list[str]) -> dict[str, Any]:
    archive = archive_path(followers, following)
    compact = compact_path(archive) if any(p.startswith("compact") for p in paths) else archive
    samples: dict[str, list[Any]] = {"zlib": [], "isal": [], "pseudonymise": [], **{p: [] for p in paths}}
    for run in range(runs):
        samples["zlib"].append(baseline(archive, "zlib"))
        samples["isal"].append(baseline(archive, "isal"))
        for path_kind in paths:
            samples[path_kind].append(measure(path_kind, archive, compact))
        samples["pseudonymise"].append(pseudonymise(followers))
        line = ", ".join(
            f"{k}={v[-1]['wall'] if isinstance(v[-1], dict) else v[-1]:.2f}" for k, v in samples.items()
        )
        print(f"{followers:,} run {run + 1}: {line}", flush=True)
    return summarise(followers, following, archive, compact, samples, paths)


def _median(values: list[float]) -> float:
    return statistics.median(values)


def summarise(
    followers: int,
    following: int,
    archive: Path,
    compact: Path,
    samples: dict[str, list[Any]],
    paths: list[str],
) -> dict[str, Any]:
    zlib_median, isal_median = _median(samples["zlib"]), _median(samples["isal"])
    result: dict[str, Any] = {
        "followers": followers,
        "following": following,
        "archive_bytes": archive.stat().st_size,
        "compact_bytes": compact.stat().st_size if compact != archive else None,
        "runs": samples,
        "median": {
            "zlib": zlib_median,
            "isal": isal_median,
            "pseudonymise": _median(samples["pseudonymise"]),
        },
    }
    for path_kind in paths:
        runs: list[dict[str, Any]] = samples[path_kind]
        wall = _median([r["wall"] for r in runs])
        result["median"][path_kind] = {
            "wall": wall,
            "rss": _median([r["rss"] for r in runs]),
            "ratio_zlib": wall / zlib_median,
            "ratio_isal": wall / isal_median,
            "stages": {s: _median([r["stages"].get(s, 0.0) for r in runs]) for s in STAGES + OVERLAPPED},
            "cpu": {s: _median([r["cpu"].get(s, 0.0) for r in runs]) for s in (*STAGES, "process")},
        }
    return result


def report(result: dict[str, Any], runs: int) -> None:
    median = result["median"]
    print(f"\n{result['followers']:,} followers + {result['following']:,} following, medians of {runs} runs")
    print(f"  read baseline, zlib (inflate + regex count)  {median['zlib']:6.2f} s")
    print(f"  read baseline, isal (inflate + regex count)  {median['isal']:6.2f} s")
    for path_kind, label in LABELS.items():
        if path_kind not in median:
            continue
        m = median[path_kind]
        print(f"  {label:<27} {m['wall']:6.2f} s  {m['ratio_zlib']:.2f}x zlib  {m['ratio_isal']:.2f}x isal"
              f"  peak RSS {m['rss']:.0f} MB")  # fmt: skip
        print("      " + ", ".join(f"{s} {m['stages'][s]:.2f}" for s in STAGES + OVERLAPPED))
        cpu = m["cpu"]
        print("      CPU: " + ", ".join(f"{s} {cpu[s]:.2f}" for s in (*STAGES, "process") if cpu[s]))
    print(f"  pseudonymise {result['followers']:,} ids alone   {median['pseudonymise']:6.2f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--followers", type=int, nargs="+", default=[4_000_000, 10_000_000])
    parser.add_argument("--following", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--paths", nargs="+", choices=PATHS, default=list(PATHS))
    parser.add_argument("--out", type=Path, default=OUT / "ingest.json")
    args = parser.parse_args(argv)
    results = []
    for followers in args.followers:
        results.append(bench_size(followers, args.following, args.runs, args.paths))
        args.out.write_text(json.dumps(results, indent=2))  # after each size: a long run keeps what it has
    for result in results:
        report(result, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
