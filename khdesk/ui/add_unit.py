""" "Thêm đơn vị": a committee or the province adds a unit under it by hand (code, name,
kind, the unit above within its branch), with the checks an import of the units' sheet
makes (services/organisations.add_org). A cell that runs khdesk itself is added when its
key card is enrolled instead; the dialog says so."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from khdesk.core.domain.template import ORGS
from khdesk.core.services.organisations import add_org, unit_parents
from khdesk.ui.context import AppContext, Changes
from khdesk.ui.messages import error_text

NOTE = (
    "Đơn vị mới được thêm vào danh sách đơn vị trực thuộc. Chi bộ tự dùng khdesk thì không "
    "cần thêm ở đây: khi ghi nhận thẻ khóa của chi bộ, phần mềm đề nghị thêm đơn vị."
)


class AddUnitDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.added: dict | None = None
        self.setWindowTitle("Thêm đơn vị")
        self.code_edit = QLineEdit()
        self.code_edit.setPlaceholderText("vd. X01-CB09")
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("vd. Chi bộ thôn Hòa Sơn")
        self.kind_box = QComboBox()
        self.kind_box.addItem("(chưa ghi)", None)
        for kind in ORGS.column("kind").choices:
            self.kind_box.addItem(kind, kind)
        self.parent_box = QComboBox()
        for org in unit_parents(ctx.session):
            self.parent_box.addItem(f"{org['name']} ({org['code']})", org["code"])
        form = QFormLayout()
        form.addRow("Mã đơn vị *:", self.code_edit)
        form.addRow("Tên đơn vị *:", self.name_edit)
        form.addRow("Loại:", self.kind_box)
        form.addRow("Đơn vị cấp trên:", self.parent_box)
        note = QLabel(NOTE)
        note.setWordWrap(True)
        note.setStyleSheet("color: #555;")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #9b1c1c;")
        buttons = QDialogButtonBox()
        self.add_button = buttons.addButton("Thêm", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("Hủy", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)

    def save(self) -> bool:
        """Add the unit; on a refusal the service's words stay in the dialog, nothing kept."""
        try:
            self.added = add_org(
                self.ctx.session,
                self.code_edit.text(),
                self.name_edit.text(),
                self.kind_box.currentData(),
                self.parent_box.currentData() or "",
            )
        except Exception as exc:  # the service's Vietnamese message, in the dialog
            self.message.setText(error_text(exc))
            return False
        self.ctx.hub.notify(Changes(orgs=True))
        self.ctx.hub.status.emit(f"Đã thêm đơn vị {self.added['code']}.")
        self.accept()
        return True
