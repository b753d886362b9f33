"""Province tier on PostgreSQL (issue 9). Not run in CI:

    KHDESK_TEST_PG=postgresql://… python tests/bench/bench_province_pg.py [--cells 2000]

Prints a table of medians over `--runs` runs; the machines here are shared and noisy, so
every comparison is measured in the same process, on the same data, run after run.

  1. The province importing one consolidated bundle from each of the 65 commune
     committees of `province_demo` (by default `khdesk demo --scale province`-sized:
     2,000 cells, ≈100,000 records), on PostgreSQL with `--workers` staff members at
     once (each their own role and session, taking the next bundle from a shared queue)
     against one, and into a desktop (SQLCipher) province one by one as the baseline.
     Each run starts from a fresh copy of the enrolled province (on the server: a new
     database made from a prepared one as template); only the imports are timed.
  2. Search latency (p50/p95) on PostgreSQL over ≈`--search-people` people (files and
     members through candidates.file_ids and the first 200 of members.search_members,
     as bench_foundation.py times them on SQLite), target p95 ≤ 20 ms.

The committees are built once (tests/integration/core/sync/province_data.py: real committee profiles
filled through the importer, cheap scrypt); `--work DIR` keeps them, the prepared
provinces and the search database for the next run of the same size.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from khdesk.core.services import profiles, sync  # noqa: E402
from khdesk.core.services.candidates import file_ids  # noqa: E402
from khdesk.core.services.importer import RowTables, import_tables  # noqa: E402
from khdesk.core.services.members import search_members  # noqa: E402
from khdesk.core.services.session import ProfileDir, open_profile
from khdesk.core.text import fold  # noqa: E402
from khdesk.demo.province import province_demo  # noqa: E402
from tests import pg  # noqa: E402
from tests.integration.core.sync import province_data as pd  # noqa: E402

OWNER = "khpb_chu"  # roles of this benchmark's own (roles are server-wide)
STAFF = ("khpb_cb1", "khpb_cb2", "khpb_cb3", "khpb_cb4", "khpb_cb5", "khpb_cb6", "khpb_cb7")
PG_PASSWORD = "matkhau-khpb-tinh"


# -- building (once per size) --


def _db_name(url: str) -> str:
    return url.rsplit("/", 1)[1]


def _db_exists(name: str) -> bool:
    return bool(pg.admin_execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)))


def build(work: Path, args) -> dict:
    """The committees, a desktop province and a server province, both enrolled with every
    committee, and each committee's bundle to each; reused from `work` when its size is
    the same and the server still holds the prepared database."""
    size = {k: getattr(args, k) for k in ("cells", "people", "files", "seed")}
    done = work / "built.json"
    if done.exists():
        built = json.loads(done.read_text())
        if built["size"] != size:
            raise SystemExit(f"{work} holds a province of another size: {built['size']}")
        if _db_exists(_db_name(built["pg_url"])):
            return built
        print("  the prepared server database is gone: building again", flush=True)
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    tables = pd.province_tables(args.seed, args.cells, args.people, args.files)
    start = time.perf_counter()
    codes = pd.build_committees(work / "committees", tables, progress=True)
    build_s = time.perf_counter() - start
    records = sum(
        len(rows) for sheet in pd.commune_rows(tables).values() for rows in sheet.values()
    )

    # The desktop province (the shipped key derivation: it is what is opened each run).
    pd.copy_committees(work / "committees", work / "to-sqlite", codes)
    home = work / "sqlite-home"
    session, _ = profiles.create_profile(
        home,
        role="province",
        org_code="KH",
        org_name="Tỉnh ủy Khánh Hòa",
        user=pd.USER,
        password=pd.PASSWORD,
    )
    pd.import_org_list(session, tables)
    sqlite_bundles = pd.send_to_province(session, work / "to-sqlite", codes, work / "sqlite-x")
    session.close()
    shutil.rmtree(work / "to-sqlite")

    # The server province: the owner and staff members, every committee enrolled.
    pd.copy_committees(work / "committees", work / "to-pg", codes)
    url = pg.new_database(OWNER, PG_PASSWORD)
    pg.created.remove(_db_name(url))  # kept for the next run (--work)
    session = pd.province_on_server(work / "pg-home", url, OWNER, PG_PASSWORD)
    pd.import_org_list(session, tables)
    for name in STAFF:
        profiles.add_user(session, name, PG_PASSWORD, role="deputy")
    pg_bundles = pd.send_to_province(session, work / "to-pg", codes, work / "pg-x")
    session.close()
    shutil.rmtree(work / "to-pg")

    built = {
        "size": size,
        "codes": codes,
        "records": records,
        "build_s": build_s,
        "sqlite_home": str(home),
        "sqlite_bundles": [str(sqlite_bundles[c]) for c in codes],
        "pg_url": url,
        "pg_home": str(work / "pg-home"),
        "pg_bundles": [str(pg_bundles[c]) for c in codes],
    }
    done.write_text(json.dumps(built))
    return built


# -- the import runs --


def run_sqlite(built: dict, run_home: Path) -> float:
    shutil.copytree(Path(built["sqlite_home"]) / "profiles" / "KH", run_home / "profiles" / "KH")
    session = open_profile(run_home, "KH", pd.USER, pd.PASSWORD)
    try:
        start = time.perf_counter()
        reports = sync.import_bundles(session, [Path(p) for p in built["sqlite_bundles"]])
        elapsed = time.perf_counter() - start
    finally:
        session.close()
    bad = [(r.path, r.status, r.reason) for r in reports if r.status != "imported"]
    assert not bad, bad[:3]
    shutil.rmtree(run_home)
    return elapsed


def _pg_copy(built: dict, run_home: Path, tag: str) -> str:
    """A fresh copy of the prepared server province (a database made from it as template)
    and a profile folder pointing at it; returns the database's name."""
    template = _db_name(built["pg_url"])
    name = f"{template}_{tag}"
    pg.admin_execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    pg.admin_execute(f"CREATE DATABASE {name} TEMPLATE {template} OWNER {OWNER}")
    shutil.copytree(Path(built["pg_home"]) / "profiles" / "KH", run_home / "profiles" / "KH")
    pdir = ProfileDir(run_home, "KH")
    info = pdir.read_info()
    info.db_url = info.db_url.rsplit("/", 1)[0] + "/" + name
    pdir.write_info(info)
    return name


def _import_threads(run_home: Path, users: tuple[str, ...], paths: list[Path]):
    """Each staff member a thread of this process with its own session."""
    sessions = [open_profile(run_home, "KH", u, PG_PASSWORD) for u in users]
    todo: queue.Queue[Path] = queue.Queue()
    for p in paths:
        todo.put(p)
    statuses, errors = [], []
    gate = threading.Barrier(len(users) + 1)

    def work(session) -> None:
        try:
            gate.wait()
            while True:
                try:
                    path = todo.get_nowait()
                except queue.Empty:
                    return
                (r,) = sync.import_bundles(session, [path])
                statuses.append((r.path, r.status, r.reason))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=work, args=(s,)) for s in sessions]
    for th in threads:
        th.start()
    gate.wait()
    start = time.perf_counter()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - start
    for s in sessions:
        s.close()
    return elapsed, statuses, errors


def _process_worker(run_home: str, user: str, todo, done, go) -> None:
    """A staff member on a PC of their own: a process, its own session."""
    try:
        session = open_profile(Path(run_home), "KH", user, PG_PASSWORD)
    except BaseException as exc:  # noqa: BLE001
        done.put(("ready", repr(exc)))
        return
    done.put(("ready", None))
    go.wait()
    try:
        while (path := todo.get()) is not None:
            (r,) = sync.import_bundles(session, [Path(path)])
            done.put(("report", (r.path, r.status, r.reason)))
    except BaseException as exc:  # noqa: BLE001
        done.put(("error", repr(exc)))
    finally:
        session.close()
        done.put(("end", None))


def _import_processes(run_home: Path, users: tuple[str, ...], paths: list[Path]):
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    todo, done, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    for p in paths:
        todo.put(str(p))
    for _ in users:
        todo.put(None)
    procs = [
        ctx.Process(target=_process_worker, args=(str(run_home), u, todo, done, go)) for u in users
    ]
    for pr in procs:
        pr.start()
    errors = [err for _ in users if (err := done.get()[1])]
    start = time.perf_counter()
    go.set()
    statuses, ended = [], 0
    while ended < len(users) - len(errors):
        kind, value = done.get()
        if kind == "report":
            statuses.append(value)
        elif kind == "error":
            errors.append(value)
        elif kind == "end":
            ended += 1
    elapsed = time.perf_counter() - start
    for pr in procs:
        pr.join()
    return elapsed, statuses, errors


def run_pg(built: dict, run_home: Path, workers: int, tag: str, processes: bool) -> float:
    """`workers` staff members import the bundles into a fresh copy of the server
    province at once, each taking the next bundle from a shared queue."""
    name = _pg_copy(built, run_home, tag)
    try:
        users = (OWNER, *STAFF)[:workers]
        paths = [Path(p) for p in built["pg_bundles"]]
        how = _import_processes if processes else _import_threads
        elapsed, statuses, errors = how(run_home, users, paths)
        assert not errors, errors[:3]
        bad = [x for x in statuses if x[1] != "imported"]
        assert not bad and len(statuses) == len(paths), bad[:3]
        return elapsed
    finally:
        pg.admin_execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        shutil.rmtree(run_home, ignore_errors=True)


def bench_import(work: Path, args) -> list[tuple[str, str]]:
    built = build(args.work or work / "built", args)
    total_bytes = sum(Path(p).stat().st_size for p in built["pg_bundles"])
    n, med = len(built["pg_bundles"]), statistics.median
    # Staff members as threads of one process (as the tests run them) and as processes
    # (as they are: each on a PC of their own; no interpreter lock shared).
    kinds = {"threads": False, "processes": True}
    modes = list(kinds) if args.mode == "both" else [args.mode]
    desk: list[float] = []
    times: dict[tuple[str, int], list[float]] = {}
    for i in range(args.runs):
        # Interleaved, so that a busy spell of the machine falls on all of them alike.
        desk.append(run_sqlite(built, work / f"sqlite-run-{i}"))
        line = [f"SQLite {desk[-1]:.2f} s"]
        for mode in modes:
            for w in (1, args.workers):
                tag = f"r{os.getpid()}_{i}_{mode[0]}{w}"
                took = run_pg(built, work / f"pg-run-{tag}", w, tag, kinds[mode])
                times.setdefault((mode, w), []).append(took)
                line.append(f"PG {mode} ×{w} {took:.2f} s")
        print(f"  run {i + 1}: " + ", ".join(line), flush=True)

    def each(xs):
        return ", ".join(f"{x:,.2f}" for x in xs)

    rows = [
        ("communes (bundles)", f"{n}"),
        ("records carried by the bundles", f"{built['records']:,}"),
        ("bundle bytes, all communes", f"{total_bytes / 1_048_576:,.1f} MB"),
        ("building the committees (once, not timed below)", f"{built['build_s']:,.0f} s"),
        ("SQLite province, one by one (baseline)", f"{med(desk):,.2f} s   [{each(desk)}]"),
    ]
    for mode in modes:
        one, many = times[(mode, 1)], times[(mode, args.workers)]
        speedups = [a / b for a, b in zip(one, many, strict=True)]
        rows += [
            (f"PostgreSQL, 1 worker ({mode})", f"{med(one):,.2f} s   [{each(one)}]"),
            (
                f"PostgreSQL, {args.workers} workers ({mode})",
                f"{med(many):,.2f} s   [{each(many)}]",
            ),
            (
                f"  speed-up {args.workers} / 1 {mode} (median of per-run ratios)",
                f"{med(speedups):.2f}×",
            ),
            (
                f"  {args.workers} workers ({mode}) throughput",
                f"{built['records'] / med(many):,.0f} records/s",
            ),
        ]
    one = times[(modes[0], 1)]
    rows.append(("PostgreSQL 1 worker / SQLite", f"{med(one) / med(desk):.2f}"))
    return rows


# -- search --


def search_provinces(work: Path, args) -> dict[str, tuple[Path, str, str]]:
    """A server province and a desktop one, each holding ≈`--search-people` people as its
    own records (the province dataset through the importer, as bench_foundation does);
    home, user and password of each."""
    done = work / "search.json"
    size = {"people": args.search_people, "seed": args.seed, "sqlite": args.search_sqlite}
    if done.exists():
        built = json.loads(done.read_text())
        if built["size"] == size and _db_exists(built["db"]):
            return {k: (Path(h), u, p) for k, (h, u, p) in built["homes"].items()}
        for home, _, _ in built["homes"].values():
            shutil.rmtree(Path(home), ignore_errors=True)
    people = args.search_people
    tables = province_demo(args.seed, cells=2000, people=people, files=people // 10, today=pd.TODAY)
    url = pg.new_database(OWNER, PG_PASSWORD)
    pg.created.remove(_db_name(url))
    homes = {"postgres": (work / "search-pg", OWNER, PG_PASSWORD)}
    if args.search_sqlite:
        homes["sqlite"] = (work / "search-sqlite", pd.USER, pd.PASSWORD)
    for kind, (home, user, password) in homes.items():
        session, _ = profiles.create_profile(
            home,
            role="province",
            org_code="KH",
            org_name="Tỉnh ủy Khánh Hòa",
            user=user,
            password=password,
            db_url=url if kind == "postgres" else None,
        )
        start = time.perf_counter()
        report = import_tables(session, RowTables.from_dicts(tables), "bench")
        assert report.committed and not report.problems, report.problems[:3]
        print(f"  search data ({kind}) imported in {time.perf_counter() - start:.0f} s")
        session.close()
    # What autovacuum does soon after a bulk load, done now so the run does not race it.
    db_admin = pg.ADMIN_URL.rsplit("/", 1)[0] + "/" + _db_name(url)
    import psycopg

    with psycopg.connect(db_admin, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    work.mkdir(parents=True, exist_ok=True)
    homes_json = {k: (str(h), u, p) for k, (h, u, p) in homes.items()}
    done.write_text(json.dumps({"size": size, "db": _db_name(url), "homes": homes_json}))
    return homes


def _queries(names: list[str], count: int, seed: int) -> list[str]:
    """What people type (bench_foundation's mix): a given name, a family + middle name,
    or a prefix of each word."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        words = fold(rng.choice(names)).split()
        kind = rng.randrange(3)
        if kind == 0:
            out.append(words[-1][: rng.randint(2, len(words[-1]))])
        elif kind == 1:
            out.append(" ".join(words[:2]))
        else:
            out.append(" ".join(w[:3] for w in words))
    return out


def _search_times(session, queries: list[str]) -> tuple[list[float], list[int]]:
    """What bench_foundation times on SQLite: the files found (ids) and the first page
    of the member register (200 rows), per query."""
    for q in queries[:20]:  # warm the connection pool and the caches, not timed
        file_ids(session, q)
        search_members(session, q, limit=200)
    times, hits = [], []
    for q in queries:
        start = time.perf_counter()
        found_files = file_ids(session, q)
        found_members = search_members(session, q, limit=200)
        times.append((time.perf_counter() - start) * 1000)
        hits.append(len(found_files) + len(found_members))
    return sorted(times), hits


def bench_search(work: Path, args) -> list[tuple[str, str]]:
    homes = search_provinces(args.work or work / "built", args)
    results, people, queries = {}, 0, []
    for kind, (home, user, password) in homes.items():
        session = open_profile(home, "KH", user, password)
        try:
            if not queries:
                with session.store.read() as conn:
                    names = [
                        r[0]
                        for r in conn.exec_driver_sql("SELECT full_name FROM members LIMIT 5000")
                    ]
                    people = sum(
                        conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar()
                        for t in ("members", "candidates")
                    )
                queries = _queries(names, args.queries, args.seed)
            results[kind] = _search_times(session, queries)
        finally:
            session.close()
    rows = [
        ("search: people in the province (members + files)", f"{people:,}"),
        ("search queries (file ids + first 200 members)", f"{len(queries)}"),
    ]
    for kind, (times, _hits) in results.items():
        p95 = times[int(len(times) * 0.95) - 1]
        target = " (target ≤ 20 ms)" if kind == "postgres" else ""
        rows += [
            (f"search p50, {kind}", f"{statistics.median(times):.1f} ms"),
            (f"search p95, {kind}{target}", f"{p95:.1f} ms"),
            (f"search max, {kind}", f"{times[-1]:.1f} ms"),
        ]
    rows.append(("median hits per query", f"{statistics.median(results['postgres'][1]):.0f}"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cells", type=int, default=2000)
    parser.add_argument("--people", type=int, default=None, help="default: 21 per cell")
    parser.add_argument("--files", type=int, default=None, help="default: 2 per cell")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--mode",
        choices=("threads", "processes", "both"),
        default="both",
        help="staff members as threads of one process, as processes, or both",
    )
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--search-people", type=int, default=100_000)
    parser.add_argument(
        "--no-search-sqlite",
        dest="search_sqlite",
        action="store_false",
        help="skip the desktop (SQLCipher) baseline of the search",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", choices=("all", "import", "search"), default="all")
    parser.add_argument("--work", type=Path, default=None, help="keep the built data here")
    args = parser.parse_args()
    if not pg.ADMIN_URL:
        raise SystemExit("KHDESK_TEST_PG is not set (see .ci/pg-start).")
    if not 1 <= args.workers <= 1 + len(STAFF):
        raise SystemExit(f"--workers: 1 to {1 + len(STAFF)}")
    args.people = args.people if args.people is not None else 21 * args.cells
    args.files = args.files if args.files is not None else 2 * args.cells
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        try:
            rows = bench_import(work, args) if args.only != "search" else []
            rows += bench_search(work, args) if args.only != "import" else []
        finally:
            if args.work is None:  # nothing to reuse: the server databases go too
                _drop_kept(work / "built")
    width = max(len(k) for k, _ in rows)
    print(f"{'measure':<{width}}  value   (median of {args.runs} runs [each run])")
    print("-" * (width + 30))
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    print(
        f"size: {args.cells:,} cells in 65 communes, {args.people:,} people, {args.files:,} "
        f"files (seed {args.seed}); search over {args.search_people:,} people. Committee "
        "profiles made with scrypt n=2**10 (not timed); PostgreSQL on this machine "
        f"(loopback). Load: {_load()}. Nothing is extrapolated."
    )


def _drop_kept(folder: Path) -> None:
    for name, key in (("built.json", "pg_url"), ("search.json", "db")):
        path = folder / name
        if path.exists():
            db = json.loads(path.read_text())[key].rsplit("/", 1)[-1]
            pg.admin_execute(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")


def _load() -> str:
    try:
        return "load average " + " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


if __name__ == "__main__":
    main()
