""" "Bàn giao": hand the profile over to a new secretary."""

from __future__ import annotations

from functools import partial
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
)

from khdesk.core.errors import InputError, KhdeskError
from khdesk.core.services import profiles, safety
from khdesk.core.services.rekey import STATION_KEY_NOTE
from khdesk.ui.context import Changes
from khdesk.ui.messages import ERROR_STYLE, error_text
from khdesk.ui.operation import Operation
from khdesk.ui.pages import Page
from khdesk.ui.safety.widgets import (
    _buttons,
    _label,
    _password_edit,
)


class HandoverDialog(QDialog):
    """Guided: the new secretary's user and password, optionally remove the outgoing
    one; then the new recovery key, shown once."""

    def __init__(self, page: Page):
        super().__init__(page)
        self.page = page
        self.result: safety.HandoverResult | None = None
        self.setWindowTitle("Bàn giao cho bí thư mới")
        self.setMinimumWidth(580)
        intro = _label(
            "Bí thư mới được thêm làm chủ hồ sơ với mật khẩu riêng. Chương trình đổi khóa cơ "
            "sở dữ liệu và tạo khóa khôi phục mới (khóa cũ và bản sao tệp khóa cũ hết mở "
            "được dữ liệu hiện tại), ghi việc bàn giao vào nhật ký và báo cấp trên trong gói "
            "đồng bộ tiếp theo. Các bản sao lưu làm trước đó vẫn mở được bằng mật khẩu lúc "
            "làm chúng: hãy cất giữ hoặc hủy các thẻ nhớ cũ."
        )
        self.user_edit = QLineEdit()
        self.user_edit.setPlaceholderText("chữ không dấu, ví dụ: bithumoi")
        self.password_edit = _password_edit()
        self.again_edit = _password_edit()
        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText("ví dụ: theo Quyết định chuẩn y bí thư chi bộ")
        self.remove_box = QCheckBox(
            f"Gỡ người dùng hiện tại ({page.session.user}) sau khi bàn giao"
        )
        form = QFormLayout()
        form.addRow("Tên đăng nhập của bí thư mới:", self.user_edit)
        form.addRow("Mật khẩu của bí thư mới:", self.password_edit)
        form.addRow("Nhập lại mật khẩu:", self.again_edit)
        form.addRow("Ghi chú:", self.note_edit)
        self.result_label = _label()
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label = _label(style=ERROR_STYLE)
        self.buttons, self.ok_button = _buttons(self, "Bàn giao")
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.remove_box)
        layout.addWidget(self.result_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

    def save(self) -> bool:
        if self.result is not None:  # the second press: "Xong"
            self.accept()
            return True
        user, password = self.user_edit.text().strip(), self.password_edit.text()
        try:
            if not user:
                raise InputError("Hãy nhập tên đăng nhập của bí thư mới.")
            profiles.check_password_strength(password)
            if password != self.again_edit.text():
                raise InputError("Hai lần nhập mật khẩu không giống nhau.")
        except KhdeskError as exc:
            self.error_label.setText(exc.message)
            return False
        work = partial(
            safety.handover,
            self.page.session,
            user,
            password,
            remove_current=self.remove_box.isChecked(),
            note=self.note_edit.text().strip(),
        )
        Operation(self, work).with_progress("Đang bàn giao…").changes(
            self.page.ctx.hub, Changes(users=True, keys=True)
        ).success(self._handed_over).failure(self._refused).run_in_background()
        return True

    def _refused(self, exc: BaseException) -> None:
        self.error_label.setText(error_text(exc))

    def _handed_over(self, done: safety.HandoverResult) -> None:
        self.result = done
        self.error_label.clear()
        gone = (
            f"<br>Người dùng <b>{escape(done.removed)}</b> đã được gỡ: sau khi đóng chương trình, "
            f"chỉ bí thư mới đăng nhập được.<br>{escape(STATION_KEY_NOTE)}"
            if done.removed
            else ""
        )
        lost = "".join(
            f"<br>Người dùng <b>{escape(name)}</b> cần mật khẩu mới: chủ hồ sơ thêm lại cùng tên "
            "trong “Người dùng” với mật khẩu mới."
            for name in done.rekeyed.lost
        )
        self.result_label.setTextFormat(Qt.TextFormat.RichText)
        self.result_label.setText(
            f"✔ Đã bàn giao cho <b>{escape(done.new_user)}</b>.{gone}{lost}<br><br>"
            "Khóa khôi phục MỚI — chép hoặc in ra, giao cho bí thư mới cất nơi an toàn "
            "(chỉ hiện một lần):<br>"
            f"<span style='font-family: monospace; font-size: 12pt;'><b>{done.recovery_key}"
            "</b></span>"
        )
        self.ok_button.setText("Xong")
        self.cancel_button.hide()  # done: nothing left to cancel
        for w in (self.user_edit, self.password_edit, self.again_edit, self.note_edit):
            w.setEnabled(False)
        self.remove_box.setEnabled(False)
        self.page.after_handover(done)
        return True
