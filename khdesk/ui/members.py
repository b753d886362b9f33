"""The member register ("Đảng viên"): search, a status filter, the member's dates and yearly
records, add / edit; the count of official members (the two-thirds vote's denominator);
and the introducer picker the step dialogs use."""

from __future__ import annotations

from datetime import date
from html import escape

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from khdesk.core.domain.roles import Action
from khdesk.core.domain.template import MEMBERS, Kind
from khdesk.core.services.members import (
    get_member,
    member_ids,
    member_rows,
    official_count,
    save_member,
)
from khdesk.core.services.organisations import writable_orgs
from khdesk.core.services.session import Session
from khdesk.ui.context import AppContext, Changes
from khdesk.ui.layouts import SideBySide
from khdesk.ui.messages import error_text
from khdesk.ui.pages import Page
from khdesk.ui.plaintext import plain_tip, rich
from khdesk.ui.prefs import relative_font
from khdesk.ui.table_model import LazyTableModel, fit_columns, table_view

COLUMNS = (
    ("member_code", "Mã đảng viên"),
    ("full_name", "Họ và tên"),
    ("org_code", "Chi bộ"),
    ("admitted_on", "Ngày vào Đảng"),
    ("official_on", "Ngày chính thức"),
    ("status", "Trạng thái"),
)
PAGE = 200
DATE_KEYS = {c.key for c in MEMBERS.columns if c.kind is Kind.DATE}


def dmy(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return value.strftime("%d/%m/%Y")


class MemberTableModel(LazyTableModel):
    """Holds the ids of the matching members; fetches a screenful of rows when shown."""

    page_size = PAGE

    def __init__(self, session: Session, parent=None):
        super().__init__(COLUMNS, parent)
        self.session = session

    def reload(self, search: str | None = None, status: str | None = None, org: str | None = None):
        self.set_ids(member_ids(self.session, search or None, org or None, status or None))

    def fetch(self, ids: list[int]) -> dict[int, dict]:
        return member_rows(self.session, ids)

    def member_code(self, row: int) -> str:
        return self.row_data(row)["member_code"]

    def row_of(self, member_code: str) -> int | None:
        for row in range(len(self.ids)):
            if self.member_code(row) == member_code:
                return row
        return None

    def text(self, row: int, key: str) -> str | None:
        value = self.row_data(row).get(key)
        if key in DATE_KEYS:
            return dmy(value)
        return value


# -- add / edit --------------------------------------------------------------------------------


class MemberDialog(QDialog):
    """Add a member (member None) or edit one. `save()` is what OK does: tests call it."""

    def __init__(self, ctx: AppContext, member: dict | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.member = member
        self.saved_code: str | None = None
        self.setWindowTitle("Sửa thông tin đảng viên" if member else "Thêm đảng viên")
        self.setMinimumWidth(520)
        self.fields: dict[str, QWidget] = {}
        form = QFormLayout()
        for column in MEMBERS.columns:
            label = column.header + (" *" if column.required else "")
            if column.key == "member_code":
                edit = QLineEdit()
                if member:
                    edit.setReadOnly(True)  # files name members by code: it never changes
                else:
                    edit.setPlaceholderText("Để trống: phần mềm tự cấp mã")
                widget: QWidget = edit
            elif column.key == "org_code":
                box = QComboBox()
                for org in writable_orgs(ctx.session):
                    box.addItem(f"{org['name']} ({org['code']})", org["code"])
                widget = box
            elif column.kind is Kind.CHOICE:
                box = QComboBox()
                if not column.required:
                    box.addItem("(chưa ghi)", None)
                for choice in column.choices:
                    box.addItem(choice, choice)
                widget = box
            elif column.kind is Kind.BOOL:
                widget = QCheckBox("Có")
            else:
                edit = QLineEdit()
                if column.kind is Kind.DATE:
                    edit.setPlaceholderText("ngày/tháng/năm")
                    edit.setMaximumWidth(140)
                widget = edit
            self.fields[column.key] = widget
            form.addRow(label, widget)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #9b1c1c;")
        buttons = QDialogButtonBox()
        buttons.addButton("Lưu", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("Hủy", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel("Các ô có dấu * là bắt buộc. Ngày ghi dạng ngày/tháng/năm, ví dụ 31/12/2026.")
        )
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        if member:
            self.set_values(member)
        elif ctx.session.info.role == "cell":
            self.fields["status"].setCurrentIndex(self.fields["status"].findData("Chính thức"))

    def set_values(self, values: dict) -> None:
        for key, value in values.items():
            widget = self.fields.get(key)
            if widget is None:
                continue
            if isinstance(widget, QComboBox):
                row = widget.findData(value)
                widget.setCurrentIndex(max(row, 0))
            elif isinstance(widget, QCheckBox):
                widget.setChecked(bool(value))
            elif key in DATE_KEYS:
                widget.setText(dmy(value))
            else:
                widget.setText("" if value is None else str(value))

    def values(self) -> dict:
        out: dict = {}
        for key, widget in self.fields.items():
            if isinstance(widget, QComboBox):
                out[key] = widget.currentData()
            elif isinstance(widget, QCheckBox):
                out[key] = widget.isChecked()
            else:
                out[key] = widget.text().strip() or None
        return out

    def save(self) -> bool:
        code = self.member["member_code"] if self.member else None
        try:
            self.saved_code = save_member(self.ctx.session, self.values(), member_code=code)
        except Exception as exc:  # the service's Vietnamese message, in the dialog
            self.error_label.setText(error_text(exc))
            return False
        self.ctx.hub.notify(Changes(members=True))
        self.ctx.hub.status.emit(f"Đã lưu đảng viên {self.saved_code}.")
        self.accept()
        return True


# -- the page ----------------------------------------------------------------------------------

RECORD_HEADERS = (
    "Năm",
    "Bỏ sinh\nhoạt",
    "Không đóng\nđảng phí",
    "Vi phạm\ntư cách",
    "Giảm sút\ný chí",
    "Xếp loại",
)
RECORD_TIPS = (
    "",
    "Số tháng bỏ sinh hoạt đảng trong năm",
    "Số tháng không đóng đảng phí trong năm",
    "Vi phạm tư cách đảng viên",
    "Giảm sút ý chí, không tiến bộ",
    "Xếp loại chất lượng đảng viên cuối năm",
)


class MembersPage(Page):
    key = "members"
    title = "Đảng viên"

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Tìm theo tên, số CCCD, mã (gõ không dấu cũng được)")
        self.search_edit.setClearButtonEnabled(True)
        self.status_box = QComboBox()
        self.status_box.addItem("Mọi trạng thái", "")
        for status in MEMBERS.column("status").choices:
            self.status_box.addItem(status, status)
        self.org_box = QComboBox()
        self.org_box.addItem("Mọi đơn vị", "")
        for org in writable_orgs(self.session):
            self.org_box.addItem(org["name"], org["code"])
        self.org_box.setVisible(self.ctx.role != "cell")
        self.org_box.setMaximumWidth(260)
        self.add_button = QPushButton("Thêm đảng viên…")
        self.add_button.clicked.connect(self.add_member)
        self.add_button.setEnabled(self.ctx.may(Action.EDIT_MEMBERS))

        self.model = MemberTableModel(self.session, self)
        self.table = table_view()
        self.table.setModel(self.model)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnHidden(2, self.ctx.role == "cell")
        fit_columns(
            self.table,
            {0: "X01-CB01-DV017", 2: "X01-CB01", 3: "00/00/0000", 4: "00/00/0000", 5: "Chính thức"},
            whole=True,
        )
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.table.doubleClicked.connect(lambda _index: self.edit_member())
        self.count_label = rich(QLabel())
        self.count_label.setWordWrap(True)  # never widens the window past a 1366 screen

        # -- detail pane --
        self.detail_title = relative_font(QLabel(), 2, bold=True)
        self.detail_title.setWordWrap(True)
        self.detail_form = QLabel()
        self.detail_form.setWordWrap(True)
        self.detail_form.setTextFormat(Qt.TextFormat.RichText)
        self.records = QTableWidget(0, len(RECORD_HEADERS))
        self.records.setHorizontalHeaderLabels(RECORD_HEADERS)
        self.records.verticalHeader().setVisible(False)
        self.records.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for col, tip in enumerate(RECORD_TIPS):
            if tip:
                self.records.horizontalHeaderItem(col).setToolTip(tip)
        header = self.records.horizontalHeader()
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        fit_columns(self.records, {0: "2026", 1: "12", 2: "12", 3: "Có", 4: "Có"}, whole=True)
        self.records.setWordWrap(True)
        # Rows follow the rating's wrapped height whenever the stretched column changes width
        # ("Hoàn thành xuất sắc nhiệm vụ" takes two lines in the narrow pane).
        self.records.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.edit_button = QPushButton("Sửa thông tin…")
        self.edit_button.clicked.connect(self.edit_member)
        self.edit_button.setEnabled(False)
        detail = QGroupBox("Thông tin đảng viên")
        detail_layout = QVBoxLayout(detail)
        detail_layout.addWidget(self.detail_title)
        detail_layout.addWidget(self.detail_form)
        detail_layout.addWidget(QLabel("Theo dõi hằng năm và xếp loại chất lượng:"))
        detail_layout.addWidget(self.records, 1)
        detail_layout.addWidget(self.edit_button, 0, Qt.AlignmentFlag.AlignRight)

        filters = QHBoxLayout()
        filters.addWidget(QLabel("Tìm:"))
        filters.addWidget(self.search_edit, 1)
        filters.addWidget(QLabel("Trạng thái:"))
        filters.addWidget(self.status_box)
        filters.addWidget(self.org_box)
        filters.addWidget(self.add_button)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.count_label)
        # The yearly table with its rating beside the list, without scrolling (a committee
        # needs a cell column); below the list on a narrow screen.
        split = SideBySide(left, detail, 75 if self.ctx.role == "cell" else 70)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(filters)
        layout.addWidget(split, 1)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(150)
        self._debounce.timeout.connect(self.refresh)
        self.search_edit.textChanged.connect(self._debounce.start)
        self.status_box.currentIndexChanged.connect(self.refresh)
        self.org_box.currentIndexChanged.connect(self.refresh)
        self.current: dict | None = None
        self.refresh()

    def refresh(self) -> None:
        keep = self.current["member_code"] if self.current else None
        org = self.org_box.currentData() or None
        self.model.reload(self.search_edit.text().strip(), self.status_box.currentData(), org)
        counted_org = org or (self.session.org_code if self.ctx.role == "cell" else None)
        official = official_count(self.session, self.ctx.today(), counted_org)
        if counted_org:
            official_text = (
                f"Đảng viên chính thức hiện nay: <b>{official}</b> "
                "(dùng để tính tỷ lệ hai phần ba khi biểu quyết)"
            )
        else:  # the two-thirds rule counts one cell: say the sum is not that figure
            official_text = (
                f"Đảng viên chính thức (mọi đơn vị): <b>{official}</b> — chọn một chi bộ để "
                "xem số dùng khi biểu quyết"
            )
        self.count_label.setText(
            f"{self.model.rowCount()} đảng viên trong danh sách · {official_text}"
        )
        if keep and self.model.row_of(keep) is not None:
            self.show_member(keep)
        elif self.model.rowCount():
            self.table.selectRow(0)  # the detail pane is never empty when there is a member
        else:
            self._show(None)

    def show_member(self, member_code: str) -> bool:
        """Select a member (clearing the filters if they hide it)."""
        row = self.model.row_of(member_code)
        if row is None and (self.search_edit.text() or self.status_box.currentIndex()):
            self.search_edit.blockSignals(True)
            self.search_edit.clear()
            self.search_edit.blockSignals(False)
            self.status_box.blockSignals(True)
            self.status_box.setCurrentIndex(0)
            self.status_box.blockSignals(False)
            self.model.reload(None, None, self.org_box.currentData() or None)
            row = self.model.row_of(member_code)
        if row is None:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        self._show(get_member(self.session, member_code))
        return True

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self._show(get_member(self.session, self.model.member_code(current.row())))

    def _show(self, member: dict | None) -> None:
        self.current = member
        self.edit_button.setEnabled(member is not None and self.ctx.may(Action.EDIT_MEMBERS))
        self.records.setRowCount(0)
        if member is None:
            self.detail_title.setText("Chọn một đảng viên trong danh sách.")
            self.detail_form.setText("")
            return
        self.detail_title.setText(f"{member['full_name']} ({member['member_code']})")
        lines = [
            ("Trạng thái", member.get("status") or "chưa ghi"),
            ("Giới tính, ngày sinh", f"{member['sex']}, {dmy(member['birth_date'])}"),
            ("Chi bộ", member["org_code"]),
            ("Ngày vào Đảng", dmy(member["admitted_on"])),
            ("Ngày chính thức", dmy(member.get("official_on")) or "chưa (đang dự bị)"),
            ("Số CCCD", member.get("cccd") or ""),
            ("Quê quán", member.get("home_town") or ""),
        ]
        self.detail_form.setText(
            "<table cellspacing=2>"
            + "".join(f"<tr><td>{k}:&nbsp;</td><td><b>{escape(v)}</b></td></tr>" for k, v in lines)
            + "</table>"
        )
        ratings = {r["year"]: r["rating"] for r in member["ratings"]}
        records = {r["year"]: r for r in member["records"]}
        years = sorted(set(ratings) | set(records), reverse=True)
        self.records.setRowCount(len(years))
        yes = {True: "Có", False: "", None: ""}
        for i, year in enumerate(years):
            r = records.get(year, {})
            cells = (
                str(year),
                "" if r.get("months_absent") is None else str(r["months_absent"]),
                "" if r.get("months_unpaid") is None else str(r["months_unpaid"]),
                yes[r.get("violated")],
                yes[r.get("declining")],
                ratings.get(year, ""),
            )
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col < 5:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                elif text:
                    item.setToolTip(plain_tip(text))
                self.records.setItem(i, col, item)
        self.records.resizeRowsToContents()

    # -- actions --

    def member_dialog(self, member: dict | None = None) -> MemberDialog:
        return MemberDialog(self.ctx, member, self)

    def add_member(self) -> None:
        dialog = self.member_dialog()
        if dialog.exec() and dialog.saved_code:
            self.show_member(dialog.saved_code)

    def edit_member(self) -> None:
        if self.current is None or not self.ctx.may(Action.EDIT_MEMBERS):
            return
        dialog = self.member_dialog(self.current)
        if dialog.exec() and dialog.saved_code:
            self.show_member(dialog.saved_code)
