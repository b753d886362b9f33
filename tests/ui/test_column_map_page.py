"""The import wizard's column step with real widgets: an office's own workbook mapped
column by column, previewed with the import's own errors, imported, and offered the same
map the next time; a template workbook skips the step; a hostile header stops at step 1."""

from datetime import date

import openpyxl
from PySide6.QtCore import Qt

from khdesk.core.services.candidates import list_files
from khdesk.ui import operation
from khdesk.ui.context import AppContext
from khdesk.ui.import_wizard import MAP_ID, PREVIEW_ID, ImportWizard
from tests.integration.core.io.test_column_map import (
    FOREIGN_FILES,
    MAP,
    OWN_TITLES,
    PEOPLE,
    foreign_file,
    hostile_header_file,
    template_file,
)

TODAY = date(2026, 11, 26)


def next_page(qtbot, wizard) -> None:
    """Next, then wait until the page's reading or import (an operation) has delivered."""
    wizard.next()
    qtbot.waitUntil(lambda: operation.running() == 0, timeout=60_000)


def open_wizard(qtbot, ctx, path) -> ImportWizard:
    wizard = ImportWizard(ctx)
    qtbot.addWidget(wizard)
    wizard.resize(1000, 700)
    wizard.show()
    wizard.choose.path_edit.setText(str(path))
    next_page(qtbot, wizard)
    return wizard


def table_rows(table) -> list[list[str]]:
    return [
        [table.item(r, c).text() if table.item(r, c) else "" for c in range(table.columnCount())]
        for r in range(table.rowCount())
    ]


def test_foreign_workbook_is_mapped_previewed_imported_and_remembered(qtbot, cell, tmp_path):
    ctx = AppContext(cell, TODAY)
    own = foreign_file(tmp_path / "ds-rieng.xlsx")
    wizard = open_wizard(qtbot, ctx, own)
    page = wizard.mapping
    assert wizard.currentId() == MAP_ID
    assert [page.sheet_box.itemText(i) for i in range(page.sheet_box.count())] == [
        "“Đảng viên” (trong tệp: “Đảng viên”)",
        "“Quần chúng” (trong tệp: “Quần chúng”)",
    ]
    page.sheet_box.setCurrentIndex(1)
    assert [page.table.item(r, 0).text() for r in range(page.table.rowCount())] == FOREIGN_FILES
    picked = {h: page.field_box(h).currentData() for h in FOREIGN_FILES}
    assert picked == {**MAP["Quần chúng"], "Ngày vào nguồn": "a1_source_on"}
    assert page.field_box("STT").currentText() == "Bỏ qua"
    # A field reads as the template's header, without the map file's English key
    # ("[birth_date]" read as a typo to a newcomer); the key stays in the tooltip.
    box = page.field_box("Ng.sinh")
    assert box.currentText() == "Ngày sinh*"
    assert not any("[" in box.itemText(i) for i in range(box.count()))
    assert box.itemData(box.currentIndex(), Qt.ItemDataRole.ToolTipRole) == "birth_date"
    assert "gợi ý" in page.origin.text() and "dòng 2" in page.origin.text()

    # The preview: the first rows read through the map, in the file's column order.
    head = [page.preview.horizontalHeaderItem(c).text() for c in range(4)]
    assert head == ["Dòng", "Ngày sinh", "Họ và tên", "Giới tính"]
    rows = table_rows(page.preview)
    assert [r[:4] for r in rows[:2]] == [
        ["3", "04/05/2000", "Nguyễn Thị Hoa", "Nữ"],
        ["4", "30/11/1998", "Trần Văn Bình", "Nam"],
    ]
    assert page.problems.rowCount() == 0 and page.isComplete()

    def problems() -> list[list[str]]:
        model = page.problems
        return [[model.data(model.index(r, c)) for c in range(4)] for r in range(model.rowCount())]

    # A field from two columns, a required one from none: no way on until fixed.
    box = page.field_box("HỌ TÊN")
    box.setCurrentIndex(box.findData("birth_date"))
    assert not page.isComplete()
    assert "trường 'Ngày sinh' [birth_date] được ghép từ 2 cột" in page.status.text()
    assert "thiếu trường bắt buộc 'Họ và tên'" in page.status.text()
    assert problems()[0][:3] == ["Quần chúng", "2", "HỌ TÊN"] and "bị lặp" in problems()[0][3]
    box.setCurrentIndex(box.findData("full_name"))
    assert page.isComplete() and problems() == []
    # A wrong pick the import would take: its own per-cell errors, row by row.
    box = page.field_box("CCCD")
    box.setCurrentIndex(box.findData("a2_cert_on"))
    assert page.isComplete()
    first = problems()[0]
    assert first[:3] == ["Quần chúng", "3", "CCCD (Ngày cấp chứng nhận bồi dưỡng)"]
    assert "Ngày không hợp lệ '056300001234'" in first[3]
    assert [r[0] for r in table_rows(page.preview)] == ["5"]  # the one row without a CCCD
    box.setCurrentIndex(box.findData("cccd"))
    assert problems() == []
    wizard.grab().save(str(tmp_path / "wizard-columns.png"))

    next_page(qtbot, wizard)
    assert wizard.currentId() == PREVIEW_ID
    report = wizard.preview.report
    assert report.problems == [] and report.counts["candidates"].added == len(PEOPLE)
    assert report.mapped == {"candidates": "given", "members": "given"}
    assert list_files(cell) == []  # the preview wrote nothing
    next_page(qtbot, wizard)
    assert wizard.result_page.report.committed
    assert sorted(f["full_name"] for f in list_files(cell)) == sorted(p[0] for p in PEOPLE)

    # Next month, the same headers in another order: the same map, said to be the saved one.
    book = openpyxl.load_workbook(own)
    book["Quần chúng"].move_range("A2:A6", cols=8)  # STT moved to the end
    book["Quần chúng"].delete_cols(1)
    book.save(own)
    again = open_wizard(qtbot, ctx, own)
    assert again.currentId() == MAP_ID
    again.mapping.sheet_box.setCurrentIndex(1)
    page = again.mapping
    assert [page.table.item(r, 0).text() for r in range(page.table.rowCount())][-1] == "STT"
    assert {h: page.field_box(h).currentData() for h in FOREIGN_FILES} == picked
    assert "cách ghép đã lưu" in page.origin.text()


def test_a_template_workbook_skips_the_column_step(qtbot, cell, tmp_path):
    wizard = open_wizard(qtbot, AppContext(cell, TODAY), template_file(tmp_path / "mau.xlsx"))
    assert wizard.currentId() == PREVIEW_ID
    assert wizard.column_map() is None
    assert wizard.preview.report.problems == []


def test_a_hostile_header_stops_at_the_first_step(qtbot, cell, tmp_path):
    path = hostile_header_file(tmp_path / "huge.xlsx", "x" * 40_000)
    wizard = open_wizard(qtbot, AppContext(cell, TODAY), path)
    assert wizard.currentPage() is wizard.choose
    assert "quá giới hạn 255 ký tự" in wizard.choose.error.text()


def test_back_from_the_column_step_to_a_template_file(qtbot, cell, tmp_path):
    wizard = open_wizard(qtbot, AppContext(cell, TODAY), foreign_file(tmp_path / "ds.xlsx"))
    assert wizard.currentId() == MAP_ID
    next_page(qtbot, wizard)
    assert wizard.preview.title() == "Bước 3: Kiểm tra trước khi nhập"
    wizard.back()
    wizard.back()
    assert wizard.currentPage() is wizard.choose
    wizard.choose.path_edit.setText(str(template_file(tmp_path / "mau.xlsx")))
    next_page(qtbot, wizard)
    assert wizard.currentId() == PREVIEW_ID and wizard.column_map() is None
    assert wizard.preview.title() == "Bước 2: Kiểm tra trước khi nhập"
    assert wizard.preview.report.mapped == {} and wizard.preview.report.problems == []


def test_sheets_named_their_own_way_are_suggested_checked_and_remembered(qtbot, cell, tmp_path):
    """The office's sheet names: each offered as the template sheet its name is most
    like, to check (two of the file's sheets as one template sheet: no way on); the
    import lands every row, and next time the names are known."""
    ctx = AppContext(cell, TODAY)
    own = foreign_file(tmp_path / "ds-rieng.xlsx", titles=OWN_TITLES)
    wizard = open_wizard(qtbot, ctx, own)
    page = wizard.mapping
    assert wizard.currentId() == MAP_ID
    assert [page.sheet_box.itemText(i) for i in range(page.sheet_box.count())] == [
        "“Đảng viên” (trong tệp: “Danh sách đảng viên”)",
        "“Quần chúng” (trong tệp: “DS quần chúng ưu tú T1”)",
    ]
    assert page.target_box.isEnabled() and page.target_box.currentText() == "Đảng viên"
    assert "không mang tên trang của mẫu" in page.origin.text()
    page.target_box.setCurrentIndex(page.target_box.findData("candidates"))
    assert not page.isComplete()
    assert "cũng là trang “Quần chúng” của mẫu" in page.status.text()
    page.target_box.setCurrentIndex(page.target_box.findData("members"))
    box = page.field_box("Ngày CT")  # the members' own headers, offered again
    box.setCurrentIndex(box.findData("official_on"))
    box = page.field_box("TT")
    box.setCurrentIndex(box.findData("status"))
    assert page.isComplete(), page.status.text()
    assert wizard.column_map()["sheets"] == {
        "Danh sách đảng viên": "members",
        "DS quần chúng ưu tú T1": "candidates",
    }
    next_page(qtbot, wizard)
    assert wizard.currentId() == PREVIEW_ID
    assert wizard.preview.report.problems == []
    next_page(qtbot, wizard)
    assert wizard.result_page.report.committed
    assert sorted(f["full_name"] for f in list_files(cell)) == sorted(p[0] for p in PEOPLE)

    again = open_wizard(qtbot, ctx, own)
    page = again.mapping
    assert "cách ghép đã lưu" in page.origin.text()
    assert page.isComplete()
