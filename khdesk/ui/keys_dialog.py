"""The station's keys on the sync page: its fingerprint shown large (read aloud to the
other side), its card written to a USB stick, another station's card enrolled once the
fingerprint read over the phone matches, rotation and revocation.

Confirmations are separate from the actions (`ask_rotate` → `rotate`), so the actions can
be driven without a modal box.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from khdesk.core.domain.roles import Action
from khdesk.core.fsutil import safe_file_name
from khdesk.core.services import sync
from khdesk.core.sync.errors import KeyCardError
from khdesk.core.sync.keys import STATUS_LABELS
from khdesk.ui.drives import dialog_start
from khdesk.ui.messages import confirm, error_text
from khdesk.ui.sync_widgets import (
    GREEN,
    GREY,
    RED,
    RowsModel,
    bold,
    local_day,
    result_label,
    rows_table,
    say,
)

ROLE_WORDS = {"cell": "Chi bộ", "committee": "Đảng ủy", "province": "Tỉnh ủy"}
PEER_COLUMNS = [
    ("org", "Đơn vị"),
    ("role", "Cấp"),
    ("fingerprint", "Mã xác nhận"),
    ("status", "Trạng thái"),
    ("enrolled", "Ghi nhận ngày"),
]


def _mono(size_delta: int = 0, bold: bool = False) -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    if size_delta:
        font.setPointSize(font.pointSize() + size_delta)
    font.setBold(bold)
    return font


class KeysPanel(QWidget):
    def __init__(self, page):
        super().__init__(page)
        self.page = page
        self.status: dict = {}
        self.last_error: str | None = None
        self.unit_offer: str | None = None  # the card's unit may be added (why, to ask)
        keeper = page.session.may(Action.MANAGE_KEYS)

        # this station
        own = QGroupBox("Mã xác nhận của hồ sơ này")
        self.fingerprint_label = QLabel()
        self.fingerprint_label.setFont(_mono(10, bold=True))
        self.fingerprint_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.fingerprint_label.setStyleSheet("padding: 6px; background: #f4f6fa;")
        hint = QLabel(
            "Khi đơn vị kia ghi nhận thẻ khóa của hồ sơ này, hãy đọc mã trên cho họ qua điện "
            "thoại (hoặc gửi bản in) để họ đối chiếu."
        )
        hint.setWordWrap(True)
        self.card_button = QPushButton("Ghi thẻ khóa ra USB…")
        self.card_button.clicked.connect(self._choose_card_folder)
        self.rotate_button = QPushButton("Đổi khóa…")
        self.rotate_button.clicked.connect(self.ask_rotate)
        self.rotate_button.setEnabled(keeper)
        self.own_result = result_label()
        own_layout = QVBoxLayout(own)
        own_layout.addWidget(self.fingerprint_label)
        own_layout.addWidget(hint)
        row = QHBoxLayout()
        row.addWidget(self.card_button)
        row.addWidget(self.rotate_button)
        row.addStretch(1)
        own_layout.addLayout(row)
        own_layout.addWidget(self.own_result)

        # enrolling another station
        enrol = QGroupBox("Ghi nhận thẻ khóa của đơn vị khác")
        self.card_edit = QLineEdit()
        self.card_edit.setPlaceholderText("Tệp thẻ khóa (.card) đơn vị kia gửi")
        choose = QPushButton("Chọn tệp…")
        choose.clicked.connect(self._choose_card_file)
        self.typed_edit = QLineEdit()
        self.typed_edit.setFont(_mono(4))
        self.typed_edit.setPlaceholderText("XXXX XXXX XXXX XXXX XXXX XXXX")
        self.typed_edit.setMaxLength(40)
        self.enrol_button = QPushButton("Đối chiếu và ghi nhận")
        bold(self.enrol_button)
        self.enrol_button.clicked.connect(self.ask_enrol)
        self.enrol_button.setEnabled(keeper)
        self.enrol_result = result_label()
        grid = QGridLayout(enrol)
        grid.addWidget(QLabel("Tệp thẻ khóa:"), 0, 0)
        grid.addWidget(self.card_edit, 0, 1)
        grid.addWidget(choose, 0, 2)
        grid.addWidget(QLabel("Mã xác nhận đơn vị kia\nđọc cho bạn:"), 1, 0)
        grid.addWidget(self.typed_edit, 1, 1)
        grid.addWidget(self.enrol_button, 1, 2)
        grid.addWidget(self.enrol_result, 2, 0, 1, 3)
        grid.setColumnStretch(1, 1)

        # the stations known here
        known = QGroupBox("Các đơn vị đã ghi nhận khóa")
        self.peer_model = RowsModel(PEER_COLUMNS, self)
        self.peer_table = rows_table(self.peer_model)
        for col, width in enumerate((360, 70, 260, 110)):
            self.peer_table.setColumnWidth(col, width)
        self.peer_table.horizontalHeader().setStretchLastSection(True)
        self.revoke_button = QPushButton("Thu hồi khóa đã chọn…")
        self.revoke_button.clicked.connect(self.ask_revoke)
        self.revoke_button.setEnabled(keeper)
        self.peer_result = result_label()
        known_layout = QVBoxLayout(known)
        known_layout.addWidget(self.peer_table, 1)
        row = QHBoxLayout()
        row.addWidget(self.revoke_button)
        row.addStretch(1)
        known_layout.addLayout(row)
        known_layout.addWidget(self.peer_result)

        layout = QVBoxLayout(self)
        layout.addWidget(own)
        layout.addWidget(enrol)
        layout.addWidget(known, 1)

    def refresh(self, status: dict | None = None) -> None:
        self.status = status or sync.key_status(self.page.session)
        self.fingerprint_label.setText(self.status["fingerprint"])
        rows = []
        for p in self.status["peers"]:
            rows.append(
                {
                    "org": f"{p['org_code']} — {p['org_name']}",
                    "role": ROLE_WORDS.get(p["role"], p["role"]),
                    "fingerprint": p["fingerprint"],
                    "status": STATUS_LABELS.get(p["status"], p["status"]).capitalize(),
                    "enrolled": local_day(p["enrolled_at"]),
                    "_color": GREY if p["status"] != "active" else None,
                }
            )
        self.peer_model.set_rows(rows)

    def _changed(self) -> None:
        self.page.refresh()

    # card

    def _choose_card_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Chọn USB để ghi thẻ khóa", dialog_start())
        if folder:
            self.write_card(Path(folder))

    def write_card(self, folder: Path) -> Path | None:
        name = safe_file_name(f"the-khoa-{self.page.session.org_code}.card")
        try:
            done = sync.write_card(self.page.session, Path(folder) / name)
        except Exception as exc:
            self.last_error = error_text(exc)
            say(self.own_result, escape(self.last_error), RED)
            return None
        say(
            self.own_result,
            f"Đã ghi thẻ khóa <b>{escape(name)}</b> vào {escape(str(folder))}. Chuyển tệp này "
            "cho đơn vị kia, rồi đọc mã xác nhận ở trên cho họ.",
            GREEN,
        )
        return Path(done["file"])

    # enrolment

    def _choose_card_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Chọn tệp thẻ khóa", dialog_start(), "Thẻ khóa (*.card);;Mọi tệp (*)"
        )
        if path:
            self.card_edit.setText(path)

    def ask_enrol(self) -> None:
        """Enrol; when the card's unit is missing here but its card names this station
        as its parent, ask whether to add the unit and enrol."""
        if self.enrol() or self.unit_offer is None:
            return
        if confirm(
            self,
            "Thêm đơn vị trực thuộc",
            self.unit_offer + "\n\nThêm đơn vị này vào danh sách và ghi nhận khóa?",
            yes="Thêm đơn vị và ghi nhận",
        ):
            self.enrol(add_unit=True)

    def enrol(self, add_unit: bool = False) -> bool:
        self.last_error = self.unit_offer = None
        path = self.card_edit.text().strip()
        typed = self.typed_edit.text().strip()
        if not path:
            return self._enrol_failed("Hãy chọn tệp thẻ khóa đơn vị kia gửi.")
        if not typed:
            return self._enrol_failed(
                "Hãy gõ mã xác nhận do đơn vị kia đọc cho bạn qua điện thoại (không chép từ tệp)."
            )
        try:
            done = sync.enrol_card(self.page.session, Path(path), typed, add_unit=add_unit)
        except Exception as exc:
            if isinstance(exc, KeyCardError) and exc.code == "unit_missing":
                self.unit_offer = exc.message
            return self._enrol_failed(error_text(exc))
        if done["already"]:
            text = f"Khóa của {done['org_code']} đã được ghi nhận trước đó."
        else:
            text = (
                f"✓ Mã xác nhận khớp. Đã ghi nhận khóa của {done['org_code']} — {done['org_name']}."
            )
        if done["unit_added"]:
            unit = done["unit_added"]
            text += (
                f" Đã thêm {unit['code']} ({unit['kind']}) vào danh sách đơn vị trực thuộc; "
                "loại đơn vị đọc từ tên, nếu chưa đúng hãy nhập lại danh sách đơn vị từ Excel."
            )
        say(self.enrol_result, escape(text), GREEN)
        self.typed_edit.clear()
        self.card_edit.clear()
        self._changed()
        return True

    def _enrol_failed(self, text: str) -> bool:
        self.last_error = text
        say(self.enrol_result, "✗ " + escape(text), RED)
        return False

    # rotation, revocation

    def ask_rotate(self) -> None:
        if confirm(
            self,
            "Đổi khóa",
            "Tạo khóa mới cho hồ sơ này? Các tệp gửi đi từ nay mang thông báo đổi khóa; đơn vị "
            "gửi tệp cho hồ sơ này sẽ cần thẻ khóa mới và mã xác nhận mới.",
            yes="Đổi khóa",
        ):
            self.rotate()

    def rotate(self) -> dict | None:
        try:
            done = sync.rotate_keys(self.page.session)
        except Exception as exc:
            self.last_error = error_text(exc)
            say(self.own_result, escape(self.last_error), RED)
            return None
        self._changed()
        say(
            self.own_result,
            "Đã đổi khóa. Mã xác nhận mới ở trên; hãy ghi thẻ khóa mới ra USB cho các đơn vị "
            "gửi tệp đến hồ sơ này.",
            GREEN,
        )
        return done

    def selected_peer(self) -> dict | None:
        index = self.peer_table.currentIndex()
        if not index.isValid():
            return None
        return self.status["peers"][index.row()]

    def ask_revoke(self) -> None:
        peer = self.selected_peer()
        if peer is None:
            say(self.peer_result, "Hãy chọn một khóa trong danh sách.", RED)
            return
        if confirm(
            self,
            "Thu hồi khóa",
            f"Thu hồi khóa của {peer['org_code']} ({peer['fingerprint']})? Mọi tệp ký bằng khóa "
            "này sẽ bị từ chối; không thể hoàn tác.",
            yes="Thu hồi",
        ):
            self.revoke(peer["fingerprint"])

    def revoke(self, fingerprint: str) -> bool:
        try:
            done = sync.revoke_key(self.page.session, fingerprint)
        except Exception as exc:
            self.last_error = error_text(exc)
            say(self.peer_result, escape(self.last_error), RED)
            return False
        self._changed()
        who = done.get("org_code") or "hồ sơ này"
        say(self.peer_result, escape(f"Đã thu hồi khóa của {who}."), GREEN)
        return True
