"""The dates the rules judge, as functions the statistics call too (issue 16 item 5, issue 17
item 1): probation's end, the recognition deadlines, a paper's validity and youth age, on
both sides of each boundary — the same dates the to-do list's findings carry (the cases of
test_rules.py: Tết 2027, the 24/11 and New Year holidays)."""

from __future__ import annotations

from datetime import date

import pytest

from khdesk.core.domain.calendar import default_calendar
from khdesk.core.domain.rulebook import default_rulebooks
from khdesk.core.domain.rules import (
    dossier_expires,
    is_youth_age,
    probation_end,
    recognition_decision_due,
    recognition_vote_due,
)

D = date.fromisoformat
BOOKS = default_rulebooks()
CAL = default_calendar()


@pytest.mark.parametrize(
    ("ceremony", "end"),
    [
        ("2025-12-11", "2026-12-11"),
        ("2026-01-15", "2027-01-15"),
        ("2024-02-29", "2025-02-28"),  # the day clamps to the month's end
    ],
)
def test_probation_is_twelve_calendar_months(ceremony, end):
    assert probation_end(D(ceremony), BOOKS) == D(end)


def test_recognition_deadlines_count_working_days_as_the_findings_do():
    # test_rules.py: probation ending 15/01/2027 -> the cell votes by 05/03/2027 (Tết off);
    # a cell resolution on Friday 20/11/2026 -> the decision by 05/01/2027.
    assert recognition_vote_due(D("2027-01-15"), BOOKS, CAL) == D("2027-03-05")
    assert recognition_vote_due(D("2026-12-11"), BOOKS, CAL) == D("2027-01-25")
    assert recognition_decision_due(D("2026-11-20"), BOOKS, CAL) == D("2027-01-05")


def test_a_paper_is_valid_twelve_months():
    assert dossier_expires(D("2025-09-01"), D("2026-08-31"), BOOKS) == D("2026-09-01")


@pytest.mark.parametrize(
    ("birth", "on", "youth"),
    [
        ("2008-06-15", "2026-05-31", False),  # 17 years 11 months
        ("2008-06-15", "2026-06-01", True),  # 18 years (counted in months)
        ("1995-06-15", "2026-05-31", True),  # 30 years 11 months
        ("1995-06-15", "2026-06-01", False),  # 31 years
        (None, "2026-06-01", False),  # no birth date: not counted as youth
    ],
)
def test_youth_age_is_18_to_30_at_the_decision(birth, on, youth):
    assert is_youth_age(birth and D(birth), D(on), BOOKS) is youth
