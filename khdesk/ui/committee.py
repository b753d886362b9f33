"""Các chi bộ: the committee's first screen. One row per cell — files per state, files
past a deadline, the last bundle received, this year's admissions against the plan — and a
drill-down to a cell's files; a file opens in the candidate file window (read-only there
where the cell owns it; the committee records its own resolutions and decisions).
"""

from __future__ import annotations

from datetime import date
from functools import partial
from html import escape

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from khdesk.core.domain.pipeline import STATE_LABELS, State
from khdesk.core.progress import CancelToken, ProgressReport, no_progress, step
from khdesk.core.reports.stats import INDICATOR_BY_KEY
from khdesk.core.services.committee import CellRow, cell_overview
from khdesk.core.services.session import Session
from khdesk.ui.context import Changes
from khdesk.ui.in_transit import InTransitBox
from khdesk.ui.messages import error_text
from khdesk.ui.operation import Operation
from khdesk.ui.pages import Page
from khdesk.ui.prefs import relative_font
from khdesk.ui.table_model import LazyTableModel, TableModel, fit_columns, table_view

# (key, header, tooltip): the states in pipeline order, the two closed ones together.
STATE_COLUMNS = [
    ("NGUON", "Nguồn", STATE_LABELS[State.NGUON]),
    ("BOI_DUONG", "Đã học\nnhận thức", STATE_LABELS[State.BOI_DUONG]),
    ("HO_SO", "Đang làm\nhồ sơ", STATE_LABELS[State.HO_SO]),
    ("THAM_TRA", "Đã thẩm\ntra", STATE_LABELS[State.THAM_TRA]),
    ("CHI_BO_XET", "Chi bộ\nđã xét", STATE_LABELS[State.CHI_BO_XET]),
    ("QUYET_DINH", "Có quyết\nđịnh", STATE_LABELS[State.QUYET_DINH]),
    ("DU_BI", "Dự bị", STATE_LABELS[State.DU_BI]),
    ("CHINH_THUC", "Chính\nthức", STATE_LABELS[State.CHINH_THUC]),
    ("CLOSED", "Dừng,\nxóa tên", "Dừng hoặc xóa tên"),
]
SORT_ROLE = Qt.ItemDataRole.UserRole
_ADMITTED, _TARGET = INDICATOR_BY_KEY["admitted"], INDICATOR_BY_KEY["target"]
# The statistics' two indicators, named and defined as on the "Thống kê" page.
_PLAN_TIP = (
    f"{_ADMITTED.label} trong năm / {_TARGET.label.lower()} năm (như trang Thống kê).\n"
    f"• {_ADMITTED.label}: {_ADMITTED.definition}\n• {_TARGET.label}: {_TARGET.definition}"
)
_NOT_A_UNIT = (
    "Đơn vị này không phải chi bộ: số kết nạp của nó tính vào số liệu của đảng ủy cấp trên."
)


def reports_mark(count: int) -> str:
    """A cell's reported decisions waiting for the committee, as its row shows them."""
    return f"({count} QĐ báo lên chờ xác nhận)"


def _day(iso_text: str | None) -> str:
    if not iso_text:
        return ""
    try:
        return date.fromisoformat(iso_text[:10]).strftime("%d/%m/%Y")
    except ValueError:
        return iso_text


class CellTableModel(TableModel):
    """The rows of cell_overview; the numbers sort as numbers (SORT_ROLE)."""

    def __init__(self, parent=None):
        super().__init__((), parent)
        self.rows: list[CellRow] = []
        self.year = 0
        self.with_parent = False
        self.set_rows([], 0, with_parent=False)

    def set_rows(self, rows: list[CellRow], year: int, *, with_parent: bool) -> None:
        self.beginResetModel()
        self.rows, self.year = rows, year
        # At the province the commune, on a second line, tells namesake cells apart.
        self.with_parent = with_parent
        columns = [("org", "Chi bộ (trực thuộc)" if with_parent else "Chi bộ", "")]
        columns += STATE_COLUMNS
        columns += [
            ("overdue", "Quá\nhạn", "Số hồ sơ đã quá hạn một việc phải làm"),
            ("received", "Nhận dữ liệu\nlần cuối", "Ngày nhập tệp đồng bộ gần nhất của chi bộ"),
            ("plan", f"Kết nạp /\nchỉ tiêu {year}" if year else "Kết nạp /\nchỉ tiêu", _PLAN_TIP),
        ]
        self.columns = columns
        self.endResetModel()

    def row_count(self) -> int:
        return len(self.rows)

    def value(self, row: CellRow, key: str):
        """The raw value of a cell (what sorting uses)."""
        if key == "org":
            return row.org_name
        if key == "CLOSED":
            return row.states.get("XOA_TEN", 0) + row.states.get("DUNG", 0)
        if key in State.__members__:
            return row.states.get(key, 0)
        if key == "overdue":
            return row.overdue
        if key == "received":
            return row.last_received or ""
        if key == "plan":
            return -1 if row.admitted is None else row.admitted
        return None

    def text(self, row: int, key: str) -> str | None:
        cell = self.rows[row]
        value = self.value(cell, key)
        if key == "org":
            text = f"{value}\n{cell.parent_name}" if self.with_parent else value
            if cell.reports_pending:  # a mark, not a column: the table is as wide as it may be
                text += f"\n{reports_mark(cell.reports_pending)}"
            return text
        if key == "received":
            if cell.last_received:
                return _day(cell.last_received)
            return "Chưa nhận" if cell.self_managed else "Giữ tại đây"
        if key == "plan":
            if cell.admitted is None:
                return "—"
            target = "—" if cell.target is None else str(cell.target)
            return f"{cell.admitted} / {target}"
        return str(value) if value else ""

    def tip(self, row: int, key: str) -> str | None:
        cell = self.rows[row]
        if key == "org":
            kept = (
                "Chi bộ tự quản lý hồ sơ trên máy của mình (gửi dữ liệu qua USB)."
                if cell.self_managed
                else "Hồ sơ của chi bộ do văn phòng đảng ủy giữ trên máy này."
            )
            tip = f"{cell.org_code} — {cell.org_name}\n{kept}"
            if cell.reports_pending:
                tip += (
                    f"\n{cell.reports_pending} quyết định của đảng ủy chi bộ chép từ bản giấy và "
                    "báo lên, chờ xác nhận: mở trang 'Quyết định báo lên' bằng liên kết dưới bảng."
                )
            return tip
        if key == "plan":
            return _NOT_A_UNIT if cell.admitted is None else _PLAN_TIP
        return None  # a count says all in its cell

    def extra(self, row: int, key: str, role: int):
        cell = self.rows[row]
        if role == SORT_ROLE:
            return self.value(cell, key)
        if role == Qt.ItemDataRole.TextAlignmentRole and key != "org":
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.ForegroundRole and key == "overdue" and cell.overdue:
            return QBrush(QColor("#8a1c1c"))
        if role == Qt.ItemDataRole.FontRole and key == "overdue" and cell.overdue:
            font = QFont()
            font.setBold(True)
            return font
        return None


FILE_COLUMNS = (
    ("file_code", "Mã hồ sơ"),
    ("full_name", "Họ và tên"),
    ("sex", "Giới tính"),
    ("birth_date", "Ngày sinh"),
    ("state", "Giai đoạn"),
)


class CellFilesModel(LazyTableModel):
    """One cell's files, ids first and a page of rows when first shown (as the candidate
    list does), so a large cell opens at once."""

    def __init__(self, session: Session, parent=None):
        super().__init__(FILE_COLUMNS, parent)
        self.session = session
        self.org_code: str | None = None

    def reload(self, org_code: str | None, search: str | None = None) -> None:
        self.org_code = org_code
        self.set_ids(
            _candidates(self.session).file_ids(self.session, search or None, org_code=org_code)
            if org_code
            else []
        )

    def fetch(self, ids: list[int]) -> dict[int, dict]:
        return _candidates(self.session).file_rows(self.session, ids)

    def file_code(self, row: int) -> str | None:
        return self.row_data(row).get("file_code")

    def text(self, row: int, key: str) -> str | None:
        value = self.row_data(row).get(key)
        if key == "birth_date" and value:
            return date.fromisoformat(value).strftime("%d/%m/%Y")
        if key == "state" and value:
            return STATE_LABELS[State(value)]
        return value


def _candidates(session: Session):
    """The candidate list's service (SQLAlchemy), for a cell's files: imported when a cell
    is first opened, once the store is built, so the overview shows without it."""
    session.store  # noqa: B018 - built, or waited for, before importing (AppContext)
    # SQLAlchemy loads after the first page shows (tests/ui/test_launch.py)
    from khdesk.core.services import candidates

    return candidates


class CommitteePage(Page):
    key = "cells"
    title = "Các chi bộ"
    roles = ("committee", "province")

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self.rows: list[CellRow] = []
        self.current_cell: CellRow | None = None
        self.last_error: str | None = None
        self._loading_for: date | None = None  # the day of the overview being computed
        # The overview runs the deadline rules over every file (seconds at the province):
        # it is recomputed when data changed or the day did, not on every visit.
        self._loaded_for: date | None = None
        ctx.hub.changed.connect(self._changed)

        # level 1: the cells
        self.model = CellTableModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = table_view()
        self.table.setWordWrap(True)  # a long cell name takes two lines (_size_columns)
        self.table.setModel(self.proxy)
        # No column sorted at first: the rows stay in code order until a header is clicked.
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.table.doubleClicked.connect(self._open_cell)
        self.table.activated.connect(self._open_cell)
        self.heading = relative_font(QLabel(), 1, bold=True)
        hint = QLabel("Nhấp đúp vào một chi bộ để xem danh sách hồ sơ của chi bộ đó.")
        hint.setStyleSheet("color: #555;")
        self.totals_label = QLabel()
        self.totals_label.setWordWrap(True)
        self.reports_label = QLabel()
        self.reports_label.setWordWrap(True)
        self.reports_label.setTextFormat(Qt.TextFormat.RichText)
        self.reports_label.setToolTip(
            "Quyết định của đảng ủy mà chi bộ chép từ bản giấy và báo lên trong tệp đồng bộ. "
            "Nhấp vào tên chi bộ để mở trang 'Quyết định báo lên' ở chi bộ đó."
        )
        self.reports_label.linkActivated.connect(self.ctx.hub.show_reports.emit)
        self.reports_label.hide()
        cells = QWidget()
        cells_layout = QVBoxLayout(cells)
        cells_layout.setContentsMargins(0, 0, 0, 0)
        cells_layout.addWidget(self.heading)
        cells_layout.addWidget(hint)
        cells_layout.addWidget(self.table, 1)
        cells_layout.addWidget(self.totals_label)
        cells_layout.addWidget(self.reports_label)
        self.in_transit = InTransitBox(self.session, self)
        cells_layout.addWidget(self.in_transit)

        # level 2: one cell's files
        self.files_model = CellFilesModel(self.session, self)
        self.files_table = table_view()
        self.files_table.setModel(self.files_model)
        header = self.files_table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        fit_columns(
            self.files_table,
            {0: "X01-CB01-00150", 2: "Nam", 3: "00/00/0000", 4: STATE_LABELS[State.NGUON]},
        )
        self.files_table.doubleClicked.connect(self._open_file)
        self.files_table.activated.connect(self._open_file)
        self.back_button = QPushButton("← Quay lại danh sách chi bộ")
        self.back_button.clicked.connect(self.show_cells)
        self.cell_title = QLabel()
        relative_font(self.cell_title, 1, bold=True)
        self.cell_note = QLabel()
        self.cell_note.setWordWrap(True)
        self.cell_note.setStyleSheet("color: #555;")
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Tìm theo tên, số CCCD, mã hồ sơ")
        self.search_edit.setClearButtonEnabled(True)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(150)
        self._debounce.timeout.connect(self._reload_files)
        self.search_edit.textChanged.connect(self._debounce.start)
        self.files_count = QLabel()
        files = QWidget()
        files_layout = QVBoxLayout(files)
        files_layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.back_button)
        row.addWidget(self.cell_title, 1)
        files_layout.addLayout(row)
        files_layout.addWidget(self.cell_note)
        row = QHBoxLayout()
        row.addWidget(QLabel("Tìm:"))
        row.addWidget(self.search_edit, 1)
        files_layout.addLayout(row)
        files_layout.addWidget(self.files_table, 1)
        files_layout.addWidget(self.files_count)

        self.stack = QStackedWidget()
        self.stack.addWidget(cells)
        self.stack.addWidget(files)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self.refresh()  # a page is built with its data (the window refreshes it when shown again)

    # data

    def _changed(self, changes: Changes) -> None:
        if changes.data:  # a new key or user changes no figure
            self._mark_stale()

    def _mark_stale(self) -> None:
        self._loaded_for = self._loading_for = None  # one being computed is stale too

    def refresh(self) -> None:
        on = self.ctx.today()
        self.in_transit.refresh()  # one indexed query: cheap beside the overview
        if self._loaded_for == on:
            if self.current_cell is not None:
                self._reload_files()
            return
        if self._loading_for == on:
            return  # asked again while the same overview is being computed
        self._loading_for = on
        if self.ctx.role not in BACKGROUND_ROLES:
            # A commune's few dozen cells: at once, so the launch shows them (issue 5).
            try:
                rows = _overview(self.session, on)
            except Exception as exc:  # said on the page
                self._refused(exc)
                return
            self._show_rows(on, rows)
            return
        Operation(self, partial(_overview, self.session, on)).with_progress(
            "Đang tổng hợp số liệu các chi bộ…"
        ).success(partial(self._show_rows, on)).failure(self._refused).run_in_background()

    def _refused(self, exc: BaseException) -> None:
        self._loading_for = None
        self.last_error = error_text(exc)
        self.totals_label.setText(self.last_error)

    def _show_rows(self, on: date, rows: list[CellRow]) -> None:
        fresh = self._loading_for == on  # no change came in while it was computed
        self._loading_for = None
        self.rows = rows
        self._loaded_for = on if fresh else None
        with_parent = self.ctx.role == "province"
        self.model.set_rows(rows, on.year, with_parent=with_parent)
        self._show_reports(rows)
        self._size_columns()
        info = self.session.info
        self.heading.setText(f"Các chi bộ trực thuộc {info.org_name} — {len(rows)} chi bộ")
        files = sum(r.files for r in rows)
        overdue = sum(r.overdue for r in rows)
        admitted = sum(r.admitted or 0 for r in rows)
        targets = [r.target for r in rows if r.target is not None]
        plan = f"{admitted} / {sum(targets)}" if targets else str(admitted)
        self.totals_label.setText(
            f"Cộng các chi bộ: {files} hồ sơ; {overdue} hồ sơ quá hạn; kết nạp / chỉ tiêu năm "
            f"{on.year}: {plan}. Số liệu tính đến ngày {on.strftime('%d/%m/%Y')}."
        )
        if self.current_cell is not None:
            found = next((r for r in rows if r.org_code == self.current_cell.org_code), None)
            if found is not None:
                self.current_cell = found
                self._reload_files()

    def _size_columns(self) -> None:
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        keys = self.model.column_keys()
        # each column as wide as its header (two short lines) at the current text size
        samples = {"received": "00/00/0000", "plan": "000 / 000"}
        columns = {col: samples.get(keys[col], "000") for col in range(1, len(keys))}
        columns[0] = "Chi bộ tổ dân"  # longer names take two lines
        fit_columns(self.table, columns, whole=True)
        # Long cell names wrap onto two lines; at province scale rows keep one fixed height.
        rows = self.table.verticalHeader()
        if self.model.rowCount() <= 300:
            rows.setMinimumSectionSize(30)
            rows.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        else:
            rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
            rows.setDefaultSectionSize(40)

    # drill-down

    def _open_cell(self, index: QModelIndex) -> None:
        if index.isValid():
            row = self.proxy.mapToSource(index).row()
            self.show_cell(self.model.rows[row].org_code)

    def _show_reports(self, rows: list[CellRow]) -> None:
        """Under the table, a link per cell with reported decisions waiting: each opens
        the "Quyết định báo lên" page on that cell."""
        waiting = [r for r in rows if r.reports_pending]
        self.reports_label.setVisible(bool(waiting))
        links = ", ".join(
            f'<a href="{escape(r.org_code)}">{escape(r.org_name)} ({r.reports_pending})</a>'
            for r in waiting
        )
        self.reports_label.setText(f"Quyết định chi bộ báo lên chờ xác nhận: {links}.")

    def show_cell(self, org_code: str) -> None:
        """The files of one cell (double-click on its row)."""
        row = next((r for r in self.rows if r.org_code == org_code), None)
        if row is None:
            return
        self.current_cell = row
        self.cell_title.setText(f"{row.org_name} ({row.org_code})")
        if row.self_managed:
            self.cell_note.setText(
                "Chi bộ tự quản lý hồ sơ trên máy của mình: ở đây chỉ xem các bước chi bộ đã "
                "ghi; đảng ủy ghi nghị quyết, quyết định của mình rồi gửi về chi bộ qua USB "
                "(Đồng bộ → Gửi về chi bộ). Nhấp đúp vào một hồ sơ để mở."
            )
        else:
            self.cell_note.setText(
                "Hồ sơ của chi bộ này do văn phòng đảng ủy giữ trên máy này. Nhấp đúp vào một hồ "
                "sơ để mở."
            )
        self.search_edit.blockSignals(True)
        self.search_edit.clear()
        self.search_edit.blockSignals(False)
        self._reload_files()
        self.stack.setCurrentIndex(1)

    def _reload_files(self) -> None:
        code = self.current_cell.org_code if self.current_cell else None
        self.files_model.reload(code, self.search_edit.text().strip())
        self.files_count.setText(f"{self.files_model.rowCount()} hồ sơ")

    def show_cells(self) -> None:
        self.current_cell = None
        self.stack.setCurrentIndex(0)

    def _open_file(self, index: QModelIndex) -> None:
        if index.isValid():
            code = self.files_model.file_code(index.row())
            if code:
                self.ctx.hub.open_file.emit(code, "")


# Where the overview is computed in the background, with a progress dialog: the province's
# hundreds of cells.
BACKGROUND_ROLES = ("province",)


def _overview(
    session: Session,
    on: date,
    *,
    progress: ProgressReport = no_progress,
    cancel: CancelToken | None = None,
) -> list[CellRow]:
    step(progress, cancel, 0, 0)
    return cell_overview(session, on)
