"""The home page's figures: files per state, the year's plan against admissions so far.

The figures come from the statistics (khdesk.core.reports.stats): one reading of
"admitted" (the A10 decision date), youth age and private sector for the whole app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from khdesk.core.reports.stats import Scope, StatsResult
from khdesk.core.services.statistics import profile_stats_many
from khdesk.core.services.transfer_list import away_files
from khdesk.core.store import sql

if TYPE_CHECKING:
    from khdesk.core.services.session import Session


@dataclass(frozen=True)
class PlanFigure:
    label: str  # "năm 2026", "giai đoạn 2026–2030"
    admitted: int
    target: int | None  # None: no plan recorded for this scope
    admitted_youth: int
    target_youth: int | None
    admitted_private: int
    target_private: int | None

    @property
    def percent(self) -> float | None:
        if not self.target:
            return None
        return round(100 * self.admitted / self.target, 1)


def _figure(result: StatsResult) -> PlanFigure:
    top = result.top
    return PlanFigure(
        label=result.scope.label_vi,
        admitted=int(top["admitted"] or 0),
        target=top["target"],
        admitted_youth=int(top["admitted_youth"] or 0),
        target_youth=top["target_youth"],
        admitted_private=int(top["admitted_private"] or 0),
        target_private=top["target_private"],
    )


def plan_progress(session: Session, today: date) -> tuple[PlanFigure, PlanFigure]:
    """This year's and this plan period's targets against admissions up to `today` (one
    read of the database for both)."""
    scopes = [Scope.for_year(today.year), Scope.plan_period_of(today.year)]
    year, period = profile_stats_many(session, scopes, today)
    return _figure(year), _figure(period)


def state_counts(session: Session) -> dict[str, int]:
    """How many live files are in each state (the home page's tiles). Plain SQL: the home
    page shows before SQLAlchemy is imported."""
    with session.reader() as conn:
        rows = sql.fetch(
            conn, "SELECT state, COUNT(*) FROM candidates WHERE NOT deleted GROUP BY state"
        )
    counts = {state: n for state, n in rows}
    away = away_files(session)  # read-only copies of files that moved on: not current
    if away:
        with session.reader() as conn:
            ids = list(away)
            for (state,) in sql.fetch(
                conn, f"SELECT state FROM candidates WHERE id IN ({sql.marks(ids)})", ids
            ):
                counts[state] -= 1
    return {state: n for state, n in counts.items() if n}


def file_count(session: Session) -> int:
    """Live files in the profile: decides whether the checks run on the worker."""
    return sum(state_counts(session).values())
