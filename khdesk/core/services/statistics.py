"""The statistics of the open profile (`khdesk stats`, the statistics page, the annual
report and the plan): one read of its database, judged with the same rulebooks and
calendar as `check` (the installed catalogue's, else the shipped ones). Light to import:
no SQLAlchemy (the statistics page is built at start-up)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

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


def profile_stats(session: Any, scope: Scope, today: date) -> StatsResult:
    """The statistics of the profile `session` opened (cell, committee or province)."""
    return profile_stats_many(session, [scope], today)[0]


def profile_stats_many(session: Any, scopes: Iterable[Scope], today: date) -> list[StatsResult]:
    """Several scopes from one read of the database (the annual report's year, the year
    before, the plan period and its years)."""
    scopes = list(scopes)
    done: dict[Scope, StatsResult] = {}  # a scope asked twice is computed once
    with without_gc():
        with session.reader() as conn:
            data = load_stats_data(conn, scopes, today)
            judged = judge(conn)
        for scope in scopes:
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
    return [done[scope] for scope in scopes]
