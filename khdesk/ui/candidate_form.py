"""The identity form of a candidate file, and the "new file" dialog built on it.

Every field of the template's `Quần chúng` identity (plus the notes and the approval of an
exception) with its problem shown in red right under it, checked by the core's
`parse_identity` — the converters the Excel import runs, the template's required fields,
the rules engine's CCCD check — as the user leaves the field and again before saving.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from khdesk.core.domain.template import Kind
from khdesk.core.errors import KhdeskError
from khdesk.core.services.candidates import FORM_COLUMNS, create_candidate, parse_identity
from khdesk.core.services.organisations import writable_orgs
from khdesk.ui.context import AppContext, Changes
from khdesk.ui.layouts import fit_to_screen
from khdesk.ui.messages import ERROR_STYLE, error_text

# Hints under the fields people get wrong most (shown in grey until there is an error).
HINTS = {
    "birth_date": "ngày/tháng/năm, ví dụ 04/05/1995",
    "cccd": "12 chữ số",
    "exception_approval": "số và ngày văn bản của Ban Thường vụ Tỉnh ủy (nếu có)",
}
WIDE = {"full_name", "home_town", "workplace", "notes", "exception_approval"}
# Screen order: what identifies the person first, wide fields where they pack well; the
# yes/no fields together on one line of ticks.
ORDER = (
    "full_name",
    "sex",
    "birth_date",
    "cccd",
    "history_no",
    "home_town",
    "ethnicity",
    "religion",
    "education",
    "occupation",
    "workplace",
    "workplace_kind",
    "org_code",
    "notes",
    "exception_approval",
)
TITLES = {"org_code": "Chi bộ"}


def show_date(value: Any) -> str:
    if isinstance(value, date):
        return f"{value.day:02d}/{value.month:02d}/{value.year}"
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":
        return show_date(date.fromisoformat(value))
    return "" if value is None else str(value)


class IdentityForm(QWidget):
    """The fields of a file's identity in two columns, each with its error line."""

    edited = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.widgets: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        self._loading = False
        self.read_only = False
        grid = QGridLayout(self)
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(2)
        by_key = {c.key: c for c in FORM_COLUMNS}
        ticks = QHBoxLayout()
        for column in FORM_COLUMNS:
            if column.kind is Kind.BOOL:
                box = QCheckBox(column.header)
                box.toggled.connect(self._changed)
                self.widgets[column.key] = box
                self.errors[column.key] = QLabel()
                ticks.addWidget(box)
        ticks.addStretch(1)
        row, col = 0, 0
        for key in ORDER:
            column = by_key[key]
            widget = self._make_widget(column)
            self.widgets[column.key] = widget
            header = TITLES.get(key, column.header)
            title = QLabel(header + (" *" if column.required else ""))
            title.setBuddy(widget)
            error = QLabel(HINTS.get(column.key, ""))
            error.setWordWrap(True)
            error.setStyleSheet("color: #666;")
            error.setContentsMargins(0, 0, 0, 6)  # a gap before the next field's title
            self.errors[column.key] = error
            span = 2 if column.key in WIDE else 1
            if span == 2 and col == 1:
                row, col = row + 3, 0
            grid.addWidget(title, row, col, 1, span)
            grid.addWidget(widget, row + 1, col, 1, span)
            grid.addWidget(error, row + 2, col, 1, span)
            col += span
            if col >= 2:
                row, col = row + 3, 0
            if key == "org_code":  # the ticks after the cell, before the free text
                row, col = row + (3 if col else 0), 0
                grid.addLayout(ticks, row, 0, 1, 2)
                row += 1
        grid.setRowStretch(row + 3, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)

    def _make_widget(self, column) -> QWidget:
        if column.key == "org_code":
            combo = QComboBox()
            for org in writable_orgs(self.ctx.session):
                combo.addItem(f"{org['name']} ({org['code']})", org["code"])
            combo.currentIndexChanged.connect(self._changed)
            return combo
        if column.kind is Kind.CHOICE:
            combo = QComboBox()
            combo.addItem("", None)
            for label in column.choices:
                combo.addItem(label, label)
            combo.currentIndexChanged.connect(self._changed)
            return combo
        edit = QLineEdit()
        if column.kind is Kind.DATE:
            edit.setPlaceholderText("ngày/tháng/năm")
            edit.setMaxLength(10)
        if column.key == "cccd":
            edit.setMaxLength(16)
        edit.textEdited.connect(self._changed)
        # Checked as the user leaves the field: the mistake is shown where it is made.
        edit.editingFinished.connect(lambda key=column.key: self.check(only=key))
        return edit

    def _changed(self, *_: Any) -> None:
        if not self._loading:
            self.edited.emit()

    # -- values --

    def raw_values(self) -> dict[str, Any]:
        """What is on screen: text as typed, True/False, a choice's label or None."""
        out: dict[str, Any] = {}
        for key, w in self.widgets.items():
            if isinstance(w, QCheckBox):
                out[key] = w.isChecked()
            elif isinstance(w, QComboBox):
                out[key] = w.currentData()
            else:
                out[key] = w.text()
        return out

    def set_values(self, row: dict[str, Any]) -> None:
        self._loading = True
        try:
            for key, w in self.widgets.items():
                value = row.get(key)
                if isinstance(w, QCheckBox):
                    w.setChecked(bool(value))
                elif isinstance(w, QComboBox):
                    index = w.findData(value)
                    if index < 0 and value:  # a cell outside this station's list: show it
                        w.addItem(str(value), value)
                        index = w.count() - 1
                    w.setCurrentIndex(max(index, 0))
                else:
                    w.setText(show_date(value))
            self.show_problems({})
        finally:
            self._loading = False

    def set_field(self, key: str, text: str) -> None:
        w = self.widgets[key]
        if isinstance(w, QLineEdit):
            w.setText(text)
        self._changed()

    def set_read_only(self, read_only: bool) -> None:
        self.read_only = read_only
        for w in self.widgets.values():
            if isinstance(w, QLineEdit):
                w.setReadOnly(read_only)
            else:
                w.setEnabled(not read_only)
        # Read-only fields must not look like something to type into; no typing hints.
        self.setStyleSheet("QLineEdit { background: #f0f0f0; }" if read_only else "")
        self.show_problems({})

    # -- checking --

    def show_problems(self, problems: dict[str, str], only: str | None = None) -> None:
        for key, label in self.errors.items():
            if only is not None and key != only:
                continue
            if key in problems:
                label.setText("⚠ " + problems[key])
                label.setStyleSheet(ERROR_STYLE)
            else:
                label.setText("" if self.read_only else HINTS.get(key, ""))
                label.setStyleSheet("color: #666;")

    def check(self, only: str | None = None) -> dict[str, str]:
        """Problems of the values on screen (all fields, or one), shown beside them."""
        _, problems = parse_identity(self.raw_values())
        self.show_problems(problems, only)
        return problems

    def problem(self, key: str) -> str:
        """The problem shown beside a field ("" when none)."""
        text = self.errors[key].text()
        return text[2:] if text.startswith("⚠ ") else ""


class NewCandidateDialog(QDialog):
    """Add a file by hand (Ctrl+N on the list): identity, then "Lưu hồ sơ"."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.file_code: str | None = None
        self.setWindowTitle("Thêm hồ sơ quần chúng")
        fit_to_screen(self, 880, 640)
        intro = QLabel(
            "Ghi thông tin cá nhân của quần chúng ưu tú. Mục có dấu * là bắt buộc. Các bước "
            "(vào nguồn, học lớp nhận thức…) ghi sau, trong cửa sổ hồ sơ."
        )
        intro.setWordWrap(True)
        self.form = IdentityForm(ctx)
        self.form.set_values({"ethnicity": "Kinh", "religion": "Không"})
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.form)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(ERROR_STYLE + " font-weight: bold;")
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("Lưu hồ sơ", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setDefault(True)
        buttons.addButton("Hủy", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.form.widgets["full_name"].setFocus(Qt.FocusReason.OtherFocusReason)

    def save(self) -> bool:
        """Check, then create the file in one transaction; stays open on a problem."""
        problems = self.form.check()
        if problems:
            self.error_label.setText("Chưa lưu: sửa các mục ghi màu đỏ.")
            return False
        try:
            self.file_code = create_candidate(self.ctx.session, self.form.raw_values())
        except KhdeskError as exc:
            self.error_label.setText(error_text(exc))
            return False
        self.ctx.hub.notify(Changes(candidates=True))
        self.ctx.hub.status.emit(f"Đã thêm hồ sơ {self.file_code}.")
        self.accept()
        return True
