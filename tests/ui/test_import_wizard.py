"""The Excel wizard on the demo's own export: a planted bad cell shows in the preview with
its sheet, row and column; a good file lands; the export writes the workbook."""

from datetime import date, datetime

import openpyxl
import pytest

from khdesk.core.services import profiles
from khdesk.core.services.exporter import export_file
from khdesk.core.services.members import search_members
from khdesk.core.services.session import open_profile
from khdesk.demo.stations import create_demo
from khdesk.ui import operation
from khdesk.ui.context import AppContext
from khdesk.ui.import_wizard import ExcelPage, ImportWizard, ProblemModel

TODAY = date(2026, 11, 26)


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("excel-demo")
    create_demo(home, "demo-password", today=TODAY)
    return home


@pytest.fixture
def ctx(demo_home):
    session = open_profile(demo_home, "X01-CB01", "bithu", "demo-password")
    yield AppContext(session, TODAY)
    session.close()


def settle(qtbot) -> None:
    """Until every background operation has delivered its result."""
    qtbot.waitUntil(lambda: operation.running() == 0, timeout=60_000)


def column_of(sheet, header: str) -> int:
    for cell in sheet[1]:
        if (cell.value or "").rstrip("*") == header:
            return cell.column
    raise KeyError(header)


def test_preview_shows_the_bad_cell(qtbot, ctx, tmp_path):
    path = tmp_path / "cb01.xlsx"
    export_file(ctx.session, path)
    book = openpyxl.load_workbook(path)
    files = book["Quần chúng"]
    files.cell(row=3, column=column_of(files, "Ngày sinh"), value="31/02/2001")
    book.save(path)

    wizard = ImportWizard(ctx)
    qtbot.addWidget(wizard)
    wizard.resize(900, 600)
    wizard.show()
    assert not wizard.choose.isComplete()
    wizard.choose.path_edit.setText(str(path))
    assert wizard.choose.isComplete()
    wizard.next()
    settle(qtbot)
    preview = wizard.preview
    assert wizard.currentPage() is preview and preview.isComplete()
    report = preview.report
    assert not report.committed and report.dry_run
    model = preview.problems
    rows = [[model.data(model.index(r, c)) for c in range(4)] for r in range(model.rowCount())]
    assert rows[0][:3] == ["Quần chúng", "3", "Ngày sinh"]
    assert "31/02/2001" in rows[0][3] and "ngày không có thật" in rows[0][3]
    assert "có 1 ô/dòng lỗi" in preview.summary.text()
    box = preview.sheet_box
    assert [box.itemText(i) for i in range(box.count())] == [
        "Mọi trang (1 lỗi)",
        "Trang “Quần chúng” (1 lỗi)",
    ]
    box.setCurrentIndex(1)
    assert preview.by_sheet.rowCount() == 1
    sheets = [preview.counts.item(r, 0).text() for r in range(preview.counts.rowCount())]
    assert "Đảng viên" in sheets and "Quần chúng" in sheets
    wizard.grab().save(str(tmp_path / "wizard-preview.png"))


def test_import_of_a_good_file_lands(qtbot, ctx, tmp_path):
    path = tmp_path / "cb01-new.xlsx"
    export_file(ctx.session, path)
    book = openpyxl.load_workbook(path)
    members = book["Đảng viên"]
    new = {
        "Họ và tên": "Võ Thị Ngọc Diệp",
        "Giới tính": "Nữ",
        "Ngày sinh": datetime(1992, 3, 4),
        "Mã chi bộ": "X01-CB01",
        "Ngày vào Đảng": datetime(2018, 5, 19),
        "Ngày chính thức": datetime(2019, 5, 19),
        "Trạng thái": "Chính thức",
    }
    row = members.max_row + 1
    for header, value in new.items():
        members.cell(row=row, column=column_of(members, header), value=value)
    book.save(path)

    changes = []
    ctx.hub.data_changed.connect(lambda: changes.append(1))
    wizard = ImportWizard(ctx)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.choose.path_edit.setText(str(path))
    wizard.next()
    settle(qtbot)
    assert wizard.preview.report.problems == []
    assert wizard.preview.report.counts["members"].added == 1
    assert search_members(ctx.session, "diep") == []  # the preview wrote nothing
    wizard.next()
    assert not wizard.result_page.isComplete()  # "Xong" waits for the import
    settle(qtbot)
    assert wizard.result_page.isComplete()
    result = wizard.result_page.report
    assert result.committed and result.counts["members"].added == 1
    assert "Đã nhập xong: 1 dòng" in wizard.result_page.summary.text()
    assert changes
    assert [m["full_name"] for m in search_members(ctx.session, "diep")] == ["Võ Thị Ngọc Diệp"]
    wizard.grab().save(str(tmp_path / "wizard-report.png"))


def test_export_writes_the_workbook(qtbot, ctx, tmp_path):
    page = ExcelPage(ctx)
    qtbot.addWidget(page)
    target = tmp_path / "xuat"
    page.export(target)
    settle(qtbot)
    written = target.with_suffix(".xlsx")
    assert written.exists()
    assert "Đảng viên" in openpyxl.load_workbook(written).sheetnames
    assert str(written) in page.last_label.text()


def test_problem_model_passes_qt_model_tester(qtmodeltester):
    from khdesk.core.errors import CellProblem

    model = ProblemModel()
    model.set_problems(
        [
            CellProblem("Quần chúng", 5, "Ngày sinh", "Ngày không hợp lệ"),
            CellProblem("Đảng viên", 2, None, "Thiếu giá trị bắt buộc"),
        ]
    )
    assert model.data(model.index(0, 0)) == "Đảng viên"  # template order: members first
    qtmodeltester.check(model)


def test_a_folder_of_csv_previews_too(qtbot, ctx, tmp_path):
    folder = tmp_path / "csv"
    export_file(ctx.session, folder)
    wizard = ImportWizard(ctx)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.choose.folder_radio.setChecked(True)
    wizard.choose.path_edit.setText(str(folder))
    wizard.next()
    settle(qtbot)
    report = wizard.preview.report
    assert report is not None and report.problems == [] and report.changed == 0
    assert "không có lỗi" in wizard.preview.summary.text()


def test_finding_12_a_viewer_sees_export_disabled_until_the_owner_grants_it(qtbot, ctx, tmp_path):
    from PySide6.QtWidgets import QApplication, QMessageBox

    from khdesk.core.services.session import TAKE_OUT_REFUSED
    from khdesk.ui.stats_page import StatsPage

    profiles.add_user(ctx.session, "xem", "xem-123456", "viewer")
    viewer = open_profile(ctx.session.dir.home, "X01-CB01", "xem", "xem-123456")
    try:
        theirs = AppContext(viewer, TODAY)
        page, stats = ExcelPage(theirs), StatsPage(theirs)
        qtbot.addWidget(page)
        qtbot.addWidget(stats)
        assert not page.export_button.isEnabled()
        assert not any(b.isEnabled() for b in (stats.xlsx_button, stats.pdf_button))
        page.export(tmp_path / "xuat")  # the service refuses it too
        settle(qtbot)
        shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
        assert [b.text() for b in shown if b.isVisible()] == [TAKE_OUT_REFUSED]
        assert not (tmp_path / "xuat.xlsx").exists() and not page.last_label.text()
        for box in shown:
            box.close()
        profiles.grant_take_out(ctx.session, "xem", True)
        assert ExcelPage(theirs).export_button.isEnabled()
        page.export(tmp_path / "xuat")
        settle(qtbot)
        assert (tmp_path / "xuat.xlsx").exists()
    finally:
        viewer.close()
        profiles.remove_user(ctx.session, "xem")
