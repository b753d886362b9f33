"""The committee's "Quyết định báo lên" page (issue 17 "one truth"): the decisions a cell
reported in its bundle are listed; one is confirmed through the dialog with a corrected
number, one dismissed with a reason, the rest of the cell confirmed at once (the message
box answered); the stats page says how many wait. Real profiles, bundle and widgets."""

from __future__ import annotations

import pytest

from khdesk.core.services import decisions
from khdesk.core.services.candidates import open_file
from khdesk.core.sync.inbox import import_bundle
from khdesk.ui import operation
from khdesk.ui.context import AppContext
from khdesk.ui.decisions_page import COLUMNS, ConfirmDialog, DecisionsPage
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
