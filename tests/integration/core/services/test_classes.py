"""Class rosters at one station (services/classes.py): the class's own spreadsheet read
with the template's hostile-input checks — a bad cell refuses the whole roster, naming
where — and every use case in one transaction."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import Workbook, load_workbook

from khdesk.core.domain.classes import ROSTER, Outcome, Participant
from khdesk.core.errors import InputError
from khdesk.core.services import classes
from khdesk.core.services.candidates import open_file
from khdesk.core.store import schema as t
from tests.stations import dump

TODAY = date(2026, 11, 26)
INFO = classes.ClassInfo(
    "LOP-01", "Lớp nhận thức khóa 1", "Trung tâm Chính trị", "Trung tâm Chính trị",
    date(2026, 11, 2), date(2026, 11, 6), date(2026, 11, 9),
)  # fmt: skip
HEADERS = [c.header for c in ROSTER.columns]
LOC = ["Lê Thành Lộc", "18/12/2004", "056204093229", "X01-CB01", "01/CN", "Đạt", None]
HUNG = ["Trần Tấn Hưng", "11/08/1989", "056089746499", "X01-CB01", "02/CN", "Đạt", None]
WATCHED = (t.steps, t.candidates, t.classes, t.class_participants)


def sheet(path, rows, headers=HEADERS):
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_a_bad_cell_refuses_the_whole_roster_and_says_where(commune, tmp_path):
    cell = commune.cells["X01-CB01"]
    before = dump(cell, WATCHED)
    bad = [LOC, ["Ai Đó", "31/02/2001", None, None, "03/CN", "Đạt", None]]
    bad.append(["Người Khác", "01/01/2001", None, None, "04/CN", "Đỗ", None])
    with pytest.raises(InputError) as err:
        classes.import_class(cell, INFO, sheet(tmp_path / "lop.xlsx", bad), TODAY)
    message = err.value.message
    assert "chưa ghi gì" in message
    assert "dòng 3, cột 'Ngày sinh'" in message
    assert "dòng 4, cột 'Kết quả'" in message and "Đạt, Không đạt" in message
    assert dump(cell, WATCHED) == before


def test_a_control_character_is_refused(commune, tmp_path):
    cell = commune.cells["X01-CB01"]
    csv = tmp_path / "x.csv"
    row = "Lê\x07 Thành Lộc,18/12/2004,,,01/CN,Đạt,"
    csv.write_text(",".join(HEADERS) + "\n" + row + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        classes.import_class(cell, INFO, csv, TODAY)
    assert "dòng 2, cột 'Họ và tên'" in err.value.message
    assert classes.list_classes(cell) == []


def test_a_csv_roster_at_a_cell_and_a_refused_step(commune, tmp_path):
    """A cell records its own class: A2 on its file; one already trained with another
    certificate cannot take A2 again (listed with the reason), and nothing else moved."""
    cell = commune.cells["X01-CB01"]
    csv = tmp_path / "hoc_vien.csv"
    lines = [",".join(HEADERS), ",".join(x or "" for x in LOC), ",".join(x or "" for x in HUNG)]
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    roster = classes.import_class(cell, INFO, csv, TODAY)
    loc, hung = roster.lines
    assert (loc.file_code, loc.outcome) == ("X01-CB01-0001", Outcome.RECORDED)
    assert (hung.file_code, hung.outcome) == ("X01-CB01-0005", Outcome.REFUSED)
    assert "chưa thể ghi bước A2" in hung.reason
    a2 = [s for s in open_file(cell, "X01-CB01-0001")["steps"] if s["step_id"] == "A2"]
    assert [(s["doc_no"], s["owner"]) for s in a2] == [("01/CN", "X01-CB01")]
    # One class per code: the second is refused whole.
    before = dump(cell, WATCHED)
    with pytest.raises(InputError, match="Đã có lớp mã 'LOP-01'"):
        classes.import_class(cell, INFO, csv, TODAY)
    assert dump(cell, WATCHED) == before


def test_class_facts_are_checked(commune):
    cell = commune.cells["X01-CB01"]
    person = Participant("Lê Thành Lộc", date(2004, 12, 18), True, cert_no="01/CN")
    wrong = {
        "cert_on": (date(2026, 12, 1), "tương lai"),
        "ends_on": (date(2026, 11, 1), "trước ngày khai giảng"),
        "organiser": (" ", "Thiếu đơn vị tổ chức"),
    }
    for field, (value, said) in wrong.items():
        info = classes.ClassInfo(**{**INFO.__dict__, field: value})
        with pytest.raises(InputError, match=said):
            classes.record_class(cell, info, [person], TODAY)
    uncertified = Participant("Lê Thành Lộc", date(2004, 12, 18), True)
    with pytest.raises(InputError, match="dòng 1 .* thiếu số giấy chứng nhận"):
        classes.record_class(cell, INFO, [uncertified], TODAY)
    # Typed text is checked as hostile as a sheet's (CLI `class new --participant`).
    hostile = Participant("Lê Thành\x1b[2J Lộc", date(2004, 12, 18), True, cert_no="01")
    with pytest.raises(InputError, match="dòng 2, Họ và tên: có ký tự điều khiển"):
        classes.record_class(cell, INFO, [person, hostile], TODAY)
    assert classes.list_classes(cell) == []


def test_one_table_per_roster_file(commune, tmp_path):
    """A second sheet with data is another table: said, nothing recorded; a sheet with
    only its headers has no participant."""
    cell = commune.cells["X01-CB01"]
    path = sheet(tmp_path / "hai-trang.xlsx", [LOC])
    wb = load_workbook(path)
    wb.create_sheet("Tổng hợp").append(["Tổng số", 1])
    wb.save(path)
    with pytest.raises(InputError) as err:
        classes.import_class(cell, INFO, path, TODAY)
    assert "Trang 'Tổng hợp': Tệp có nhiều trang có dữ liệu" in err.value.message
    with pytest.raises(InputError, match="không có học viên nào"):
        classes.import_class(cell, INFO, sheet(tmp_path / "trong.xlsx", []), TODAY)
    assert classes.list_classes(cell) == []


def test_a_retrained_participant_takes_a_new_a2_once_the_old_one_lapsed(commune):
    """A file waiting for its cell's vote whose certificate of 10/03/2021 lapsed on
    10/03/2026: a typed A2 dated before that is refused, saying until when the old one
    counts; the class of November records the new A2 from its roster, and the cell's
    check then reads the new certificate (no CERT_EXPIRED)."""
    from khdesk.core.domain.pipeline import StepEvent
    from khdesk.core.services.checking import check_profile
    from khdesk.core.services.importer import RowTables, import_tables
    from khdesk.core.services.steps import next_steps_for, record_step

    cell = commune.cells["X01-CB01"]
    code = "X01-CB01-R001"
    row = {
        "file_code": code, "full_name": "Đinh Thị Thu Hà", "sex": "Nữ",
        "birth_date": date(1995, 7, 2), "cccd": "056195001234", "education": "THPT",
        "org_code": "X01-CB01", "a1_source_on": date(2020, 12, 1),
        "a2_cert_on": date(2021, 3, 10), "a2_cert_no": "3/CN",
        "a3_application_on": date(2026, 2, 1), "a4_history_on": date(2026, 2, 1),
    }  # fmt: skip
    report = import_tables(cell, RowTables.from_dicts({"candidates": [row]}), "t")
    assert not report.problems, report.problems

    def expired() -> list[str]:
        found = check_profile(cell, TODAY, rule="CERT_EXPIRED").findings
        return [f["severity"] for f in found if f["file_code"] == code]

    assert expired() == ["warning"]  # lapsed: the cell must send them to the class again
    assert next_steps_for(cell, code, TODAY)[0] == "A2"
    with pytest.raises(InputError) as err:
        record_step(cell, code, StepEvent("A2", date(2026, 3, 9), doc_no="7/CN"), TODAY)
    assert "còn giá trị đến hết ngày 09/03/2026" in err.value.message
    assert "chỉ ghi từ ngày 10/03/2026" in err.value.message

    person = Participant(
        "Đinh Thị Thu Hà", date(1995, 7, 2), True, cccd="056195001234", cert_no="11/CN"
    )
    [line] = classes.record_class(cell, INFO, [person], TODAY).lines
    assert (line.file_code, line.outcome) == (code, Outcome.RECORDED), line.reason
    a2 = [(s["on"], s["doc_no"]) for s in open_file(cell, code)["steps"] if s["step_id"] == "A2"]
    assert a2 == [(date(2021, 3, 10), "3/CN"), (date(2026, 11, 9), "11/CN")]
    assert expired() == []
    assert "A2" not in next_steps_for(cell, code, TODAY)
