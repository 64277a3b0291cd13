"""Matching at scale: every person's candidates, one big newcomer, the review query.

    uv run python -m bench.matching [--engine postgres|sqlite|both] [--scale 1.0] [--runs 3]

A generated world (cached between runs, keyed by its parameters): 100,000 persons, all with a
verified X account, 60 % on Bluesky and 40 % on Mastodon; 80 % of them shared an archive; 100
million edges on PostgreSQL (10 million on SQLite) whose keys are drawn from a universe of 10
million X accounts, of which the persons are the first 100,000 (so 1 % of edges name a person,
the rest people who never joined). A newcomer with 1,000,000 followers is listed by 10 % of the
archives; their X account is claimed and they have no Bluesky account yet.

Measured, medians of --runs runs:
- baseline: one sequential scan of the edge table (PostgreSQL: ``SELECT count(*)``, parallel workers
  off; SQLite: ``SELECT total(x_key) … NOT INDEXED``, as its count(*) reads the smallest index);
- full: every person's candidates materialised from an empty table (`refresh_everyone`), and the
  repair run that follows (nothing changed);
- newcomer: they prove their X account and link Bluesky; `refresh_around` updates everyone concerned;
- review: p95 of the review query (one page of 50, keyset) for a person with about 10,000 candidates.
Results go to bench/out/matching-<engine>.json; the EXPLAIN plans to bench/out/matching-<engine>-plans.txt.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

OUT = Path(__file__).resolve().parent / "out"
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
PG_DB = "envol_matching_bench"
FOLLOWER, FOLLOWING = 1, 2
GOLDEN = np.uint64(0x9E3779B97F4A7C15)
# PostgreSQL's binary COPY (as envol.graph.bulk writes it; that module needs Django set up first).
_COPY_ROW = np.dtype(
    [
        ("fields", ">i2"),
        ("l1", ">i4"),
        ("import", ">i8"),
        ("l2", ">i4"),
        ("direction", ">i2"),
        ("l3", ">i4"),
        ("x_key", ">i8"),
    ]
)
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
_COPY_TRAILER = (-1).to_bytes(2, "big", signed=True)


@dataclass(frozen=True)
class World:
    persons: int
    edges: int
    universe: int
    newcomer_followers: int
    seed: int = 11

    @property
    def key(self) -> str:
        return f"p{self.persons}-e{self.edges}-u{self.universe}-n{self.newcomer_followers}-s{self.seed}"

    @property
    def newcomer(self) -> int:  # person id; X universe index `persons`
        return self.persons + 1


def x_keys(indexes: np.ndarray) -> np.ndarray:
    """A stand-in for the keyed pseudonym: a fixed odd multiplier scatters indexes over 63 bits."""
    with np.errstate(over="ignore"):
        return ((indexes.astype(np.uint64) + np.uint64(1)) * GOLDEN >> np.uint64(1)).astype(np.int64)


# ---------------------------------------------------------------- world generation


def _import_sizes(world: World, rng: np.random.Generator, count: int) -> np.ndarray:
    """Heavy-tailed archive sizes (a few newsrooms, many small accounts) summing to the edge budget."""
    raw = rng.lognormal(mean=0.0, sigma=1.6, size=count)
    budget = world.edges - world.newcomer_followers - 2_000
    sizes = np.maximum((raw / raw.sum() * budget).astype(np.int64), 2)
    return np.minimum(sizes, world.universe // 2)


def _edge_batches(world: World, rng: np.random.Generator, import_ids: np.ndarray, sizes: np.ndarray):
    """(import ids, directions, keys) arrays of about 4 million edges each, sorted and distinct."""
    newcomer_key = x_keys(np.array([world.persons]))[0]
    start = 0
    while start < len(import_ids):
        stop, total = start, 0
        while stop < len(import_ids) and total < 4_000_000:
            total += int(sizes[stop])
            stop += 1
        imp = np.repeat(import_ids[start:stop], sizes[start:stop])
        keys = x_keys(rng.integers(0, world.universe, size=len(imp)))
        # 10 % of archives list the newcomer (half as a follower, half as a followee).
        listing = rng.random(stop - start) < 0.1
        first = np.concatenate(([0], np.cumsum(sizes[start:stop])[:-1]))[listing]
        keys[first] = newcomer_key
        direction = np.where(rng.random(len(imp)) < 0.5, FOLLOWER, FOLLOWING).astype(np.int16)
        order = np.lexsort((keys, direction, imp))
        imp, direction, keys = imp[order], direction[order], keys[order]
        keep = np.ones(len(imp), dtype=bool)
        keep[1:] = (imp[1:] != imp[:-1]) | (direction[1:] != direction[:-1]) | (keys[1:] != keys[:-1])
        yield imp[keep], direction[keep], keys[keep]
        start = stop


def _newcomer_edges(world: World, rng: np.random.Generator, import_id: int):
    followers = np.unique(x_keys(rng.integers(0, world.universe, size=world.newcomer_followers)))
    following = np.unique(x_keys(rng.integers(0, world.universe, size=2_000)))
    for direction, keys in ((FOLLOWER, followers), (FOLLOWING, following)):
        yield np.full(len(keys), import_id), np.full(len(keys), direction, dtype=np.int16), keys


def _tables(world: World, rng: np.random.Generator) -> dict[str, list[tuple[Any, ...]]]:
    """Persons, accounts and imports as row tuples (small: a few hundred thousand rows)."""
    now = "2026-11-23 12:00:00+00"
    persons = [(p, now) for p in range(1, world.newcomer + 1)]
    keys = x_keys(np.arange(world.persons + 1))
    bluesky = rng.random(world.persons) < 0.6
    mastodon = rng.random(world.persons) < 0.4
    has_import = rng.random(world.persons) < 0.8
    accounts: list[tuple[Any, ...]] = []
    for p in range(1, world.persons + 1):
        accounts.append((p, "x", str(10_000_000_000 + p), f"x{p}", "verified", int(keys[p - 1])))
        if bluesky[p - 1]:
            accounts.append((p, "bluesky", f"did:plc:bench{p:08d}", f"p{p}.bsky.test", "verified", None))
        if mastodon[p - 1]:
            accounts.append(
                (
                    p,
                    "mastodon",
                    f"https://m{p % 97}.test/users/p{p}",
                    f"p{p}@m{p % 97}.test",
                    "verified",
                    None,
                )
            )
    n = world.newcomer
    accounts.append((n, "x", str(10_000_000_000 + n), "newcomer", "claimed", int(keys[world.persons])))
    imports = [(p, str(10_000_000_000 + p), True) for p in range(1, world.persons + 1) if has_import[p - 1]]
    imports.append((n, str(10_000_000_000 + n), False))
    return {"persons": persons, "accounts": accounts, "imports": imports}


def _setup_django(url: str, data_dir: Path) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["ENVOL_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "envol.core.settings")
    import django

    django.setup()


def _migrate(url: str, data_dir: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENVOL_") and k != "DATABASE_URL"}
    env.update(DATABASE_URL=url, ENVOL_DATA_DIR=str(data_dir))
    subprocess.run(["envol", "migrate"], env=env, check=True, capture_output=True)


def _write_small_tables(cursor: Any, rows: dict[str, list[tuple[Any, ...]]], vendor: str) -> None:
    now = "2026-11-23 12:00:00+00"
    account_rows = [
        (
            person,
            platform,
            sid,
            handle,
            "",
            verification,
            x_key,
            now,
            now if verification == "verified" else None,
            None,
            "",
            None,
            False,
            "",
            "",
            "",
            "",
            "",
        )
        for person, platform, sid, handle, verification, x_key in rows["accounts"]
    ]
    import_rows = [
        (i + 1, p, xid, f"h{p}", ov, 0, 0, "cli", now) for i, (p, xid, ov) in enumerate(rows["imports"])
    ]
    statements = [
        # Everyone findable by everyone: the largest candidate tables (decision 0019).
        (
            "INSERT INTO registry_person (id, created_at, findable_by) VALUES (%s, %s, 'everyone')",
            rows["persons"],
        ),
        (
            "INSERT INTO registry_account (person_id, platform, stable_id, handle, display_name,"
            " verification, x_key, created_at, verified_at, access_token, token_scope, mastodon_app_id,"
            " needs_reauth, reauth_reason, auth_kind, pds_url, auth_issuer, auth_client_id)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            account_rows,
        ),
        (
            "INSERT INTO archive_archiveimport (id, person_id, owner_x_id, owner_handle, owner_verified,"
            " followers_count, following_count, source, created_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            import_rows,
        ),
    ]
    for sql, values in statements:
        if vendor == "sqlite":
            sql = sql.replace("%s", "?")
        cursor.executemany(sql, values)


def _write_edges_postgres(connection: Any, batches: Any) -> int:
    written = 0
    with (
        connection.cursor() as cursor,
        cursor.copy(
            "COPY graph_edge (archive_import_id, direction, x_key) FROM STDIN (FORMAT BINARY)"
        ) as copy,
    ):
        copy.write(_COPY_HEADER)
        for imp, direction, keys in batches:
            rows = np.empty(len(imp), dtype=_COPY_ROW)
            rows["fields"], rows["l1"], rows["import"] = 3, 8, imp
            rows["l2"], rows["direction"], rows["l3"], rows["x_key"] = 2, direction, 8, keys
            copy.write(rows.tobytes())
            written += len(imp)
        copy.write(_COPY_TRAILER)
    return written


def _write_edges_sqlite(raw: Any, batches: Any) -> int:
    written = 0
    for imp, direction, keys in batches:
        raw.executemany(
            "INSERT INTO graph_edge (archive_import_id, direction, x_key) VALUES (?, ?, ?)",
            zip(imp.tolist(), direction.tolist(), keys.tolist(), strict=True),
        )
        written += len(imp)
    return written


def build_world(world: World, engine: str) -> tuple[str, Path]:
    """The database URL of a world with these parameters, generating it unless it is cached."""
    OUT.mkdir(exist_ok=True)
    data_dir = OUT / f"matching-data-{engine}"
    data_dir.mkdir(exist_ok=True)
    if engine == "postgres":
        import psycopg

        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_DB}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_DB]).fetchone()
        if exists:
            with psycopg.connect(url) as conn:
                table = conn.execute("SELECT to_regclass('bench_world') IS NOT NULL").fetchone()
                cached = bool(table and table[0]) and bool(
                    conn.execute("SELECT 1 FROM bench_world WHERE key = %s", [world.key]).fetchone()
                )
            if cached:
                _migrate(url, data_dir)  # new migrations of the code under test, if any
                return url, data_dir
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
            admin.execute(f"CREATE DATABASE {PG_DB}")
    else:
        path = data_dir / f"{world.key}.sqlite3"
        url = f"sqlite:///{path}"
        if path.exists():
            _migrate(url, data_dir)
            return url, data_dir
        for old in data_dir.glob("*.sqlite3*"):
            old.unlink()
        url_tmp = url
    started = time.perf_counter()
    _migrate(url, data_dir)
    rng = np.random.default_rng(world.seed)
    rows = _tables(world, rng)
    n_imports = len(rows["imports"])
    sizes = _import_sizes(world, rng, n_imports - 1)
    import_ids = np.arange(1, n_imports, dtype=np.int64)

    def batches() -> Any:
        yield from _edge_batches(world, rng, import_ids, sizes)
        yield from _newcomer_edges(world, rng, n_imports)

    if engine == "postgres":
        import psycopg

        with psycopg.connect(url) as conn:
            # The index as the migrations made it, rebuilt once after the load (far faster than
            # maintaining it row by row).
            index_sql = conn.execute("SELECT pg_get_indexdef('edge_x_key'::regclass)").fetchone()[0]
            # The edge table is partitioned (graph 0003): rebuilt on the parent, the index is built
            # on every partition; "ON ONLY" would leave the parent's invalid and the partitions bare.
            index_sql = index_sql.replace(" ON ONLY ", " ON ")
            conn.execute("DROP INDEX edge_x_key")
            with conn.cursor() as cursor:
                _write_small_tables(cursor, rows, "postgresql")
            written = _write_edges_postgres(conn, batches())
            conn.execute(index_sql)
            for table in ("registry_person", "registry_account", "archive_archiveimport"):
                conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
            conn.execute("CREATE TABLE bench_world (key text PRIMARY KEY)")
            conn.execute("INSERT INTO bench_world VALUES (%s)", [world.key])
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
    else:
        import sqlite3

        raw = sqlite3.connect(url_tmp.removeprefix("sqlite:///"))
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute("PRAGMA synchronous=OFF")
        index_sql = raw.execute("SELECT sql FROM sqlite_master WHERE name = 'edge_x_key'").fetchone()[0]
        raw.execute("DROP INDEX edge_x_key")
        with raw:
            _write_small_tables(raw.cursor(), rows, "sqlite")
            written = _write_edges_sqlite(raw, batches())
        raw.execute(index_sql)
        raw.execute("ANALYZE")
        raw.close()
    print(
        f"generated {engine} world {world.key}: {written:,} edges in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    return url, data_dir


# ---------------------------------------------------------------- measurements


def _baseline(vendor: str) -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("SET max_parallel_workers_per_gather = 0")
        started = time.perf_counter()
        if vendor == "postgresql":
            cursor.execute("SELECT count(*) FROM graph_edge")
        else:
            # SQLite counts rows from its smallest index; a sum over the table itself reads the table.
            cursor.execute("SELECT total(x_key) FROM graph_edge NOT INDEXED")
        cursor.fetchone()
        elapsed = time.perf_counter() - started
        if vendor == "postgresql":
            cursor.execute("RESET max_parallel_workers_per_gather")
    return elapsed


def _full() -> tuple[float, float, int]:
    from django.db import connection

    from envol.matching.materialise import refresh_everyone
    from envol.matching.models import Candidate

    # Empty as on the first computation: TRUNCATE, not DELETE, which would leave two million dead
    # rows (and their index entries, same keys) for the inserts to check and step over.
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {Candidate._meta.db_table}" if connection.vendor == "postgresql"
                       else f"DELETE FROM {Candidate._meta.db_table}")  # fmt: skip
    started = time.perf_counter()
    first = refresh_everyone(notify=False)
    full = time.perf_counter() - started
    started = time.perf_counter()
    again = refresh_everyone(notify=False)
    repair = time.perf_counter() - started
    assert again.upserted == again.deleted == 0
    return full, repair, first.upserted


def _newcomer(world: World) -> tuple[float, int]:
    from django.db import transaction

    from envol.archive.models import ArchiveImport
    from envol.matching.materialise import refresh_around
    from envol.registry.models import Account

    n = world.newcomer
    with transaction.atomic():
        Account.objects.filter(person_id=n, platform="x").update(verification="verified")
        ArchiveImport.objects.filter(person_id=n).update(owner_verified=True)
        Account.objects.create(
            person_id=n,
            platform="bluesky",
            stable_id="did:plc:newcomer",
            handle="newcomer.bsky.test",
            verification="verified",
        )
    started = time.perf_counter()
    result = refresh_around({n}, notify=False)
    elapsed = time.perf_counter() - started
    # Back to the world as generated, for the next run.
    with transaction.atomic():
        Account.objects.filter(person_id=n, platform="bluesky").delete()
        Account.objects.filter(person_id=n, platform="x").update(verification="claimed")
        ArchiveImport.objects.filter(person_id=n).update(owner_verified=False)
    refresh_around({n}, notify=False)
    return elapsed, len(result.changed_persons)


def _review_person(world: World) -> int:
    """The newcomer's own list: about 1 % of 1,000,000 followers are persons, times their networks."""
    return world.newcomer


def _review(world: World, samples: int = 200) -> tuple[float, float, int]:
    from django.db import transaction

    from envol.archive.models import ArchiveImport
    from envol.matching.materialise import refresh_around
    from envol.matching.models import Candidate
    from envol.matching.review import Filter, page
    from envol.registry.models import Account

    n = _review_person(world)
    with transaction.atomic():
        Account.objects.filter(person_id=n, platform="x").update(verification="verified")
        ArchiveImport.objects.filter(person_id=n).update(owner_verified=True)
    refresh_around({n}, notify=False)
    total = Candidate.objects.filter(person_id=n).count()
    cursors: list[str | None] = [None]
    current = page(n, which=Filter.ALL)
    while current.next_cursor:
        cursors.append(current.next_cursor)
        current = page(n, which=Filter.ALL, after=current.next_cursor)
    rng = np.random.default_rng(5)
    timings = []
    filters = [Filter.PENDING, Filter.ALL, Filter.DISMISSED, Filter.BRIDGED]
    for i in range(samples):
        after = cursors[int(rng.integers(0, len(cursors)))]
        started = time.perf_counter()
        page(n, which=filters[i % len(filters)], after=after)
        timings.append(time.perf_counter() - started)
    with transaction.atomic():
        Account.objects.filter(person_id=n, platform="x").update(verification="claimed")
        ArchiveImport.objects.filter(person_id=n).update(owner_verified=False)
    refresh_around({n}, notify=False)
    timings.sort()
    return timings[int(0.95 * (len(timings) - 1))], statistics.median(timings), total


def _plans(world: World, vendor: str) -> str:
    """EXPLAIN of the full computation's fill, the newcomer's fill and the review query."""
    from django.db import connection, transaction

    from envol.matching import reach, review

    explain = "EXPLAIN" if vendor == "postgresql" else "EXPLAIN QUERY PLAN"
    parts = []
    scopes = [("full: the pairs of people (choices and blocks applied), everyone", None),
              ("newcomer: the pairs of people around one person", {world.newcomer})]  # fmt: skip
    for label, scope in scopes:
        sql, params = reach._people_sql(scope)
        with transaction.atomic(), connection.cursor() as cursor:
            if vendor == "postgresql":  # the settings refresh() uses
                cursor.execute("SET LOCAL work_mem = '128MB'")
                if scope is None:
                    cursor.execute("SET LOCAL enable_nestloop = off")
                    cursor.execute("SET LOCAL enable_mergejoin = off")
            if vendor == "postgresql":  # as refresh() runs it: CREATE TABLE AS, planned in parallel
                cursor.execute(f"{explain} CREATE TEMPORARY TABLE plan_only AS {reach._inline(sql, params)}")
            else:
                cursor.execute(f"{explain} {sql}", params)
            parts.append(
                f"## {label}\n" + "\n".join(" | ".join(str(c) for c in row) for row in cursor.fetchall())
            )
    with connection.cursor() as cursor:
        # The page's own statement, from the middle of the person's list.
        cursor.execute(
            "SELECT network, address FROM matching_candidate WHERE person_id = %s"
            " ORDER BY network, address LIMIT 1 OFFSET 5000",
            [world.newcomer],
        )
        middle = cursor.fetchone()
        after = f"{middle[0]}:{middle[1]}" if middle else None
        sql, params = review.page_sql(world.newcomer, review.Filter.PENDING, None, after, review.PAGE_SIZE)
        analyse = "EXPLAIN (ANALYZE, BUFFERS)" if vendor == "postgresql" else explain
        cursor.execute(f"{analyse} {sql}", params)
        parts.append(
            f"## review page (after {after})\n"
            + "\n".join(" | ".join(str(c) for c in row) for row in cursor.fetchall())
        )
    return "\n\n".join(parts) + "\n"


def run_engine(engine: str, world: World, runs: int) -> dict[str, Any]:
    url, data_dir = build_world(world, engine)
    _setup_django(url, data_dir)
    from django.db import connection

    vendor = connection.vendor
    results: dict[str, list[float]] = {
        k: [] for k in ("baseline", "full", "repair", "newcomer", "review_p95", "review_median")
    }
    counts: dict[str, int] = {}
    for run in range(runs):
        results["baseline"].append(_baseline(vendor))
        full, repair, rows = _full()
        results["full"].append(full)
        results["repair"].append(repair)
        counts["candidate_rows"] = rows
        newcomer, concerned = _newcomer(world)
        results["newcomer"].append(newcomer)
        counts["newcomer_persons_changed"] = concerned
        p95, median, total = _review(world)
        results["review_p95"].append(p95)
        results["review_median"].append(median)
        counts["review_person_candidates"] = total
        print(
            f"{engine} run {run + 1}: " + ", ".join(f"{k}={v[-1]:.3f}" for k, v in results.items()),
            flush=True,
        )
    median = {k: statistics.median(v) for k, v in results.items()}
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM graph_edge")
        edges = cursor.fetchone()[0]
    (OUT / f"matching-{engine}-plans.txt").write_text(_plans(world, vendor))
    return {
        "engine": engine,
        "world": asdict(world),
        "edges": edges,
        "runs": results,
        "median": median,
        "counts": counts,
        "ratio_full": median["full"] / median["baseline"],
        "ratio_repair": median["repair"] / median["baseline"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument(
        "--scale", type=float, default=1.0, help="multiplies persons, edges, universe, newcomer"
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--build-only", action="store_true", help="generate (or find) the world, measure nothing"
    )
    args = parser.parse_args(argv)
    edges = 100_000_000 if args.engine == "postgres" else 10_000_000
    world = World(
        persons=int(100_000 * args.scale),
        edges=int(edges * args.scale),
        universe=int(10_000_000 * args.scale),
        newcomer_followers=int(1_000_000 * args.scale),
    )
    if args.build_only:
        build_world(world, args.engine)
        return 0
    result = run_engine(args.engine, world, args.runs)
    (OUT / f"matching-{args.engine}.json").write_text(json.dumps(result, indent=2))
    m = result["median"]
    print(
        f"\n{args.engine}: {result['edges']:,} edges, {world.persons:,} persons, medians of {args.runs} runs"
    )
    print(f"  baseline (one sequential scan of edges)  {m['baseline']:7.2f} s")
    rows = result["counts"]["candidate_rows"]
    print(
        f"  every person's candidates (from empty)   {m['full']:7.2f} s  {result['ratio_full']:.2f}x baseline"
    )
    print(f"      ({rows:,} candidate rows)")
    print(
        f"  repair run (nothing changed)              {m['repair']:7.2f} s",
        f"{result['ratio_repair']:.2f}x baseline",
    )
    print(
        f"  newcomer with {world.newcomer_followers:,} followers        {m['newcomer']:7.2f} s"
        f"  ({result['counts']['newcomer_persons_changed']:,} persons changed)"
    )
    print(
        f"  review page p95 / median                  {1000 * m['review_p95']:7.1f} ms / "
        f"{1000 * m['review_median']:.1f} ms  ({result['counts']['review_person_candidates']:,} candidates)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
