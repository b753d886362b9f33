"""One candidate's file in its own window: the steps so far, the identity, the checklist of
documents, the warnings with their legal basis, and the attached scans.

What this station may change follows the one-writer-per-record rule (the core's
`file_access`): at a committee a self-managed cell's file is read-only except for the
committee's own resolutions and decisions; a viewer changes nothing. Everything written
from this window can be taken back ("Hoàn tác", newest first) until the window closes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QBrush, QColor, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from khdesk.core.domain import transfers
from khdesk.core.domain.documents import STATUS_LABELS, Status, checklist
from khdesk.core.domain.pipeline import (
    RESULT_LABELS,
    STATE_LABELS,
    STEP_BY_ID,
    Result,
    State,
    effective_events,
)
from khdesk.core.domain.rulebook import SEVERITY_LABELS, Severity
from khdesk.core.errors import KhdeskError
from khdesk.core.fsutil import may_open, safe_file_name
from khdesk.core.services import attachments as attachment_service
from khdesk.core.services import outside_transfers, transfer_list
from khdesk.core.services import steps as step_service
from khdesk.core.services.candidates import (
    FORM_COLUMNS,
    FORM_KEYS,
    file_access,
    file_findings,
    open_file,
    parse_identity,
    update_identity,
)
from khdesk.core.services.organisations import get_org
from khdesk.core.store.states import step_event
from khdesk.ui.candidate_form import IdentityForm, show_date
from khdesk.ui.context import AppContext, Changes
from khdesk.ui.layouts import fit_to_screen
from khdesk.ui.messages import ERROR_STYLE, confirm, error_text, show_error
from khdesk.ui.plaintext import plain_tip
from khdesk.ui.prefs import relative_font
from khdesk.ui.record_step import RecordStepDialog, parse_day, step_title
from khdesk.ui.table_model import fit_columns
from khdesk.ui.transfer_dialog import TransferDialog, may_transfer

TAB_STEPS, TAB_IDENTITY, TAB_DOCUMENTS, TAB_FINDINGS, TAB_ATTACHMENTS = range(5)
SEVERITY_COLOURS = {
    Severity.ERROR: ("#fdecea", "#8a1c1c"),
    Severity.WARNING: ("#fff4e5", "#7a4b00"),
    Severity.INFO: ("#e8f1fb", "#0d3c61"),
}
STATUS_COLOURS = {
    Status.PRESENT: "#1b5e20",
    Status.INCOMPLETE: "#7a4b00",
    Status.MISSING: "#b00020",
    Status.LATER: "#777777",
}
STATUS_MARKS = {Status.PRESENT: "✓", Status.INCOMPLETE: "!", Status.MISSING: "✗", Status.LATER: "·"}


@dataclass
class UndoItem:
    """One change made from this window, and how to take it back."""

    kind: str  # "step" or "edit"
    label: str  # Vietnamese, for the button's tooltip and the status bar
    step_uuid: str | None = None
    previous: dict[str, Any] = field(default_factory=dict)


def _item(text: Any, tip: str | None = None) -> QTableWidgetItem:
    item = QTableWidgetItem("" if text is None else str(text))
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    if tip:
        item.setToolTip(plain_tip(tip))  # a note, a document number: stored text
    return item


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    # Rows follow their wrapped text as the window is resized (tables here are short).
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setWordWrap(True)
    table.setAlternatingRowColors(True)
    table.horizontalHeader().setHighlightSections(False)  # whole rows: no bold headers
    return table


def _size(n: int) -> str:
    if n >= 1_048_576:
        return f"{n / 1_048_576:.1f} MB".replace(".", ",")
    return f"{max(1, n // 1024)} KB"


class CandidateFileWindow(QMainWindow):
    def __init__(self, ctx: AppContext, file_code: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.file_code = file_code
        self.undo_stack: list[UndoItem] = []
        self.row: dict[str, Any] = {}
        self.steps: list[dict] = []
        self.findings: list[dict] = []
        self.attachments: list[dict] = []
        self.documents: list = []
        self._form_dirty = False
        # Closing with unsaved edits asks first (tests replace it to answer by themselves).
        self.confirm_discard = lambda: confirm(
            self,
            "Đóng hồ sơ",
            "Thông tin cá nhân đã sửa nhưng chưa lưu. Đóng và bỏ các thay đổi này?",
            "Bỏ thay đổi và đóng",
        )
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        fit_to_screen(self, 1180, 680)
        self.access = file_access(ctx.session, file_code)

        self.title_label = relative_font(QLabel(), 4, bold=True)
        self.subtitle_label = QLabel()
        self.subtitle_label.setWordWrap(True)
        self.access_label = QLabel(self.access.note)
        self.access_label.setWordWrap(True)
        self.access_label.setStyleSheet("background: #fff8d6; color: #5c4400; padding: 6px;")
        self.access_label.setVisible(bool(self.access.note))
        self.transit_label = QLabel()  # "Đang chuyển": no step at either end (RULES.md §2a)
        self.transit_label.setWordWrap(True)
        self.transit_label.setStyleSheet("background: #e6f0ff; color: #123c73; padding: 6px;")
        self.transit_label.hide()

        self.record_button = QPushButton("Ghi bước mới…")
        self.record_button.setToolTip("Ghi bước tiếp theo của hồ sơ (Ctrl+G)")
        self.record_button.setShortcut(QKeySequence("Ctrl+G"))
        self.record_button.clicked.connect(self.open_record_dialog)
        self.undo_button = QPushButton("Hoàn tác")
        self.undo_button.setShortcut(QKeySequence.StandardKey.Undo)
        self.undo_button.clicked.connect(self.undo)
        self.print_button = QPushButton("In biểu mẫu…")
        self.print_button.setToolTip("Chọn biểu mẫu, xem trước, in hoặc lưu PDF (Ctrl+P)")
        self.print_button.setShortcut(QKeySequence.StandardKey.Print)
        self.print_button.clicked.connect(self.open_print_dialog)
        self.transfer_button = QPushButton("Chuyển hồ sơ…")
        self.transfer_button.setToolTip(
            "Chuyển hồ sơ sang đơn vị khác, hoặc tiếp nhận / trả lại hồ sơ chuyển đến"
        )
        self.transfer_button.clicked.connect(self.open_transfer_dialog)
        close_button = QPushButton("Đóng")
        close_button.clicked.connect(self.close)
        actions = QHBoxLayout()
        actions.addWidget(self.record_button)
        actions.addWidget(self.undo_button)
        actions.addWidget(self.print_button)
        actions.addWidget(self.transfer_button)
        actions.addStretch(1)
        actions.addWidget(close_button)

        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_steps_tab(), "Các bước")
        self.tabs.addTab(self._build_identity_tab(), "Thông tin cá nhân")
        self.tabs.addTab(self._build_documents_tab(), "Giấy tờ")
        self.tabs.addTab(self._build_findings_tab(), "Cảnh báo")
        self.tabs.addTab(self._build_attachments_tab(), "Tệp đính kèm")

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addWidget(self.title_label)
        layout.addWidget(self.subtitle_label)
        layout.addWidget(self.access_label)
        layout.addWidget(self.transit_label)
        layout.addLayout(actions)
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(body)

        self.reload(first=True)
        # A change made elsewhere (a bundle imported, an Excel import) shows here too.
        ctx.hub.changed.connect(self._data_changed)

    def _data_changed(self, changes: Changes) -> None:
        if changes.data and self.isVisible():
            self.reload()

    # -- building the tabs --

    def _build_steps_tab(self) -> QWidget:
        self.next_label = QLabel()
        self.next_label.setWordWrap(True)
        self.steps_table = _table(
            ["Bước", "Ngày", "Kết quả", "Số văn bản", "Biểu quyết", "Ghi chú", "Người ghi"]
        )
        header = self.steps_table.horizontalHeader()
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        # widths for the longest usual values, at the current text size
        fit_columns(
            self.steps_table,
            {
                0: "Chi bộ họp xét, biểu quyết đề nghị kết nạp",
                1: "00/00/0000",
                2: "Không đạt, dừng",
                3: "755-CN/TTCT",
                4: "12/15",
                6: "bithu (X01-CB01)",
            },
        )
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(self.next_label)
        layout.addWidget(self.steps_table, 1)
        return tab

    def _build_identity_tab(self) -> QWidget:
        self.form = IdentityForm(self.ctx)
        self.form.edited.connect(self._form_edited)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.form)
        self.save_button = QPushButton("Lưu thay đổi")
        self.save_button.setShortcut(QKeySequence.StandardKey.Save)
        self.save_button.clicked.connect(self.save_identity)
        self.form_error = QLabel()
        self.form_error.setWordWrap(True)
        self.form_error.setStyleSheet(ERROR_STYLE + " font-weight: bold;")
        row = QHBoxLayout()
        row.addWidget(self.form_error, 1)
        row.addWidget(self.save_button)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(scroll, 1)
        layout.addLayout(row)
        return tab

    def _build_documents_tab(self) -> QWidget:
        self.documents_table = _table(["Bước", "Mẫu", "Giấy tờ", "Tình trạng", "Chi tiết"])
        header = self.documents_table.horizontalHeader()
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        fit_columns(
            self.documents_table,
            {0: "A10", 1: "10-KNĐ", 3: "Chưa có (đến hạn)", 4: "Số 822-QĐ/ĐU ngày 17/09/2026 " * 2},
        )
        note = QLabel(
            "Ứng dụng ghi nhận đã có giấy tờ khi bước tương ứng đã được ghi (kèm số văn bản, "
            "số phiếu khi cần). Bản quét giấy tờ đính kèm ở thẻ 'Tệp đính kèm'."
        )
        note.setWordWrap(True)
        note.setStyleSheet("color: #555;")
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(note)
        layout.addWidget(self.documents_table, 1)
        return tab

    def _build_findings_tab(self) -> QWidget:
        self.findings_table = _table(["Mức", "Nội dung", "Hạn", "Căn cứ"])
        header = self.findings_table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        fit_columns(
            self.findings_table,
            {0: "Nhắc việc", 2: "00/00/0000", 3: "HD 06 mục 3.2"},
        )
        self.no_findings = QLabel("Hồ sơ không có cảnh báo nào.")
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(self.no_findings)
        layout.addWidget(self.findings_table, 1)
        layout.addWidget(self._build_approval_box())
        return tab

    def _build_approval_box(self) -> QGroupBox:
        """A ceremony held after its deadline: the upper committee's approval, written on
        the ceremony's step (shown only while the late-ceremony warning stands)."""
        self.approval_no = QLineEdit()
        self.approval_no.setPlaceholderText("ví dụ: 15-CV/ĐU")
        self.approval_on = QLineEdit()
        self.approval_on.setPlaceholderText("ngày/tháng/năm")
        self.approval_on.setMaxLength(10)
        self.approval_on.setMaximumWidth(140)
        self.approval_button = QPushButton("Ghi văn bản đồng ý")
        self.approval_button.clicked.connect(self.record_approval)
        self.approval_error = QLabel()
        self.approval_error.setWordWrap(True)
        self.approval_error.setStyleSheet(ERROR_STYLE + " font-weight: bold;")
        row = QHBoxLayout()
        row.addWidget(QLabel("Số văn bản:"))
        row.addWidget(self.approval_no, 1)
        row.addWidget(QLabel("Ngày:"))
        row.addWidget(self.approval_on)
        row.addWidget(self.approval_button)
        box = QGroupBox("Văn bản cấp ủy cấp trên đồng ý tổ chức lễ kết nạp quá thời hạn")
        layout = QVBoxLayout(box)
        layout.addLayout(row)
        layout.addWidget(self.approval_error)
        self.approval_box = box
        return box

    def _build_attachments_tab(self) -> QWidget:
        self.attachments_table = _table(["Tên tệp", "Dung lượng", "Thuộc bước"])
        header = self.attachments_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        fit_columns(self.attachments_table, {1: "1 023,5 KB", 2: "Chi bộ họp xét, biểu quyết " * 2})
        self.attachments_table.doubleClicked.connect(lambda *_: self.open_attachment())
        self.attach_step_box = QComboBox()
        self.attach_button = QPushButton("Đính kèm bản quét…")
        self.attach_button.clicked.connect(self.choose_and_attach)
        self.open_attachment_button = QPushButton("Mở")
        self.open_attachment_button.clicked.connect(lambda: self.open_attachment())
        self.save_copy_button = QPushButton("Lưu bản sao…")
        self.save_copy_button.clicked.connect(self.choose_and_save_copy)
        note = QLabel(
            "Bản quét được lưu mã hóa cùng hồ sơ. 'Mở' tạo một bản sao tạm trên máy để xem "
            "(xóa khi đóng chương trình); 'Lưu bản sao' ghi ra nơi bạn chọn (bản sao không "
            "còn được mã hóa)."
        )
        note.setWordWrap(True)
        note.setStyleSheet("color: #555;")
        buttons = QHBoxLayout()
        buttons.addWidget(QLabel("Gắn với:"))
        buttons.addWidget(self.attach_step_box, 1)
        buttons.addWidget(self.attach_button)
        buttons.addSpacing(20)
        buttons.addWidget(self.open_attachment_button)
        buttons.addWidget(self.save_copy_button)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(note)
        layout.addWidget(self.attachments_table, 1)
        layout.addLayout(buttons)
        return tab

    # -- loading --

    def reload(self, first: bool = False) -> None:
        """Read the file again (after a write here or elsewhere) and refill every tab."""
        row = open_file(self.ctx.session, self.file_code, audit=first)
        if row is None:
            self.title_label.setText(f"Không còn hồ sơ {self.file_code}.")
            return
        self.row = row
        self.steps = row["steps"]
        self.access = file_access(self.ctx.session, self.file_code)
        self.left_note = outside_transfers.left_note(self.ctx.session, self.file_code)
        self.findings = file_findings(self.ctx.session, self.file_code, self.ctx.today())
        self.attachments = attachment_service.list_attachments(self.ctx.session, self.file_code)
        state = State(row["state"])
        self.setWindowTitle(f"Hồ sơ {self.file_code} — {row['full_name']}")
        self.title_label.setText(f"{row['full_name']}  ·  {self.file_code}")
        self.subtitle_label.setText(
            f"Giai đoạn: {STATE_LABELS[state]}   ·   Ngày sinh: {show_date(row['birth_date'])}"
            f"   ·   Chi bộ: {row['org_code']}"
        )
        self._fill_steps()
        if not self._form_dirty:
            self.form.set_values(row)
        self.form.set_read_only(not self.access.identity)
        self.save_button.setVisible(self.access.identity)
        self._fill_documents()
        self._fill_findings()
        self._fill_attachments()
        self._update_actions()

    def _fill_steps(self) -> None:
        events = [step_event(s) for s in self.steps]
        in_force = {e.seq for e in effective_events(events)}
        ordered = sorted(self.steps, key=lambda s: (s["on"], s["seq"]))
        table = self.steps_table
        table.setRowCount(len(ordered))
        self.step_rows = ordered
        for r, s in enumerate(ordered):
            result = Result(s["result"])
            votes = (
                f"{s['votes_for']}/{s['official_members']}"
                if s["votes_for"] is not None and s["official_members"] is not None
                else ""
            )
            note = s["note"] or ""
            if s["received_on"] is not None:
                note = f"Nhận ngày {show_date(s['received_on'])}. {note}".strip()
            if result is Result.PASSED and s["seq"] not in in_force:
                note = f"Không còn hiệu lực: hồ sơ đã bị trả lại. {note}".strip()
            who = f"{s['updated_by']} ({s['owner']})"
            cells = [
                step_title(s["step_id"]),
                show_date(s["on"]),
                RESULT_LABELS[result],
                s["doc_no"] or "",
                votes,
                note,
                who,
            ]
            for c, text in enumerate(cells):
                table.setItem(r, c, _item(text, note if c == 5 else None))
            colour = None
            if result is Result.FAILED:
                colour = "#fdecea"
            elif result is Result.RETURNED:
                colour = "#fff4e5"
            elif s["seq"] not in in_force:
                colour = "#eeeeee"
            if colour:
                for c in range(table.columnCount()):
                    table.item(r, c).setBackground(QBrush(QColor(colour)))
            if result is not Result.PASSED:
                bold = table.item(r, 2).font()
                bold.setBold(True)
                table.item(r, 2).setFont(bold)
        table.resizeRowsToContents()
        valid = step_service.next_steps_for(self.ctx.session, self.file_code, self.ctx.today())
        here = [s for s in valid if self.access.may_record(s)]
        if not valid:
            text = "Hồ sơ đã kết thúc: không còn bước nào để ghi."
        else:
            text = "Bước tiếp theo có thể ghi: " + "; ".join(step_title(s) for s in here) + "."
            if not here:
                text = "Không có bước nào ghi được ở đây lúc này."
            elsewhere = [s for s in valid if s not in here]
            if elsewhere and self.access.identity:  # a cell waiting for the committee
                names = "; ".join(step_title(s) for s in elsewhere)
                text += f" Chờ đảng ủy: {names} (nhận qua tệp đồng bộ)."
        self.next_label.setText(text)
        self.next_steps_here = here

    def _fill_documents(self) -> None:
        try:
            grassroots = get_org(self.ctx.session, self.row["org_code"]).get("is_grassroots_cell")
        except KhdeskError:
            grassroots = None
        events = [step_event(s) for s in self.steps]
        self.documents = checklist(events, grassroots is not False)
        table = self.documents_table
        table.setRowCount(len(self.documents))
        for r, item in enumerate(self.documents):
            doc = item.document
            status = QTableWidgetItem(f"{STATUS_MARKS[item.status]} {STATUS_LABELS[item.status]}")
            status.setForeground(QBrush(QColor(STATUS_COLOURS[item.status])))
            if item.status in (Status.MISSING, Status.INCOMPLETE):
                bold = status.font()
                bold.setBold(True)
                status.setFont(bold)
            table.setItem(r, 0, _item(doc.step, STEP_BY_ID[doc.step].name))
            table.setItem(r, 1, _item(doc.form or ""))
            table.setItem(r, 2, _item(doc.label))
            table.setItem(r, 3, status)
            table.setItem(r, 4, _item(item.note))
        table.resizeRowsToContents()

    def _fill_findings(self) -> None:
        table = self.findings_table
        table.setRowCount(len(self.findings))
        for r, f in enumerate(self.findings):
            severity = Severity(f["severity"])
            back, fore = SEVERITY_COLOURS[severity]
            due = show_date(f["due"]) if f["due"] else "—"
            # The rule's id is for whoever asks about it, in the tooltip's details line.
            tip = f"{f['message']}\n(mã quy tắc {f['rule']})"
            cells = [
                _item(SEVERITY_LABELS[severity]),
                _item(f["message"], tip),
                _item(due),
                _item(f["legal_basis"]),
            ]
            for c, cell in enumerate(cells):
                table.setItem(r, c, cell)
            table.item(r, 0).setBackground(QBrush(QColor(back)))
            table.item(r, 0).setForeground(QBrush(QColor(fore)))
            bold = table.item(r, 0).font()
            bold.setBold(True)
            table.item(r, 0).setFont(bold)
        table.resizeRowsToContents()
        errors = sum(1 for f in self.findings if f["severity"] == "error")
        self.no_findings.setVisible(not self.findings)
        late_ceremony = any(
            f["rule"] == "CEREMONY_DUE" and f["severity"] == "warning" and f["due"] is None
            for f in self.findings
        )  # done late, no approval yet (an open deadline carries its due date)
        self.approval_box.setVisible(late_ceremony and self.access.may_record("A11"))
        self.approval_error.hide()
        label = f"Cảnh báo ({len(self.findings)})" if self.findings else "Cảnh báo"
        self.tabs.setTabText(TAB_FINDINGS, label)
        if errors:
            self.tabs.tabBar().setTabTextColor(TAB_FINDINGS, QColor("#b00020"))
        else:
            self.tabs.tabBar().setTabTextColor(TAB_FINDINGS, QColor())

    def _fill_attachments(self) -> None:
        titles = {
            s["uuid"]: f"{step_title(s['step_id'])}, {show_date(s['on'])}" for s in self.steps
        }
        table = self.attachments_table
        table.setRowCount(len(self.attachments))
        for r, a in enumerate(self.attachments):
            # The name as it would be saved: no bidi trick shows "…exe" as "…pdf".
            table.setItem(r, 0, _item(safe_file_name(a["name"])))
            table.setItem(r, 1, _item(_size(a["size"])))
            table.setItem(r, 2, _item(titles.get(a["step_uuid"], "Cả hồ sơ")))
        box = self.attach_step_box
        box.clear()
        box.addItem("Cả hồ sơ", None)
        for s in self.step_rows:
            box.addItem(titles[s["uuid"]], s["uuid"])
        count = len(self.attachments)
        self.tabs.setTabText(
            TAB_ATTACHMENTS, f"Tệp đính kèm ({count})" if count else "Tệp đính kèm"
        )

    def away(self):
        """The file moved on from this station (a read-only copy here), or None."""
        return transfer_list.away_files(self.ctx.session).get(self.row.get("id"))

    def _update_actions(self) -> None:
        self.record_button.setEnabled(bool(self.next_steps_here))
        events = [step_event(s) for s in self.steps]
        pending = transfers.replay(events, self.row.get("org_code", "")).pending
        if pending is not None:
            self.transit_label.setText(
                f"Đang chuyển: từ {pending.from_org} sang {pending.to_org} ngày "
                f"{show_date(pending.on)}. Không ghi bước nào cho đến khi đơn vị nhận tiếp nhận "
                "hoặc trả lại hồ sơ."
            )
        elif self.left_note:  # gone to another province: a read-only copy (RULES.md §2a)
            self.transit_label.setText(self.left_note)
        # moved on to another unit of the province: a read-only copy here
        away = None if pending is not None or self.left_note else self.away()
        if away is not None:
            self.transit_label.setText(
                f"{away.label}: hồ sơ nay do {away.holder} quản lý; ở đây chỉ xem, không ghi."
            )
        self.transit_label.setVisible(
            pending is not None or bool(self.left_note) or away is not None
        )
        # Sent by the station that holds the file; answered where it is on its way to
        # (the dialog offers only what this station may do).
        self.transfer_button.setEnabled(
            may_transfer(self.ctx)
            and (self.access.cell_steps or pending is not None)
            and away is None
            and not self.left_note
        )
        self.attach_button.setEnabled(self.access.identity)
        self.attach_step_box.setEnabled(self.access.identity)
        has = bool(self.attachments)
        self.open_attachment_button.setEnabled(has)
        may_take_out = self.ctx.session.may_take_out()
        self.save_copy_button.setEnabled(has and may_take_out)
        self.save_copy_button.setToolTip(
            ""
            if may_take_out
            else "Người dùng chỉ xem cần chủ hồ sơ cho phép mới lưu bản sao ra ngoài."
        )
        self.undo_button.setEnabled(bool(self.undo_stack))
        if self.undo_stack:
            self.undo_button.setToolTip(f"Hoàn tác: {self.undo_stack[-1].label} (Ctrl+Z)")
        else:
            self.undo_button.setToolTip("Chưa có thay đổi nào trong cửa sổ này để hoàn tác.")

    # -- navigation --

    def show_step(self, step: str) -> None:
        """Show the timeline with the latest record of `step` selected ("" = overview)."""
        self.tabs.setCurrentIndex(TAB_STEPS)
        self.steps_table.clearSelection()
        if not step:
            self.steps_table.scrollToTop()
            return
        rows = [r for r, s in enumerate(self.step_rows) if s["step_id"] == step]
        if rows:
            self.steps_table.selectRow(rows[-1])
            self.steps_table.scrollToItem(self.steps_table.item(rows[-1], 0))

    # -- recording steps --

    def open_record_dialog(self) -> RecordStepDialog:
        """The guided dialog (window-modal, not blocking); a recorded step reloads here."""
        header = (
            f"{self.row.get('full_name', '')} · {self.file_code} · "
            + STATE_LABELS[State(self.row.get("state", "NGUON"))]
        )
        dialog = RecordStepDialog(self.ctx, self.file_code, self.access, header, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._step_recorded(dialog))
        dialog.open()
        return dialog

    def open_transfer_dialog(self) -> TransferDialog:
        """The "Chuyển hồ sơ" dialog (window-modal, not blocking); a transfer reloads here."""
        dialog = TransferDialog(self.ctx, self.file_code, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(self.reload)
        dialog.open()
        return dialog

    def record_approval(self) -> bool:
        """Write the typed approval on the ceremony's step; problems show under the fields
        and nothing is written."""
        number = self.approval_no.text().strip()
        on, problem = parse_day(self.approval_on.text(), "Ngày văn bản đồng ý")
        if not problem and on is None:
            problem = "Ngày văn bản đồng ý: cần ghi ngày (ngày/tháng/năm)."
        if not number:
            problem = ("Cần ghi số văn bản đồng ý. " + problem).strip()
        if not problem and on is not None:
            try:
                step_service.record_ceremony_approval(
                    self.ctx.session, self.file_code, number, on, self.ctx.today()
                )
            except KhdeskError as exc:
                problem = error_text(exc)
        if problem:
            self.approval_error.setText(problem)
            self.approval_error.show()
            return False
        self.approval_no.clear()
        self.approval_on.clear()
        self.ctx.hub.status.emit(f"Đã ghi văn bản đồng ý {number} vào lễ kết nạp.")
        self.ctx.hub.data_changed.emit()
        self.reload()
        return True

    def open_print_dialog(self):
        """The "In biểu mẫu…" dialog of this file (window-modal, not blocking)."""
        steps = {e.step_id for e in effective_events([step_event(s) for s in self.steps])}
        # the print dialog and reportlab (~0.1 s) load only when printing
        from khdesk.ui.print_dialog import open_print_dialog

        return open_print_dialog(
            self.ctx, self.file_code, self.row.get("full_name", ""), steps, self
        )

    def _step_recorded(self, dialog: RecordStepDialog) -> None:
        done, event = dialog.recorded, dialog.recorded_event
        if done is None or event is None:
            return
        result = "" if event.result is Result.PASSED else f" ({RESULT_LABELS[event.result]})"
        label = f"{step_title(event.step_id)} ngày {show_date(event.on)}{result}"
        self.undo_stack.append(UndoItem("step", label, done.step_uuid, done.previous))
        self.ctx.hub.status.emit(f"Đã ghi bước {label}.")
        self.reload()
        self.show_step(event.step_id)

    # -- the identity --

    def _form_edited(self) -> None:
        self._form_dirty = True
        self.form_error.clear()

    def save_identity(self) -> bool:
        """Check every field (errors beside them), then save the changes in one write."""
        problems = self.form.check()
        if problems:
            self.form_error.setText("Chưa lưu: sửa các mục ghi màu đỏ.")
            return False
        entered = self.form.raw_values()
        try:
            values, _ = parse_identity(entered)
            changed = {k: v for k, v in values.items() if k in FORM_KEYS and self.row.get(k) != v}
            changed.pop("org_code", None)
            if not changed:
                self._form_dirty = False
                self.form_error.setText("Không có gì thay đổi.")
                return True
            previous = update_identity(self.ctx.session, self.file_code, changed)
        except KhdeskError as exc:
            self.form_error.setText(error_text(exc))
            return False
        self._form_dirty = False
        if previous:
            headers = {c.key: c.header.lower() for c in FORM_COLUMNS}
            names = ", ".join(headers.get(k, k) for k in previous)
            label = f"sửa thông tin cá nhân ({names})"
            self.undo_stack.append(UndoItem("edit", label, None, previous))
        self.ctx.hub.notify(Changes(candidates=True))
        self.ctx.hub.status.emit("Đã lưu thông tin cá nhân.")
        self.reload()
        return True

    # -- undo --

    def undo(self) -> bool:
        """Take back the newest change made in this window."""
        if not self.undo_stack:
            return False
        item = self.undo_stack[-1]
        try:
            if item.kind == "step":
                step_service.undo_step(
                    self.ctx.session, self.file_code, item.step_uuid, item.previous
                )
            else:
                update_identity(self.ctx.session, self.file_code, item.previous, restore=True)
                self._form_dirty = False
        except KhdeskError as exc:
            show_error(self, exc, "Không hoàn tác được")
            return False
        self.undo_stack.pop()
        self.ctx.hub.notify(Changes(candidates=True, steps=True))
        self.ctx.hub.status.emit(f"Đã hoàn tác: {item.label}.")
        self.reload()
        return True

    # -- attachments --

    def choose_and_attach(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self,
            "Chọn bản quét để đính kèm",
            str(Path.home()),
            "Bản quét (*.pdf *.jpg *.jpeg *.png *.tif *.tiff);;Mọi tệp (*)",
        )
        if name:
            self.attach_path(Path(name))

    def attach_path(self, path: Path) -> bool:
        try:
            attachment_service.attach(
                self.ctx.session, self.file_code, path, self.attach_step_box.currentData()
            )
        except KhdeskError as exc:
            show_error(self, exc, "Không đính kèm được")
            return False
        self.ctx.hub.notify(Changes(candidates=True))
        self.ctx.hub.status.emit(f"Đã đính kèm '{path.name}'.")
        self.reload()
        self.tabs.setCurrentIndex(TAB_ATTACHMENTS)
        return True

    def _selected_attachment(self) -> dict | None:
        row = self.attachments_table.currentRow()
        if row < 0 and self.attachments:
            row = 0
        return self.attachments[row] if 0 <= row < len(self.attachments) else None

    def save_copy(self, target: Path, attachment: dict | None = None) -> bool:
        found = attachment or self._selected_attachment()
        if found is None:
            return False
        try:
            attachment_service.save_attachment(self.ctx.session, found["uuid"], Path(target))
        except KhdeskError as exc:
            show_error(self, exc)
            return False
        self.ctx.hub.status.emit(f"Đã lưu bản sao vào {target}.")
        return True

    def choose_and_save_copy(self) -> None:
        found = self._selected_attachment()
        if found is None:
            return
        suggested = Path.home() / safe_file_name(found["name"])
        name, _ = QFileDialog.getSaveFileName(self, "Lưu bản sao tệp đính kèm", str(suggested))
        if name:
            self.save_copy(Path(name), found)

    def open_attachment(self) -> Path | None:
        """Show the scan with the desktop's viewer: a copy in the profile's private folder
        (emptied when the session closes), and only for a document or an image; anything
        else is refused, offering "Lưu bản sao…" instead. Returns the copy opened."""
        found = self._selected_attachment()
        if found is None:
            return None
        if not may_open(found["name"]):
            if self.ask_save_instead(found["name"]):
                self.choose_and_save_copy()
            return None
        try:
            copy = attachment_service.open_copy(self.ctx.session, found["uuid"])
        except KhdeskError as exc:
            show_error(self, exc, "Không mở được")
            return None
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(copy)))
        return copy

    def ask_save_instead(self, name: str) -> bool:
        return confirm(
            self,
            "Không mở tệp này",
            f"Tệp “{safe_file_name(name)}” không phải tài liệu hay ảnh quét (PDF, ảnh, Word, "
            "Excel…) và có thể là chương trình, nên khdesk không mở nó. Lưu bản sao ra một "
            "thư mục để kiểm tra trước?",
            yes="Lưu bản sao…",
        )

    # -- closing --

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self._form_dirty and not self.confirm_discard():
            event.ignore()
            return
        # The undo stack lives only as long as the window: closing ends it.
        self.undo_stack.clear()
        super().closeEvent(event)
