"""The candidate list: search as you type, filters (state, findings, workplace kind, youth
age), the columns the user chooses, and a lazily filled table.

The model holds only the matching row ids (one cheap query per keystroke, after a short
debounce) and fetches a page of rows when the view first shows them, so 100,000 files
list smoothly. The findings counts (the severity filter and column) come from the rule
check, run once on a background thread and cached until the data changes.
"""

from __future__ import annotations

import logging
from datetime import date
from functools import partial

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QVBoxLayout,
)

from khdesk.core.domain.pipeline import STATE_LABELS, State
from khdesk.core.domain.roles import Action
from khdesk.core.domain.template import WORKPLACE_KINDS
from khdesk.core.services.candidates import FileIndex, file_rows, ids_by_code, youth_birth_cutoff
from khdesk.core.services.checking import file_overview
from khdesk.core.services.session import Session
from khdesk.core.text import fold
from khdesk.ui import prefs
from khdesk.ui.candidate_form import NewCandidateDialog
from khdesk.ui.context import Changes
from khdesk.ui.operation import Operation
from khdesk.ui.pages import Page
from khdesk.ui.table_model import LazyTableModel, fit_columns, table_view

log = logging.getLogger(__name__)

# Every column the list can show; the first six are the default choice.
COLUMNS = (
    ("file_code", "Mã hồ sơ"),
    ("full_name", "Họ và tên"),
    ("sex", "Giới tính"),
    ("birth_date", "Ngày sinh"),
    ("org_code", "Chi bộ"),
    ("state", "Giai đoạn"),
    ("findings", "Lỗi / cảnh báo"),
    ("cccd", "Số CCCD"),
    ("home_town", "Quê quán"),
    ("ethnicity", "Dân tộc"),
    ("occupation", "Nghề nghiệp"),
    ("workplace", "Nơi làm việc"),
    ("workplace_kind", "Loại hình nơi làm việc"),
    ("youth_union_member", "Đoàn viên"),
)
COLUMN_KEYS = [key for key, _ in COLUMNS]
DEFAULT_COLUMNS = ("file_code", "full_name", "sex", "birth_date", "org_code", "state")
# The widest text each column usually holds: its width at the current text size.
WIDTHS = {
    "file_code": "X01-CB01-00150",
    "sex": "Nam",
    "birth_date": "00/00/0000",
    "org_code": "X01-CB01",
    "state": STATE_LABELS[State.NGUON],
}
PAGE = 100  # rows fetched at a time: a screenful or three
# Above this many files a one-letter search does not filter (see reload).
BIG_LIST = 5000

# The severity filter: which findings a file must have.
SEVERITY_FILTERS = (
    ("", "Mọi hồ sơ"),
    ("error", "Có lỗi"),
    ("warning", "Có lỗi hoặc cảnh báo"),
    ("clean", "Không có lỗi, cảnh báo"),
)
AGE_FILTERS = (
    ("", "Mọi độ tuổi"),
    ("youth", "Tuổi thanh niên (đến 30)"),
    ("older", "Trên 30 tuổi"),
)
# Whose files: the station's current ones, or the read-only copies of files that moved
# on (RULES.md §2a) — out of the working list, still findable.
HELD_FILTERS = (
    ("", "Hồ sơ đang quản lý"),
    ("moved", "Đã chuyển đi, trả lại"),
)


def _passes(counts: dict | None, severity: str) -> bool:
    counts = counts or {}
    errors, warnings = counts.get("error", 0), counts.get("warning", 0)
    if severity == "error":
        return errors > 0
    if severity == "warning":
        return errors + warnings > 0
    if severity == "clean":
        return errors + warnings == 0
    return True


class CandidateTableModel(LazyTableModel):
    """Holds the ids of the matching files; fetches a page of rows when first shown."""

    page_size = PAGE

    def __init__(self, session: Session, parent=None):
        super().__init__(COLUMNS, parent)
        self.session = session
        # row id -> {"error": n, "warning": n, "info": n}; None until the check ran
        self.findings: dict[int, dict] | None = None
        self.file_index: FileIndex | None = None
        self.search_too_short = False

    def reload(
        self,
        search: str | None = None,
        state: str | None = None,
        *,
        workplace_kind: str | None = None,
        age: str | None = None,
        severity: str | None = None,
        today: date | None = None,
        moved: bool = False,
    ) -> None:
        born_from = born_before = None
        if age:
            cutoff = youth_birth_cutoff(today or date.today())
            born_from, born_before = (cutoff, None) if age == "youth" else (None, cutoff)
        # The ids with their filter fields in memory, read again when the data changed.
        if self.file_index is None or not self.file_index.current():
            self.file_index = FileIndex(self.session)
        # One letter matches half of a province's 100,000 names: not worth its 0.1 s.
        self.search_too_short = bool(
            search
            and len(self.file_index.order) > BIG_LIST
            and len(fold(search).replace(" ", "")) < 2
        )
        ids = self.file_index.ids(
            None if self.search_too_short else search or None,
            state or None,
            workplace_kind=workplace_kind or None,
            born_from=born_from,
            born_before=born_before,
            moved=moved,
        )
        if severity and self.findings is not None:
            found = self.findings
            ids = [i for i in ids if _passes(found.get(i), severity)]
        self.set_ids(ids)

    def set_findings(self, findings: dict[int, dict] | None) -> None:
        self.findings = findings
        column = COLUMN_KEYS.index("findings")
        if self.ids:
            self.dataChanged.emit(self.index(0, column), self.index(len(self.ids) - 1, column))

    def fetch(self, ids: list[int]) -> dict[int, dict]:
        return file_rows(self.session, ids)

    def file_code(self, row: int) -> str | None:
        return self.row_data(row).get("file_code")

    def text(self, row: int, key: str) -> str | None:
        if key == "findings":
            return self._findings_text(self.ids[row])
        value = self.row_data(row).get(key)
        if key == "birth_date" and value:
            return date.fromisoformat(value).strftime("%d/%m/%Y")
        if key == "state" and value:
            away = self.file_index.away.get(self.ids[row]) if self.file_index else None
            return away.label if away else STATE_LABELS[State(value)]
        if isinstance(value, bool):
            return "Có" if value else ""
        return value

    def _findings_text(self, row_id: int) -> str | None:
        if self.findings is None:
            return None
        counts = self.findings.get(row_id) or {}
        parts = []
        if counts.get("error"):
            parts.append(f"{counts['error']} lỗi")
        if counts.get("warning"):
            parts.append(f"{counts['warning']} cảnh báo")
        return ", ".join(parts)


def _findings_by_id(session: Session, today: date, **_) -> dict | None:
    """The rule check of every file (it may take seconds at province scale): findings
    per file id, or None when it cannot be computed (the list then shows no filter)."""
    try:
        overview = file_overview(session, today)
        by_code = ids_by_code(session)
    except Exception:  # the profile closed meanwhile, or a check failed: no filter
        log.warning("findings for the list could not be computed", exc_info=True)
        return None
    return {by_code[code]: entry["findings"] for code, entry in overview.items() if code in by_code}


class CandidateListPage(Page):
    key = "candidates"
    title = "Hồ sơ quần chúng"

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(
            "Tìm theo tên, số CCCD, mã hồ sơ (gõ không dấu cũng được) — Ctrl+F"
        )
        self.search_edit.setClearButtonEnabled(True)
        self.state_box = QComboBox()
        self.state_box.addItem("Mọi giai đoạn", "")
        for state, label in STATE_LABELS.items():
            self.state_box.addItem(label, state.value)
        self.severity_box = QComboBox()
        for value, label in SEVERITY_FILTERS:
            self.severity_box.addItem(label, value)
        self.severity_box.setToolTip("Lọc theo kết quả kiểm tra quy định của từng hồ sơ")
        self.workplace_box = QComboBox()
        self.workplace_box.addItem("Mọi nơi làm việc", "")
        for kind in WORKPLACE_KINDS:
            self.workplace_box.addItem(kind, kind)
        self.age_box = QComboBox()
        for value, label in AGE_FILTERS:
            self.age_box.addItem(label, value)
        self.held_box = QComboBox()
        for value, label in HELD_FILTERS:
            self.held_box.addItem(label, value)
        self.held_box.setToolTip("Hồ sơ đã chuyển sang đơn vị khác: chỉ xem, không ghi")

        self.model = CandidateTableModel(self.session, self)
        self.table = table_view()
        self.table.setModel(self.model)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        fit_columns(self.table, {COLUMN_KEYS.index(key): text for key, text in WIDTHS.items()})
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._column_menu)
        self.table.doubleClicked.connect(self._open_row)
        self.table.activated.connect(self._open_row)
        self.count_label = QLabel()
        self.columns_button = QPushButton("Chọn cột…")
        self.columns_button.setToolTip(
            "Chọn các cột hiện trong bảng (hoặc bấm chuột phải vào tiêu đề cột)"
        )
        self.columns_button.clicked.connect(
            lambda: self.column_menu().popup(
                self.columns_button.mapToGlobal(self.columns_button.rect().bottomLeft())
            )
        )

        filters = QHBoxLayout()
        filters.addWidget(QLabel("Tìm:"))
        filters.addWidget(self.search_edit, 1)
        filters.addWidget(QLabel("Giai đoạn:"))
        filters.addWidget(self.state_box)
        # Adding a file by hand (Ctrl+N): the stations that keep files, users who write.
        self.add_button = QPushButton("Thêm hồ sơ…")
        self.add_button.setToolTip("Thêm hồ sơ quần chúng mới (Ctrl+N)")
        self.add_button.setShortcut(QKeySequence.StandardKey.New)
        self.add_button.clicked.connect(self.add_file)
        self.add_button.setVisible(self.ctx.may(Action.EDIT_FILES) and self.ctx.role != "province")
        filters.addWidget(self.add_button)
        filters.addWidget(self.columns_button)
        more = QHBoxLayout()
        more.addWidget(QLabel("Lỗi, cảnh báo:"))
        more.addWidget(self.severity_box)
        more.addWidget(QLabel("Nơi làm việc:"))
        more.addWidget(self.workplace_box)
        more.addWidget(QLabel("Độ tuổi:"))
        more.addWidget(self.age_box)
        more.addWidget(self.held_box)
        more.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(filters)
        layout.addLayout(more)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)
        for first, second in (
            (self.search_edit, self.state_box),
            (self.state_box, self.add_button),
            (self.add_button, self.columns_button),
            (self.columns_button, self.severity_box),
            (self.severity_box, self.workplace_box),
            (self.workplace_box, self.age_box),
            (self.age_box, self.held_box),
            (self.held_box, self.table),
        ):
            self.setTabOrder(first, second)

        self.apply_columns(self._saved_columns())

        # Search as you type, without a query per keystroke.
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(150)
        self._debounce.timeout.connect(self.refresh)
        self.search_edit.textChanged.connect(self._debounce.start)
        boxes = (self.state_box, self.severity_box, self.workplace_box, self.age_box)
        for box in (*boxes, self.held_box):
            box.currentIndexChanged.connect(self.refresh)

        # The findings: computed when first needed (the list shown), again after changes.
        self._generation = 0
        self.findings_loading = False
        self.ctx.hub.changed.connect(self._changed)
        self.refresh()

    # -- data --

    def refresh(self) -> None:
        severity = self.severity_box.currentData()
        self.model.reload(
            self.search_edit.text().strip(),
            self.state_box.currentData(),
            workplace_kind=self.workplace_box.currentData(),
            age=self.age_box.currentData(),
            severity=severity,
            today=self.ctx.today(),
            moved=self.held_box.currentData() == "moved",
        )
        self._show_count()
        if (
            self.model.findings is None
            and not self.findings_loading
            and (severity or self._column_shown("findings") or self._check_when_shown())
        ):
            self.load_findings()

    def _show_count(self) -> None:
        text = f"{self.model.rowCount()} hồ sơ"
        if self.model.search_too_short:
            text += " — gõ thêm chữ để tìm (ít nhất 2 chữ cái)"
        if self.severity_box.currentData() and self.model.findings is None:
            text += " — đang kiểm tra quy định để lọc theo lỗi, cảnh báo…"
        self.count_label.setText(text)

    def load_findings(self) -> None:
        """Start the rule check of every file in the background (no dialog: the list is
        usable meanwhile)."""
        self._generation += 1
        self.findings_loading = True
        work = partial(_findings_by_id, self.session, self.ctx.today())
        Operation(self, work).success(
            partial(self._findings_loaded, generation=self._generation)
        ).run_in_background()

    def _findings_loaded(self, findings, generation: int) -> None:
        if generation != self._generation:
            return  # an older run finished after the data changed again
        self.findings_loading = False
        self.model.set_findings(findings)
        if self.severity_box.currentData():
            self.refresh()
        else:
            self._show_count()

    def _changed(self, changes: Changes) -> None:
        if changes.data:  # a new key or user changes no finding
            self._findings_stale()

    def _findings_stale(self) -> None:
        self.model.file_index = None
        self.model.findings = None
        self.findings_loading = False
        self._generation += 1
        if self.isVisible() and (self.severity_box.currentData() or self._column_shown("findings")):
            self.load_findings()

    def _check_when_shown(self) -> bool:
        """Check every file as soon as the list shows, unless the list is large: at
        province scale the check takes a while and competes with typing, so it waits
        until asked for (the severity filter or the findings column)."""
        index = self.model.file_index
        return self.isVisible() and (index is None or len(index.order) <= BIG_LIST)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if self.model.findings is None and not self.findings_loading:
            if self._check_when_shown():
                self.load_findings()

    def set_state_filter(self, state: str | None) -> None:
        """Show only the files in `state` (a State value; None or "" for every state)."""
        row = self.state_box.findData(state or "")
        self.state_box.setCurrentIndex(max(row, 0))  # reloads through currentIndexChanged
        self.refresh()

    # -- columns --

    def _saved_columns(self) -> list[str]:
        saved = prefs.profile_settings(self.session).get("list_columns")
        if isinstance(saved, list):
            keys = [k for k in saved if k in COLUMN_KEYS]
            if "full_name" in keys:
                return keys
        return list(DEFAULT_COLUMNS)

    def _column_shown(self, key: str) -> bool:
        return not self.table.isColumnHidden(COLUMN_KEYS.index(key))

    def shown_columns(self) -> list[str]:
        return [key for key in COLUMN_KEYS if self._column_shown(key)]

    def apply_columns(self, keys: list[str]) -> None:
        for col, key in enumerate(COLUMN_KEYS):
            self.table.setColumnHidden(col, key not in keys)

    def set_column_shown(self, key: str, shown: bool) -> None:
        """Show or hide one column and remember the choice for this profile. The name
        column always stays."""
        if key == "full_name":
            return
        self.table.setColumnHidden(COLUMN_KEYS.index(key), not shown)
        prefs.save_profile_settings(self.session, list_columns=self.shown_columns())
        if key == "findings" and shown and self.model.findings is None:
            if not self.findings_loading:
                self.load_findings()

    def column_menu(self) -> QMenu:
        menu = QMenu(self)
        for key, label in COLUMNS:
            action = menu.addAction(label)
            action.setCheckable(True)
            action.setChecked(self._column_shown(key))
            action.setEnabled(key != "full_name")
            action.toggled.connect(lambda on, k=key: self.set_column_shown(k, on))
        menu.addSeparator()
        menu.addAction("Cột mặc định", self.reset_columns)
        return menu

    def reset_columns(self) -> None:
        self.apply_columns(list(DEFAULT_COLUMNS))
        prefs.save_profile_settings(self.session, list_columns=list(DEFAULT_COLUMNS))

    def _column_menu(self, pos) -> None:
        self.column_menu().popup(self.table.horizontalHeader().mapToGlobal(pos))

    # -- actions --

    def add_file(self):
        """The new-file dialog (not blocking); the new file opens in its window."""
        dialog = NewCandidateDialog(self.ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.ctx.hub.open_file.emit(dialog.file_code, ""))
        dialog.open()
        return dialog

    def _open_row(self, index: QModelIndex) -> None:
        if index.isValid():
            code = self.model.file_code(index.row())
            if code:
                self.ctx.hub.open_file.emit(code, "")
