""" "Chuyển sang máy mới": a backup for the new PC written to a USB stick."""

from __future__ import annotations

from functools import partial
from html import escape
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from khdesk.core.errors import InputError, KhdeskError
from khdesk.core.services import backup, safety
from khdesk.ui.messages import ERROR_STYLE, error_text
from khdesk.ui.operation import Operation
from khdesk.ui.pages import Page
from khdesk.ui.safety.widgets import (
    _buttons,
    _label,
)


class MoveDialog(QDialog):
    """Guided: write a backup for the new PC to a folder (a USB stick), then say what to
    do on the other PC."""

    def __init__(self, page: Page):
        super().__init__(page)
        self.page = page
        self.info: backup.BackupInfo | None = None
        self.setWindowTitle("Chuyển hồ sơ sang máy mới")
        self.setMinimumWidth(560)
        intro = _label(
            "Bước 1: cắm thẻ nhớ USB và chọn thư mục trên thẻ. Chương trình ghi vào đó một "
            "bản sao lưu đã mã hóa của toàn bộ hồ sơ (mở được bằng mật khẩu của hồ sơ)."
        )
        self.folder_edit = QLineEdit()
        self.folder_edit.setPlaceholderText("Thư mục trên thẻ nhớ USB")
        browse = QPushButton("Chọn thư mục…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.folder_edit, 1)
        row.addWidget(browse)
        self.result_label = _label()
        self.error_label = _label(style=ERROR_STYLE)
        self.buttons, self.ok_button = _buttons(self, "Ghi bản sao lưu")
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(row)
        layout.addWidget(self.result_label)
        layout.addWidget(self.error_label)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Chọn thư mục trên thẻ nhớ")
        if folder:
            self.folder_edit.setText(folder)

    def save(self) -> bool:
        if self.info is not None:  # the second press: "Xong"
            self.accept()
            return True
        folder = self.folder_edit.text().strip()
        try:
            if not folder:
                raise InputError("Hãy chọn thư mục trên thẻ nhớ USB.")
        except KhdeskError as exc:
            self.error_label.setText(exc.message)
            return False
        Operation(
            self, partial(safety.move_to_new_pc, self.page.session, Path(folder))
        ).with_progress("Đang ghi bản sao lưu…").success(partial(self._written, folder)).failure(
            self._refused
        ).run_in_background()
        return True

    def _refused(self, exc: BaseException) -> None:
        self.error_label.setText(error_text(exc))

    def _written(self, folder: str, info: backup.BackupInfo) -> None:
        self.info = info
        self.error_label.clear()
        name = self.info.path.name
        self.result_label.setText(
            f"✔ Đã ghi và kiểm tra tệp <b>{escape(name)}</b> vào {escape(str(folder))}.<br><br>"
            + escape(safety.MOVE_INSTRUCTIONS.format(name=name)).replace("\n", "<br>")
        )
        self.result_label.setTextFormat(Qt.TextFormat.RichText)
        self.ok_button.setText("Xong")
        self.cancel_button.hide()  # done: nothing left to cancel
        self.page.after_backup()
