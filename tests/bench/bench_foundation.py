"""Foundation benchmarks (issue 2). Not run in CI: `python tests/bench/bench_foundation.py`.

Prints a table of medians over several runs, with ratios against baselines measured in the
same process (raw SQLCipher executemany; openpyxl's own read-only pass), because the
machines here are shared and noisy.

  1. CSV import of the province dataset (≈100,000 people) into an empty profile, and the
     re-import of the same files (everything unchanged) into the profile now holding it.
  2. xlsx import of 20,000 member rows vs openpyxl's read-only pass over the same file.
  3. Search latency (p50/p95) over the ≈100,000 people: files and members.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from khdesk.core.io.tabular import read_tables, write_tables  # noqa: E402
from khdesk.core.services import profiles  # noqa: E402
from khdesk.core.services.candidates import file_ids  # noqa: E402
from khdesk.core.services.importer import import_file  # noqa: E402
from khdesk.core.services.members import search_members  # noqa: E402
from khdesk.core.services.session import Session, open_profile
from khdesk.core.store import keyslots  # noqa: E402
from khdesk.core.store.engine import open_sqlcipher  # noqa: E402
from khdesk.core.text import fold  # noqa: E402
from khdesk.demo.province import province_demo, write_province_dataset  # noqa: E402

TODAY = date(2026, 11, 26)
PASSWORD = "bench-password"


def new_profile(home: Path, role: str, code: str) -> Session:
    session, _ = profiles.create_profile(
        home, role=role, org_code=code, org_name=f"Bench {code}", user="bithu", password=PASSWORD
    )
    return session


def raw_executemany_rate(folder: Path, rows: list[tuple]) -> float:
    """Rows/s of a plain SQLCipher executemany of the member rows (the floor to compare to)."""
    engine = open_sqlcipher(folder / "raw.db", b"\x01" * 32)
    conn = engine.raw_connection()
    width = len(rows[0])
    conn.execute(f"CREATE TABLE m ({', '.join(f'c{i}' for i in range(width))})")
    start = time.perf_counter()
    conn.execute("BEGIN")  # the driver runs in autocommit: one transaction, as the import
    conn.executemany(f"INSERT INTO m VALUES ({', '.join('?' * width)})", rows)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    engine.dispose()
    return len(rows) / elapsed


def bench_csv(work: Path, runs: int, seed: int) -> list[tuple[str, str]]:
    dataset = work / "province-csv"
    counts = write_province_dataset(
        dataset, seed=seed, cells=2000, people=100_000, files=10_000, today=TODAY
    )
    total_rows = sum(counts.values())
    changed_set = work / "province-csv-seed2"  # same codes, other people: every row changes
    changed_rows = sum(
        write_province_dataset(
            changed_set, seed=seed + 1, cells=2000, people=100_000, files=10_000, today=TODAY
        ).values()
    )
    first, again, rewrite, raw = [], [], [], []
    members = [tuple(r.values.values()) for r in read_tables(dataset).sheets["members"]]
    for i in range(runs):
        home = work / f"csv-{i}"
        session = new_profile(home, "province", "KH")
        start = time.perf_counter()
        report = import_file(session, dataset)
        first.append(total_rows / (time.perf_counter() - start))
        assert report.committed and report.rows >= total_rows * 0.99, report.counts
        start = time.perf_counter()
        report = import_file(session, dataset)
        again.append(total_rows / (time.perf_counter() - start))
        assert report.changed == 0
        start = time.perf_counter()
        report = import_file(session, changed_set)
        rewrite.append(changed_rows / (time.perf_counter() - start))
        session.close()
        raw.append(raw_executemany_rate(home, members))
    self_ratio = statistics.median(first) / statistics.median(raw)
    return [
        ("province dataset rows (all sheets)", f"{total_rows:,}"),
        ("CSV import into empty province profile", f"{statistics.median(first):,.0f} rows/s"),
        ("CSV re-import into the profile holding it", f"{statistics.median(again):,.0f} rows/s"),
        ("CSV import changing every row of it", f"{statistics.median(rewrite):,.0f} rows/s"),
        ("raw SQLCipher executemany (members only)", f"{statistics.median(raw):,.0f} rows/s"),
        ("import / raw executemany", f"{self_ratio:.2f}"),
    ]


def bench_xlsx(work: Path, runs: int, seed: int) -> list[tuple[str, str]]:
    import openpyxl

    tables = province_demo(seed, cells=400, people=20_500, files=500, today=TODAY)
    members = tables["members"][:20_000]
    path = work / "members.xlsx"
    write_tables(path, {"orgs": tables["orgs"], "members": members})
    ours, theirs = [], []
    for i in range(runs):
        start = time.perf_counter()
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        n = sum(1 for ws in wb.worksheets for _ in ws.iter_rows(values_only=True))
        wb.close()
        theirs.append(n / (time.perf_counter() - start))
        session = new_profile(work / f"xlsx-{i}", "province", "KH")
        start = time.perf_counter()
        report = import_file(session, path)
        ours.append(n / (time.perf_counter() - start))
        assert report.counts["members"].added == len(members), report.counts
        session.close()
    return [
        ("xlsx rows (members + orgs)", f"{n:,}"),
        ("openpyxl read-only pass", f"{statistics.median(theirs):,.0f} rows/s"),
        ("khdesk xlsx import", f"{statistics.median(ours):,.0f} rows/s"),
        (
            "import / openpyxl pass (target ≥ 0.5)",
            f"{statistics.median(ours) / statistics.median(theirs):.2f}",
        ),
    ]


def bench_search(work: Path, queries: int, seed: int) -> list[tuple[str, str]]:
    session = open_profile(work / "csv-0", "KH", "bithu", PASSWORD)
    with session.store.read() as conn:
        names = [r[0] for r in conn.exec_driver_sql("SELECT full_name FROM members LIMIT 5000")]
    rng = random.Random(seed)
    times, hits = [], []
    for _ in range(queries):
        words = fold(rng.choice(names)).split()
        # What people type: a given name, a family + middle prefix, or a name prefix.
        kind = rng.randrange(3)
        if kind == 0:
            q = words[-1][: rng.randint(2, len(words[-1]))]
        elif kind == 1:
            q = " ".join(words[:2])
        else:
            q = " ".join(w[:3] for w in words)
        start = time.perf_counter()
        found_files = file_ids(session, q)
        found_members = search_members(session, q, limit=200)
        times.append((time.perf_counter() - start) * 1000)
        hits.append(len(found_files) + len(found_members))
    session.close()
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    return [
        ("search queries (files + members, ≈100,000 people)", f"{queries}"),
        ("search p50", f"{statistics.median(times):.1f} ms"),
        ("search p95 (target ≤ 20 ms)", f"{p95:.1f} ms"),
        ("median hits per query", f"{statistics.median(hits):.0f}"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    # The shipped key-derivation cost is kept: opening a profile is part of real use.
    assert keyslots.DEFAULT_KDF["n"] == 2**16
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        rows = bench_csv(work, args.runs, args.seed)
        rows += bench_xlsx(work, args.runs, args.seed)
        rows += bench_search(work, args.queries, args.seed)
    width = max(len(k) for k, _ in rows)
    print(f"{'measure':<{width}}  value   (median of {args.runs} runs)")
    print("-" * (width + 24))
    for key, value in rows:
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
