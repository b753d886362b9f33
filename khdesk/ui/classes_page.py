"""Party-awareness classes ("Lớp bồi dưỡng"): the classes recorded here, a class's
participants and what became of each, a new class from its own spreadsheet, and the
file chosen for a participant the roster did not match (core/services/classes.py)."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from khdesk.core.domain.classes import OUTCOME_LABELS, TO_RESOLVE
from khdesk.core.domain.roles import Action
from khdesk.core.services import classes
from khdesk.ui.candidate_form import show_date
from khdesk.ui.context import Changes
from khdesk.ui.messages import ERROR_STYLE
from khdesk.ui.operation import Operation
from khdesk.ui.pages import ALL_ROLES, Page
from khdesk.ui.record_step import parse_day

CLASS_COLUMNS = ("Mã lớp", "Tên lớp", "Ngày chứng nhận", "Học viên", "Đã ghi A2", "Cần xử lý")
LINE_COLUMNS = ("Dòng", "Họ và tên", "Ngày sinh", "Chi bộ", "Số chứng nhận", "Hồ sơ", "Kết quả")


def _table(headers: tuple[str, ...]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(text))


class NewClassDialog(QDialog):
    """The class's facts and its roster file; `values()` checks the dates typed."""

    def __init__(self, today, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Nhập danh sách lớp bồi dưỡng")
        self.edits: dict[str, QLineEdit] = {}
        form = QFormLayout()
        for key, label, hint in (
            ("code", "Mã lớp *", "vd. LOP-2026-05"),
            ("name", "Tên lớp *", "vd. Lớp bồi dưỡng nhận thức về Đảng khóa 5"),
            ("organiser", "Đơn vị tổ chức *", "vd. Trung tâm Chính trị"),
            ("issuer", "Nơi cấp chứng nhận", "mặc định: đơn vị tổ chức"),
            ("starts_on", "Ngày khai giảng *", "ngày/tháng/năm"),
            ("ends_on", "Ngày kết thúc *", "ngày/tháng/năm"),
            ("cert_on", "Ngày cấp chứng nhận *", "ngày của bước A2"),
        ):
            edit = QLineEdit()
            edit.setPlaceholderText(hint)
            self.edits[key] = edit
            form.addRow(f"{label}:", edit)
        self.edits["cert_on"].setText(show_date(today))
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText("tệp .xlsx hoặc .csv của lớp")
        browse = QPushButton("Chọn tệp…")
        browse.clicked.connect(self.browse)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        form.addRow("Danh sách học viên *:", row)
        hint = QLabel(
            "Các cột: Họ và tên, Ngày sinh, Số CCCD, Mã chi bộ, Số chứng nhận, Kết quả "
            "(Đạt / Không đạt), Mã hồ sơ (nếu biết). Người đạt được ghi bước A2; người "
            "chưa khớp hồ sơ được liệt kê để chọn."
        )
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")
        self.error = QLabel()
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Ghi lớp")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Hủy")
        buttons.accepted.connect(self.try_accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def browse(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(
            self, "Chọn danh sách học viên", "", "Bảng tính (*.xlsx *.xlsm *.csv)"
        )
        if chosen:
            self.path_edit.setText(chosen)

    def values(self) -> tuple[classes.ClassInfo, Path] | str:
        """The class and its file, or what is wrong (Vietnamese)."""
        text = {k: e.text().strip() for k, e in self.edits.items()}
        days = {}
        for key, label in (
            ("starts_on", "Ngày khai giảng"),
            ("ends_on", "Ngày kết thúc"),
            ("cert_on", "Ngày cấp chứng nhận"),
        ):
            day, problem = parse_day(text[key], label)
            if problem:
                return problem
            if day is None:
                return f"{label}: chưa ghi."
            days[key] = day
        path = Path(self.path_edit.text().strip())
        if not self.path_edit.text().strip() or not path.is_file():
            return "Chọn tệp danh sách học viên."
        info = classes.ClassInfo(
            code=text["code"],
            name=text["name"],
            organiser=text["organiser"],
            issuer=text["issuer"] or text["organiser"],
            **days,
        )
        return info, path

    def try_accept(self) -> None:
        found = self.values()
        if isinstance(found, str):
            self.error.setText(found)
            return
        self.accept()


class ClassesPage(Page):
    key = "classes"
    title = "Lớp bồi dưỡng"
    roles = ALL_ROLES

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self.can_edit = ctx.may(Action.EDIT_FILES)
        self.classes = _table(CLASS_COLUMNS)
        self.classes.itemSelectionChanged.connect(self._show_selected)
        self.lines = _table(LINE_COLUMNS)
        self.new_button = QPushButton("Nhập danh sách lớp…")
        self.new_button.clicked.connect(self.new_class)
        self.resolve_button = QPushButton("Chọn hồ sơ cho học viên…")
        self.resolve_button.clicked.connect(self.resolve_selected)
        for button in (self.new_button, self.resolve_button):
            button.setEnabled(self.can_edit)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.resolve_button)
        buttons.addStretch(1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.classes)
        split.addWidget(self.lines)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Lớp bồi dưỡng nhận thức về Đảng: ghi lớp một lần với danh sách học viên của nhiều "
            "chi bộ; người đạt được ghi bước A2 (ngày và số chứng nhận) và chi bộ nhận qua "
            "tệp đồng bộ kế tiếp."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(split, 1)
        self.shown: classes.Roster | None = None

    def refresh(self) -> None:
        found = classes.list_classes(self.session)
        self._codes = [c["code"] for c in found]
        _fill(
            self.classes,
            [
                [
                    c["code"],
                    c["name"],
                    show_date(c["cert_on"]),
                    str(c["participants"]),
                    str(c["recorded"]),
                    str(c["to_resolve"]),
                ]
                for c in found
            ],
        )
        if self.shown is not None and self.shown.info.code in self._codes:
            self.select(self.shown.info.code)
        elif found:
            self.classes.selectRow(0)
        else:
            self.show_roster(None)

    def select(self, code: str) -> None:
        self.classes.selectRow(self._codes.index(code))
        self._show_selected()

    def _show_selected(self) -> None:
        rows = self.classes.selectionModel().selectedRows()
        if rows:
            self.show_roster(classes.show_class(self.session, self._codes[rows[0].row()]))

    def show_roster(self, roster: classes.Roster | None) -> None:
        self.shown = roster
        lines = roster.lines if roster else []
        _fill(
            self.lines,
            [
                [
                    str(x.row_no),
                    x.participant.full_name,
                    show_date(x.participant.birth_date),
                    x.participant.org_code or "",
                    x.participant.cert_no or "",
                    x.file_code or "",
                    OUTCOME_LABELS[x.outcome] + (f": {x.reason}" if x.reason else ""),
                ]
                for x in lines
            ],
        )

    # -- actions --

    def new_class(self) -> None:
        dialog = NewClassDialog(self.ctx.today(), self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        found = dialog.values()
        if not isinstance(found, str):
            self.start_import(*found)

    def start_import(self, info: classes.ClassInfo, path: Path) -> None:
        """Record the class from its file on a worker thread."""
        work = partial(classes.import_class, self.session, info, path, self.ctx.today())
        (
            Operation(self, work)
            .with_progress("Đang ghi danh sách lớp")
            .changes(self.ctx.hub, Changes(candidates=True, steps=True))
            .success(self._recorded)
            .run_in_background()
        )

    def _recorded(self, roster: classes.Roster) -> None:
        left = len(roster.to_resolve)
        self.message.setText(
            f"Đã ghi lớp {roster.info.code}: {len(roster.lines)} học viên, ghi bước A2 cho "
            f"{roster.count(classes.Outcome.RECORDED)} người"
            + (f"; {left} người chưa khớp hồ sơ, cần chọn." if left else ".")
        )
        self.shown = roster
        self.refresh()

    def selected_line(self) -> classes.Line | None:
        rows = self.lines.selectionModel().selectedRows()
        if self.shown is None or not rows:
            return None
        return self.shown.lines[rows[0].row()]

    def resolve_selected(self) -> None:
        line = self.selected_line()
        if line is None or line.outcome not in TO_RESOLVE:
            self.message.setText("Chọn một học viên chưa khớp hồ sơ trong danh sách.")
            return
        code, ok = QInputDialog.getText(
            self,
            "Chọn hồ sơ",
            f"Mã hồ sơ của {line.participant.full_name} "
            f"({show_date(line.participant.birth_date)}):",
        )
        if ok and code.strip():
            self.resolve(line.row_no, code.strip())

    def resolve(self, row_no: int, file_code: str) -> None:
        assert self.shown is not None
        class_code = self.shown.info.code
        (
            Operation(
                self,
                lambda **_: classes.resolve(
                    self.session, class_code, row_no, file_code.upper(), self.ctx.today()
                ),
            )
            .changes(self.ctx.hub, Changes(candidates=True, steps=True))
            .success(self._resolved)
            .run_in_background()
        )

    def _resolved(self, line: classes.Line) -> None:
        text = f"Dòng {line.row_no}: {OUTCOME_LABELS[line.outcome]} ({line.file_code})."
        self.message.setText(text + (f" {line.reason}" if line.reason else ""))
        self.refresh()
