"""The candidate list: search as you type, a state filter, a lazily filled table."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
)

from khdesk.core.domain.pipeline import STATE_LABELS, State
from khdesk.core.services.candidates import file_ids, file_rows
from khdesk.core.services.profiles import Session
from khdesk.ui.pages import Page

COLUMNS = (
    ("file_code", "Mã hồ sơ"),
    ("full_name", "Họ và tên"),
    ("sex", "Giới tính"),
    ("birth_date", "Ngày sinh"),
    ("org_code", "Chi bộ"),
    ("state", "Giai đoạn"),
)
PAGE = 200


class CandidateTableModel(QAbstractTableModel):
    """Holds the ids of the matching files; fetches a page of rows when first shown."""

    def __init__(self, session: Session, parent=None):
        super().__init__(parent)
        self.session = session
        self.ids: list[int] = []
        self.cache: dict[int, dict] = {}

    def reload(self, search: str | None = None, state: str | None = None) -> None:
        self.beginResetModel()
        self.ids = file_ids(self.session, search or None, state or None)
        self.cache = {}
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self.ids)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section][1]
        return None

    def _row(self, row: int) -> dict:
        row_id = self.ids[row]
        if row_id not in self.cache:
            start = (row // PAGE) * PAGE
            self.cache.update(file_rows(self.session, self.ids[start : start + PAGE]))
        return self.cache[row_id]

    def file_code(self, row: int) -> str | None:
        return self._row(row).get("file_code")

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        key = COLUMNS[index.column()][0]
        value = self._row(index.row()).get(key)
        if key == "birth_date" and value:
            return date.fromisoformat(value).strftime("%d/%m/%Y")
        if key == "state" and value:
            return STATE_LABELS[State(value)]
        return value


class CandidateListPage(Page):
    key = "candidates"
    title = "Hồ sơ quần chúng"

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(
            "Tìm theo tên, số CCCD, mã hồ sơ (gõ không dấu cũng được)"
        )
        self.search_edit.setClearButtonEnabled(True)
        self.state_box = QComboBox()
        self.state_box.addItem("Mọi giai đoạn", "")
        for state, label in STATE_LABELS.items():
            self.state_box.addItem(label, state.value)

        self.model = CandidateTableModel(self.session, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for col, width in ((0, 140), (2, 80), (3, 110), (4, 120), (5, 200)):
            self.table.setColumnWidth(col, width)
        self.table.doubleClicked.connect(self._open_row)
        self.table.activated.connect(self._open_row)
        self.count_label = QLabel()

        filters = QHBoxLayout()
        filters.addWidget(QLabel("Tìm:"))
        filters.addWidget(self.search_edit, 1)
        filters.addWidget(QLabel("Giai đoạn:"))
        filters.addWidget(self.state_box)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)

        # Search as you type, without a query per keystroke.
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(150)
        self._debounce.timeout.connect(self.refresh)
        self.search_edit.textChanged.connect(self._debounce.start)
        self.state_box.currentIndexChanged.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        self.model.reload(self.search_edit.text().strip(), self.state_box.currentData())
        self.count_label.setText(f"{self.model.rowCount()} hồ sơ")

    def _open_row(self, index: QModelIndex) -> None:
        if index.isValid():
            code = self.model.file_code(index.row())
            if code:
                self.ctx.hub.open_file.emit(code, "")
