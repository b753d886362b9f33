"""Import caps (issue 15, finding 6). Not run in CI: `python tests/bench/bench_import_caps.py`.

Each case runs in a fresh process on a new encrypted province profile: the time of
`import_file` alone (dry run for the hostile files, a real import for the province
dataset) and the process's own peak resident memory (VmHWM, profile opening included).
Targets: every hostile file refused at its cap under 300 MB and within 10 s; the province
dataset (≈100,000 people, see bench_foundation.py) still imports.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from khdesk.core.io.tabular import write_tables  # noqa: E402
from khdesk.demo.province import province_demo  # noqa: E402
from tests.reliability import hostile_sheets as hostile  # noqa: E402

TODAY = date(2026, 11, 26)


def run(work: Path, name: str, path: Path, mode: str) -> dict:
    """One case in a fresh process (the shipped key derivation: opening the profile is
    part of real use; making it is not measured)."""
    try:
        out = hostile.import_in_subprocess(
            work / f"home-{name}", "bench-password", path, mode == "dry"
        )
    except RuntimeError as exc:
        return {"seconds": 0, "rss_mb": 0, "outcome": f"crash: {exc}"[:200]}
    if out["refused"]:
        out["outcome"] = "refused: " + out["refused"]
    else:
        out["outcome"] = f"{out['rows']:,} rows, {len(out['problems'])} problems"
        out["outcome"] += f", {out['progress_calls']} progress calls"
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-xlsx", action="store_true", help="skip the province workbook")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "h").mkdir()
        junk = hostile.junk_csv(work / "h")
        under = work / "h" / "Đảng viên.csv"  # junk just under the CSV cap, named as a sheet
        under.write_bytes(junk.read_bytes()[: 32 * hostile.MIB - 1])
        cases = [
            ("xlsx inflating to 2 GiB (dry run)", hostile.inflating_xlsx(work / "h"), "dry"),
            (
                "same, zip claims 10 kB (dry run)",
                hostile.inflating_xlsx(work / "h", declared=10_000),
                "dry",
            ),
            ("xlsx of 1,048,576 rows (dry run)", hostile.million_row_xlsx(work / "h"), "dry"),
            (
                "xlsx, 30 MB of shared strings: under the cap (dry run)",
                hostile.shared_strings_xlsx(work / "h", 1_350_000),
                "dry",
            ),
            ("50 MB junk CSV (dry run)", junk, "dry"),
            ("32 MB junk CSV named as a sheet (dry run)", under, "dry"),
        ]
        tables = province_demo(1, cells=2000, people=100_000, files=10_000, today=TODAY)
        write_tables(work / "province-csv", tables)
        cases.append(("province dataset, CSV folder (import)", work / "province-csv", "real"))
        if not args.no_xlsx:
            write_tables(work / "province.xlsx", tables)
            cases.append(("province dataset, .xlsx (dry run)", work / "province.xlsx", "dry"))
        rows = [(label, run(work, str(i), path, how)) for i, (label, path, how) in enumerate(cases)]
    width = max(len(label) for label, _ in rows)
    print(f"{'case':<{width}}  {'time':>8}  {'peak RSS':>9}  outcome")
    print("-" * (width + 90))
    for label, r in rows:
        outcome = r["outcome"][:110]
        print(f"{label:<{width}}  {r['seconds']:7.2f}s  {r['rss_mb']:6.0f} MB  {outcome}")


if __name__ == "__main__":
    main()
