"""Working days: the holidays of 2025–2027 as the `holidays` package gives them, the overlay,
and the deadline arithmetic checked against a plain day-by-day count."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from khdesk.core.domain.calendar import (
    CalendarError,
    CalendarOverlay,
    WorkCalendar,
    default_calendar,
    load_overlay,
    parse_overlay,
)

D = date.fromisoformat


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return default_calendar()


# Days off on weekdays (or the weekend days that are holidays) per the package, 2025–2027.
HOLIDAYS = [
    # Tết Dương lịch
    ("2025-01-01", "Tết Dương lịch"),
    ("2026-01-01", "Tết Dương lịch"),
    ("2027-01-01", "Tết Dương lịch"),
    # Tết Nguyên đán 2025 (mùng 1 = 29/1; mùng 4 falls on Saturday 1/2 -> 27/1 off)
    ("2025-01-27", "29 Tết"),
    ("2025-01-28", "Giao thừa"),
    ("2025-01-29", "Tết Nguyên Đán"),
    ("2025-01-30", "Mùng hai"),
    ("2025-01-31", "Mùng ba"),
    # Tết 2026 (mùng 1 = 17/2)
    ("2026-02-16", "Giao thừa"),
    ("2026-02-17", "Tết Nguyên Đán"),
    ("2026-02-18", "Mùng hai"),
    ("2026-02-19", "Mùng ba"),
    ("2026-02-20", "Mùng bốn"),
    # Tết 2027 (mùng 1 = Saturday 6/2: the weekend days move to 4/2 and 10/2)
    ("2027-02-04", "29 Tết"),
    ("2027-02-05", "Giao thừa"),
    ("2027-02-08", "Mùng ba"),
    ("2027-02-09", "Mùng bốn"),
    ("2027-02-10", "Mùng năm"),
    # Giỗ Tổ Hùng Vương (10/3 âm lịch); 2026 falls on Sunday 26/4 -> Monday 27/4 off
    ("2025-04-07", "Giỗ Tổ Hùng Vương"),
    ("2026-04-27", "Giỗ Tổ Hùng Vương"),
    ("2027-04-16", "Giỗ Tổ Hùng Vương"),
    # 30/4 and 1/5 (2027: 1/5 is a Saturday -> Monday 3/5 off); 2/5/2025 swapped with 26/4
    ("2025-04-30", "Ngày Chiến thắng"),
    ("2025-05-01", "Quốc tế Lao động"),
    ("2025-05-02", "Ngày nghỉ"),
    ("2026-04-30", "Ngày Chiến thắng"),
    ("2026-05-01", "Quốc tế Lao động"),
    ("2027-04-30", "Ngày Chiến thắng"),
    ("2027-05-03", "Quốc tế Lao động"),
    # 2/9 and the adjacent day (2026 also 31/8, swapped with Saturday 22/8)
    ("2025-09-01", "Quốc khánh"),
    ("2025-09-02", "Quốc khánh"),
    ("2026-08-31", "Ngày nghỉ"),
    ("2026-09-01", "Quốc khánh"),
    ("2026-09-02", "Quốc khánh"),
    ("2027-09-02", "Quốc khánh"),
    ("2027-09-03", "Quốc khánh"),
    # Ngày Văn hóa Việt Nam, from 2026
    ("2026-11-24", "Ngày Văn hóa Việt Nam"),
    ("2027-11-24", "Ngày Văn hóa Việt Nam"),
]


@pytest.mark.parametrize(("day", "name"), HOLIDAYS)
def test_public_holidays_2025_2027_are_days_off(cal: WorkCalendar, day: str, name: str) -> None:
    d = D(day)
    assert not cal.is_working_day(d)
    assert name in (cal.holiday_name(d) or ""), cal.holiday_name(d)


@pytest.mark.parametrize(
    "day",
    [
        "2025-11-24",  # Ngày Văn hóa Việt Nam is a day off only from 2026
        "2025-02-03",  # the Monday after Tết 2025
        "2026-02-23",  # the Monday after Tết 2026
        "2026-04-28",  # the day after the observed Giỗ Tổ 2026
        "2026-11-25",
        "2027-02-11",  # the day after Tết 2027
    ],
)
def test_ordinary_weekdays_are_working_days(cal: WorkCalendar, day: str) -> None:
    assert cal.is_working_day(D(day))


def test_weekends_are_off_except_make_up_saturdays(cal: WorkCalendar) -> None:
    assert not cal.is_working_day(D("2026-11-21"))  # Saturday
    assert not cal.is_working_day(D("2026-11-22"))  # Sunday
    # Working Saturdays the government announced (known to the package)
    assert cal.is_working_day(D("2025-04-26"))
    assert cal.is_working_day(D("2026-08-22"))


def test_the_year_has_the_expected_number_of_working_days(cal: WorkCalendar) -> None:
    # 2026: 261 weekdays, 13 weekday days off (1/1, 16–20/2, 27/4, 30/4, 1/5, 31/8, 1–2/9,
    # 24/11), one working Saturday (22/8).
    assert cal.working_days_between(D("2025-12-31"), D("2026-12-31")) == 261 - 13 + 1
    weekday_off = [d for d in cal.days_off(2026) if d.weekday() < 5]
    assert len(weekday_off) == 13


# --- arithmetic -----------------------------------------------------------------------------

NAIVE_OFF_2026 = {
    D(s)
    for s in (
        "2026-01-01 2026-02-16 2026-02-17 2026-02-18 2026-02-19 2026-02-20 2026-04-27 "
        "2026-04-30 2026-05-01 2026-08-31 2026-09-01 2026-09-02 2026-11-24"
    ).split()
}
NAIVE_WORK_2026 = {D("2026-08-22")}


def naive_is_working(d: date) -> bool:
    if d in NAIVE_WORK_2026:
        return True
    return d.weekday() < 5 and d not in NAIVE_OFF_2026


def naive_add(d: date, n: int) -> date:
    while n:
        d += timedelta(days=1)
        n -= naive_is_working(d)
    return d


def test_agrees_with_a_day_by_day_count_over_2026(cal: WorkCalendar) -> None:
    start = D("2026-01-01")
    for i in range(0, 365, 3):
        d = start + timedelta(days=i)
        assert cal.is_working_day(d) == naive_is_working(d), d
        for n in (1, 5, 30, 60):
            due = cal.add_working_days(d, n)
            if due.year == 2026:
                assert due == naive_add(d, n), (d, n)
                assert cal.working_days_between(d, due) == n


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2026-02-13", 1, "2026-02-23"),  # Friday before Tết 2026 -> first day after it
        ("2026-11-23", 1, "2026-11-25"),  # across Ngày Văn hóa Việt Nam
        ("2026-11-21", 1, "2026-11-23"),  # from a Saturday: the start is never counted
        ("2026-12-31", 1, "2027-01-04"),  # across the new year (1/1/2027 is a Friday)
        ("2026-01-30", 60, "2026-05-06"),  # across Tết, Giỗ Tổ, 30/4 and 1/5
        ("2026-11-10", 30, "2026-12-23"),  # across 24/11/2026
        ("2027-01-15", 30, "2027-03-05"),  # across Tết 2027
        ("2026-11-20", 0, "2026-11-20"),
        ("2026-11-22", 0, "2026-11-22"),  # n = 0 is the start itself, working day or not
        ("2026-02-23", -1, "2026-02-13"),  # counting back across Tết
        ("2027-01-04", -1, "2026-12-31"),
    ],
)
def test_add_working_days(cal: WorkCalendar, start: str, n: int, expected: str) -> None:
    assert cal.add_working_days(D(start), n) == D(expected)


def test_working_days_between_is_the_inverse_of_adding(cal: WorkCalendar) -> None:
    for start in (D("2024-12-20"), D("2025-12-30"), D("2026-11-21"), D("2027-01-29")):
        for n in (0, 1, 2, 7, 30, 60, 90, 300):
            due = cal.add_working_days(start, n)
            assert cal.working_days_between(start, due) == n
            assert cal.working_days_between(due, start) == -n
            back = cal.add_working_days(due, -n)
            if n and cal.is_working_day(start):
                assert back == start
            elif n:  # from a day off, counting back lands on the working day before it
                assert back < start and cal.add_working_days(back, 1) > start


def test_next_working_day(cal: WorkCalendar) -> None:
    assert cal.next_working_day(D("2026-11-24")) == D("2026-11-25")
    assert cal.next_working_day(D("2026-11-25")) == D("2026-11-25")


# --- the overlay ----------------------------------------------------------------------------


def test_overlay_adds_days_off_and_working_days() -> None:
    overlay = CalendarOverlay(
        days_off={D("2026-11-25"): "Nghỉ bù thử"},
        working_days={D("2026-11-28"): "Làm bù thử", D("2026-11-24"): "Đi làm thử"},
    )
    cal = WorkCalendar(overlay)
    assert not cal.is_working_day(D("2026-11-25"))
    assert cal.holiday_name(D("2026-11-25")) == "Nghỉ bù thử"
    assert cal.is_working_day(D("2026-11-28"))  # a Saturday made a working day
    assert cal.is_working_day(D("2026-11-24"))  # overrides the package's holiday
    assert cal.holiday_name(D("2026-11-24")) is None
    assert cal.add_working_days(D("2026-11-23"), 1) == D("2026-11-24")
    assert cal.add_working_days(D("2026-11-24"), 2) == D("2026-11-27")
    assert cal.add_working_days(D("2026-11-27"), 1) == D("2026-11-28")


def test_shipped_overlay_loads() -> None:
    overlay = load_overlay()
    assert isinstance(overlay.days_off, dict) and isinstance(overlay.working_days, dict)


def test_parse_overlay_reads_the_documented_format() -> None:
    overlay = parse_overlay(
        {
            "_comment": "ghi chú",
            "country": "VN",
            "days_off": [{"date": "2027-02-11", "name": "Nghỉ hoán đổi"}],
            "working_days": [{"date": "2027-02-20", "name": "Làm bù"}],
        }
    )
    assert overlay.days_off == {D("2027-02-11"): "Nghỉ hoán đổi"}
    assert overlay.working_days == {D("2027-02-20"): "Làm bù"}


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ([], "đối tượng JSON"),
        ({"days_off": {}}, "danh sách"),
        ({"days_off": ["2026-01-02"]}, '"date": "2026-12-31"'),
        ({"days_off": [{"date": "02/01/2026", "name": "x"}]}, "không đúng dạng"),
        ({"days_off": [{"date": "2026-01-02"}]}, "thiếu tên"),
        (
            {
                "days_off": [
                    {"date": "2026-01-02", "name": "a"},
                    {"date": "2026-01-02", "name": "b"},
                ]
            },
            "hai lần",
        ),
        (
            {
                "days_off": [{"date": "2026-01-02", "name": "a"}],
                "working_days": [{"date": "2026-01-02", "name": "b"}],
            },
            "vừa là ngày nghỉ",
        ),
        ({"holidays": []}, "không hiểu"),
    ],
)
def test_malformed_overlay_is_refused_in_vietnamese(data: object, words: str) -> None:
    with pytest.raises(CalendarError) as err:
        parse_overlay(data, "thu.json")
    assert words in err.value.message and "thu.json" in err.value.message


def test_missing_overlay_file_is_a_clear_error() -> None:
    with pytest.raises(CalendarError, match="Không tìm thấy"):
        load_overlay(Path("/nonexistent/khdesk/vn-overlay.json"))


# -- the package's days kept on disk between runs (the app's launch) --


def _tables(cal: WorkCalendar, years: range) -> list:
    return [
        (cal.days_off(y), [cal.is_working_day(date(y, 1, 1) + timedelta(i)) for i in range(365)])
        for y in years
    ]


def test_holiday_cache_gives_the_package_days_without_the_package(tmp_path, monkeypatch) -> None:
    from khdesk.core.domain import calendar

    path = tmp_path / "cache" / "holidays.json"
    plain = _tables(WorkCalendar(load_overlay()), range(2025, 2028))
    try:
        calendar.use_holiday_cache(path)
        assert _tables(WorkCalendar(load_overlay()), range(2025, 2028)) == plain
        assert path.is_file()  # written by the first calendar that computed the years

        def no_package(*_):
            raise AssertionError("the package was asked although the cache holds the year")

        monkeypatch.setattr(calendar, "_country_holidays", no_package)
        calendar.use_holiday_cache(path)  # a new run: read from the file
        assert _tables(WorkCalendar(load_overlay()), range(2025, 2028)) == plain
    finally:
        calendar.use_holiday_cache(None)


def test_holiday_cache_of_another_package_or_damaged_is_not_used(tmp_path, monkeypatch) -> None:
    from khdesk.core.domain import calendar

    path = tmp_path / "holidays.json"
    plain = _tables(WorkCalendar(), range(2026, 2027))
    asked: list[int] = []
    real = calendar._country_holidays

    def counted(country: str, year: int):
        asked.append(year)
        return real(country, year)

    monkeypatch.setattr(calendar, "_country_holidays", counted)
    try:
        calendar.use_holiday_cache(path)
        WorkCalendar().is_working_day(date(2026, 5, 4))
        assert asked == [2026]
        # another version of the package installed: its days are computed again
        monkeypatch.setattr(calendar, "_package_fingerprint", lambda: "holidays 99")
        calendar.use_holiday_cache(path)
        assert _tables(WorkCalendar(), range(2026, 2027)) == plain
        assert asked == [2026, 2026]
        # a damaged file is ignored (and replaced), never an error
        path.write_text('{"package": "holidays 99", "years": {"VN-2026": {"off": 7}}}')
        calendar.use_holiday_cache(path)
        assert _tables(WorkCalendar(), range(2026, 2027)) == plain
        assert asked == [2026, 2026, 2026]
        calendar.use_holiday_cache(path)
        assert _tables(WorkCalendar(), range(2026, 2027)) == plain
        assert asked == [2026, 2026, 2026]  # the rewritten file serves
    finally:
        calendar.use_holiday_cache(None)
