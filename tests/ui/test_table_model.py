"""The one table model base: every table's cells carry their full text in a tooltip (the
view elides what does not fit), the lazy tables fetch a page at a time."""

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics

from khdesk.ui.home import TodoModel
from khdesk.ui.sync_widgets import RowsModel, rows_table
from khdesk.ui.table_model import LazyTableModel

LONG = "Quyết định kết nạp 822-QĐ/ĐU nhận ngày 17/09/2026: chi bộ tổ chức lễ kết nạp " * 2


def test_a_long_cell_is_elided_and_its_tooltip_has_it_whole(qtbot, qtmodeltester):
    model = RowsModel([("name", "Tên"), ("note", "Ghi chú")])
    model.set_rows([{"name": "Nguyễn Văn A", "note": LONG}, {"name": "<b>B</b>", "note": None}])
    qtmodeltester.check(model)
    view = rows_table(model)
    qtbot.addWidget(view)
    view.resize(400, 200)
    view.setColumnWidth(1, 150)
    view.show()
    index = model.index(0, 1)
    assert view.textElideMode() == Qt.TextElideMode.ElideRight and not view.wordWrap()
    assert QFontMetrics(view.font()).horizontalAdvance(LONG) > view.columnWidth(1)
    tip = model.data(index, Qt.ItemDataRole.ToolTipRole)
    assert LONG.strip() in tip
    # stored text shown as written: a name that looks like markup is escaped
    assert "&lt;b&gt;B&lt;/b&gt;" in model.data(model.index(1, 0), Qt.ItemDataRole.ToolTipRole)
    assert model.data(model.index(1, 1), Qt.ItemDataRole.ToolTipRole) is None
    assert model.headerData(1, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)


def test_the_todo_list_passes_the_model_tester_and_tips_its_legal_basis(qtmodeltester):
    from datetime import date

    model = TodoModel()
    finding = {
        "file_code": "X01-CB01-0001",
        "full_name": "Lê Văn Tám",
        "message": LONG,
        "severity": "error",
        "due": "2026-10-29",
        "legal_basis": "HD 06 mục 3.2",
    }
    model.set_findings([finding], date(2026, 11, 26))
    qtmodeltester.check(model)
    assert model.data(model.index(0, 0)) == "29/10/2026"
    assert "Căn cứ: HD 06 mục 3.2" in model.data(model.index(0, 3), Qt.ItemDataRole.ToolTipRole)
    assert model.tone(0) == "overdue"


class _Numbers(LazyTableModel):
    page_size = 10

    def __init__(self):
        super().__init__([("n", "Số")])
        self.fetched: list[list[int]] = []

    def fetch(self, ids):
        self.fetched.append(ids)
        return {i: {"n": str(i)} for i in ids}

    def text(self, row, key):
        return self.row_data(row)[key]


def test_a_lazy_table_fetches_one_page_when_a_row_is_first_shown(qtmodeltester):
    model = _Numbers()
    model.set_ids(list(range(100, 135)))
    assert model.rowCount() == 35 and not model.fetched
    assert model.data(model.index(12, 0)) == "112"
    assert model.fetched == [list(range(110, 120))]
    model.data(model.index(15, 0))
    assert len(model.fetched) == 1  # the same page: no second read
    qtmodeltester.check(model)
