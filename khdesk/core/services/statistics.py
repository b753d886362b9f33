"""The statistics of the open profile (`khdesk stats`, the statistics page, the annual
report and the plan): one read of its database, judged with the same rulebooks and
calendar as `check` (the installed catalogue's, else the shipped ones). Light to import:
no SQLAlchemy (the statistics page is built at start-up)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from khdesk.core.progress import CancelToken, Progress, ProgressReport, no_progress, step
from khdesk.core.reports.stats import (
    LEVEL_BY_ROLE,
    Scope,
    StatsResult,
    compute_stats,
    load_stats_data,
    without_gc,
)
from khdesk.core.sync.judging import judge

__all__ = ["profile_stats", "profile_stats_many"]


def profile_stats(
    session: Any,
    scope: Scope,
    today: date,
    *,
    progress: ProgressReport = no_progress,
    cancel: CancelToken | None = None,
) -> StatsResult:
    """The statistics of the profile `session` opened (cell, committee or province)."""
    return profile_stats_many(session, [scope], today, progress=progress, cancel=cancel)[0]


def profile_stats_many(
    session: Any,
    scopes: Iterable[Scope],
    today: date,
    *,
    progress: ProgressReport = no_progress,
    cancel: CancelToken | None = None,
) -> list[StatsResult]:
    """Several scopes from one read of the database (the annual report's year, the year
    before, the plan period and its years). Reads only: a cancel is heeded between scopes."""
    scopes = list(scopes)
    total = len(scopes) + 1
    done: dict[Scope, StatsResult] = {}  # a scope asked twice is computed once
    with without_gc():
        step(progress, cancel, 0, total, "Đọc dữ liệu…")
        with session.reader() as conn:
            data = load_stats_data(conn, scopes, today)
            judged = judge(conn)
        for i, scope in enumerate(scopes, 1):
            step(progress, cancel, i, total, scope.label)
            if scope not in done:
                done[scope] = compute_stats(
                    data,
                    scope,
                    top_code=session.org_code,
                    top_level=LEVEL_BY_ROLE[session.info.role],
                    today=today,
                    rulebooks=judged.rulebooks,
                    calendar=judged.calendar,
                )
    progress(Progress(total, total))
    return [done[scope] for scope in scopes]
