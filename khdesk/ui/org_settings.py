"""Organisation settings ("Chi bộ / tổ chức"): the unit's facts the rules read (kind,
grassroots cell, special area…) and its admission plan targets per year and per period.
Saved together in one transaction; only the owner or the secretary may change them."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
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

from khdesk.core.domain.roles import Action
from khdesk.core.domain.template import CELL_KINDS, Kind
from khdesk.core.services.organisations import (
    ORG_FIELDS,
    get_org,
    save_org_settings,
    writable_orgs,
)
from khdesk.ui.add_unit import AddUnitDialog
from khdesk.ui.context import Changes
from khdesk.ui.messages import error_text
from khdesk.ui.pages import Page
from khdesk.ui.plaintext import rich

PLAN_COLUMNS = (
    ("year", "Năm"),
    ("period", "Giai đoạn"),
    ("target", "Chỉ tiêu\nkết nạp *"),
    ("target_youth", "Chỉ tiêu\nthanh niên"),
    ("target_private", "Chỉ tiêu khu\nvực tư nhân"),
)
# Help next to the fields whose meaning is not obvious.
HINTS = {
    "is_grassroots_cell": "Chi bộ cơ sở: chi bộ xét kết nạp xong, trình thẳng cấp ủy cấp trên "
    "(không có bước đảng ủy cơ sở xét).",
    "self_managed": "Chi bộ tự dùng khdesk: hồ sơ của chi bộ đến đảng ủy bằng tệp đồng bộ.",
    "special_area": "Vùng đặc biệt: miền núi, biên giới, hải đảo, vùng đồng bào dân tộc thiểu "
    "số hoặc đặc biệt khó khăn (áp dụng điều kiện riêng về học vấn).",
}


# Facts of a cell only: hidden for a committee (they mean nothing there).
CELL_ONLY = ("is_grassroots_cell", "self_managed", "village_head_is_member")


def _text(value) -> str:
    return "" if value is None else str(value)


class OrgSettingsPage(Page):
    key = "org"
    title = "Chi bộ / tổ chức"

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        self.can_edit = self.session.may(Action.UNIT_SETTINGS)
        self.org_box = QComboBox()
        self._fill_orgs()
        self.org_box.currentIndexChanged.connect(self.refresh)
        # A committee or the province adds the units under it here (a cell has none).
        self.add_unit_button = QPushButton("Thêm đơn vị…")
        self.add_unit_button.clicked.connect(self.add_unit)

        # -- the unit's fields --
        self.fields: dict[str, QWidget] = {}
        form = QFormLayout()
        self.form = form
        self.code_label = QLabel()
        self.parent_label = QLabel()
        form.addRow("Mã đơn vị:", self.code_label)
        form.addRow("Đơn vị cấp trên:", self.parent_label)
        for column in ORG_FIELDS:
            if column.kind is Kind.CHOICE:
                widget: QWidget = QComboBox()
                widget.addItem("(chưa ghi)", None)
                for choice in column.choices:
                    widget.addItem(choice, choice)
            elif column.kind is Kind.BOOL:
                # Three answers: "not recorded" is not "no" (the rules read them apart).
                widget = QComboBox()
                widget.addItem("(chưa ghi)", None)
                widget.addItem("Có", True)
                widget.addItem("Không", False)
            else:
                widget = QLineEdit()
                if column.kind is Kind.INT:
                    widget.setMaximumWidth(100)
            widget.setToolTip(HINTS.get(column.key, ""))
            self.fields[column.key] = widget
            form.addRow(f"{column.header}{' *' if column.required else ''}:", widget)
        decision = QLineEdit()
        decision.setPlaceholderText("vd. Ban Thường vụ Đảng ủy xã Cam Lâm")
        self.fields["decision_body"] = decision
        form.addRow("Cấp quyết định kết nạp:", decision)
        hints = rich(QLabel("<br>".join(f"• {text}" for text in HINTS.values())))
        hints.setWordWrap(True)
        hints.setStyleSheet("color: #555;")
        self.fields["kind"].currentIndexChanged.connect(self._show_cell_fields)
        org_box = QGroupBox("Thông tin đơn vị")
        org_layout = QVBoxLayout(org_box)
        org_layout.addLayout(form)
        org_layout.addWidget(hints)
        org_layout.addStretch(1)

        # -- the plans --
        self.plans = QTableWidget(0, len(PLAN_COLUMNS))
        self.plans.setHorizontalHeaderLabels([h for _, h in PLAN_COLUMNS])
        self.plans.verticalHeader().setVisible(False)
        self.plans.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.plans.horizontalHeader().setMinimumSectionSize(60)
        self.plans.setWordWrap(True)
        self.add_year_button = QPushButton("Thêm kế hoạch năm")
        self.add_year_button.clicked.connect(lambda: self.add_plan_row(year=True))
        self.add_period_button = QPushButton("Thêm kế hoạch giai đoạn")
        self.add_period_button.clicked.connect(lambda: self.add_plan_row(year=False))
        self.remove_button = QPushButton("Xóa dòng đang chọn")
        self.remove_button.clicked.connect(self.remove_plan_row)
        plan_buttons = QHBoxLayout()
        plan_buttons.addWidget(self.add_year_button)
        plan_buttons.addWidget(self.add_period_button)
        plan_buttons.addWidget(self.remove_button)
        plan_buttons.addStretch(1)
        plan_help = rich(
            QLabel(
                "Mỗi dòng ghi <b>hoặc</b> năm <b>hoặc</b> giai đoạn (năm đầu-năm cuối, "
                "vd. 2026-2030), không ghi cả hai. Bấm đúp vào ô để sửa, xong bấm "
                "<b>Lưu thay đổi</b>."
            )
        )
        plan_help.setWordWrap(True)
        plan_box = QGroupBox("Kế hoạch phát triển đảng viên (chỉ tiêu kết nạp)")
        plan_layout = QVBoxLayout(plan_box)
        plan_layout.addWidget(plan_help)
        plan_layout.addWidget(self.plans, 1)
        plan_layout.addLayout(plan_buttons)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.save_button = QPushButton("Lưu thay đổi")
        self.save_button.clicked.connect(self.save)
        self.reload_button = QPushButton("Bỏ thay đổi")
        self.reload_button.clicked.connect(self.refresh)
        bottom = QHBoxLayout()
        bottom.addWidget(self.message, 1)
        bottom.addWidget(self.reload_button)
        bottom.addWidget(self.save_button)

        top = QHBoxLayout()
        self.org_label = QLabel("Đơn vị:")
        top.addWidget(self.org_label)
        top.addWidget(self.org_box, 1)
        top.addWidget(self.add_unit_button)
        self._show_org_box()
        self.add_unit_button.setVisible(self.can_edit and self.session.info.role != "cell")

        body = QHBoxLayout()
        body.addWidget(org_box, 1)
        body.addWidget(plan_box, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(body, 1)
        layout.addLayout(bottom)

        if not self.can_edit:
            for widget in (*self.fields.values(), self.plans):
                widget.setEnabled(False)
            for button in (
                self.add_year_button,
                self.add_period_button,
                self.remove_button,
                self.save_button,
                self.reload_button,
            ):
                button.setVisible(False)
        self.refresh()

    def _fill_orgs(self) -> None:
        for org in writable_orgs(self.session):
            self.org_box.addItem(f"{org['name']} ({org['code']})", org["code"])

    def _show_org_box(self) -> None:
        several = self.org_box.count() > 1
        self.org_label.setVisible(several)
        self.org_box.setVisible(several)

    def add_unit(self) -> AddUnitDialog:
        """Open "Thêm đơn vị"; once added, the unit is in the list and shown."""
        dialog = AddUnitDialog(self.ctx, self)
        dialog.accepted.connect(lambda: self._added(dialog.added))
        dialog.open()
        return dialog

    def _added(self, unit: dict | None) -> None:
        if unit is None:
            return
        self.org_box.blockSignals(True)
        self.org_box.clear()
        self._fill_orgs()
        self.org_box.blockSignals(False)
        self._show_org_box()
        self.org_box.setCurrentIndex(max(self.org_box.findData(unit["code"]), 0))
        self.refresh()
        self.message.setStyleSheet("color: #1d6b2f;")
        self.message.setText(f"Đã thêm đơn vị {unit['code']} ({unit['name']}).")

    @property
    def org_code(self) -> str:
        return self.org_box.currentData() or self.session.org_code

    def refresh(self) -> None:
        org = get_org(self.session, self.org_code)
        self.code_label.setText(org["code"])
        self.parent_label.setText(org.get("parent_code") or "—")
        for key, widget in self.fields.items():
            value = org.get(key)
            if isinstance(widget, QComboBox):
                widget.setCurrentIndex(max(widget.findData(value), 0))
            else:
                widget.setText(_text(value))
        self._show_cell_fields()
        self.plans.setRowCount(0)
        for plan in org["plans"]:
            self._append_plan(plan)
        if self.can_edit:
            self.message.setText("")
        else:
            self.message.setText("Chỉ chủ hồ sơ hoặc bí thư được sửa thông tin này.")

    def _show_cell_fields(self) -> None:
        kind = self.fields["kind"].currentData()
        is_cell = kind is None or kind in CELL_KINDS
        for key in CELL_ONLY:
            self.form.setRowVisible(self.fields[key], is_cell)

    def _append_plan(self, plan: dict) -> int:
        row = self.plans.rowCount()
        self.plans.insertRow(row)
        for col, (key, _) in enumerate(PLAN_COLUMNS):
            self.plans.setItem(row, col, QTableWidgetItem(_text(plan.get(key))))
        return row

    def add_plan_row(self, year: bool = True) -> int:
        today = self.ctx.today()
        if year:
            plan = {"year": today.year + 1}
        else:
            first = 2021 + 5 * ((today.year + 5 - 2021) // 5)
            plan = {"period": f"{first}-{first + 4}"}
        row = self._append_plan(plan)
        self.plans.setCurrentCell(row, 2)
        return row

    def remove_plan_row(self) -> None:
        row = self.plans.currentRow()
        if row >= 0:
            self.plans.removeRow(row)

    def field_values(self) -> dict:
        out: dict = {}
        for key, widget in self.fields.items():
            if isinstance(widget, QComboBox):
                out[key] = widget.currentData()
            else:
                out[key] = widget.text().strip() or None
        return out

    def plan_values(self) -> list[dict]:
        out = []
        for row in range(self.plans.rowCount()):
            values = {}
            for col, (key, _) in enumerate(PLAN_COLUMNS):
                item = self.plans.item(row, col)
                values[key] = (item.text().strip() if item else "") or None
            if any(values.values()):  # an empty row is a row not filled in, not an error
                out.append(values)
        return out

    def save(self) -> bool:
        try:
            save_org_settings(self.session, self.org_code, self.field_values(), self.plan_values())
        except Exception as exc:  # the service's Vietnamese message, on the page
            self.message.setStyleSheet("color: #9b1c1c;")
            self.message.setText(error_text(exc))
            return False
        # Pages reload first (this one too, through the window): then say it is saved.
        self.ctx.hub.notify(Changes(orgs=True, settings=True))
        self.refresh()
        self.message.setStyleSheet("color: #1d6b2f;")
        self.message.setText("Đã lưu.")
        self.ctx.hub.status.emit("Đã lưu thông tin đơn vị và kế hoạch.")
        return True
