"""Committee terms ("2025-2030"): which term a date falls in (document numbers restart
with each term; forms print it)."""

from __future__ import annotations

from datetime import date

TERM_YEARS = 5
_TERM_GRID_FROM = 2020  # congresses of the 2020–2025 and 2025–2030 terms


def _grid_start(on: date) -> date:
    year = _TERM_GRID_FROM + (on.year - _TERM_GRID_FROM) // TERM_YEARS * TERM_YEARS
    return date(year, 1, 1)


def term_of(on: date, starts: list[date] | None = None) -> str:
    """The committee term `on` falls in, as "2025-2030": the latest recorded congress date
    on or before `on`; before the first recorded one, the term that congress closed;
    with none recorded, the five-year grid 2020, 2025, 2030… from 1 January."""
    starts = sorted(starts or [])
    known = [s for s in starts if s <= on]
    if known:
        year = known[-1].year
    elif starts:  # before the first recorded congress: the term it closed
        year = min(starts[0].year - TERM_YEARS, _grid_start(on).year)
    else:
        year = _grid_start(on).year
    return f"{year}-{year + TERM_YEARS}"
