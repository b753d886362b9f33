"""Cell conversion and header/sheet matching of the tabular layer (no files, no Qt)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from khdesk.core.domain import template as tpl
from khdesk.core.io import tabular
from khdesk.core.io.tabular import convert_value, match_column, match_sheet
from khdesk.core.text import DATE_FORM, nfc

M = tpl.MEMBERS
C = tpl.CANDIDATES
FULL_NAME = M.column("full_name")
CCCD = M.column("cccd")
BIRTH = M.column("birth_date")
HEAD = M.column("village_head")
SEX = M.column("sex")
EDU = C.column("education")
YEAR = tpl.MEMBER_RECORDS.column("year")
STEP = tpl.STEPS.column("step_id")
PERIOD = tpl.PLANS.column("period")
ORG_KIND = tpl.ORGS.column("kind")
RATING = tpl.RATINGS_SHEET.column("rating")
NOT_REAL = "ngày không có thật (tháng 2 năm 2024 chỉ có 29 ngày)"


def refused(column: tpl.Column, value: object) -> str:
    with pytest.raises(ValueError) as err:
        convert_value(column, value)
    return str(err.value)


# --------------------------------------------------------------------------- TEXT


def test_text_nfd_becomes_nfc() -> None:
    out = convert_value(FULL_NAME, "Nguye\u0302\u0303n Va\u0306n A")
    assert out == "Nguyễn Văn A"
    assert out == "Nguy\u1ec5n V\u0103n A"  # precomposed code points


def test_text_trims_and_collapses_whitespace() -> None:
    assert convert_value(FULL_NAME, "  Trần \t Thị\u00a0 Bình  ") == "Trần Thị Bình"


@pytest.mark.parametrize("value", ["", "   ", "\t", None])
def test_text_empty_is_none(value: object) -> None:
    assert convert_value(FULL_NAME, value) is None


def test_text_keeps_leading_zeros_of_a_text_cell() -> None:
    assert convert_value(CCCD, "001090012345") == "001090012345"
    assert convert_value(M.column("history_no"), "007") == "007"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(12, "12"), (12.0, "12"), (2.5, "2.5"), (-3, "-3")],
)
def test_text_from_number_cells(value: object, expected: str) -> None:
    assert convert_value(M.column("history_no"), value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1090012345, "001090012345"),  # Hà Nội (001): two zeros lost
        (12345678901.0, "012345678901"),  # one zero lost, stored as a float
        (123456789, "123456789"),  # 9 digits: an old CMND, left alone
    ],
)
def test_cccd_number_cell_gets_its_zeros_back(value: object, expected: str) -> None:
    assert convert_value(CCCD, value) == expected


def test_only_the_cccd_column_is_padded() -> None:
    assert convert_value(M.column("history_no"), 12345678901) == "12345678901"


def test_text_from_a_date_cell_is_written_dd_mm_yyyy() -> None:
    assert convert_value(C.column("a2_cert_no"), datetime(2024, 1, 5)) == "05/01/2024"


# --------------------------------------------------------------------------- DATE


@pytest.mark.parametrize(
    "value",
    [
        "05/01/2024",
        "5/1/2024",
        " 05/01/2024 ",
        "2024-01-05",
        "05-01-2024",
        "05.01.2024",
        "2024-01-05 00:00:00",
        "2024-01-05T08:30:00",
        datetime(2024, 1, 5, 0, 0),
        datetime(2024, 1, 5, 13, 45),
        date(2024, 1, 5),
    ],
)
def test_date_accepted_forms(value: object) -> None:
    out = convert_value(BIRTH, value)
    assert out == date(2024, 1, 5)
    assert type(out) is date


def test_leap_day() -> None:
    assert convert_value(BIRTH, "29/02/2024") == date(2024, 2, 29)
    assert refused(BIRTH, "29/02/2023").startswith("Ngày không hợp lệ '29/02/2023'")


def test_finding_5_date_31_february_refused_as_impossible() -> None:
    assert refused(BIRTH, "31/02/2024") == "Ngày không hợp lệ '31/02/2024' — " + NOT_REAL


@pytest.mark.parametrize(
    "value",
    ["2024/01", "hôm qua", "5/1/2024/1", "０５/01/2024", "1a/01/2024"],
)
def test_date_bad_text_refused(value: str) -> None:
    assert refused(BIRTH, value) == f"Ngày không hợp lệ '{value}' — {DATE_FORM}"


def test_finding_5_impossible_month_and_short_year_refused_with_their_reason() -> None:
    assert refused(BIRTH, "13/13/2024").endswith("— ngày không có thật (không có tháng 13)")
    assert refused(BIRTH, "05/01/24").endswith("— năm cần ghi đủ 4 chữ số")


def test_date_number_cell_refused() -> None:
    # An unformatted Excel serial number is ambiguous with a typed year: refuse it.
    assert refused(BIRTH, 45296) == "Ngày không hợp lệ '45296' — " + DATE_FORM


def test_date_implausible_year_refused() -> None:
    assert "1900–2100" in refused(BIRTH, "01/01/1850")
    assert "1900–2100" in refused(BIRTH, datetime(2224, 1, 1))


@pytest.mark.parametrize("value", ["", "  ", None])
def test_date_empty_is_none(value: object) -> None:
    assert convert_value(BIRTH, value) is None


# --------------------------------------------------------------------------- BOOL


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Có", True),
        ("có", True),
        ("CÓ", True),
        ("co", True),
        ("x", True),
        ("X", True),
        (" x ", True),
        ("1", True),
        ("true", True),
        ("TRUE", True),
        ("Không", False),
        ("khong", False),
        ("KHÔNG", False),
        ("0", False),
        ("false", False),
        (True, True),
        (False, False),
        (1, True),
        (0, False),
        (1.0, True),
        ("", None),
        ("  ", None),
        (None, None),
    ],
)
def test_bool(value: object, expected: bool | None) -> None:
    assert convert_value(HEAD, value) is expected


@pytest.mark.parametrize("value", ["có lẽ", "2", 2, "y"])
def test_bool_refused(value: object) -> None:
    msg = refused(HEAD, value)
    assert msg == f"Giá trị không hợp lệ '{value}' — cần Có/Không (hoặc x/để trống, 1/0)"


# --------------------------------------------------------------------------- INT


@pytest.mark.parametrize(
    ("value", "expected"), [("12", 12), (" 7 ", 7), (12, 12), (12.0, 12), ("12.0", 12), (0, 0)]
)
def test_int(value: object, expected: int) -> None:
    out = convert_value(YEAR, value)
    assert out == expected
    assert type(out) is int


@pytest.mark.parametrize("value", ["-1", -1, 2.5, "2.5", "abc", "1.000", True, "1e3"])
def test_int_refused(value: object) -> None:
    msg = refused(YEAR, value)
    assert msg.startswith("Số không hợp lệ '")
    assert msg.endswith("' — cần số nguyên không âm")


def test_int_empty_is_none() -> None:
    assert convert_value(YEAR, " ") is None


# --------------------------------------------------------------------------- CHOICE


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        (SEX, "nu", "Nữ"),
        (SEX, "NỮ", "Nữ"),
        (SEX, "Nu\u0303", "Nữ"),  # NFD input
        (SEX, " nam ", "Nam"),
        (EDU, "THCS", "THCS"),
        (EDU, "thcs", "THCS"),
        (EDU, "tieu hoc", "Tiểu học"),
        (EDU, "9/12", "THCS"),
        (EDU, "5/12", "Tiểu học"),
        (EDU, "12/12", "THPT"),
        # Excel turned a typed "9/12" into 12 Sep (US) or 9 Dec (VN locale)
        (EDU, datetime(2024, 9, 12), "THCS"),
        (EDU, datetime(2024, 12, 9), "THCS"),
        (ORG_KIND, "chi bo thon", "Chi bộ thôn"),
        (ORG_KIND, "ĐẢNG ỦY XÃ", "Đảng ủy xã"),
        (RATING, "hoan thanh tot nhiem vu", "Hoàn thành tốt nhiệm vụ"),
    ],
)
def test_choice_returns_the_canonical_label(
    column: tpl.Column, value: object, expected: str
) -> None:
    assert convert_value(column, value) == expected


def test_choice_refused_lists_the_labels() -> None:
    assert refused(SEX, "khác") == "Giá trị không hợp lệ 'khác' — cần một trong: Nam, Nữ"
    msg = refused(EDU, "đại học")
    assert "Tiểu học, THCS, THPT" in msg and "9/12" in msg


def test_aliases_only_for_education() -> None:
    assert "9/12" in refused(EDU, "10/12")
    refused(SEX, "9/12")


def test_choice_empty_is_none() -> None:
    assert convert_value(SEX, "") is None


# --------------------------------------------------------------------------- STEP, PERIOD


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("A8", "A8"),
        ("a8", "A8"),
        ("Chi bộ xét kết nạp", "A8"),
        ("chi bo xet ket nap", "A8"),
        ("p5", "P5"),
        ("Xóa tên", "XOA_TEN"),
        ("xoa ten", "XOA_TEN"),
    ],
)
def test_step(value: str, expected: str) -> None:
    assert convert_value(STEP, value) == expected


def test_step_refused() -> None:
    assert refused(STEP, "Z9").startswith("Bước không hợp lệ 'Z9' — cần mã bước")


@pytest.mark.parametrize("value", ["2026-2030", "2026 - 2030", " 2026–2030 ", "2026—2030"])
def test_period(value: str) -> None:
    assert convert_value(PERIOD, value) == "2026-2030"


@pytest.mark.parametrize(
    "value", ["2030-2026", "2026-2026", "2026", "26-30", "2026-2030-2035", 2026]
)
def test_period_refused(value: object) -> None:
    assert refused(PERIOD, value).startswith(f"Giai đoạn không hợp lệ '{value}' — cần dạng năm-năm")


# --------------------------------------------------------------------------- matching


@pytest.mark.parametrize(
    "header", ["Họ và tên", "ho va ten *", "HỌ VÀ TÊN*", "Họ  và   tên", "hovaten", "full_name"]
)
def test_header_matches_full_name(header: str) -> None:
    assert match_column(M, header) is FULL_NAME


def test_header_matching_distinguishes_near_headers() -> None:
    assert match_column(C, "Số đảng viên chính thức").key == "a8_official_members"
    assert match_column(C, "so dang vien chinh thuc khi xet").key == "p3_official_members"
    assert match_column(M, "Tên") is None
    assert match_column(M, None) is None


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Đảng viên", "members"),
        ("dang vien", "members"),
        ("ĐẢNG VIÊN", "members"),
        ("members", "members"),
        ("Đơn vị", "orgs"),
        ("don vi tu nhan", "private_units"),
        ("member_records", "member_records"),
        ("Theo dõi đảng viên", "member_records"),
    ],
)
def test_match_sheet(name: str, key: str) -> None:
    sheet = match_sheet(name)
    assert sheet is not None and sheet.key == key


def test_unknown_sheet_is_none() -> None:
    assert match_sheet("Sheet1") is None


# --------------------------------------------------------------------------- column paths


_cell_text = st.text(
    alphabet=st.sampled_from(
        list("aăâeêoôơuưdđ AĐ0\t\n\u00a0\u2003") + ["\u0303", "\u0301", "\u0323", "\x00"]
    ),
    max_size=8,
)


@given(st.lists(_cell_text, min_size=1, max_size=30))
def test_text_column_batch_equals_nfc_per_cell(cells: list[str]) -> None:
    out, refused_cells, has_none = tabular._convert_column(FULL_NAME, tuple(cells), True)
    # A NUL is refused (issue 15, finding 12), at its cell's position.
    nul = [i for i, c in enumerate(cells) if "\x00" in c]
    expected = [None if i in nul else nfc(c) or None for i, c in enumerate(cells)]
    assert [i for i, _ in refused_cells] == nul
    assert out == expected
    assert has_none == (None in [e for i, e in enumerate(expected) if i not in nul])


def test_column_path_reports_each_refused_cell_with_its_position() -> None:
    raw = ("01/02/2024", "31/02/2024", None, "31/02/2024", "x", "2024-02-03")
    for text_only in (False, True):
        out, bad, has_none = tabular._convert_column(BIRTH, raw, text_only=text_only)
        assert out == [date(2024, 2, 1), None, None, None, None, date(2024, 2, 3)]
        assert has_none  # the None cell; refused cells do not count as empty
        assert bad == [
            (
                1,
                "Ngày không hợp lệ '31/02/2024' — " + NOT_REAL,
            ),
            (
                3,
                "Ngày không hợp lệ '31/02/2024' — " + NOT_REAL,
            ),
            (
                4,
                f"Ngày không hợp lệ 'x' — {DATE_FORM}",
            ),
        ]


def test_bool_and_int_cells_are_not_merged_by_the_distinct_value_path() -> None:
    # True == 1, but a text column shows them differently.
    out, _, _ = tabular._convert_column(M.column("history_no"), (True, 1, 1.0, "1"))
    assert out == ["TRUE", "1", "1", "1"]


# --------------------------------------------------------------------------- CSV fast path

_csv_char = st.sampled_from(list('ab 1/,;"\n\r\t') + ["\u0103", "\u0303"])
_ratings_header = ["Mã đảng viên", "Năm", "Xếp loại"]


def _outcome(grid: object) -> tuple:
    result = tabular.ReadResult()
    tabular._parse_sheet(tpl.RATINGS_SHEET, grid, result)  # type: ignore[arg-type]
    return (
        result.sheets,
        result.present_columns,
        [p.as_dict() for p in result.problems],
        result.bad_rows,
    )


def _check_fast_path_agrees(text: str, delimiter: str) -> bool:
    """The line-based reader, when it takes the file, reads it as the csv module does."""
    fast = tabular._Lines.parse(text, delimiter)
    if fast is None:
        return False
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    assert _outcome(fast) == _outcome(tabular._Rows(rows, text_only=True))
    return True


@given(
    st.lists(st.lists(st.text(_csv_char, max_size=5), min_size=3, max_size=3), max_size=6),
    st.sampled_from([",", ";"]),
    st.sampled_from(["\n", "\r\n"]),
)
def test_fast_csv_reader_agrees_with_csv_module(
    rows: list[list[str]], delimiter: str, newline: str
) -> None:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator=newline).writerows([_ratings_header, *rows])
    _check_fast_path_agrees(buf.getvalue(), delimiter)


@given(st.text(_csv_char, max_size=60))
def test_fast_csv_reader_agrees_on_arbitrary_text(body: str) -> None:
    _check_fast_path_agrees("Mã đảng viên,Năm,Xếp loại\n" + body, ",")


_plain_field = st.text(st.sampled_from(list("ab ă1") + ['"']), max_size=4)
_quoted_field = (
    st.lists(st.sampled_from(list("ab ,;ă1\n") + ['""', '"']), max_size=5)
    .map("".join)
    .map(lambda s: f'"{s}"')
)
_odd_field = st.tuples(
    st.sampled_from(["", " ", "x"]), _quoted_field, st.sampled_from(["", " ", "x"])
)
_field = st.one_of(_plain_field, _quoted_field, _odd_field.map("".join))


@given(
    st.lists(st.lists(_field, min_size=3, max_size=3).map(",".join), max_size=5),
    st.sampled_from(["\n", "\r\n"]),
)
def test_fast_csv_reader_agrees_on_hand_quoted_lines(lines: list[str], newline: str) -> None:
    # Quotes as people and other tools write them: doubled, stray, spaces around, newlines.
    _check_fast_path_agrees(newline.join([",".join(_ratings_header), *lines]), ",")


def test_fast_csv_reader_takes_quoted_fields_and_refuses_multiline_ones() -> None:
    text = 'Mã đảng viên,Năm,Xếp loại\r\n"DV,1",2025,"Hoàn thành ""tốt"" nhiệm vụ"\r\n'
    assert _check_fast_path_agrees(text, ",")
    assert not _check_fast_path_agrees('Mã đảng viên,Năm,Xếp loại\n"DV\n1",2025,x\n', ",")
    assert not _check_fast_path_agrees("Mã đảng viên,Năm,Xếp loại\nDV1,2025\n", ",")


@pytest.mark.parametrize("value", ["2147483648", 2**31, float(2**40), "99999999999"])
def test_unlisted_an_integer_no_database_column_holds_is_refused_at_import(value) -> None:
    """Every integer column is 32-bit (PostgreSQL `integer` at the province) and bundles
    refuse larger numbers: a typo like 99999999999 in an import was stored here, then
    every bundle of the station was refused whole."""
    villages = tpl.ORGS.column("villages")
    with pytest.raises(ValueError, match="quá lớn"):
        convert_value(villages, value)
    assert convert_value(villages, str(2**31 - 1)) == 2**31 - 1
