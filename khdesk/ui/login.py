"""Sign-in: choose the profile (a cell or the committee on this PC), the user, the password;
or make a new profile, open the demo, or recover a forgotten password.

Unlocking derives a key with scrypt (a fraction of a second): it runs on the worker
thread so the window keeps painting.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from khdesk.core.errors import KhdeskError
from khdesk.core.services.session import (
    ProfileDir,
    ProfileInfo,
    Session,
    default_user,
    list_profiles,
    open_profile,
)
from khdesk.ui import prefs
from khdesk.ui.messages import error_text
from khdesk.ui.operation import Operation
from khdesk.ui.plaintext import plain_tip


class ProfileList(QListWidget):
    """The profiles of this PC, one per row: the unit's name, then its role and code.
    Speaks the QComboBox words the dialog uses (currentData, findData, …)."""

    currentIndexChanged = Signal(int)  # noqa: N815 - QComboBox's name

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAlternatingRowColors(True)
        self.setMinimumHeight(150)
        self.currentRowChanged.connect(self.currentIndexChanged)

    def add_profile(self, info: ProfileInfo) -> None:
        item = QListWidgetItem(f"{info.org_name}\n    {info.role_label} · mã {info.org_code}")
        item.setData(Qt.ItemDataRole.UserRole, info.name)
        item.setToolTip(plain_tip(f"Hồ sơ làm việc '{info.name}'"))  # a folder's name
        self.addItem(item)

    def currentData(self):  # noqa: N802 - QComboBox's name
        item = self.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def findData(self, name: str) -> int:  # noqa: N802
        for row in range(self.count()):
            if self.item(row).data(Qt.ItemDataRole.UserRole) == name:
                return row
        return -1

    def setCurrentIndex(self, row: int) -> None:  # noqa: N802
        self.setCurrentRow(row)


def _open(home: Path, name: str, user: str | None, password: str, **_) -> Session:
    return open_profile(home, name, user, password, lazy_store=True)


def _make_demo(home: Path, today: date, **_) -> list[str]:
    # Loaded only when asked for: the sign-in shows without the demo's generator.
    from khdesk.demo.loop import build_demo
    from khdesk.demo.stations import DEMO_PASSWORD

    return build_demo(home, DEMO_PASSWORD, today=today).names


class LoginDialog(QDialog):
    def __init__(
        self,
        home: Path,
        preselect: str | None = None,
        parent: QWidget | None = None,
        today: Callable[[], date] = date.today,
        password: str | None = None,
    ):
        """`password`: filled in (the demo's stations, chosen among with one password)."""
        super().__init__(parent)
        self.home = Path(home)
        self.today = today
        self.session: Session | None = None
        self.opening = False  # a profile is being opened in the background
        self.wizard = None
        self.setWindowTitle("Đăng nhập")  # Qt appends the application's name
        self.setMinimumWidth(660)  # the last row of buttons fits without clipping

        title = QLabel("Phát triển đảng viên")
        prefs.relative_font(title, 4, bold=True)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.profile_box = ProfileList()
        self.user_edit = QLineEdit()
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.returnPressed.connect(self.try_open)
        self.error_label = QLabel()
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Người dùng:", self.user_edit)
        form.addRow("Mật khẩu:", self.password_edit)

        self.open_button = QPushButton("Mở")
        self.open_button.setDefault(True)
        self.open_button.clicked.connect(self.try_open)
        quit_button = QPushButton("Thoát")
        quit_button.clicked.connect(self.reject)
        self.forgot_button = QPushButton("Quên mật khẩu…")
        self.forgot_button.clicked.connect(self.open_recover)
        self.new_button = QPushButton("Tạo hồ sơ mới…")
        self.new_button.clicked.connect(self.open_new_profile)
        self.demo_button = QPushButton("Mở dữ liệu mẫu (demo)")
        self.demo_button.clicked.connect(self.open_demo)
        self.backup_button = QPushButton("Mở bản sao lưu từ máy cũ…")
        self.backup_button.clicked.connect(self.open_old_backup)

        actions = QHBoxLayout()
        actions.addWidget(self.forgot_button)
        actions.addStretch(1)
        actions.addWidget(self.open_button)
        actions.addWidget(quit_button)
        others = QHBoxLayout()
        others.addWidget(QLabel("Chưa có hồ sơ?"))
        others.addWidget(self.new_button)
        others.addWidget(self.demo_button)
        others.addWidget(self.backup_button)
        others.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(QLabel("Chọn hồ sơ làm việc trên máy này:"))
        layout.addWidget(self.profile_box, 1)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addLayout(actions)
        layout.addSpacing(6)
        layout.addLayout(others)

        self.profile_box.currentIndexChanged.connect(self._fill_user)
        self.reload_profiles(preselect)
        # Enter anywhere opens; Tab goes list → user → password → buttons.
        self.setTabOrder(self.profile_box, self.user_edit)
        self.setTabOrder(self.user_edit, self.password_edit)
        self.setTabOrder(self.password_edit, self.open_button)
        self.password_edit.setFocus()
        if password is not None:
            self.password_edit.setText(password)

    def reload_profiles(self, select: str | None = None) -> None:
        self.profile_box.clear()
        found = list_profiles(self.home)
        for info in found:
            self.profile_box.add_profile(info)
        row = self.profile_box.findData(select) if select else -1
        self.profile_box.setCurrentIndex(max(row, 0) if found else -1)
        self.open_button.setEnabled(bool(found))
        self.forgot_button.setEnabled(bool(found))
        if not found:
            self.error_label.setText(
                "Máy này chưa có hồ sơ làm việc. Bấm “Tạo hồ sơ mới…” để tạo hồ sơ cho chi "
                "bộ hoặc đảng ủy, hoặc “Mở dữ liệu mẫu (demo)” để dùng thử."
            )
        else:
            self.error_label.clear()
        self._fill_user()

    def _fill_user(self, *_) -> None:
        name = self.profile_box.currentData()
        if name:
            try:
                self.user_edit.setText(default_user(ProfileDir(self.home, name)))
            except KhdeskError:
                self.user_edit.clear()

    def try_open(self) -> bool:
        """Open the chosen profile in the background (the key derivation takes a moment);
        the dialog closes when it is open. False: no profile to open."""
        name = self.profile_box.currentData()
        if not name:
            return False
        if self.opening:
            return True  # Enter pressed again while it opens: one session, not two
        self.opening = True
        user = self.user_edit.text().strip() or None
        work = partial(_open, self.home, name, user, self.password_edit.text())
        Operation(self, work).with_progress("Đang mở hồ sơ…", cancellable=False).success(
            self._opened
        ).failure(self._refused).run_in_background()
        return True

    def _opened(self, session: Session) -> None:
        self.opening = False
        self.session = session
        self.accept()

    def _refused(self, exc: BaseException) -> None:
        self.opening = False
        self.error_label.setText(error_text(exc))
        self.password_edit.selectAll()
        self.password_edit.setFocus()

    def open_demo(self) -> None:
        """Create the demo if this PC has none, then open its first cell."""
        Operation(self, partial(_make_demo, self.home, self.today())).with_progress(
            "Đang tạo dữ liệu mẫu…", cancellable=False
        ).success(self._demo_made).failure(self._refused).run_in_background()

    def _demo_made(self, names: list[str]) -> None:
        # The demo's names: not loaded at start-up.
        from khdesk.demo.stations import DEMO_PASSWORD, DEMO_USER

        chosen = names[1] if len(names) > 1 else names[0]
        self.reload_profiles(chosen)
        self.user_edit.setText(DEMO_USER)
        self.password_edit.setText(DEMO_PASSWORD)
        self.try_open()

    def open_new_profile(self):
        # the wizard loads only when asked: the sign-in shows sooner
        from khdesk.ui.new_profile import NewProfileWizard

        self.wizard = NewProfileWizard(self.home, self)
        self.wizard.finished.connect(self._new_profile_done)
        self.wizard.open()
        return self.wizard

    def _new_profile_done(self, *_) -> None:
        wizard, self.wizard = self.wizard, None
        if wizard is None or wizard.session is None:
            return
        # The profile was made (and its recovery key kept): go straight into it.
        self.session = wizard.session
        self.reload_profiles(self.session.info.name)
        self.accept()

    def open_recover(self):
        # the recovery dialog loads only when asked: the sign-in shows sooner
        from khdesk.ui.users import RecoverDialog

        name = self.profile_box.currentData()
        if not name:
            return None
        dialog = RecoverDialog(self.home, name, self.user_edit.text().strip(), self)
        dialog.accepted.connect(lambda: self._recovered(dialog))
        dialog.open()
        return dialog

    def open_old_backup(self):
        """Moving to this PC: open a backup written on the old one as a profile here."""
        # the backup dialog loads only when asked: the sign-in shows sooner
        from khdesk.ui.safety.old_backup import OpenOldBackupDialog

        dialog = OpenOldBackupDialog(self.home, self)
        dialog.accepted.connect(lambda: self._recovered(dialog))
        dialog.open()
        return dialog

    def _recovered(self, dialog) -> None:
        if dialog.session is not None:
            self.session = dialog.session
            self.accept()
