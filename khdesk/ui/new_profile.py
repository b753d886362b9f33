"""The "new profile" wizard: role, the unit, its approval chain (cells), the first user,
and the recovery key, shown once, to print or save, and confirmed kept before finishing.

The profile is made (one scrypt derivation, on the worker thread) when the user page is
accepted; from then on there is no going back and no cancelling until the recovery key
is confirmed kept: without it a forgotten password loses the data.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase, QTextDocument
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from khdesk.core.domain.template import CELL_KINDS
from khdesk.core.errors import InputError, KhdeskError
from khdesk.core.fsutil import atomic_write_bytes
from khdesk.core.services import organisations, profiles
from khdesk.core.services.session import Session
from khdesk.ui.messages import ERROR_STYLE, error_text
from khdesk.ui.operation import Operation
from khdesk.ui.users import check_new_password, password_edit

ROLE_PAGE, ORG_PAGE, CHAIN_PAGE, USER_PAGE, KEY_PAGE = range(5)
KINDS_BY_ROLE = {
    "cell": CELL_KINDS,
    "committee": ("Đảng ủy xã", "Đảng ủy phường", "Đảng ủy đặc khu", "Đảng ủy cơ sở"),
    "province": ("Tỉnh ủy",),
}
ROLE_CHOICES = (
    ("cell", "Chi bộ", "Bí thư chi bộ quản lý hồ sơ quần chúng của chi bộ mình."),
    (
        "committee",
        "Đảng ủy xã / phường / đặc khu",
        "Văn phòng đảng ủy nhận hồ sơ từ các chi bộ, xét duyệt và làm hộ chi bộ chưa dùng khdesk.",
    ),
    ("province", "Tỉnh ủy", "Ban Tổ chức Tỉnh ủy tổng hợp số liệu toàn tỉnh."),
)


def _error_label() -> QLabel:
    label = QLabel()
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    return label


def _note(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet("color: #444;")
    return label


class RolePage(QWizardPage):
    def __init__(self):
        super().__init__()
        self.setTitle("Hồ sơ này dùng cho cấp nào?")
        self.group = QButtonGroup(self)
        layout = QVBoxLayout(self)
        for i, (role, label, note) in enumerate(ROLE_CHOICES):
            button = QRadioButton(label)
            button.setProperty("role", role)
            self.group.addButton(button, i)
            layout.addWidget(button)
            hint = _note(note)
            hint.setContentsMargins(24, 0, 0, 8)
            layout.addWidget(hint)
        self.group.button(0).setChecked(True)
        layout.addStretch(1)

    def role(self) -> str:
        return self.group.checkedButton().property("role")

    def set_role(self, role: str) -> None:
        for button in self.group.buttons():
            button.setChecked(button.property("role") == role)


class OrgPage(QWizardPage):
    def __init__(self):
        super().__init__()
        self.setTitle("Đơn vị")
        self.setSubTitle("Thông tin của chi bộ / đảng ủy dùng hồ sơ này.")
        self.code_edit = QLineEdit()
        self.code_edit.setPlaceholderText("ví dụ: X01-CB05 (chữ không dấu, số, dấu '-')")
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("ví dụ: Chi bộ thôn Bãi Giếng Nam")
        self.parent_edit = QLineEdit()
        self.parent_edit.setPlaceholderText("mã đảng ủy cấp trên trực tiếp, ví dụ: X01")
        self.kind_box = QComboBox()
        self.special_check = QCheckBox(
            "Vùng đặc biệt (miền núi, biên giới, hải đảo, vùng đồng bào dân tộc, đặc biệt khó khăn)"
        )
        # Three answers: left unanswered it stays "not recorded", not "no" (INTRO_YOUTH
        # then asks the cell to record it).
        self.youth_box = QComboBox()
        self.youth_box.addItem("(chưa ghi)", None)
        self.youth_box.addItem("Có", True)
        self.youth_box.addItem("Không", False)
        self.villages_spin = QSpinBox()
        self.villages_spin.setRange(0, 500)
        self.village_head_check = QCheckBox("Trưởng thôn / tổ trưởng tổ dân phố là đảng viên")
        self.error_label = _error_label()
        form = QFormLayout(self)
        form.addRow("Mã đơn vị:", self.code_edit)
        form.addRow("Tên đơn vị:", self.name_edit)
        form.addRow("Loại:", self.kind_box)
        self.parent_label = QLabel("Mã đơn vị cấp trên:")
        form.addRow(self.parent_label, self.parent_edit)
        self.villages_label = QLabel("Số thôn / tổ dân phố:")
        form.addRow(self.villages_label, self.villages_spin)
        form.addRow(self.special_check)
        form.addRow("Có tổ chức Đoàn thanh niên:", self.youth_box)
        form.addRow(self.village_head_check)
        form.addRow(self.error_label)

    def initializePage(self) -> None:  # noqa: N802 - Qt API
        role = self.wizard().role()
        kinds = KINDS_BY_ROLE[role]
        if [self.kind_box.itemText(i) for i in range(self.kind_box.count())] != list(kinds):
            self.kind_box.clear()
            self.kind_box.addItems(kinds)
        # Only the fields that apply to this level are shown.
        for widget in (self.parent_label, self.parent_edit):
            widget.setVisible(role != "province")
        for widget in (self.villages_label, self.villages_spin):
            widget.setVisible(role == "committee")
        self.village_head_check.setVisible(role == "cell")

    def validatePage(self) -> bool:  # noqa: N802 - Qt API
        problems = []
        if not self.code_edit.text().strip():
            problems.append("Cần ghi mã đơn vị.")
        if not self.name_edit.text().strip():
            problems.append("Cần ghi tên đơn vị.")
        if self.wizard().role() == "cell" and not self.parent_edit.text().strip():
            problems.append("Chi bộ cần mã đảng ủy cấp trên (để gửi hồ sơ lên đảng ủy).")
        self.error_label.setText("\n".join(problems))
        return not problems

    def nextId(self) -> int:  # noqa: N802 - Qt API
        return CHAIN_PAGE if self.wizard().role() == "cell" else USER_PAGE


class ChainPage(QWizardPage):
    """Who decides admission for the cell (RULES.md §1): a grassroots cell goes straight to
    the commune committee's standing committee; a cell inside a đảng bộ cơ sở first needs
    that committee's resolution (step A9)."""

    def __init__(self):
        super().__init__()
        self.setTitle("Cấp xét duyệt kết nạp")
        self.grassroots_check = QCheckBox("Chi bộ cơ sở (trực thuộc thẳng đảng ủy xã/phường)")
        self.grassroots_check.setChecked(True)
        self.decision_edit = QLineEdit()
        layout = QVBoxLayout(self)
        layout.addWidget(self.grassroots_check)
        layout.addWidget(
            _note(
                "Chi bộ cơ sở: chi bộ xét, rồi Ban Thường vụ đảng ủy xã/phường quyết định kết "
                "nạp. Chi bộ trong đảng bộ cơ sở (cơ quan, doanh nghiệp): sau khi chi bộ xét "
                "còn cần nghị quyết của đảng ủy cơ sở, rồi mới lên cấp quyết định."
            )
        )
        form = QFormLayout()
        form.addRow("Cấp quyết định kết nạp:", self.decision_edit)
        layout.addLayout(form)
        layout.addWidget(
            _note("Có thể sửa sau trong phần thông tin đơn vị. Tên này được in trên các mẫu.")
        )
        layout.addStretch(1)

    def initializePage(self) -> None:  # noqa: N802 - Qt API
        # Left empty, the forms name the upper committee's standing committee once its
        # name is known here (its key card); a code ("Đảng ủy X01") would print as is.
        parent = self.wizard().org_page.parent_edit.text().strip().upper()
        self.decision_edit.setPlaceholderText(
            f"để trống: Ban Thường vụ đảng ủy cấp trên ({parent})"
        )


class UserPage(QWizardPage):
    def __init__(self):
        super().__init__()
        self.setTitle("Người dùng đầu tiên")
        self.setSubTitle(
            "Người này là Chủ hồ sơ: có thể thêm người dùng khác sau. Ghi nhớ mật khẩu; nếu "
            "quên, chỉ mở lại được bằng mã khôi phục ở bước sau."
        )
        self.user_edit = QLineEdit("bithu")
        self.password_edit = password_edit()
        self.again_edit = password_edit()
        self.strength_label = QLabel()
        self.error_label = _error_label()
        self.password_edit.textChanged.connect(self._show_strength)
        form = QFormLayout(self)
        form.addRow("Tên đăng nhập:", self.user_edit)
        form.addRow("Mật khẩu:", self.password_edit)
        form.addRow("Nhập lại mật khẩu:", self.again_edit)
        form.addRow(self.strength_label)
        form.addRow(self.error_label)
        self.setCommitPage(True)  # the profile is made here: no way back after it
        self._show_strength()

    def _show_strength(self) -> None:
        try:
            profiles.check_password_strength(self.password_edit.text())
        except InputError as exc:
            self.strength_label.setText(f"✗ {exc.message}")
            self.strength_label.setStyleSheet(ERROR_STYLE)
        else:
            self.strength_label.setText("✓ Mật khẩu đủ dài.")
            self.strength_label.setStyleSheet("color: #1b5e20;")

    def validatePage(self) -> bool:  # noqa: N802 - Qt API
        """Made: go on. Else start making it in the background (stay here); once made,
        the wizard moves on by itself."""
        wizard = self.wizard()
        if wizard.session is not None:
            self.error_label.clear()
            return True
        try:
            check_new_password(self.password_edit.text(), self.again_edit.text())
            if not self.user_edit.text().strip():
                raise InputError("Cần tên đăng nhập.")
            wizard.create(then=wizard.next, failed=self._refused)
        except KhdeskError as exc:
            self._refused(exc)
        return False

    def _refused(self, exc: BaseException) -> None:
        self.error_label.setText(error_text(exc))


class KeyPage(QWizardPage):
    def __init__(self):
        super().__init__()
        self.setTitle("Mã khôi phục — chỉ hiện MỘT lần")
        intro = QLabel(
            "Hồ sơ đã được tạo. Nếu quên mật khẩu, chỉ mã dưới đây mở lại được dữ liệu. Hãy "
            "in ra (hoặc lưu ra USB) và cất giữ nơi an toàn, tách khỏi máy tính."
        )
        intro.setWordWrap(True)
        self.key_label = QLabel()
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(QFont().pointSizeF() * 1.8)
        font.setBold(True)
        self.key_label.setFont(font)
        self.key_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.key_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.key_label.setStyleSheet(
            "background: #fff8e1; border: 2px solid #f9a825; padding: 14px;"
        )
        self.key_label.setWordWrap(True)
        self.print_button = QPushButton("In…")
        self.save_button = QPushButton("Lưu ra tệp…")
        self.print_button.clicked.connect(lambda: self.wizard().print_key())
        self.save_button.clicked.connect(lambda: self.wizard().save_key_dialog())
        self.kept_check = QCheckBox("Tôi đã cất giữ mã khôi phục")
        self.kept_check.toggled.connect(self.completeChanged)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.print_button)
        row.addWidget(self.save_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.key_label)
        layout.addLayout(row)
        layout.addWidget(self.status_label)
        layout.addStretch(1)
        layout.addWidget(self.kept_check)

    def initializePage(self) -> None:  # noqa: N802 - Qt API
        self.key_label.setText(self.wizard().recovery_key or "")

    def isComplete(self) -> bool:  # noqa: N802 - Qt API
        return self.kept_check.isChecked()


def _create(home: Path, values: dict, org_fields: dict, **_) -> tuple[Session, str]:
    session, recovery = profiles.create_profile(home, **values)
    try:
        organisations.save_org_settings(session, session.org_code, org_fields)
    except BaseException:
        session.close()
        raise
    return session, recovery


class NewProfileWizard(QWizard):
    def __init__(self, home: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.home = Path(home)
        self.session: Session | None = None
        self.recovery_key: str | None = None
        self.setWindowTitle("Tạo hồ sơ làm việc mới")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setButtonText(QWizard.WizardButton.NextButton, "Tiếp >")
        self.setButtonText(QWizard.WizardButton.BackButton, "< Quay lại")
        self.setButtonText(QWizard.WizardButton.CommitButton, "Tạo hồ sơ")
        self.setButtonText(QWizard.WizardButton.FinishButton, "Xong — mở hồ sơ")
        self.setButtonText(QWizard.WizardButton.CancelButton, "Hủy")
        self.role_page = RolePage()
        self.org_page = OrgPage()
        self.chain_page = ChainPage()
        self.user_page = UserPage()
        self.key_page = KeyPage()
        for page_id, page in (
            (ROLE_PAGE, self.role_page),
            (ORG_PAGE, self.org_page),
            (CHAIN_PAGE, self.chain_page),
            (USER_PAGE, self.user_page),
            (KEY_PAGE, self.key_page),
        ):
            self.setPage(page_id, page)
        self.setMinimumSize(640, 480)

    def role(self) -> str:
        return self.role_page.role()

    def org_fields(self) -> dict:
        o = self.org_page
        role = self.role()
        fields = {
            "kind": o.kind_box.currentText(),
            "special_area": o.special_check.isChecked(),
            "has_youth_union": o.youth_box.currentData(),
        }
        if role == "committee":
            fields["villages"] = o.villages_spin.value() or None
        if role == "cell":
            fields["self_managed"] = True
            fields["village_head_is_member"] = o.village_head_check.isChecked()
            fields["is_grassroots_cell"] = self.chain_page.grassroots_check.isChecked()
            fields["decision_body"] = self.chain_page.decision_edit.text().strip() or None
        return fields

    def create(self, then: Callable[[], None], failed: Callable[[BaseException], None]) -> None:
        """Make the profile in the background, then `then()` (or `failed(why)`); raises
        KhdeskError at once for fields refused before anything is written."""
        if self.session is not None:
            return
        fields = self.org_fields()
        organisations.validate_org_fields(fields)  # refuse before anything is written
        o = self.org_page
        role = self.role()
        values = {
            "role": role,
            "org_code": o.code_edit.text().strip(),
            "org_name": o.name_edit.text().strip(),
            "parent_code": o.parent_edit.text().strip() or None if role != "province" else None,
            "user": self.user_page.user_edit.text().strip(),
            "password": self.user_page.password_edit.text(),
        }

        def made(result: tuple[Session, str]) -> None:
            self.session, self.recovery_key = result
            then()

        Operation(self, partial(_create, self.home, values, fields)).with_progress(
            "Đang tạo hồ sơ và khóa mã hóa…", cancellable=False
        ).success(made).failure(failed).run_in_background()

    # -- the recovery key, out of the PC --

    def recovery_text(self) -> str:
        info = self.session.info
        return (
            "khdesk — MÃ KHÔI PHỤC\n\n"
            f"Đơn vị: {info.org_name} ({info.org_code}) — {info.role_label}\n"
            f"Hồ sơ làm việc: {info.name}\n"
            f"Người dùng đầu tiên: {self.session.user}\n\n"
            f"Mã khôi phục: {self.recovery_key}\n\n"
            "Cất giữ nơi an toàn. Ai có mã này có thể đặt lại mật khẩu và đọc dữ liệu.\n"
        )

    def save_key_to(self, path: Path) -> None:
        atomic_write_bytes(Path(path), self.recovery_text().encode("utf-8"), private=True)
        self.key_page.status_label.setText(f"Đã lưu mã khôi phục vào {path}.")

    def save_key_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Lưu mã khôi phục", f"ma-khoi-phuc-{self.session.info.name}.txt",
            "Tệp văn bản (*.txt)",
        )  # fmt: skip
        if path:
            try:
                self.save_key_to(Path(path))
            except KhdeskError as exc:
                self.key_page.status_label.setText(exc.message)

    def print_key(self) -> None:
        # Qt's print support loads only when a key card is printed
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter()
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("In mã khôi phục")
        if dialog.exec() == QPrintDialog.DialogCode.Accepted:
            doc = QTextDocument()
            doc.setPlainText(self.recovery_text())
            doc.print_(printer)
            self.key_page.status_label.setText("Đã gửi mã khôi phục tới máy in.")

    def reject(self) -> None:
        # Once made, the wizard only closes with the recovery key confirmed kept.
        if self.session is not None and not self.key_page.kept_check.isChecked():
            self.key_page.status_label.setText(
                "Hãy in hoặc lưu mã khôi phục, rồi đánh dấu “Tôi đã cất giữ mã khôi phục”."
            )
            return
        if self.session is not None:
            self.accept()
            return
        super().reject()
