"""The guided "record a step" dialog.

It offers only the file's valid next steps that this station records (rules.next_steps and
the one-writer-per-record rule), asks exactly what the chosen step needs, and leaves the
judging to the core service: a failed vote is recorded as such, and a step the rules
refuse comes back with the engine's reasons in Vietnamese while the dialog stays open with
everything as typed. Enter records, Esc cancels.
"""

from __future__ import annotations

import re
from datetime import date
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from khdesk.core.domain.documents import DOCUMENTS
from khdesk.core.domain.meetings import Kind as AttendeeKind
from khdesk.core.domain.meetings import Meeting
from khdesk.core.domain.pipeline import (
    CELL_VOTE_STEPS,
    STATE_LABELS,
    STEP_BY_ID,
    VOTE_STEPS,
    Result,
    State,
    StepEvent,
)
from khdesk.core.domain.template import UNION_INTRO, Column, Kind
from khdesk.core.errors import KhdeskError
from khdesk.core.io.tabular import convert_value
from khdesk.core.services import members as member_service
from khdesk.core.services import steps as step_service
from khdesk.core.services.candidates import FileAccess, open_file
from khdesk.core.services.meetings import delete_meeting, list_meetings
from khdesk.core.services.numbering import propose_for_step
from khdesk.core.sync import judging
from khdesk.ui.candidate_form import show_date
from khdesk.ui.context import AppContext, Changes
from khdesk.ui.layouts import fit_to_screen
from khdesk.ui.meeting_dialog import MeetingDialog, minutes_file_name, save_minutes
from khdesk.ui.messages import ERROR_STYLE, confirm, error_text
from khdesk.ui.prefs import relative_font

RETURNABLE = ("A9", "A10", "P4", "P5")  # an upper level may send the file back
DOC_LABELS = {
    "A2": "Số giấy chứng nhận",
    "A8": "Số nghị quyết",
    "A9": "Số nghị quyết",
    "A10": "Số quyết định",
    "P3": "Số nghị quyết",
    "P4": "Số nghị quyết",
    "P5": "Số quyết định",
    "XOA_TEN": "Số quyết định",
    "A11": "Số văn bản cấp trên đồng ý (lễ muộn)",
}
# The ceremony has no document of its own: its step carries the upper committee's approval
# of a ceremony held after the deadline (rules.ceremony_approved).
RECEIVED_LABELS = {"A11": "Ngày văn bản đồng ý"}
DATE_LABELS = {
    "A1": "Ngày chi bộ đưa vào nguồn",
    "A2": "Ngày cấp giấy chứng nhận",
    "A3": "Ngày nhận đơn",
    "A4": "Ngày nhận lý lịch",
    "A5": "Ngày kết luận thẩm tra",
    "A6": "Ngày giới thiệu",
    "A7": "Ngày tổng hợp ý kiến",
    "A8": "Ngày chi bộ họp xét",
    "A9": "Ngày đảng ủy cơ sở họp",
    "A10": "Ngày quyết định",
    "A11": "Ngày tổ chức lễ kết nạp",
    "P1": "Ngày phân công",
    "P2": "Ngày tự kiểm điểm, nhận xét",
    "P3": "Ngày chi bộ họp xét",
    "P4": "Ngày đảng ủy cơ sở họp",
    "P5": "Ngày quyết định",
    "XOA_TEN": "Ngày quyết định xóa tên",
    "DUNG": "Ngày dừng",
}
_DATE = Column("Ngày", "on", Kind.DATE)


def parse_day(text: str, label: str) -> tuple[date | None, str]:
    """A typed date (text.parse_date: dd/mm/yyyy or ISO) and the problem (""), with
    the field named in it."""
    try:
        return convert_value(_DATE, text.strip() or None), ""
    except ValueError as exc:
        return None, f"{label}: {exc}."


def step_title(step_id: str) -> str:
    """How a step is named on screen: "A8 – Chi bộ xét kết nạp"; the two closing steps
    by their name alone (their ids are not words)."""
    if step_id == "DUNG":
        return "Dừng hồ sơ (không kết nạp)"
    if step_id == "XOA_TEN":
        return "Xóa tên khỏi danh sách dự bị"
    return f"{step_id} – {STEP_BY_ID[step_id].name}"


# "[VOTE_2_3] Chưa đủ …": the core puts the rule's id first (CLI, logs); a secretary reads
# the reason first and the id after it, small and grey (what to quote when asking for help).
_RULE_REASON = re.compile(r"\[([A-Z][A-Z0-9_]*)\]\s*(.*?)(?=\s*\[[A-Z][A-Z0-9_]*\]|$)", re.DOTALL)


def refusal_html(text: str) -> str:
    """The refusal as rich text, each rule id moved after its reason."""
    out, last = [], 0
    for m in _RULE_REASON.finditer(text):
        out.append(escape(text[last : m.start()]))
        out.append(
            f"{escape(m.group(2).rstrip())} <span style='color:#777; font-weight:normal; "
            f"font-size:small'>(mã quy tắc {m.group(1)})</span>"
        )
        last = m.end()
    out.append(escape(text[last:]))
    return "".join(out).replace("\n", "<br>")


class RecordStepDialog(QDialog):
    def __init__(
        self,
        ctx: AppContext,
        file_code: str,
        access: FileAccess,
        header: str = "",
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.file_code = file_code
        self.access = access
        self.recorded: step_service.RecordedStep | None = None
        self.recorded_event: StepEvent | None = None
        self.results: list[Result] = [Result.PASSED]  # the results the chosen step may have
        self.org_code: str | None = None
        self._books = None
        self.setWindowTitle(f"Ghi bước — hồ sơ {file_code}")
        fit_to_screen(self, 900, 600)

        valid = step_service.next_steps_for(ctx.session, file_code, ctx.today())
        self.offered = [s for s in valid if access.may_record(s)]
        elsewhere = [s for s in valid if not access.may_record(s)]

        title = relative_font(QLabel(header or f"Hồ sơ {file_code}"), 2, bold=True)
        title.setWordWrap(True)

        self.step_list = QListWidget()
        self.step_list.setFixedWidth(300)
        self.step_list.setSpacing(3)
        relative_font(self.step_list, 1)
        for step_id in self.offered:
            item = QListWidgetItem(step_title(step_id))
            item.setData(Qt.ItemDataRole.UserRole, step_id)
            self.step_list.addItem(item)
        self.elsewhere_label = QLabel()
        self.elsewhere_label.setWordWrap(True)
        self.elsewhere_label.setStyleSheet("color: #555;")
        if elsewhere:
            names = ", ".join(step_title(s) for s in elsewhere)
            why = (
                "Đảng ủy ghi các nghị quyết, quyết định này; chi bộ nhận qua tệp đồng bộ."
                if ctx.role == "cell"
                else access.note
            )
            self.elsewhere_label.setText(f"Không ghi ở đây: {names}. {why}".strip())
        if not self.offered:
            self.elsewhere_label.setText(
                (self.elsewhere_label.text() + " " if elsewhere else "")
                + "Không có bước nào ghi được ở đây lúc này."
            )
        left = QVBoxLayout()
        left.addWidget(QLabel("Chọn bước cần ghi:"))
        left.addWidget(self.step_list, 1)
        left.addWidget(self.elsewhere_label)

        self.explain = QLabel()
        self.explain.setWordWrap(True)
        self.explain.setStyleSheet("background: #eef4fb; padding: 6px;")
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._build_fields()
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setTextFormat(Qt.TextFormat.RichText)  # refusal_html
        self.error_label.setStyleSheet(
            ERROR_STYLE + " font-weight: bold; background: #fdecea; padding: 6px;"
        )
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.hide()
        right = QVBoxLayout()
        right.addWidget(self.explain)
        right.addLayout(self.form)
        right.addWidget(self.error_label)  # right under the fields it is about
        right.addStretch(1)

        body = QHBoxLayout()
        body.addLayout(left)
        body.addLayout(right, 1)

        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("Ghi bước", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setDefault(True)  # Enter records
        buttons.addButton("Hủy", QDialogButtonBox.ButtonRole.RejectRole)  # Esc cancels
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(body, 1)
        layout.addWidget(buttons)

        self.step_list.currentRowChanged.connect(self._step_chosen)
        if self.offered:
            self.step_list.setCurrentRow(0)
        else:
            self._step_chosen(-1)

    # -- the fields --

    def _date_edit(self) -> QLineEdit:
        edit = QLineEdit()
        edit.setPlaceholderText("ngày/tháng/năm")
        edit.setMaxLength(10)
        return edit

    def _member_box(self) -> QComboBox:
        box = QComboBox()
        box.setEditable(True)  # a name not in the register may be typed
        box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        return box

    def _build_fields(self) -> None:
        self.date_edit = self._date_edit()
        self.date_edit.setText(show_date(self.ctx.today()))
        self.result_group = QButtonGroup(self)
        self.result_buttons: dict[Result, QRadioButton] = {}
        result_row = QWidget()
        result_layout = QHBoxLayout(result_row)
        result_layout.setContentsMargins(0, 0, 0, 0)
        for result, text in (
            (Result.PASSED, "Thông qua"),
            (Result.FAILED, "Không thông qua"),
            (Result.RETURNED, "Trả lại hồ sơ"),
        ):
            button = QRadioButton(text)
            self.result_group.addButton(button)
            self.result_buttons[result] = button
            result_layout.addWidget(button)
        result_layout.addStretch(1)
        self.result_row = result_row
        self.doc_edit = QLineEdit()
        self.members_spin = QSpinBox()
        self.members_spin.setRange(0, 999)
        self.votes_spin = QSpinBox()
        self.votes_spin.setRange(0, 999)
        self.vote_hint = QLabel()
        self.vote_hint.setWordWrap(True)
        self.received_edit = self._date_edit()
        self.intro1_box = self._member_box()
        self.intro1_since = self._date_edit()
        self.intro2_box = self._member_box()
        self.intro2_since = self._date_edit()
        self.union_box = QComboBox()
        self.union_box.addItem("Không (hai đảng viên giới thiệu)", None)
        for label in UNION_INTRO:
            self.union_box.addItem(f"Nghị quyết giới thiệu của {label}", label)
        self.replacement_box = QCheckBox("Người giới thiệu thay thế (người trước chuyển đi…)")
        self.mentor_box = self._member_box()
        self.note_edit = QLineEdit()
        # A cell's vote held at a recorded meeting: its day and roll, typed there once.
        self.meeting_box = QComboBox()
        self.meetings: dict[str, Meeting] = {}
        self.new_meeting_button = QPushButton("Ghi kỳ họp mới…")
        self.new_meeting_button.setAutoDefault(False)  # Enter records the step, as before
        self.new_meeting_button.clicked.connect(lambda: self.open_meeting_dialog().open())
        # The chosen meeting's own actions: correct it, save its minutes, delete a slip.
        self.edit_meeting_button = QPushButton("Sửa…")
        self.edit_meeting_button.clicked.connect(lambda: self.open_meeting_dialog(edit=True).open())
        self.minutes_button = QPushButton("In biên bản…")
        self.minutes_button.clicked.connect(self.choose_minutes_path)
        self.delete_meeting_button = QPushButton("Xóa")
        self.delete_meeting_button.clicked.connect(self.ask_delete_meeting)
        self.meeting_actions = (
            self.edit_meeting_button,
            self.minutes_button,
            self.delete_meeting_button,
        )
        meeting_row = QWidget()
        meeting_layout = QHBoxLayout(meeting_row)
        meeting_layout.setContentsMargins(0, 0, 0, 0)
        meeting_layout.addWidget(self.meeting_box, 1)
        for button in (self.new_meeting_button, *self.meeting_actions):
            meeting_layout.addWidget(button)
        for button in self.meeting_actions:
            button.setAutoDefault(False)
            button.setEnabled(False)

        self.rows: dict[str, tuple[QLabel, QWidget]] = {}
        for key, label, widget in (
            ("meeting", "Kỳ họp chi bộ", meeting_row),
            ("on", "Ngày *", self.date_edit),
            ("result", "Kết quả", self.result_row),
            ("doc_no", "Số văn bản", self.doc_edit),
            ("official_members", "Số đảng viên chính thức *", self.members_spin),
            ("votes_for", "Số tán thành *", self.votes_spin),
            ("vote_hint", "", self.vote_hint),
            ("received_on", "Ngày chi bộ nhận quyết định", self.received_edit),
            ("intro1", "Người giới thiệu 1", self.intro1_box),
            ("intro1_since", "Cùng công tác từ ngày", self.intro1_since),
            ("intro2", "Người giới thiệu 2", self.intro2_box),
            ("intro2_since", "Cùng công tác từ ngày", self.intro2_since),
            ("union", "Đoàn/Công đoàn giới thiệu", self.union_box),
            ("replacement", "", self.replacement_box),
            ("mentor", "Đảng viên giúp đỡ *", self.mentor_box),
            ("note", "Ghi chú", self.note_edit),
        ):
            title = QLabel(label)
            title.setBuddy(widget)
            self.form.addRow(title, widget)
            self.rows[key] = (title, widget)
        self.meeting_box.currentIndexChanged.connect(self._meeting_chosen)
        for spin in (self.members_spin, self.votes_spin):
            spin.valueChanged.connect(self._update_vote_hint)
        for button in self.result_buttons.values():
            button.toggled.connect(self._update_vote_hint)

    def _show_rows(self, keys: set[str]) -> None:
        for key, (_title, widget) in self.rows.items():
            self.form.setRowVisible(widget, key in keys)

    @property
    def step_id(self) -> str | None:
        item = self.step_list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def choose(self, step_id: str) -> None:
        """Select a step (what a click on it does)."""
        self.step_list.setCurrentRow(self.offered.index(step_id))

    def _step_chosen(self, _row: int) -> None:
        step_id = self.step_id
        self.show_error("")
        self.save_button.setEnabled(step_id is not None)
        if step_id is None:
            self._show_rows(set())
            self.explain.setText("Chọn một bước ở danh sách bên trái.")
            return
        keys = {"on", "note"}
        results = [Result.PASSED]
        if step_id in VOTE_STEPS:
            keys |= {"official_members", "votes_for", "vote_hint"}
            results.append(Result.FAILED)
        if step_id in RETURNABLE:
            results.append(Result.RETURNED)
        if len(results) > 1:
            keys.add("result")
        self.results = results
        for result, button in self.result_buttons.items():
            button.setVisible(result in results)
        self.result_buttons[Result.PASSED].setChecked(True)
        if step_id in DOC_LABELS:
            keys.add("doc_no")
            self.rows["doc_no"][0].setText(DOC_LABELS[step_id])
            self._propose_number(step_id)
        if step_id in ("A10", "P5", "A11"):
            keys.add("received_on")
            label = RECEIVED_LABELS.get(step_id, "Ngày chi bộ nhận quyết định")
            self.rows["received_on"][0].setText(label)
        if step_id == "A6":
            keys |= {"intro1", "intro1_since", "intro2", "intro2_since", "union", "replacement"}
            self._fill_members((self.intro1_box, self.intro2_box), introducers=True)
        if step_id == "P1":
            keys.add("mentor")
            self._fill_members((self.mentor_box,), introducers=True)
        who = "đảng ủy viên" if step_id in ("A9", "P4") else "đảng viên chính thức"
        self.rows["official_members"][0].setText(f"Số {who} *")
        if step_id in CELL_VOTE_STEPS:
            keys.add("meeting")
            self._fill_meetings()
        if step_id in CELL_VOTE_STEPS and self.members_spin.value() == 0:
            self._prefill_members()
        self.rows["on"][0].setText((DATE_LABELS.get(step_id) or "Ngày") + " *")
        closing = step_id in ("DUNG", "XOA_TEN")
        self.rows["note"][0].setText("Lý do *" if closing else "Ghi chú")
        self._show_rows(keys)
        self.explain.setText(self._explanation(step_id))
        self._update_vote_hint()

    def _explanation(self, step_id: str) -> str:
        step = STEP_BY_ID[step_id]
        parts = []
        if step.reaches is not None:
            parts.append(f"Sau bước này hồ sơ ở giai đoạn: {STATE_LABELS[State(step.reaches)]}.")
        docs = [d for d in DOCUMENTS if d.step == step_id]
        if docs:
            names = "; ".join(f"{d.form + ' ' if d.form else ''}{d.label}" for d in docs)
            parts.append(f"Giấy tờ: {names}.")
        if step_id in CELL_VOTE_STEPS:
            parts.append(
                "Nghị quyết chỉ thông qua khi ít nhất hai phần ba tổng số đảng viên chính thức "
                "của chi bộ tán thành (không tính theo số có mặt). Không đạt thì ghi "
                "'Không thông qua': lần biểu quyết vẫn được lưu."
            )
        if step_id == "A6":
            parts.append(
                "Người giới thiệu phải là đảng viên chính thức, cùng công tác với người vào "
                "Đảng ít nhất 12 tháng; hoặc nghị quyết của Đoàn/Công đoàn và một đảng viên."
            )
        if step_id in RETURNABLE:
            parts.append("Cấp trên trả hồ sơ về thì chọn 'Trả lại hồ sơ'.")
        if step_id == "A11":
            parts.append(
                "Lễ kết nạp tổ chức quá thời hạn (tính từ ngày nhận quyết định) phải được cấp "
                "ủy cấp trên đồng ý: ghi số và ngày văn bản đồng ý; không có thì để trống."
            )
        return " ".join(parts)

    def _propose_number(self, step_id: str) -> None:
        if self.doc_edit.text().strip():
            return
        try:
            on, _ = parse_day(self.date_edit.text(), "")
            day = on or self.ctx.today()
            found = propose_for_step(self.ctx.session, self.file_code, step_id, day)
        except (KhdeskError, ImportError):
            return
        if found is not None:
            self.doc_edit.setPlaceholderText(f"ví dụ {found.doc_no}")

    def _file_org(self) -> str | None:
        if self.org_code is None:
            row = open_file(self.ctx.session, self.file_code) or {}
            self.org_code = row.get("org_code")
        return self.org_code

    def _fill_members(self, boxes: tuple[QComboBox, ...], introducers: bool) -> None:
        if boxes[0].count():
            return
        on, _ = parse_day(self.date_edit.text(), "")
        found = member_service.eligible_introducers(
            self.ctx.session, on or self.ctx.today(), self._file_org()
        )
        for box in boxes:
            box.addItem("", None)
            for m in found:
                box.addItem(f"{m['full_name']} ({m['member_code']})", m["member_code"])
            box.setCurrentIndex(0)

    def open_meeting_dialog(self, edit: bool = False) -> MeetingDialog:
        """A new meeting of the file's cell (or the chosen one, to correct); once recorded
        it is chosen here."""
        chosen = self.meetings.get(self.meeting_box.currentData()) if edit else None
        dialog = MeetingDialog(self.ctx, self._file_org() or "", self, meeting=chosen)
        dialog.accepted.connect(lambda: self._meeting_added(dialog.meeting_uuid))
        return dialog

    def choose_minutes_path(self) -> None:
        meeting = self.meetings.get(self.meeting_box.currentData())
        if meeting is None:
            return
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Lưu biên bản họp chi bộ",
            str(Path(folder) / minutes_file_name(meeting)),
            "Tệp PDF (*.pdf)",
        )
        if path:
            self.save_minutes(Path(path if path.lower().endswith(".pdf") else path + ".pdf"))

    def save_minutes(self, path: Path) -> None:
        """The chosen meeting's minutes to `path` (in the background)."""
        meeting = self.meetings.get(self.meeting_box.currentData())
        if meeting is not None:
            self.show_error("")
            save_minutes(self, self.ctx, meeting, path, self.show_error)

    def ask_delete_meeting(self) -> None:
        meeting = self.meetings.get(self.meeting_box.currentData())
        if meeting is not None and confirm(
            self,
            "Xóa kỳ họp",
            f"Xóa kỳ họp ngày {meeting.on:%d/%m/%Y} của {meeting.org_code}? (Chỉ xóa được "
            "kỳ họp chưa có biểu quyết.)",
            "Xóa",
        ):
            self.delete_meeting()

    def delete_meeting(self) -> bool:
        """Delete the chosen meeting (refused, and said, while a vote is recorded at it)."""
        meeting = self.meetings.get(self.meeting_box.currentData())
        if meeting is None:
            return False
        try:
            delete_meeting(self.ctx.session, meeting.uuid or "")
        except KhdeskError as exc:
            self.show_error(error_text(exc))
            return False
        self.show_error("")
        self._meeting_added(None)
        self.ctx.hub.notify(Changes(candidates=True))
        return True

    def _meeting_added(self, uuid: str | None) -> None:
        self.meeting_box.clear()
        self.meetings.clear()
        self._fill_meetings()
        self.meeting_box.setCurrentIndex(max(self.meeting_box.findData(uuid), 0))

    def _fill_meetings(self) -> None:
        """The meetings of the file's cell, newest first; none chosen at first."""
        if self.meeting_box.count():
            return
        with self.ctx.session.store.read() as conn:
            found = list_meetings(conn, frozenset({self._file_org() or ""}))
        self.meeting_box.addItem("Không gắn kỳ họp (ghi số đảng viên ở dưới)", None)
        for m in reversed(found):
            self.meetings[m.uuid] = m
            self.meeting_box.addItem(
                f"Kỳ họp ngày {m.on:%d/%m/%Y}: {m.official_members} chính thức, "
                f"có mặt {m.present(AttendeeKind.OFFICIAL)}",
                m.uuid,
            )
        self.meeting_box.setCurrentIndex(0)

    @property
    def meeting(self) -> Meeting | None:
        """The meeting chosen for a cell's vote (None: not held at a recorded meeting)."""
        if not self.form.isRowVisible(self.rows["meeting"][1]):
            return None
        return self.meetings.get(self.meeting_box.currentData())

    def _meeting_chosen(self, _index: int) -> None:
        """A meeting fixes the vote's day and denominator: its own, as typed there."""
        meeting = self.meetings.get(self.meeting_box.currentData())
        for button in self.meeting_actions:
            button.setEnabled(meeting is not None)
        self.date_edit.setReadOnly(meeting is not None)
        self.members_spin.setEnabled(meeting is None)
        if meeting is not None:
            self.date_edit.setText(show_date(meeting.on))
            self.members_spin.setValue(meeting.official_members)
            self.votes_spin.setMaximum(meeting.present(AttendeeKind.OFFICIAL))
        else:
            self.votes_spin.setMaximum(999)
        self._update_vote_hint()

    def _prefill_members(self) -> None:
        on, _ = parse_day(self.date_edit.text(), "")
        count = member_service.official_count(
            self.ctx.session, on or self.ctx.today(), self._file_org()
        )
        self.members_spin.setValue(count)

    def _update_vote_hint(self, *_: Any) -> None:
        members, votes = self.members_spin.value(), self.votes_spin.value()
        if self.step_id not in VOTE_STEPS or members <= 0:
            self.vote_hint.setText("")
            return
        on, _ = parse_day(self.date_edit.text(), "")
        fraction = self._rulebooks().rulebook_for(on or self.ctx.today()).value("vote_fraction")
        need = fraction.need(members)
        if fraction.reached(votes, members):
            self.vote_hint.setText(f"✓ {votes}/{members} tán thành: đạt {fraction}.")
            self.vote_hint.setStyleSheet("color: #1b5e20;")
            return
        text = f"{votes}/{members} tán thành: chưa đạt {fraction} (cần ít nhất {need})."
        if self._result() is Result.PASSED:
            text += " Nghị quyết không thông qua: chọn 'Không thông qua' để ghi lần biểu quyết."
        self.vote_hint.setText(text)
        self.vote_hint.setStyleSheet(ERROR_STYLE)

    def _rulebooks(self):
        """The books the service will judge with (the installed catalogue's)."""
        if self._books is None:
            with self.ctx.session.store.read() as conn:
                self._books = judging.judge(conn).rulebooks
        return self._books

    # -- recording --

    def _result(self) -> Result:
        for result, button in self.result_buttons.items():
            if result in self.results and button.isChecked():
                return result
        return Result.PASSED

    @staticmethod
    def _member_value(box: QComboBox) -> str | None:
        """The chosen member's code, or the name as typed when not in the list."""
        text = box.currentText().strip()
        if not text:
            return None
        index = box.findText(text)
        if index >= 0 and box.itemData(index):
            return box.itemData(index)
        return text

    def build(self) -> tuple[StepEvent | None, dict[str, Any] | None, list[str]]:
        """The event and the step's details from the fields, or the problems found."""
        step_id = self.step_id
        problems: list[str] = []
        if step_id is None:
            return None, None, ["Chưa chọn bước."]
        label = DATE_LABELS.get(step_id, "Ngày")
        on, problem = parse_day(self.date_edit.text(), label)
        if problem:
            problems.append(problem)
        elif on is None:
            problems.append(f"{label}: cần ghi ngày (ngày/tháng/năm).")
        visible = {k for k, (_, w) in self.rows.items() if self.form.isRowVisible(w)}
        received = None
        if "received_on" in visible:
            label = RECEIVED_LABELS.get(step_id, "Ngày nhận quyết định")
            received, problem = parse_day(self.received_edit.text(), label)
            if problem:
                problems.append(problem)
        members = votes = None
        if "votes_for" in visible:
            members, votes = self.members_spin.value(), self.votes_spin.value()
            if members <= 0:
                problems.append("Cần ghi số đảng viên chính thức (lớn hơn 0).")
            elif votes > members:
                problems.append("Số tán thành không thể lớn hơn số đảng viên chính thức.")
        note = self.note_edit.text().strip() or None
        if step_id in ("DUNG", "XOA_TEN") and not note:
            problems.append("Cần ghi lý do.")
        details: dict[str, Any] | None = None
        if step_id == "A6":
            details = {
                "a6_introducer1": self._member_value(self.intro1_box),
                "a6_introducer2": self._member_value(self.intro2_box),
                "a6_union_intro": self.union_box.currentData(),
                "a6_replacement": self.replacement_box.isChecked(),
            }
            for key, edit, n in (
                ("a6_introducer1_since", self.intro1_since, 1),
                ("a6_introducer2_since", self.intro2_since, 2),
            ):
                details[key], problem = parse_day(edit.text(), f"Người giới thiệu {n}, cùng từ")
                if problem:
                    problems.append(problem)
        if step_id == "A11" and bool(self.doc_edit.text().strip()) != (received is not None):
            problems.append("Văn bản đồng ý của cấp trên: ghi cả số và ngày văn bản.")
        if step_id == "P1":
            mentor = self._member_value(self.mentor_box)
            if not mentor:
                problems.append("Cần chọn đảng viên giúp đỡ.")
            details = {"mentor": mentor}
        if problems:
            return None, None, problems
        event = StepEvent(
            step_id=step_id,
            on=on,
            result=self._result(),
            doc_no=self.doc_edit.text().strip() or None,
            official_members=members,
            votes_for=votes,
            received_on=received,
            note=note,
        )
        return event, details, []

    def show_error(self, text: str) -> None:
        self.error_label.setText(refusal_html(text) if text else "")
        self.error_label.setVisible(bool(text))

    def save(self) -> bool:
        """Record the step; on a refusal show why and keep everything as typed."""
        event, details, problems = self.build()
        if problems:
            self.show_error("Chưa ghi: " + " ".join(problems))
            return False
        try:
            meeting = self.meeting
            self.recorded = step_service.record_step_event(
                self.ctx.session,
                self.file_code,
                event,
                self.ctx.today(),
                details,
                meeting_uuid=meeting.uuid if meeting else None,
            )
        except KhdeskError as exc:
            self.show_error(error_text(exc))
            return False
        self.recorded_event = event
        self.ctx.hub.notify(Changes(candidates=True, steps=True))  # a step moves the state
        self.accept()
        return True
