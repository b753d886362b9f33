"""Users of a profile: the list, changing one's password, the owner adding and removing
users, and recovering a forgotten password with the recovery key.

Every password is turned into a key with scrypt (a fraction of a second), so the
services run on the worker thread. Each dialog's `save()` does the work and is what a
test calls; the buttons only call it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
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

from khdesk.core.domain.roles import DEPUTY, OWNER, SECRETARY, VIEWER, Action, may
from khdesk.core.errors import InputError, KhdeskError
from khdesk.core.services import profiles, rekey
from khdesk.core.services.session import Session
from khdesk.ui.messages import ERROR_STYLE, confirm, error_text
from khdesk.ui.operation import Operation


def password_edit() -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


def check_new_password(password: str, again: str) -> None:
    """The strength rule of the core, and the two entries must match."""
    profiles.check_password_strength(password)
    if password != again:
        raise InputError("Hai lần nhập mật khẩu mới không giống nhau.")


def _buttons(dialog: QDialog, ok_text: str) -> QDialogButtonBox:
    buttons = QDialogButtonBox()
    ok = buttons.addButton(ok_text, QDialogButtonBox.ButtonRole.AcceptRole)
    ok.setDefault(True)
    buttons.addButton("Hủy", QDialogButtonBox.ButtonRole.RejectRole)
    buttons.accepted.connect(dialog.save)
    buttons.rejected.connect(dialog.reject)
    return buttons


def _error_label() -> QLabel:
    label = QLabel()
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    return label


class ChangePasswordDialog(QDialog):
    """Change the signed-in user's own password (the current one is asked first)."""

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("Đổi mật khẩu")
        self.setMinimumWidth(440)
        self.current_edit = password_edit()
        self.new_edit = password_edit()
        self.again_edit = password_edit()
        self.error_label = _error_label()
        form = QFormLayout()
        form.addRow("Người dùng:", QLabel(session.user))
        form.addRow("Mật khẩu hiện tại:", self.current_edit)
        form.addRow("Mật khẩu mới:", self.new_edit)
        form.addRow("Nhập lại mật khẩu mới:", self.again_edit)
        hint = QLabel(f"Mật khẩu mới cần ít nhất {profiles.MIN_PASSWORD} ký tự.")
        hint.setStyleSheet("color: #555;")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.error_label)
        layout.addWidget(_buttons(self, "Đổi mật khẩu"))

    def save(self) -> bool:
        """False: refused at once (said in the dialog); True: running, closes when done."""
        current, new = self.current_edit.text(), self.new_edit.text()
        try:
            check_new_password(new, self.again_edit.text())
        except KhdeskError as exc:
            self.error_label.setText(exc.message)
            return False
        work = partial(_change_own, self.session, current, new)
        _submit(self, "Đang đổi mật khẩu…", work)
        return True


def _submit(
    dialog: QDialog,
    title: str,
    work: Callable[..., Any],
    then: Callable[[Any], None] | None = None,
) -> None:
    """Run `work` in the background: on success `then(result)` and close the dialog, on
    failure say why in its error label (the dialog stays open)."""

    def done(result: Any) -> None:
        if then is not None:
            then(result)
        dialog.accept()

    Operation(dialog, work).with_progress(title, cancellable=False).success(done).failure(
        lambda exc: dialog.error_label.setText(error_text(exc))
    ).run_in_background()


def _change_own(session: Session, current: str, new: str, **_) -> None:
    profiles.verify_password(session, current)
    profiles.change_password(session, session.user, new)


class AddUserDialog(QDialog):
    ROLES = (SECRETARY, DEPUTY, VIEWER, OWNER)  # as offered: the usual first

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("Thêm người dùng")
        self.setMinimumWidth(460)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("ví dụ: phobithu (chữ không dấu, không cách)")
        self.role_box = QComboBox()
        for role in self.ROLES:
            self.role_box.addItem(profiles.USER_ROLE_LABELS[role], role)
        self.password_edit = password_edit()
        self.again_edit = password_edit()
        self.error_label = _error_label()
        form = QFormLayout()
        form.addRow("Tên đăng nhập:", self.name_edit)
        form.addRow("Vai trò:", self.role_box)
        form.addRow("Mật khẩu:", self.password_edit)
        form.addRow("Nhập lại mật khẩu:", self.again_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(_buttons(self, "Thêm"))

    def save(self) -> bool:
        name = self.name_edit.text().strip()
        password = self.password_edit.text()
        try:
            check_new_password(password, self.again_edit.text())
        except KhdeskError as exc:
            self.error_label.setText(exc.message)
            return False
        work = partial(_add_user, self.session, name, password, self.role_box.currentData())
        _submit(self, "Đang thêm người dùng…", work)
        return True


def _add_user(session, name: str, password: str, role: str, **_) -> None:
    profiles.add_user(session, name, password, role)


class UsersDialog(QDialog):
    """The "Người dùng" dialog: who may open this profile; only its owner adds or removes."""

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("Người dùng của hồ sơ")
        self.setMinimumSize(560, 360)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Tên đăng nhập", "Vai trò", "Đưa dữ liệu ra"])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(0, 220)
        self.add_button = QPushButton("Thêm người dùng…")
        self.remove_button = QPushButton("Xóa người dùng đã chọn")
        self.password_button = QPushButton("Đổi mật khẩu của tôi…")
        # The owner's grant to a viewer (roles.py): exports, saved scans, files of forms.
        self.take_out_box = QCheckBox(
            "Cho người dùng chỉ xem đã chọn đưa dữ liệu ra khỏi máy\n(xuất Excel, lưu bản "
            "sao bản quét, lưu biểu mẫu và báo cáo ra tệp)"
        )
        self.take_out_box.setEnabled(False)
        self.take_out_box.clicked.connect(
            lambda checked: self.set_take_out(self._selected_name(), checked)
        )
        self.table.itemSelectionChanged.connect(self._show_grant)
        close_button = QPushButton("Đóng")
        self.add_button.clicked.connect(self.open_add)
        self.remove_button.clicked.connect(self.remove_selected)
        self.password_button.clicked.connect(self.open_change_password)
        close_button.clicked.connect(self.accept)
        self.reason_label = QLabel()
        self.reason_label.setWordWrap(True)
        self.reason_label.setStyleSheet("color: #555;")
        self.error_label = _error_label()
        # What a removal did (a new database key; who needs a new password; a new
        # recovery key, shown once): selectable, to copy the key out.
        self.done_label = QLabel()
        self.done_label.setWordWrap(True)
        self.done_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        owner = session.may(Action.MANAGE_USERS)
        for button in (self.add_button, self.remove_button):
            button.setEnabled(owner)
        if not owner:
            self.reason_label.setText(
                "Chỉ Chủ hồ sơ mới thêm hoặc xóa được người dùng. Bạn đăng nhập với vai trò "
                f"“{profiles.USER_ROLE_LABELS.get(session.user_role, session.user_role)}”."
            )
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.password_button)
        buttons.addStretch(1)
        buttons.addWidget(close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.take_out_box)
        layout.addWidget(self.reason_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.done_label)
        layout.addLayout(buttons)
        self.refresh()

    def refresh(self) -> None:
        users = profiles.list_users(self.session)
        self.users = {u["name"]: u for u in users}
        self.table.setRowCount(len(users))
        for row, user in enumerate(users):
            name = user["name"] + (" (đang đăng nhập)" if user["name"] == self.session.user else "")
            item = QTableWidgetItem(name)
            item.setData(Qt.ItemDataRole.UserRole, user["name"])
            self.table.setItem(row, 0, item)
            label = profiles.USER_ROLE_LABELS.get(user["role"], user["role"])
            self.table.setItem(row, 1, QTableWidgetItem(label))
            take_out = "Có" if user["may_take_out"] else "Không (chủ hồ sơ chưa cho phép)"
            self.table.setItem(row, 2, QTableWidgetItem(take_out))
        self._show_grant()

    def _selected_name(self) -> str | None:
        row = self.table.currentRow()
        item = self.table.item(row, 0) if row >= 0 else None
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def _show_grant(self) -> None:
        user = self.users.get(self._selected_name() or "")
        # The grant is for a role that may not take data out by itself (a viewer).
        grantable = user is not None and not may(user["role"], Action.TAKE_OUT)
        self.take_out_box.setEnabled(grantable and self.session.may(Action.MANAGE_USERS))
        self.take_out_box.setChecked(bool(user and user["may_take_out"]))

    def set_take_out(self, name: str | None, allowed: bool) -> bool:
        """Grant or take back a viewer's taking data out (the checkbox's work)."""
        if not name:
            return False
        try:
            profiles.grant_take_out(self.session, name, allowed)
        except KhdeskError as exc:
            self.error_label.setText(exc.message)
            self.refresh()
            return False
        self.error_label.clear()
        row = self.table.currentRow()
        self.refresh()
        self.table.selectRow(row)
        return True

    def user_names(self) -> list[str]:
        return [
            self.table.item(r, 0).data(Qt.ItemDataRole.UserRole)
            for r in range(self.table.rowCount())
        ]

    def open_add(self) -> AddUserDialog:
        dialog = AddUserDialog(self.session, self)
        dialog.accepted.connect(self.refresh)
        dialog.open()
        return dialog

    def open_change_password(self) -> ChangePasswordDialog:
        dialog = ChangePasswordDialog(self.session, self)
        dialog.open()
        return dialog

    def remove_selected(self) -> None:
        row = self.table.currentRow()
        if row < 0:
            self.error_label.setText("Hãy chọn người dùng cần xóa trong bảng.")
            return
        name = self.table.item(row, 0).data(Qt.ItemDataRole.UserRole)
        if confirm(
            self,
            "Xóa người dùng",
            f"Người dùng “{name}” sẽ không mở được hồ sơ này nữa: chương trình đổi khóa "
            "cơ sở dữ liệu, nên cả bản sao tệp khóa cũ cũng không mở được dữ liệu hiện tại. "
            f"{rekey.BACKUPS_NOTE} Xóa?",
            yes="Xóa",
        ):
            self.remove_user(name)

    def remove_user(self, name: str) -> None:
        """Remove without asking (the confirmation is remove_selected's), in the background."""
        Operation(self, partial(_remove, self.session, name)).with_progress(
            "Đang xóa người dùng và đổi khóa cơ sở dữ liệu…", cancellable=False
        ).success(partial(self._removed, name)).failure(
            lambda exc: self.error_label.setText(error_text(exc))
        ).run_in_background()

    def _removed(self, name: str, done: rekey.RekeyResult | None) -> None:
        self.error_label.clear()
        lines = [f"Đã xóa người dùng “{name}”.", *(done.messages() if done else [])]
        if done is not None and done.recovery_key:
            lines.append(
                "Khóa khôi phục MỚI (khóa cũ hết dùng) — chép hoặc in ra, cất nơi an toàn, "
                f"chỉ hiện một lần: {done.recovery_key}"
            )
        self.done_label.setText("\n".join(lines))
        self.refresh()


class RecoverDialog(QDialog):
    """The "Quên mật khẩu" path: the recovery key printed when the profile was made sets a new
    password; the profile then opens (self.session)."""

    def __init__(self, home: Path, profile: str, user: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.home, self.profile = Path(home), profile
        self.session: Session | None = None
        self.setWindowTitle("Quên mật khẩu — dùng mã khôi phục")
        self.setMinimumWidth(520)
        intro = QLabel(
            "Nhập mã khôi phục đã in khi tạo hồ sơ (8 nhóm, mỗi nhóm 4 ký tự), rồi đặt "
            "mật khẩu mới."
        )
        intro.setWordWrap(True)
        self.user_edit = QLineEdit(user)
        self.key_edit = QLineEdit()
        self.key_edit.setPlaceholderText("ABCD EFGH IJKL MNOP QRST UVWX YZ23 4567")
        self.new_edit = password_edit()
        self.again_edit = password_edit()
        self.error_label = _error_label()
        form = QFormLayout()
        form.addRow("Hồ sơ làm việc:", QLabel(profile))
        form.addRow("Người dùng:", self.user_edit)
        form.addRow("Mã khôi phục:", self.key_edit)
        form.addRow("Mật khẩu mới:", self.new_edit)
        form.addRow("Nhập lại mật khẩu mới:", self.again_edit)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(_buttons(self, "Đặt mật khẩu mới và mở"))

    def save(self) -> bool:
        new = self.new_edit.text()
        try:
            check_new_password(new, self.again_edit.text())
        except KhdeskError as exc:
            self.error_label.setText(exc.message)
            return False
        user, key = self.user_edit.text().strip(), self.key_edit.text()
        work = partial(_recover, self.home, self.profile, user, key, new)
        _submit(self, "Đang kiểm tra mã khôi phục…", work, partial(setattr, self, "session"))
        return True


def _remove(session, name, **_):
    return profiles.remove_user(session, name)


def _recover(home, profile, user, key, new, **_) -> Session:
    return profiles.recover(home, profile, user, key, new)
