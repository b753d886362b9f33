"""Command-line start-up (issue 16 item 7). Not run in CI: `python tests/bench/bench_cli_start.py`.

Prints a table: the median (of --runs, default 5) wall time of a fresh process for a bare
`python -c pass`, `khdesk --version`, `khdesk --help` and a usage error, and each one's
distance from the bare interpreter (the target: within 150 ms). Byte-code is warmed by a
first untimed run of each, as an installed app has it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CASES = [
    ("bare python (-c pass)", ["-c", "pass"], 0),
    ("khdesk --version", ["-m", "khdesk", "--version"], 0),
    ("khdesk --help", ["-m", "khdesk", "--help"], 0),
    ("khdesk usage error", ["-m", "khdesk", "no-such-command"], 2),
]


def _time(args: list[str], code: int, env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *args], env=env, capture_output=True)
    elapsed = time.perf_counter() - start
    if done.returncode != code:
        raise SystemExit(f"{args}: exit {done.returncode}, expected {code}\n{done.stderr!r}")
    return elapsed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    opts = ap.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KHDESK_HOME": str(ROOT / ".bench-home")}
    rows = []
    for label, args, code in CASES:
        _time(args, code, env)  # warm the byte-code cache
        rows.append((label, statistics.median(_time(args, code, env) for _ in range(opts.runs))))
    bare = rows[0][1]
    print(f"{'what':<24} {'median ms':>10} {'vs bare ms':>11}   (runs: {opts.runs})")
    for label, median in rows:
        print(f"{label:<24} {median * 1000:>10.1f} {(median - bare) * 1000:>+11.1f}")
    worst = max(median - bare for _, median in rows[1:])
    print(f"worst distance from bare python: {worst * 1000:.0f} ms (target: within 150 ms)")
    return 0 if worst <= 0.150 else 1


if __name__ == "__main__":
    sys.exit(main())
