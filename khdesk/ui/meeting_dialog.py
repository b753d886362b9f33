"""Record a cell meeting (kỳ họp chi bộ, RULES.md §2a): its day, the roll typed once
(official and probationary members), who was absent and why, the chair and the secretary;
or correct one (its day only while no vote is recorded at it). Opened from the
record-step dialog, where the meeting then holds the votes; its minutes are saved from
there too (`save_minutes`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

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
from khdesk.core.fsutil import safe_file_name
from khdesk.core.services import members as member_service
from khdesk.core.services import printing
from khdesk.core.services.meetings import correct_meeting, new_meeting
from khdesk.core.text import parse_date
from khdesk.ui.candidate_form import show_date
from khdesk.ui.context import AppContext, Changes
from khdesk.ui.layouts import fit_to_screen
from khdesk.ui.messages import ERROR_STYLE, error_text
from khdesk.ui.operation import Operation


class MeetingDialog(QDialog):
    """A new meeting of `org_code`, or a correction of `meeting`; `meeting_uuid` holds it
    once recorded."""

    def __init__(
        self,
        ctx: AppContext,
        org_code: str,
        parent: QWidget | None = None,
        meeting: Meeting | None = None,
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.org_code = meeting.org_code if meeting else org_code
        self.editing = meeting
        self.meeting_uuid: str | None = None
        what = f"Sửa kỳ họp ngày {meeting.on:%d/%m/%Y}" if meeting else "Kỳ họp chi bộ"
        self.setWindowTitle(f"{what} — {self.org_code}")
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
        save = buttons.addButton(
            "Ghi sửa đổi" if meeting else "Ghi kỳ họp", QDialogButtonBox.ButtonRole.AcceptRole
        )
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
        if meeting is not None:
            self._show(meeting)

    def _show(self, meeting: Meeting) -> None:
        """The recorded meeting, to correct."""
        self.date_edit.setText(show_date(meeting.on))
        self.official_spin.setValue(meeting.official_members)
        self.probationary_spin.setValue(meeting.probationary_members)
        self.chair_edit.setText(meeting.chair or "")
        self.chair_role_edit.setText(meeting.chair_role or "")
        self.secretary_edit.setText(meeting.secretary or "")
        for a in meeting.absences:
            self.add_absence(a.name, a.kind, a.reason)

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
            note=self.editing.note if self.editing else None,
        )
        try:
            if self.editing is None:
                self.meeting_uuid = new_meeting(self.ctx.session, meeting, self.ctx.today())
            else:
                uuid = self.editing.uuid or ""
                correct_meeting(self.ctx.session, uuid, meeting, self.ctx.today())
                self.meeting_uuid = uuid
        except KhdeskError as exc:
            self.show_error(error_text(exc))
            return False
        self.ctx.hub.notify(Changes(candidates=True))
        self.accept()
        return True


def minutes_file_name(meeting: Meeting) -> str:
    """The name offered when saving the minutes (the cell and the day)."""
    return safe_file_name(f"Bien ban hop chi bo {meeting.org_code} {meeting.on:%Y-%m-%d}.pdf")


def save_minutes(
    parent: QWidget,
    ctx: AppContext,
    meeting: Meeting,
    path: Path,
    refused: Callable[[str], None],
) -> None:
    """Write the meeting's minutes (biên bản) to `path` in the background: the same PDF as
    `khdesk meeting minutes`, atomic and audited; a refusal (no right to take files out,
    a disk that says no) reaches `refused` in Vietnamese."""
    session, uuid = ctx.session, meeting.uuid or ""

    def work(**_):
        return printing.export_minutes(session, uuid, path)

    def failed(exc: BaseException) -> None:
        if isinstance(exc, OSError):
            refused(f"Không ghi được tệp '{path}': {exc.strerror or exc}.")
        else:
            refused(error_text(exc))

    Operation(parent, work).with_progress("Đang lưu biên bản…", cancellable=False).success(
        lambda _: ctx.hub.status.emit(f"Đã lưu biên bản kỳ họp vào {path}")
    ).failure(failed).run_in_background()
