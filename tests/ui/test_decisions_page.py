"""The committee's "Quyết định báo lên" page (issue 17 "one truth"): the decisions a cell
reported in its bundle are listed; one is confirmed through the dialog with a corrected
number, one dismissed with a reason, the rest of the cell confirmed at once (the message
box answered); the stats page says how many wait. Real profiles, bundle and widgets."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from khdesk.core.services import decisions
from khdesk.core.services.candidates import open_file
from khdesk.core.sync.inbox import import_bundle
from khdesk.ui import operation
from khdesk.ui.committee import CommitteePage, reports_mark
from khdesk.ui.context import AppContext, Changes
from khdesk.ui.decisions_page import COLUMNS, ConfirmDialog, DecisionsPage
from khdesk.ui.main_window import MainWindow
from khdesk.ui.stats_page import StatsPage
from tests.stations import build_commune, export
from tests.ui.helpers import TODAY, click_in_next_box


@pytest.fixture
def committee(tmp_path):
    c = build_commune(tmp_path / "home", cells=("X01-CB01",))
    report = import_bundle(c.committee, export(c.cells["X01-CB01"], tmp_path / "up"))
    assert report.status == "imported", report.reason
    yield c.committee
    c.close()


def settle(qtbot) -> None:
    qtbot.waitUntil(lambda: operation.running() == 0, timeout=60_000)


def test_confirm_dismiss_and_confirm_all_from_the_page(qtbot, committee):
    waiting = decisions.list_reports(committee)
    stats = StatsPage(AppContext(committee, TODAY))
    qtbot.addWidget(stats)
    settle(qtbot)
    assert not stats.pending_label.isHidden()
    assert f"{len(waiting)} quyết định chi bộ báo lên chưa xác nhận" in stats.pending_label.text()

    page = DecisionsPage(AppContext(committee, TODAY))
    qtbot.addWidget(page)
    page.refresh()
    headers = [page.table.horizontalHeaderItem(i).text() for i in range(page.table.columnCount())]
    assert headers == list(COLUMNS)
    assert page.table.rowCount() == len(waiting) > 2
    first = page.selected()
    assert first == waiting[0]
    assert page.table.item(0, 1).text() == first.file_code
    # a decision that returned the file reads as such, not as one more admission
    shown = {page.table.item(i, COLUMNS.index("Kết quả")).text() for i in range(len(waiting))}
    assert "Thông qua" in shown
    assert shown <= {"Thông qua", "Không thông qua", "Trả lại"}

    dialog = ConfirmDialog(first, page)
    qtbot.addWidget(dialog)
    dialog.on_edit.setText("31/02/2024")
    dialog.try_accept()
    assert "Ngày quyết định" in dialog.error.text() and dialog.result() == 0
    dialog.on_edit.setText(f"{first.on:%d/%m/%Y}")
    dialog.doc_edit.setText("1-QĐ/ĐU")
    page.confirm_one(first, *dialog.values())
    settle(qtbot)
    assert "Đã xác nhận" in page.message.text()
    assert page.table.rowCount() == len(waiting) - 1
    steps = open_file(committee, first.file_code)["steps"]
    assert any(s["doc_no"] == "1-QĐ/ĐU" and s["owner"] == "X01" for s in steps)

    second = page.reports[0]
    page.dismiss(second, "Sổ của đảng ủy không có quyết định này")
    settle(qtbot)
    assert page.table.rowCount() == len(waiting) - 2
    [dismissed] = decisions.list_reports(committee, status="dismissed")
    assert dismissed.reason == "Sổ của đảng ủy không có quyết định này"

    seen: list[str] = []
    click_in_next_box("Xác nhận tất cả", seen)
    page.table.selectRow(0)
    page.confirm_cell()
    settle(qtbot)
    assert "X01-CB01" in seen[0]
    assert page.table.rowCount() == 0
    assert len(decisions.list_reports(committee, status="confirmed")) == len(waiting) - 1
    stats.refresh()
    settle(qtbot)
    assert stats.pending_label.isHidden()


def test_the_cells_overview_shows_what_each_cell_reported_and_opens_it(qtbot, committee):
    """ "Các chi bộ" marks each cell with reported decisions waiting (its row, with a
    tooltip) and links it under the table; the link asks for the "Quyết định báo lên"
    page on that cell, which then shows that cell's reports, the first selected."""
    waiting = decisions.list_reports(committee)
    ctx = AppContext(committee, TODAY)
    page = CommitteePage(ctx)
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    settle(qtbot)
    model = page.model
    names = {r.org_code: model.data(model.index(n, 0)) for n, r in enumerate(model.rows)}
    mark = reports_mark(len(waiting))
    assert names["X01-CB01"].endswith(f"\n{mark}") and f"{len(waiting)} QĐ" in mark
    assert not any("QĐ" in names[c] for c in ("X01-CB02", "X01-CB03", "X01-CB04"))
    tip = model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole)
    assert f"{len(waiting)} quyết định" in tip and "Quyết định báo lên" in tip
    assert page.reports_label.isVisible()
    assert 'href="X01-CB01"' in page.reports_label.text()
    assert f"({len(waiting)})" in page.reports_label.text()

    with qtbot.waitSignal(ctx.hub.show_reports) as shown:
        page.reports_label.linkActivated.emit("X01-CB01")  # as a click on the link does
    assert shown.args == ["X01-CB01"]

    reports = DecisionsPage(ctx)
    qtbot.addWidget(reports)
    reports.show_cell("X01-CB01")
    assert reports.selected() == waiting[0]
    assert "X01-CB01" in reports.message.text()

    for r in waiting:  # all decided: the mark and the link go
        decisions.dismiss_report(committee, r.id, "Không có trong sổ")
    ctx.hub.notify(Changes(steps=True))
    page.refresh()
    settle(qtbot)
    assert "QĐ" not in model.data(model.index(0, 0)) and not page.reports_label.isVisible()


def test_the_window_goes_to_one_cells_reports(qtbot, committee):
    window = MainWindow(committee, today=TODAY)
    qtbot.addWidget(window)
    window.ctx.hub.show_reports.emit("X01-CB01")
    page = window.current_page()
    assert isinstance(page, DecisionsPage)
    assert page.selected() is not None and page.selected().org_code == "X01-CB01"
