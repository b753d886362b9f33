"""Working days (ngày làm việc) in Việt Nam: the `holidays` package plus an editable overlay.

A working day is a Monday–Friday that is not a public holiday, or a Saturday/Sunday the
government turned into a make-up working day. The `holidays` package knows the Labour
Code's days off (Tết from its own lunisolar calendar, Giỗ Tổ, 30/4, 1/5, 2/9 and the adjacent
day, Ngày Văn hóa Việt Nam 24/11 from 2026) and the compensatory days and working Saturdays
it has been told of. `resources/calendar/vn-overlay.json` adds what it lacks: a listed day
off is off, a listed working day is worked (even a weekend day or a day the package calls a
holiday — for when the package's estimate and the government's announcement differ).

Deadline arithmetic runs tens of thousands of times per check: each year is computed once
into a sorted list of working-day ordinals, and a query is a binary search.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from khdesk.core.errors import KhdeskError
from khdesk.core.fsutil import atomic_write_bytes
from khdesk.core.resources import resource_path
from khdesk.core.text import ISO_DATE_FORM

__all__ = [
    "CalendarError",
    "CalendarOverlay",
    "WorkCalendar",
    "default_calendar",
    "load_overlay",
    "parse_overlay",
    "use_holiday_cache",
]

OVERLAY_FILE = ("calendar", "vn-overlay.json")


_LOAD_LOCK = threading.Lock()


def _country_holidays(country: str, year: int) -> Any:
    """The `holidays` package's days for one country and year, in Vietnamese.

    For Việt Nam the country's module is loaded by itself: `holidays.country_holidays` (or
    importing `holidays.countries.vietnam`) runs the `holidays.countries` package, which
    imports all ~250 countries — a fifth of a second of the app's start-up."""
    import holidays  # here, not at module level: opening the app imports the rules

    if country == "VN" and "holidays.countries" not in sys.modules:
        name = "holidays.countries.vietnam"
        path = Path(holidays.__file__).parent / "countries" / "vietnam.py"
        with _LOAD_LOCK:  # calendars build years on several threads
            module = sys.modules.get(name) or _load_alone(name, path)
        if module is not None:
            return module.Vietnam(years=year, language="vi")
    return holidays.country_holidays(country, years=year, language="vi")


class HolidayCache:
    """The `holidays` package's days, per year, kept in a small JSON file between runs.

    Importing the package and computing a year costs the app's launch ~40 ms, for days
    that only change with the package itself: the file is keyed by the installed package
    (its files' sizes and times), so a new version recomputes. A cache that cannot be
    read or written is ignored: the package answers, as without one."""

    def __init__(self, path: Path):
        self.path = path
        self._years: dict[str, Any] | None = None

    def _load(self) -> dict[str, Any]:
        if self._years is None:
            self._years = {}
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                if data.get("package") == _package_fingerprint():
                    self._years = dict(data["years"])
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                pass
        return self._years

    def get(self, country: str, year: int) -> tuple[dict[date, str], set[date]] | None:
        found = self._load().get(f"{country}-{year}")
        try:
            off = {date.fromisoformat(d): str(n) for d, n in found["off"].items()}
            return off, {date.fromisoformat(d) for d in found["work"]}
        except (TypeError, KeyError, ValueError, AttributeError):
            return None

    def put(self, country: str, year: int, off: Mapping[date, str], work: set[date]) -> None:
        years = self._load()
        years[f"{country}-{year}"] = {
            "off": {d.isoformat(): n for d, n in sorted(off.items())},
            "work": sorted(d.isoformat() for d in work),
        }
        data = {"package": _package_fingerprint(), "years": years}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(self.path, json.dumps(data, ensure_ascii=False).encode("utf-8"))
        except OSError:
            pass  # a full or read-only disk: the package answers next time too


@lru_cache(maxsize=1)
def _package_fingerprint() -> str:
    """Which `holidays` is installed, without importing it: its files' sizes and times (in
    a frozen app, the program's own)."""
    spec = importlib.util.find_spec("holidays")
    parts = []
    for folder in (spec.submodule_search_locations or []) if spec else []:
        for name in ("version.py", "countries/vietnam.py", "calendars/gregorian.py"):
            try:
                stat = (Path(folder) / name).stat()
            except OSError:
                continue
            parts.append(f"{name}:{stat.st_size}:{stat.st_mtime_ns}")
    if not parts:
        stat = Path(sys.executable).stat()
        parts.append(f"{sys.executable}:{stat.st_size}:{stat.st_mtime_ns}")
    return "|".join(parts)


_holiday_cache: HolidayCache | None = None


def use_holiday_cache(path: Path | None) -> None:
    """Keep the package's days in `path` between runs (the app does; None: never)."""
    global _holiday_cache
    _holiday_cache = HolidayCache(path) if path is not None else None


def _package_year(country: str, year: int) -> tuple[dict[date, str], set[date]]:
    """The package's days off and working weekend days of one year."""
    cache = _holiday_cache
    found = cache.get(country, year) if cache is not None else None
    if found is not None:
        return found
    pkg = _country_holidays(country, year)
    # The package lists working Saturdays of several years in one set: keep this year's.
    work = {d for d in getattr(pkg, "weekend_workdays", ()) if d.year == year}
    off = {d: str(name) for d, name in pkg.items() if d.year == year}
    if cache is not None:
        cache.put(country, year, off, work)
    return off, work


def _load_alone(name: str, path: Path) -> Any:
    """Import one module of a package without running the package's __init__ (None when the
    file is not there, e.g. in a frozen build: the caller then imports it normally)."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None or not path.is_file():
        return None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # as a normal import would; the package reuses it if loaded
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


class CalendarError(KhdeskError):
    """The holiday overlay file cannot be used (message in Vietnamese)."""


@dataclass(frozen=True)
class CalendarOverlay:
    """Days the government announced that the `holidays` package does not know."""

    days_off: Mapping[date, str] = field(default_factory=dict)
    working_days: Mapping[date, str] = field(default_factory=dict)


def _overlay_days(data: Mapping[str, Any], key: str, origin: str) -> dict[date, str]:
    items = data.get(key, [])
    if not isinstance(items, list):
        raise CalendarError(f"Tệp lịch nghỉ '{origin}': mục '{key}' phải là một danh sách.")
    out: dict[date, str] = {}
    for i, item in enumerate(items, 1):
        where = f"Tệp lịch nghỉ '{origin}', mục '{key}' thứ {i}"
        if not isinstance(item, dict) or "date" not in item:
            raise CalendarError(
                f'{where}: cần dạng {{"date": "2026-12-31", "name": "tên hoặc căn cứ"}}.'
            )
        try:
            day = date.fromisoformat(str(item["date"]))
        except ValueError:
            raise CalendarError(
                f"{where}: ngày '{item['date']}' không đúng {ISO_DATE_FORM}."
            ) from None
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise CalendarError(f"{where}: thiếu tên (name) cho ngày {day:%d/%m/%Y}.")
        if day in out:
            raise CalendarError(f"{where}: ngày {day:%d/%m/%Y} được ghi hai lần.")
        out[day] = name.strip()
    return out


def parse_overlay(data: Any, origin: str = "vn-overlay.json") -> CalendarOverlay:
    """Validate the overlay's JSON value; keys starting with '_' are comments."""
    if not isinstance(data, dict):
        raise CalendarError(f"Tệp lịch nghỉ '{origin}' phải là một đối tượng JSON.")
    unknown = sorted(k for k in data if not k.startswith("_") and k not in _OVERLAY_KEYS)
    if unknown:
        raise CalendarError(f"Tệp lịch nghỉ '{origin}': không hiểu mục {', '.join(unknown)}.")
    off = _overlay_days(data, "days_off", origin)
    work = _overlay_days(data, "working_days", origin)
    both = sorted(set(off) & set(work))
    if both:
        raise CalendarError(
            f"Tệp lịch nghỉ '{origin}': ngày {both[0]:%d/%m/%Y} vừa là ngày nghỉ vừa là ngày "
            "làm việc."
        )
    return CalendarOverlay(off, work)


_OVERLAY_KEYS = {"country", "days_off", "working_days"}


def load_overlay(path: Path | None = None) -> CalendarOverlay:
    """Read an overlay file (default: the shipped `resources/calendar/vn-overlay.json`)."""
    path = path or resource_path(*OVERLAY_FILE)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CalendarError(f"Không tìm thấy tệp lịch nghỉ '{path}'.") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CalendarError(f"Không đọc được tệp lịch nghỉ '{path.name}': {exc}") from None
    return parse_overlay(data, path.name)


@dataclass(frozen=True)
class _Year:
    days_off: dict[date, str]  # every day off that is not a plain weekend day
    working: list[int]  # ordinals of the working days, ascending


class WorkCalendar:
    """Working days for Việt Nam. Thread-safe; years are computed on first use."""

    def __init__(self, overlay: CalendarOverlay | None = None, *, country: str = "VN"):
        self.overlay = overlay or CalendarOverlay()
        self.country = country
        self._years: dict[int, _Year] = {}
        self._lock = threading.Lock()

    # --- per-year tables -------------------------------------------------------------------

    def _year(self, year: int) -> _Year:
        found = self._years.get(year)
        if found is None:
            with self._lock:
                found = self._years.get(year)
                if found is None:
                    found = self._years[year] = self._build(year)
        return found

    def _build(self, year: int) -> _Year:
        pkg_off, pkg_work = _package_year(self.country, year)
        off = dict(pkg_off)
        for d, name in self.overlay.days_off.items():
            if d.year == year:
                off[d] = name
        work = pkg_work | {d for d in self.overlay.working_days if d.year == year}
        for d in work:
            off.pop(d, None)
        first = date(year, 1, 1).toordinal()
        last = date(year, 12, 31).toordinal()
        working = []
        for o in range(first, last + 1):
            d = date.fromordinal(o)
            if d in work or (d.weekday() < 5 and d not in off):
                working.append(o)
        return _Year(off, working)

    # --- queries -----------------------------------------------------------------------------

    def is_working_day(self, d: date) -> bool:
        y = self._year(d.year)
        o = d.toordinal()
        i = bisect_left(y.working, o)
        return i < len(y.working) and y.working[i] == o

    def holiday_name(self, d: date) -> str | None:
        """The name of a listed day off (a holiday or compensatory day), else None."""
        return self._year(d.year).days_off.get(d)

    def days_off(self, year: int) -> dict[date, str]:
        """The year's days off other than ordinary weekends, by date."""
        return dict(sorted(self._year(year).days_off.items()))

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start` (start itself not counted); n < 0 counts back.

        `add_working_days(d, 0)` is `d` itself, working day or not."""
        if n == 0:
            return start
        o = start.toordinal()
        year = start.year
        if n > 0:
            work = self._year(year).working
            i = bisect_right(work, o)
            while i + n > len(work):
                n -= len(work) - i
                year += 1
                work, i = self._year(year).working, 0
            return date.fromordinal(work[i + n - 1])
        n = -n
        work = self._year(year).working
        i = bisect_left(work, o)  # working days strictly before start: work[:i]
        while n > i:
            n -= i
            year -= 1
            work = self._year(year).working
            i = len(work)
        return date.fromordinal(work[i - n])

    def working_days_between(self, a: date, b: date) -> int:
        """Working days d with a < d <= b (negative when b < a).

        The inverse of `add_working_days`: `working_days_between(d, add_working_days(d, n))
        == n` for n >= 0."""
        if b < a:
            return -self.working_days_between(b, a)
        if a.year == b.year:
            work = self._year(a.year).working
            return bisect_right(work, b.toordinal()) - bisect_right(work, a.toordinal())
        first = self._year(a.year).working
        count = len(first) - bisect_right(first, a.toordinal())
        for year in range(a.year + 1, b.year):
            count += len(self._year(year).working)
        return count + bisect_right(self._year(b.year).working, b.toordinal())

    def next_working_day(self, d: date) -> date:
        """d itself if it is a working day, else the next one."""
        return d if self.is_working_day(d) else self.add_working_days(d, 1)


@lru_cache(maxsize=1)
def default_calendar() -> WorkCalendar:
    """The calendar with the shipped overlay (one per process: its year tables are shared)."""
    return WorkCalendar(load_overlay())
