"""Sign-in: choose the profile (cell or committee on this PC), the user, the password."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)

from khdesk.core.errors import KhdeskError
from khdesk.core.services import profiles


class LoginDialog(QDialog):
    def __init__(self, home: Path, preselect: str | None = None, parent=None):
        super().__init__(parent)
        self.home = home
        self.session: profiles.Session | None = None
        self.setWindowTitle("khdesk — Đăng nhập")
        self.setMinimumWidth(460)

        title = QLabel("Phát triển đảng viên")
        font = QFont(title.font())
        font.setPointSize(font.pointSize() + 6)
        font.setBold(True)
        title.setFont(font)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.profile_box = QComboBox()
        self.user_edit = QLineEdit()
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.error_label = QLabel()
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Hồ sơ làm việc:", self.profile_box)
        form.addRow("Người dùng:", self.user_edit)
        form.addRow("Mật khẩu:", self.password_edit)

        buttons = QDialogButtonBox()
        self.open_button = buttons.addButton("Mở", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("Thoát", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.try_open)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)

        found = profiles.list_profiles(home)
        for p in found:
            self.profile_box.addItem(f"{p.org_name} ({p.name}) — {p.role_label}", p.name)
        if preselect:
            index = self.profile_box.findData(preselect)
            if index >= 0:
                self.profile_box.setCurrentIndex(index)
        if not found:
            self.error_label.setText(
                "Máy này chưa có hồ sơ làm việc. Tạo bằng lệnh 'khdesk demo' hoặc "
                "'khdesk profile create'."
            )
            self.open_button.setEnabled(False)
        self.profile_box.currentIndexChanged.connect(self._fill_user)
        self._fill_user()
        self.password_edit.setFocus()

    def _fill_user(self) -> None:
        name = self.profile_box.currentData()
        if name:
            try:
                self.user_edit.setText(profiles.default_user(profiles.ProfileDir(self.home, name)))
            except KhdeskError:
                self.user_edit.clear()

    def try_open(self) -> None:
        name = self.profile_box.currentData()
        if not name:
            return
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.session = profiles.open_profile(
                self.home, name, self.user_edit.text().strip() or None, self.password_edit.text()
            )
        except KhdeskError as exc:
            self.error_label.setText(exc.message)
            self.password_edit.selectAll()
            self.password_edit.setFocus()
            return
        finally:
            QApplication.restoreOverrideCursor()
        self.accept()
