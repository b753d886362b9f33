"""Statistics benchmark (issue 6). Not run in CI: `python tests/bench/bench_stats.py`.

Builds the province profile as `bench_foundation.py` does — the synthetic province
(`write_province_dataset`, seed 1: 65 communes, 2,000 cells, ≈90,000 members, 10,000
files) imported into a real encrypted province profile — then times `profile_stats` (read
everything from the database, compute every indicator for the province, its communes and
its cells) for a year and for the plan period. Target: ≤ 2 s, median of the runs.

Building the profile takes minutes, so it is kept in a cache folder (`--cache`, default
`<tmp>/khdesk-bench-stats-seed<N>`) and reused by later runs; `--rebuild` starts afresh.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from khdesk.core.domain.calendar import default_calendar  # noqa: E402
from khdesk.core.reports.stats import (  # noqa: E402
    Scope,
    compute_stats,
    load_stats_data,
)
from khdesk.core.services import profiles  # noqa: E402
from khdesk.core.services.importer import import_file  # noqa: E402
from khdesk.core.services.session import ProfileDir, open_profile
from khdesk.core.services.statistics import profile_stats  # noqa: E402
from khdesk.demo.province import PROVINCE_TODAY, write_province_dataset  # noqa: E402

TODAY = PROVINCE_TODAY
PASSWORD = "bench-password"
TARGET_S = 2.0


def build(cache: Path, seed: int) -> Path:
    """The province profile's home, built once and reused."""
    home = cache / "home"
    done = cache / "built.ok"
    if done.exists() and ProfileDir(home, "KH").exists():
        print(f"reusing the province profile in {cache}")
        return home
    shutil.rmtree(cache, ignore_errors=True)
    cache.mkdir(parents=True)
    start = time.perf_counter()
    counts = write_province_dataset(
        cache / "csv", seed=seed, cells=2000, people=100_000, files=10_000, today=TODAY
    )
    session, _ = profiles.create_profile(
        home, role="province", org_code="KH", org_name="KH", user="u", password=PASSWORD
    )
    report = import_file(session, cache / "csv")
    session.close()
    assert report.committed, report.problems[:5]
    done.write_text(f"seed={seed}\n", encoding="utf-8")
    print(
        f"built the province profile ({sum(counts.values()):,} rows) in "
        f"{time.perf_counter() - start:.0f} s; cached in {cache}"
    )
    return home


CPU: dict[int, float] = {}  # id of a `times` list -> median CPU seconds of those runs


def timed(func, runs: int) -> tuple[float, list[float], object]:
    """Median wall time, the runs, the last result. The process's CPU time of the runs is
    kept too: on a shared, loaded machine it is the steadier figure."""
    times, cpu, result = [], [], None
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = func()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    CPU[id(times)] = statistics.median(cpu)
    return statistics.median(times), times, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cache", type=Path)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    cache = args.cache or Path(tempfile.gettempdir()) / f"khdesk-bench-stats-seed{args.seed}"
    if args.rebuild:
        shutil.rmtree(cache, ignore_errors=True)
    home = build(cache, args.seed)
    session = open_profile(home, "KH", "u", PASSWORD)
    # The calendar's year tables are built once per process, as in the app after its first
    # deadline computation: warm them so the runs measure the statistics.
    calendar = default_calendar()
    for year in range(2015, TODAY.year + 3):
        calendar.is_working_day(TODAY.replace(year=year, day=1))

    year, period = Scope.for_year(TODAY.year), Scope.plan_period_of(TODAY.year)
    rows: list[tuple[str, str]] = []
    med, times, result = timed(lambda: profile_stats(session, year, TODAY), args.runs)
    top = result.top
    rows.append(("units (province + communes + cells)", f"{sum(map(len, result.units.values()))}"))
    rows.append(
        (
            "members / files in the profile",
            f"{top['members_total']:,} active members, {len(result.units['cell'])} cells",
        )
    )
    rows.append((f"profile_stats, year {year.label} (target ≤ {TARGET_S:.0f} s)", _fmt(med, times)))
    med_p, times_p, _ = timed(lambda: profile_stats(session, period, TODAY), args.runs)
    rows.append((f"profile_stats, period {period.label}", _fmt(med_p, times_p)))

    def load():
        with session.store.read() as conn:
            return load_stats_data(conn, [year], TODAY)

    med_l, times_l, data = timed(load, args.runs)
    rows.append(("  of which: read the database (load_stats_data)", _fmt(med_l, times_l)))
    med_c, times_c, _ = timed(
        lambda: compute_stats(data, year, top_code="KH", top_level="province", today=TODAY),
        args.runs,
    )
    rows.append(("  of which: compute every indicator (compute_stats)", _fmt(med_c, times_c)))

    # The reports built on the statistics (no target: printed for information).
    from khdesk.core.reports.annual import annual_pdf
    from khdesk.core.reports.screening import screening_pdf
    from khdesk.core.reports.stats_export import stats_pdf, write_stats_xlsx
    from khdesk.core.services.reporting import annual_report, screening_list

    med_x, times_x, _ = timed(lambda: write_stats_xlsx(result, cache / "stats.xlsx"), 1)
    rows.append(("stats workbook (2,066 units, openpyxl)", _fmt(med_x, times_x)))
    med_s, times_s, _ = timed(lambda: stats_pdf(result, TODAY), 1)
    rows.append(("stats PDF", _fmt(med_s, times_s)))
    med_a, times_a, _ = timed(lambda: annual_pdf(annual_report(session, TODAY.year, TODAY)), 1)
    rows.append(("annual report: figures for 5 scopes + PDF", _fmt(med_a, times_a)))
    med_r, times_r, listing = timed(lambda: screening_list(session, TODAY.year, TODAY), args.runs)
    rows.append((f"screening list ({len(listing.members)} members)", _fmt(med_r, times_r)))
    med_rp, times_rp, _ = timed(lambda: screening_pdf(listing), 1)
    rows.append(("screening list PDF", _fmt(med_rp, times_rp)))
    session.close()

    print(
        f"admitted {year.label}: {top['admitted']:,} (target {top['target']}), youth "
        f"{top['youth_pct']}%, women {top['women_pct']}%"
    )
    width = max(len(k) for k, _ in rows)
    print(f"{'measure':<{width}}  wall time, median of {args.runs} runs (the runs; CPU median)")
    print("-" * (width + 40))
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    verdict = "OK" if med <= TARGET_S and med_p <= TARGET_S else "TOO SLOW"
    print(f"verdict: {verdict}")


def _fmt(median: float, times: list[float]) -> str:
    runs = ", ".join(f"{t:.2f}" for t in times)
    return f"{median:.3f} s  ({runs}; CPU {CPU[id(times)]:.3f} s)"


if __name__ == "__main__":
    main()
