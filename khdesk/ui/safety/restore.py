"""The dialog that asks the password again before a backup replaces the data."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLabel,
    QVBoxLayout,
)

from khdesk.core.services import backup
from khdesk.ui.messages import ERROR_STYLE, error_text
from khdesk.ui.pages import Page
from khdesk.ui.safety.widgets import (
    _buttons,
    _label,
    _password_edit,
)


class RestoreDialog(QDialog):
    """Restore one backup in place of the current data (the password is asked again)."""

    def __init__(self, page: Page, info: backup.BackupInfo):
        super().__init__(page)
        self.page, self.info = page, info
        self.restored = False
        self.kept = ""
        self.setWindowTitle("Khôi phục từ bản sao lưu")
        self.setMinimumWidth(520)
        when = info.local_time.strftime("%d/%m/%Y %H:%M")
        text = _label(
            f"Dữ liệu hiện tại sẽ được thay bằng bản sao lưu lúc <b>{when}</b> "
            f"({info.kind_label}). Những gì đã nhập sau thời điểm đó sẽ không còn.<br><br>"
            "Trước khi thay, chương trình tự giữ một bản sao lưu của dữ liệu hiện tại, "
            "nên việc khôi phục này có thể hoàn tác. Gói đồng bộ tiếp theo sẽ báo cấp trên "
            "là hồ sơ đã được khôi phục."
        )
        text.setTextFormat(Qt.TextFormat.RichText)
        self.password_edit = _password_edit()
        self.error_label = _label(style=ERROR_STYLE)
        form = QFormLayout()
        form.addRow("Người dùng:", QLabel(page.session.user))
        form.addRow("Nhập lại mật khẩu:", self.password_edit)
        buttons, _ = _buttons(self, "Khôi phục")
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)

    def save(self) -> None:
        """Restore in the background; the dialog closes when it is done."""
        self.setEnabled(False)  # one restore at a time: no second press while it runs
        self.page.restore(self.info, self.password_edit.text(), self._restored, self._refused)

    def _refused(self, exc: BaseException) -> None:
        self.setEnabled(True)
        self.error_label.setText(error_text(exc))

    def _restored(self, kept: str) -> None:
        self.kept, self.restored = kept, True
        self.accept()
