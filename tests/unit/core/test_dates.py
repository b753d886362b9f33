"""Issue 17 item 5: one reading of a typed date for every DATE argument and date field
(CLI.md: `dd/mm/yyyy` or ISO `YYYY-MM-DD`, everywhere)."""

from datetime import date

import pytest

from khdesk.core.text import parse_date


@pytest.mark.parametrize(
    "text",
    [
        "05/01/2024",
        "5/1/2024",
        "2024-01-05",
        "05-01-2024",
        "05.01.2024",
        "  05/01/2024\t",
        "5 / 1 / 2024",
    ],
)
def test_finding_5_both_date_forms_are_read(text):
    assert parse_date(text) == date(2024, 1, 5)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("31/02/2026", "tháng 2 năm 2026 chỉ có 28 ngày"),
        ("29/02/2023", "tháng 2 năm 2023 chỉ có 28 ngày"),
        ("31/04/2026", "tháng 4 năm 2026 chỉ có 30 ngày"),
        ("2026-02-30", "tháng 2 năm 2026 chỉ có 28 ngày"),
        ("12/13/2026", "không có tháng 13"),
        ("00/01/2026", "không có ngày 0"),
    ],
)
def test_finding_5_an_impossible_date_is_called_impossible(text, why):
    with pytest.raises(ValueError) as refused:
        parse_date(text)
    assert str(refused.value) == f"ngày không có thật ({why})"
    assert "dd/mm/yyyy" not in str(refused.value)


def test_finding_5_leap_day_is_real():
    assert parse_date("29/02/2024") == date(2024, 2, 29)


@pytest.mark.parametrize("text", ["05/01/24", "5/1/26", "05-01-024"])
def test_finding_5_two_digit_year_is_refused_with_its_reason(text):
    with pytest.raises(ValueError, match="năm cần ghi đủ 4 chữ số"):
        parse_date(text)


@pytest.mark.parametrize(
    "text", ["", "hôm qua", "2024/01", "5/1/2024/1", "０５/01/2024", "1a/01/2024", "20240105"]
)
def test_finding_5_other_text_gets_the_form_in_vietnamese(text):
    with pytest.raises(ValueError) as refused:
        parse_date(text)
    assert str(refused.value) == "cần dạng ngày/tháng/năm, ví dụ 31/12/2026 (hoặc 2026-12-31)"
