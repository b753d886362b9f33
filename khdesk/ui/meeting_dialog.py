"""Record a cell meeting (kỳ họp chi bộ, RULES.md §2a): its day, the roll typed once
(official and probationary members), who was absent and why, the chair and the secretary.
Opened from the record-step dialog, where the meeting then holds the votes."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from khdesk.core.domain.meetings import KIND_LABELS, MAX_ROLL, Absence, Kind, Meeting
from khdesk.core.errors import KhdeskError
from khdesk.core.services import members as member_service
from khdesk.core.services.meetings import new_meeting
from khdesk.core.text import parse_date
from khdesk.ui.candidate_form import ERROR_STYLE, show_date
from khdesk.ui.context import AppContext, Changes
from khdesk.ui.layouts import fit_to_screen
from khdesk.ui.messages import error_text


class MeetingDialog(QDialog):
    """A new meeting of `org_code`; `meeting_uuid` holds it once recorded."""

    def __init__(self, ctx: AppContext, org_code: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.org_code = org_code
        self.meeting_uuid: str | None = None
        self.setWindowTitle(f"Kỳ họp chi bộ — {org_code}")
        fit_to_screen(self, 760, 560)

        self.date_edit = QLineEdit(show_date(ctx.today()))
        self.date_edit.setPlaceholderText("ngày/tháng/năm")
        self.date_edit.setMaxLength(10)
        self.official_spin = QSpinBox()
        self.official_spin.setRange(0, MAX_ROLL)
        self.official_spin.setValue(
            member_service.official_count(ctx.session, ctx.today(), org_code)
        )
        self.probationary_spin = QSpinBox()
        self.probationary_spin.setRange(0, MAX_ROLL)
        self.chair_edit = QLineEdit()
        self.chair_role_edit = QLineEdit("Bí thư chi bộ")
        self.secretary_edit = QLineEdit()

        self.absent_table = QTableWidget(0, 3)
        self.absent_table.setHorizontalHeaderLabels(["Họ và tên", "Loại", "Lý do vắng mặt"])
        header = self.absent_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        add = QPushButton("Thêm người vắng mặt")
        add.clicked.connect(lambda: self.add_absence())
        remove = QPushButton("Bỏ dòng đang chọn")
        for button in (add, remove):
            button.setAutoDefault(False)  # Enter records the meeting
        remove.clicked.connect(self._remove_absence)
        row_buttons = QHBoxLayout()
        row_buttons.addWidget(add)
        row_buttons.addWidget(remove)
        row_buttons.addStretch(1)

        form = QFormLayout()
        form.addRow("Ngày họp *", self.date_edit)
        form.addRow("Tổng số đảng viên chính thức *", self.official_spin)
        form.addRow("Tổng số đảng viên dự bị", self.probationary_spin)
        form.addRow("Chủ trì", self.chair_edit)
        form.addRow("Chức vụ người chủ trì", self.chair_role_edit)
        form.addRow("Thư ký", self.secretary_edit)
        hint = QLabel(
            "Số đảng viên chính thức ghi ở đây là mẫu số của mọi biểu quyết tại kỳ họp (hai "
            "phần ba tính trên tổng số đảng viên chính thức, không phải số có mặt)."
        )
        hint.setWordWrap(True)
        hint.setStyleSheet("background: #eef4fb; padding: 6px;")
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(ERROR_STYLE + " font-weight: bold;")
        self.error_label.hide()

        buttons = QDialogButtonBox()
        save = buttons.addButton("Ghi kỳ họp", QDialogButtonBox.ButtonRole.AcceptRole)
        save.setDefault(True)
        buttons.addButton("Hủy", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addLayout(form)
        layout.addWidget(QLabel("Vắng mặt (mỗi người một dòng, có lý do):"))
        layout.addWidget(self.absent_table, 1)
        layout.addLayout(row_buttons)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)

    def add_absence(self, name: str = "", kind: Kind = Kind.OFFICIAL, reason: str = "") -> None:
        row = self.absent_table.rowCount()
        self.absent_table.insertRow(row)
        self.absent_table.setItem(row, 0, QTableWidgetItem(name))
        box = QComboBox()
        for k in Kind:
            box.addItem(KIND_LABELS[k], k.value)
        box.setCurrentIndex(box.findData(kind.value))
        self.absent_table.setCellWidget(row, 1, box)
        self.absent_table.setItem(row, 2, QTableWidgetItem(reason))

    def _remove_absence(self) -> None:
        row = self.absent_table.currentRow()
        if row >= 0:
            self.absent_table.removeRow(row)

    def _absences(self) -> tuple[Absence, ...]:
        out = []
        for row in range(self.absent_table.rowCount()):
            name, reason = (self.absent_table.item(row, c) for c in (0, 2))
            name_text = name.text().strip() if name else ""
            reason_text = reason.text().strip() if reason else ""
            if not name_text and not reason_text:
                continue  # an empty row left over
            kind = Kind(self.absent_table.cellWidget(row, 1).currentData())
            out.append(Absence(name_text, kind, reason_text))
        return tuple(out)

    def show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    def save(self) -> bool:
        """Record the meeting; on a refusal say why and keep everything as typed."""
        try:
            on = parse_date(self.date_edit.text().strip())
        except ValueError as exc:
            self.show_error(f"Ngày họp: {exc} (ghi ngày/tháng/năm).")
            return False
        meeting = Meeting(
            org_code=self.org_code,
            on=on,
            official_members=self.official_spin.value(),
            probationary_members=self.probationary_spin.value(),
            absences=self._absences(),
            chair=self.chair_edit.text(),
            chair_role=self.chair_role_edit.text(),
            secretary=self.secretary_edit.text(),
        )
        try:
            self.meeting_uuid = new_meeting(self.ctx.session, meeting, self.ctx.today())
        except KhdeskError as exc:
            self.show_error(error_text(exc))
            return False
        self.ctx.hub.notify(Changes(candidates=True))
        self.accept()
        return True
