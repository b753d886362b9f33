"""Rules engine benchmark (issue 3). Not run in CI: `python tests/bench/bench_rules.py`.

Builds the facts of the synthetic province (`province_demo(seed=1)`: 10,000
candidate files, ≈90,000 members) once, then times checking every file — `check_files`,
which includes the cross-file DUPLICATE_PERSON pass — three times and prints the median.
Target: ≤ 2 s. The working-day calendar is warmed up first (its year tables are built once
per process), as it is in the app after the first check.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from khdesk.core.domain import rules  # noqa: E402
from khdesk.core.domain.calendar import default_calendar  # noqa: E402
from khdesk.core.domain.rulebook import default_rulebooks  # noqa: E402
from khdesk.demo.province import PROVINCE_TODAY, province_demo, write_province_dataset  # noqa: E402

TARGET_S = 2.0
RUNS = 3


def main() -> None:
    t0 = time.perf_counter()
    data = province_demo(seed=1)
    t1 = time.perf_counter()
    events = rules.events_from_steps(data["steps"])
    files = [rules.FileFacts.from_row(c, events[c["file_code"]]) for c in data["candidates"]]
    orgs = {o["code"]: rules.OrgFacts.from_row(o) for o in data["orgs"]}
    members = {m["member_code"]: rules.MemberFacts.from_row(m) for m in data["members"]}
    t2 = time.perf_counter()
    today = PROVINCE_TODAY
    calendar = default_calendar()
    for year in range(2015, today.year + 3):
        calendar.is_working_day(today.replace(year=year, day=1))
    t3 = time.perf_counter()
    print(f"province_demo(seed=1): {t1 - t0:.1f} s to generate")
    print(f"facts: {len(files)} files, {len(members)} members, {len(orgs)} orgs ({t2 - t1:.2f} s)")
    print(f"calendar warm-up: {t3 - t2:.2f} s")

    times = []
    result: dict[str, list[rules.Finding]] = {}
    for _ in range(RUNS):
        start = time.perf_counter()
        context = rules.RuleContext.build(members.values(), default_rulebooks())
        result = rules.check_files(files, orgs, members, calendar, today, context)
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    by_rule = Counter((f.rule, f.severity.value) for fs in result.values() for f in fs)
    print("findings:", sum(by_rule.values()))
    for (rule, sev), n in sorted(by_rule.items()):
        print(f"  {rule:<20} {sev:<8} {n}")
    runs = ", ".join(f"{t:.3f}" for t in times)
    verdict = "OK" if median <= TARGET_S else "TOO SLOW"
    print(
        f"check {len(files)} files: median {median:.3f} s of {RUNS} runs ({runs}) — target "
        f"≤ {TARGET_S:.0f} s: {verdict}"
    )
    check_from_profile()


def check_from_profile() -> None:
    """The whole `khdesk check` path: the province dataset imported into a real encrypted
    profile, then `check_profile` (read everything, judge, screen, sort)."""
    import tempfile

    from khdesk.core.services import profiles
    from khdesk.core.services.checking import check_profile
    from khdesk.core.services.importer import import_file

    today = PROVINCE_TODAY
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        write_province_dataset(
            work / "csv", seed=1, cells=2000, people=100_000, files=10_000, today=today
        )
        session, _ = profiles.create_profile(
            work / "home",
            role="province",
            org_code="KH",
            org_name="KH",
            user="u",
            password="bench-password",
        )
        import_file(session, work / "csv")
        times = []
        for _ in range(RUNS):
            start = time.perf_counter()
            found = check_profile(session, today).findings
            times.append(time.perf_counter() - start)
        session.close()
    runs = ", ".join(f"{t:.2f}" for t in times)
    print(
        f"check_profile on the encrypted province profile: median "
        f"{statistics.median(times):.2f} s of {RUNS} runs ({runs}), {len(found)} findings"
    )


if __name__ == "__main__":
    main()
