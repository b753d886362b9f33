"""Sync benchmarks (issue 4). Not run in CI: `python tests/bench/bench_sync.py`.

Prints a table of medians over several runs, with a ratio against a baseline measured in
the same process (raw SQLCipher executemany of the same rows), because the machines here
are shared and noisy.

  1. A province profile importing one up bundle from each of `--cells` cells (the issue's
     target: 2,000 cells, ≈100,000 records, ≤ 30 s). Each cell is a real encrypted profile
     filled with its own slice of `province_demo` and enrolled both ways with the province;
     only the province-side `import_bundles` of all the bundles is timed, each run on a
     fresh copy of the enrolled province profile.
  2. A full export of one cell holding `--attach-mb` MB of random attachments (target:
     50 MB ≤ 2 s).

The cell profiles use a cheap scrypt (n = 2**10) so that thousands can be created; the
province profile, whose import is measured, keeps the shipped key derivation.

Building 2,000 cells takes minutes: `--work DIR` keeps the enrolled province and the
bundles there and reuses them on the next run of the same size (`--only import`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from khdesk.core.services import attachments, profiles, sync  # noqa: E402
from khdesk.core.services.importer import RowTables, import_tables  # noqa: E402
from khdesk.core.services.session import open_profile
from khdesk.core.store import keyslots  # noqa: E402
from khdesk.core.store.engine import open_sqlcipher  # noqa: E402
from khdesk.demo.province import province_demo  # noqa: E402

TODAY = date(2026, 11, 26)
PASSWORD = "bench-password"
USER = "bithu"
CELL_KDF = {"name": "scrypt", "n": 2**10, "r": 8, "p": 1}


def new_profile(home: Path, role: str, code: str, parent: str | None, kdf: dict | None = None):
    saved = keyslots.DEFAULT_KDF
    if kdf is not None:
        keyslots.DEFAULT_KDF = kdf
    try:
        session, _ = profiles.create_profile(
            home,
            role=role,
            org_code=code,
            org_name=f"Bench {code}",
            parent_code=parent,
            user=USER,
            password=PASSWORD,
        )
    finally:
        keyslots.DEFAULT_KDF = saved
    return session


def enrol(receiver, sender, folder: Path) -> None:
    """The offline enrolment one way: `sender`'s card enrolled at `receiver`."""
    card = sync.write_card(sender, folder / f"{sender.org_code}.card")
    sync.enrol_card(receiver, folder / f"{sender.org_code}.card", card["fingerprint"])


def cell_slices(tables: dict, cell_codes: list[str]) -> dict[str, dict[str, list[dict]]]:
    """Each cell's own rows of the province dataset, sheet by sheet."""
    out: dict[str, dict[str, list[dict]]] = {c: defaultdict(list) for c in cell_codes}
    member_org = {m["member_code"]: m["org_code"] for m in tables["members"]}
    file_org = {f["file_code"]: f["org_code"] for f in tables["candidates"]}
    for sheet, rows in tables.items():
        if sheet == "orgs":  # a cell profile holds its own organisation already
            continue
        for row in rows:
            if sheet in ("member_records", "ratings"):
                org = member_org.get(row["member_code"])
            elif sheet == "steps":
                org = file_org.get(row["file_code"])
            else:
                org = row.get("org_code")
            if org in out:
                out[org][sheet].append(row)
    return out


def raw_executemany_seconds(folder: Path, slices: dict) -> tuple[int, float]:
    """A plain SQLCipher executemany of the same rows, one table per sheet, one transaction."""
    per_sheet: dict[str, list[tuple]] = defaultdict(list)
    for sheets in slices.values():
        for sheet, rows in sheets.items():
            per_sheet[sheet].extend(tuple(r.values()) for r in rows)
    path = folder / "raw.db"
    if path.exists():
        path.unlink()
    engine = open_sqlcipher(path, b"\x01" * 32)
    conn = engine.raw_connection()
    for sheet, rows in per_sheet.items():
        width = len(rows[0])
        conn.execute(f"CREATE TABLE {sheet} ({', '.join(f'c{i}' for i in range(width))})")
    start = time.perf_counter()
    conn.execute("BEGIN")  # the driver runs in autocommit: one transaction, as the import
    for sheet, rows in per_sheet.items():
        width = len(rows[0])
        conn.executemany(f"INSERT INTO {sheet} VALUES ({', '.join('?' * width)})", rows)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    engine.dispose()
    return sum(len(r) for r in per_sheet.values()), elapsed


def build_province(work: Path, cells: int, people: int, files: int, seed: int):
    """The province profile (orgs known, every cell enrolled) and one bundle per cell."""
    tables = province_demo(seed, cells=cells, people=people, files=files, today=TODAY)
    cell_rows = [o for o in tables["orgs"] if "-CB" in o["code"]]
    slices = cell_slices(tables, [o["code"] for o in cell_rows])
    home = work / "province-home"
    province = new_profile(home, "province", "KH", None)
    report = import_tables(province, RowTables.from_dicts({"orgs": tables["orgs"]}), "bench")
    assert report.committed and not report.problems, report.problems[:3]
    cards, bundles = work / "cards", work / "bundles"
    cards.mkdir()
    bundles.mkdir()
    cell_home = work / "cells-home"
    paths: list[Path] = []
    start = time.perf_counter()
    for i, org in enumerate(cell_rows):
        code = org["code"]
        cell = new_profile(cell_home, "cell", code, org["parent_code"], CELL_KDF)
        enrol(cell, province, cards)
        enrol(province, cell, cards)
        if slices[code]:
            report = import_tables(cell, RowTables.from_dicts(slices[code]), "bench")
            assert report.committed and not report.problems, (code, report.problems[:3])
        paths.append(Path(sync.export_bundle(cell, bundles / f"{i:05d}-{code}", to="KH").path))
        cell.close()
        shutil.rmtree(cell_home / "profiles" / code)  # keep the disk use small
        if (i + 1) % 200 == 0:
            print(f"  built {i + 1} cells ({time.perf_counter() - start:.0f} s)", flush=True)
    build_s = time.perf_counter() - start
    province.close()
    return home, paths, slices, build_s


def built_province(work: Path, args) -> tuple[Path, list[Path], dict, float]:
    """The province and its bundles: built in `work`, or reused from an earlier run there
    of the same size (the slices, for the baseline, are cheap to compute again)."""
    size = {"cells": args.cells, "people": args.people, "files": args.files, "seed": args.seed}
    done = work / "built.json"
    if done.exists():
        built = json.loads(done.read_text())
        if built["size"] == size:
            tables = province_demo(
                args.seed, cells=args.cells, people=args.people, files=args.files, today=TODAY
            )
            codes = [o["code"] for o in tables["orgs"] if "-CB" in o["code"]]
            paths = [Path(p) for p in built["paths"]]
            return Path(built["home"]), paths, cell_slices(tables, codes), built["build_s"]
        raise SystemExit(f"{work} holds a province of another size: {built['size']}")
    work.mkdir(parents=True, exist_ok=True)
    home, paths, slices, build_s = build_province(
        work, args.cells, args.people, args.files, args.seed
    )
    built = {"size": size, "home": str(home), "paths": [str(p) for p in paths]}
    done.write_text(json.dumps({**built, "build_s": build_s}))
    return home, paths, slices, build_s


def bench_import(work: Path, args) -> list[tuple[str, str]]:
    home, paths, slices, build_s = built_province(args.work or work, args)
    total_bytes = sum(p.stat().st_size for p in paths)
    seconds, ratios, records = [], [], 0
    for i in range(args.runs):
        run_home = work / f"run-{i}"
        shutil.copytree(home / "profiles" / "KH", run_home / "profiles" / "KH")
        session = open_profile(run_home, "KH", USER, PASSWORD)
        start = time.perf_counter()
        reports = sync.import_bundles(session, paths)
        elapsed = time.perf_counter() - start
        session.close()
        refused = [r for r in reports if r.status != "imported"]
        assert not refused, [(r.path, r.status, r.reason) for r in refused[:3]]
        records = sum(sum(r.counts.values()) for r in reports)
        raw_rows, raw_s = raw_executemany_seconds(work, slices)
        seconds.append(elapsed)
        ratios.append((records / elapsed) / (raw_rows / raw_s))
        shutil.rmtree(run_home)
    med = statistics.median(seconds)
    each = ", ".join(f"{x:,.2f}" for x in seconds)
    return [
        ("cells (bundles), measured size", f"{len(paths):,}"),
        ("records carried by the bundles", f"{records:,}"),
        ("rows in the raw baseline (same rows)", f"{raw_rows:,}"),
        ("bundle bytes, all cells", f"{total_bytes / 1_048_576:,.1f} MB"),
        ("building the cells (once, not timed below)", f"{build_s:,.0f} s"),
        ("province import of all bundles (target ≤ 30 s)", f"{med:,.2f} s"),
        ("  each run", f"{each} s"),
        ("  per bundle", f"{med / len(paths) * 1000:,.1f} ms"),
        ("province import throughput", f"{records / med:,.0f} records/s"),
        ("import / raw executemany (in-run ratio)", f"{statistics.median(ratios):.3f}"),
    ]


def bench_export(work: Path, args) -> list[tuple[str, str]]:
    home = work / "attach-home"
    province = new_profile(home, "province", "KH", None)
    cell = new_profile(home, "cell", "X01-CB001", "X01", CELL_KDF)
    enrol(cell, province, work)
    enrol(province, cell, work)
    candidate = {
        "file_code": "KN-001",
        "full_name": "Nguyễn Văn An",
        "sex": "Nam",
        "birth_date": date(2000, 1, 1),
        "org_code": "X01-CB001",
        "home_town": "Khánh Hòa",
    }
    report = import_tables(cell, RowTables.from_dicts({"candidates": [candidate]}), "bench")
    assert report.committed and not report.problems, report.problems
    scans = work / "scans"
    scans.mkdir()
    size = args.attach_mb * 1_048_576 // args.attach_files
    for i in range(args.attach_files):
        path = scans / f"scan-{i:02d}.pdf"
        path.write_bytes(os.urandom(size))
        attachments.attach(cell, "KN-001", path)
    seconds, sizes = [], []
    for i in range(args.runs):
        out = work / f"export-{i}"
        start = time.perf_counter()
        result = sync.export_bundle(cell, out, full=True, to="KH")
        seconds.append(time.perf_counter() - start)
        sizes.append(Path(result.path).stat().st_size)
        Path(result.path).unlink()
    cell.close()
    province.close()
    return [
        ("attachments on one file", f"{args.attach_files} × {size / 1_048_576:.1f} MB random"),
        ("bundle size", f"{statistics.median(sizes) / 1_048_576:,.1f} MB"),
        ("full export of that cell (target ≤ 2 s)", f"{statistics.median(seconds):,.2f} s"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cells", type=int, default=2000)
    parser.add_argument(
        "--people",
        type=int,
        default=None,
        help="default: 21 per cell (≈100,000 records at 2,000 cells)",
    )
    parser.add_argument("--files", type=int, default=None, help="default: 2 per cell")
    parser.add_argument("--attach-mb", type=int, default=50)
    parser.add_argument("--attach-files", type=int, default=25)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", choices=("all", "import", "export"), default="all")
    parser.add_argument(
        "--work", type=Path, default=None, help="keep the built province here, reuse it"
    )
    args = parser.parse_args()
    args.people = args.people if args.people is not None else 21 * args.cells
    args.files = args.files if args.files is not None else 2 * args.cells
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        rows = bench_export(work, args) if args.only != "import" else []
        rows += bench_import(work, args) if args.only != "export" else []
    width = max(len(k) for k, _ in rows)
    print(f"{'measure':<{width}}  value   (median of {args.runs} runs)")
    print("-" * (width + 24))
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    print(
        f"size: {args.cells:,} cells, {args.people:,} people, {args.files:,} files (seed "
        f"{args.seed}); cell profiles made with scrypt n=2**10 (not timed), the province "
        "profile with the shipped key derivation. Nothing is extrapolated."
    )


if __name__ == "__main__":
    main()
