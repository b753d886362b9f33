"""The import wizard's column step (issue 18, item 6): an office's own sheet, whose name
or headers the template does not know, mapped to a template sheet (its name suggested)
and column by column to the template's fields.

Each of the file's columns gets a field ("Bỏ qua" leaves it out), the remembered map for
the same header set or else the suggestions preselected; below, the first rows read
through the map with the import's own per-cell errors. The reading and checking are the
core's (core/io/column_map.py, tabular.preview_sheet); this module only shows them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QAbstractTableModel, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWizardPage,
)

from khdesk.core.domain import template
from khdesk.core.io.column_map import (
    SHEETS_ENTRY,
    SKIP_LABEL,
    ColumnChoice,
    ColumnMap,
    choice_problems,
    field_label,
    needs_map,
)
from khdesk.core.io.tabular import SheetHead, match_sheet, preview_sheet
from khdesk.core.services import column_maps

MAP_HEADERS = ("Cột trong tệp", "Trường trong mẫu")


def renamed(head: SheetHead) -> bool:
    """A sheet the file names its own way (read as `head.sheet` by a suggestion or a
    remembered name)."""
    return match_sheet(head.name) is not head.sheet


def sheets_to_map(heads: list[SheetHead]) -> list[SheetHead]:
    return [h for h in heads if renamed(h) or needs_map(h.sheet, h.headers)]


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    return str(value)


class MappingPage(QWizardPage):
    """One table of the file's columns -> fields per sheet to map, and the preview."""

    def __init__(self, wizard: Any, problems: QAbstractTableModel):
        """`wizard`: the import wizard (its `ctx` and the file's `heads`); `problems`: the
        wizard's model of bad cells (sheet, row, column, message), to show the preview's."""
        super().__init__(wizard)
        self.wiz = wizard
        self.setTitle("Bước 2: Ghép cột của tệp với mẫu")
        self.setSubTitle(
            "Tệp có cột không theo mẫu. Chọn cho mỗi cột của tệp một trường của mẫu (hoặc "
            "“Bỏ qua”); dưới là vài dòng đầu đọc theo cách ghép này. Cách ghép được nhớ cho "
            "lần sau."
        )
        self.heads: list[SheetHead] = []
        self.choices: dict[str, ColumnChoice] = {}  # the file's sheet name -> the choice
        self.sheet_box = QComboBox()
        self.sheet_box.currentIndexChanged.connect(self._show_sheet)
        # Which template sheet the file's sheet is: chosen only for one named its own way.
        self.target_box = QComboBox()
        for sheet in template.SHEETS:
            self.target_box.addItem(sheet.name, sheet.key)
        self.target_box.currentIndexChanged.connect(self._retarget)
        self.origin = QLabel()
        self.origin.setTextFormat(Qt.TextFormat.PlainText)
        self.origin.setWordWrap(True)
        self.table = QTableWidget(0, len(MAP_HEADERS))
        self.table.setHorizontalHeaderLabels(MAP_HEADERS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.preview = QTableWidget(0, 0)
        self.preview.verticalHeader().setVisible(False)
        self.preview.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.problems: Any = problems
        problems.setParent(self)
        self.problem_view = QTableView()
        self.problem_view.setModel(self.problems)
        self.problem_view.verticalHeader().setVisible(False)
        self.problem_view.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        top = QHBoxLayout()
        top.addWidget(QLabel("Trang:"))
        top.addWidget(self.sheet_box, 1)
        top.addWidget(QLabel("là trang của mẫu:"))
        top.addWidget(self.target_box)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.origin)
        layout.addWidget(self.table, 3)
        layout.addWidget(self.status)
        layout.addWidget(QLabel("Xem trước vài dòng đầu (đọc theo cách ghép trên):"))
        layout.addWidget(self.preview, 2)
        layout.addWidget(self.problem_view, 1)

    # -- filling --

    def initializePage(self) -> None:
        self.heads = sheets_to_map(self.wiz.heads)
        self.choices, self.remembered = {}, set()
        for head in self.heads:
            self._offer(head)
        self.sheet_box.blockSignals(True)
        self.sheet_box.clear()
        for head in self.heads:
            self.sheet_box.addItem(self._sheet_label(head))
        self.sheet_box.blockSignals(False)
        self._show_sheet()

    def _offer(self, head: SheetHead) -> None:
        choice, known = column_maps.offered(self.wiz.ctx.session, head)
        self.choices[head.title] = choice
        self.remembered.discard(head.title)
        if known:
            self.remembered.add(head.title)

    @staticmethod
    def _sheet_label(head: SheetHead) -> str:
        return f"“{head.sheet.name}” (trong tệp: “{head.title}”)"

    def _retarget(self) -> None:
        """The file's sheet is another template sheet: its columns offered again."""
        head = self.current()
        key = self.target_box.currentData()
        if head is None or key is None or key == head.sheet.key:
            return
        head.sheet = template.SHEETS_BY_KEY[key]
        self._offer(head)
        self.sheet_box.setItemText(self.sheet_box.currentIndex(), self._sheet_label(head))
        self._show_sheet()

    def current(self) -> SheetHead | None:
        i = self.sheet_box.currentIndex()
        return self.heads[i] if 0 <= i < len(self.heads) else None

    def _show_sheet(self) -> None:
        head = self.current()
        self.table.setRowCount(0)
        if head is None:
            return
        self.target_box.blockSignals(True)
        self.target_box.setCurrentIndex(self.target_box.findData(head.sheet.key))
        self.target_box.blockSignals(False)
        self.target_box.setEnabled(renamed(head))
        choice = self.choices[head.title]
        if head.title in self.remembered:
            said = "Đã chọn sẵn theo cách ghép đã lưu cho bộ tiêu đề này."
        else:
            said = "Đã chọn sẵn theo tên cột (gợi ý) — hãy kiểm tra từng dòng."
        if renamed(head):
            said = (
                f"Trang “{head.title}” của tệp không mang tên trang của mẫu: đã chọn sẵn "
                f"trang “{head.sheet.name}” — hãy kiểm tra. {said}"
            )
        self.origin.setText(f"Tiêu đề ở dòng {head.header_row}. {said}")
        self.table.setRowCount(len(head.headers))
        for row, text in enumerate(head.headers):
            self.table.setItem(row, 0, QTableWidgetItem(text))
            box = QComboBox()
            box.addItem(SKIP_LABEL, None)
            for col in head.sheet.columns:
                # the header alone (unique in a sheet); the --map file's key as a tooltip
                box.addItem(field_label(col), col.key)
                box.setItemData(box.count() - 1, col.key, Qt.ItemDataRole.ToolTipRole)
            box.setCurrentIndex(max(box.findData(choice.get(text)), 0))
            box.currentIndexChanged.connect(lambda _, h=text, b=box: self._picked(h, b))
            self.table.setCellWidget(row, 1, box)
        self._refresh()

    def field_box(self, header: str) -> QComboBox:
        """The combo of a file's column (by its header), for tests and keyboard users."""
        head = self.current()
        assert head is not None
        return self.table.cellWidget(head.headers.index(header), 1)

    def _picked(self, header: str, box: QComboBox) -> None:
        head = self.current()
        if head is not None:
            self.choices[head.title][header] = box.currentData()
            self._refresh()

    # -- what the choice gives --

    def _refresh(self) -> None:
        head = self.current()
        if head is None:
            return
        choice = self.choices[head.title]
        wrong = choice_problems(head.sheet, head.headers, choice) + self._twice(head)
        others = [
            h.sheet.name
            for h in self.heads
            if h is not head and choice_problems(h.sheet, h.headers, self.choices[h.title])
        ]
        if wrong:
            text = "Chưa ghép xong: " + "; ".join(wrong) + "."
        else:
            text = "Cách ghép trang này đủ các trường bắt buộc."
        if others:
            text += " Còn phải ghép trang: " + ", ".join(f"“{n}”" for n in others) + "."
        self.status.setText(text)
        self._fill_preview(head, choice)
        self.completeChanged.emit()

    def _fill_preview(self, head: SheetHead, choice: ColumnChoice) -> None:
        result = preview_sheet(head, choice)
        # The fields in the file's column order, each once.
        keys = dict.fromkeys(k for h in head.headers if (k := choice.get(h)) is not None)
        columns = [head.sheet.column(k) for k in keys]
        rows = result.sheets.get(head.sheet.key, [])
        self.preview.clear()
        self.preview.setColumnCount(len(columns) + 1)
        self.preview.setHorizontalHeaderLabels(["Dòng", *(c.header for c in columns)])
        self.preview.setRowCount(len(rows))
        for r, parsed in enumerate(rows):
            self.preview.setItem(r, 0, QTableWidgetItem(str(parsed.row)))
            for c, col in enumerate(columns, start=1):
                item = QTableWidgetItem(_shown(parsed.values.get(col.key)))
                self.preview.setItem(r, c, item)
        self.preview.resizeColumnsToContents()
        self.problems.set_problems(result.problems)

    def _twice(self, head: SheetHead) -> list[str]:
        """Another sheet of the file is read as the same template sheet."""
        return [
            f"trang “{other.title}” của tệp cũng là trang “{head.sheet.name}” của mẫu — mỗi "
            "trang của mẫu chỉ ghép một trang của tệp"
            for other in self.wiz.heads
            if other is not head and other.sheet.key == head.sheet.key
        ]

    def column_map(self) -> ColumnMap:
        out: ColumnMap = {h.sheet.key: dict(self.choices[h.title]) for h in self.heads}
        names = {h.name: h.sheet.key for h in self.heads if renamed(h)}
        if names:
            out[SHEETS_ENTRY] = names
        return out

    def isComplete(self) -> bool:
        return bool(self.heads) and not any(
            choice_problems(h.sheet, h.headers, self.choices[h.title]) or self._twice(h)
            for h in self.heads
        )
