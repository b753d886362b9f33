"""The sign-in screen's "Mở bản sao lưu từ máy cũ": a backup opened as a profile."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from khdesk.core.errors import InputError, KhdeskError
from khdesk.core.services import backup
from khdesk.core.services.session import Session
from khdesk.ui.messages import ERROR_STYLE, error_text
from khdesk.ui.operation import Operation
from khdesk.ui.safety.widgets import (
    _buttons,
    _label,
    _password_edit,
)


class OpenOldBackupDialog(QDialog):
    """On the new PC, from the sign-in screen: open a backup from the old PC as a profile
    here. `session` is the opened profile after save()."""

    def __init__(self, home: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.home = Path(home)
        self.session: Session | None = None
        self.setWindowTitle("Mở bản sao lưu từ máy cũ")
        self.setMinimumWidth(560)
        intro = _label(
            "Chọn tệp sao lưu (đuôi .khbak) đã ghi từ máy cũ — thường ở trên thẻ nhớ USB — "
            "rồi nhập tên đăng nhập và mật khẩu như trên máy cũ."
        )
        self.file_edit = QLineEdit()
        browse = QPushButton("Chọn tệp…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.file_edit, 1)
        row.addWidget(browse)
        self.user_edit = QLineEdit()
        self.password_edit = _password_edit()
        form = QFormLayout()
        form.addRow("Tệp sao lưu:", row)
        form.addRow("Tên đăng nhập:", self.user_edit)
        form.addRow("Mật khẩu:", self.password_edit)
        self.error_label = _label(style=ERROR_STYLE)
        buttons, _ = _buttons(self, "Mở hồ sơ")
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)

    def _browse(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Chọn tệp sao lưu", "", "Bản sao lưu khdesk (*.khbak)"
        )
        if name:
            self.file_edit.setText(name)

    def save(self) -> bool:
        path = self.file_edit.text().strip()
        try:
            if not path:
                raise InputError("Hãy chọn tệp sao lưu (.khbak).")
        except KhdeskError as exc:
            self.error_label.setText(exc.message)
            return False
        user = self.user_edit.text().strip() or None
        work = partial(backup.import_backup, self.home, Path(path), user, self.password_edit.text())
        Operation(self, work).with_progress("Đang mở bản sao lưu…").success(self._opened).failure(
            lambda exc: self.error_label.setText(error_text(exc))
        ).run_in_background()
        return True

    def _opened(self, session: Session) -> None:
        self.session = session
        self.accept()


def open_old_backup(parent: QWidget | None, home: Path) -> Session | None:
    """For the sign-in screen's "Mở bản sao lưu từ máy cũ" button: the opened session,
    or None when the user cancelled."""
    dialog = OpenOldBackupDialog(home, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.session
