"""The "Lớp bồi dưỡng" page at the committee: a class's roster imported through the
dialog's values and the page's operation, A2 recorded for the one who passed, the
stranger listed; choosing the file for a listed participant records A2 there too."""

from __future__ import annotations

import pytest
from openpyxl import Workbook

from khdesk.core.domain.classes import ROSTER
from khdesk.core.services.candidates import create_candidate, open_file
from khdesk.core.services.session import open_profile
from khdesk.ui import operation
from khdesk.ui.classes_page import ClassesPage, NewClassDialog
from khdesk.ui.context import AppContext
from tests.ui.helpers import TODAY

PERSON = {"full_name": "Đỗ Thị Hạnh", "sex": "Nữ", "birth_date": "03/03/2001"}


@pytest.fixture
def committee(demo_home):
    session = open_profile(demo_home, "X01", "bithu", "demo-password")
    yield session
    session.close()


def roster(path):
    wb = Workbook()
    ws = wb.active
    ws.append([c.header for c in ROSTER.columns])
    ws.append(["Hồ Văn Xa", "05/05/2002", None, "X01-CB02", "10/CN", "Đạt", None])
    ws.append(["ĐỖ THỊ HẠNH", "03/03/2001", None, "X01-CB02", "11/CN", "Đạt", None])
    ws.append(["Lý Văn Rớt", "06/06/2003", None, "X01-CB02", None, "Không đạt", None])
    wb.save(path)
    return path


def test_a_class_from_the_dialog_to_a2_on_the_files(qtbot, committee, tmp_path):
    # CB02 does not run khdesk: the committee keeps its files, and records A2 on them.
    code = create_candidate(committee, {**PERSON, "org_code": "X01-CB02"})
    page = ClassesPage(AppContext(committee, TODAY))
    qtbot.addWidget(page)
    page.refresh()
    assert page.classes.rowCount() == 0

    dialog = NewClassDialog(TODAY, page)
    qtbot.addWidget(dialog)
    values = {"code": "LOP-UI-1", "name": "Lớp nhận thức khóa 9", "organiser": "TTCT Cam Lâm"}
    values |= {"starts_on": "02/11/2026", "ends_on": "06/11/2026", "cert_on": "32/11/2026"}
    for key, text in values.items():
        dialog.edits[key].setText(text)
    dialog.path_edit.setText(str(roster(tmp_path / "lop.xlsx")))
    dialog.try_accept()
    assert "Ngày cấp chứng nhận" in dialog.error.text() and dialog.result() == 0
    dialog.edits["cert_on"].setText("09/11/2026")
    info, path = dialog.values()

    page.start_import(info, path)
    qtbot.waitUntil(lambda: operation.running() == 0, timeout=60_000)
    assert "ghi bước A2 cho 1 người; 1 người chưa khớp hồ sơ" in page.message.text()
    assert page.classes.rowCount() == 1
    assert [page.classes.item(0, c).text() for c in (0, 3, 4, 5)] == ["LOP-UI-1", "3", "1", "1"]
    outcomes = [page.lines.item(r, 6).text() for r in range(page.lines.rowCount())]
    assert outcomes[0].startswith("Không tìm thấy hồ sơ") and outcomes[1] == "Đã ghi bước A2"
    assert page.lines.item(1, 5).text() == code
    a2 = [s for s in open_file(committee, code)["steps"] if s["step_id"] == "A2"]
    assert [(s["doc_no"], s["owner"]) for s in a2] == [("11/CN", "X01")]

    # The office adds the stranger's file, then chooses it for the listed participant.
    stranger = {"full_name": "Hồ Văn Xa", "sex": "Nam", "birth_date": "05/05/2002"}
    other = create_candidate(committee, {**stranger, "org_code": "X01-CB02"})
    page.lines.selectRow(0)
    line = page.selected_line()
    assert (line.participant.full_name, line.row_no) == ("Hồ Văn Xa", 2)  # its sheet row
    page.resolve(line.row_no, other)
    qtbot.waitUntil(lambda: operation.running() == 0, timeout=60_000)
    assert page.message.text() == f"Dòng 2: Đã ghi bước A2 ({other})."
    assert page.classes.item(0, 5).text() == "0"
    assert any(s["step_id"] == "A2" for s in open_file(committee, other)["steps"])
