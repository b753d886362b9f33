"""The span the statistics count: a calendar year or a plan period (2021–2025, 2026–2030),
and the day its snapshots are taken."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from khdesk.core.errors import UsageError

__all__ = ["Scope"]

_PERIOD = re.compile(r"^\s*(\d{4})\s*[-–—/]\s*(\d{4})\s*$")


@dataclass(frozen=True)
class Scope:
    """A calendar year or a plan period (e.g. 2026–2030), both ends inclusive."""

    start: date
    end: date
    year: int | None = None
    period: str | None = None

    @classmethod
    def for_year(cls, year: int) -> Scope:
        if not 1930 <= year <= 2200:
            raise UsageError(f"Năm '{year}' không hợp lệ.")
        return cls(date(year, 1, 1), date(year, 12, 31), year=year)

    @classmethod
    def for_period(cls, text: str) -> Scope:
        """From "2026-2030" (also with an en dash or a slash)."""
        m = _PERIOD.match(text or "")
        if not m or not 1930 <= int(m.group(1)) <= int(m.group(2)) <= 2200:
            raise UsageError(
                f"Giai đoạn '{text}' không hợp lệ: ghi năm đầu-năm cuối, ví dụ 2026-2030."
            )
        first, last = int(m.group(1)), int(m.group(2))
        return cls(date(first, 1, 1), date(last, 12, 31), period=f"{first}-{last}")

    @classmethod
    def plan_period_of(cls, year: int) -> Scope:
        """The five-year plan period holding `year` (2021–2025, 2026–2030, …)."""
        first = 2021 + 5 * ((year - 2021) // 5)
        return cls.for_period(f"{first}-{first + 4}")

    @property
    def kind(self) -> str:
        return "year" if self.year is not None else "period"

    @property
    def label(self) -> str:
        return str(self.year) if self.year is not None else str(self.period)

    @property
    def label_vi(self) -> str:
        if self.year is not None:
            return f"năm {self.year}"
        return f"giai đoạn {self.start.year}–{self.end.year}"

    @property
    def years(self) -> range:
        return range(self.start.year, self.end.year + 1)

    def as_of(self, today: date) -> date:
        """The day snapshots are taken: the last day, or today while still running."""
        return min(self.end, today)
